"""Regressions for the gated models and the gradient-flow tools: each test
failed before its fix (issue numbers in the names)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tutorial_rnn import gradients


# 23.16 -----------------------------------------------------------------
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_23_16_rnn_cell_refuses_a_non_finite_W_naming_it(bad):
    W = np.eye(3)
    W[1, 2] = bad
    with pytest.raises(ValueError, match=r"\bW\b.*non-finite"):
        gradients.RNNCell(W)


def test_23_16_rnn_cell_refuses_a_W_that_is_not_a_real_square_matrix():
    with pytest.raises(TypeError, match=r"\bW\b.*real"):
        gradients.RNNCell(np.eye(2, dtype=complex))
    with pytest.raises(TypeError, match=r"\bW\b.*real"):
        gradients.RNNCell(np.array([["a", "b"], ["c", "d"]]))
    for shape in [(3,), (2, 3), (2, 2, 2)]:
        with pytest.raises(ValueError, match=r"W must be square"):
            gradients.RNNCell(np.zeros(shape))


def test_23_16_rnn_cell_takes_a_nested_list_and_keeps_its_numbers():
    cell = gradients.RNNCell([[0.5, 0.0], [0.0, 0.5]])
    assert isinstance(cell.W, np.ndarray) and cell.hidden_size == 2
    flow = gradients.gradient_flow(cell, np.zeros((3, 2)))
    np.testing.assert_allclose(flow.bound, 0.5 ** np.arange(4))
