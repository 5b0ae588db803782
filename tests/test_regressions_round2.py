"""Issue 23's remaining gaps, found by re-running its reproductions on the
merged package: each test failed before its fix."""

from __future__ import annotations

import numpy as np
import pytest

from tutorial_rnn import data
from tutorial_rnn.gated_lm import GatedLMNumpy
from tutorial_rnn.gated_numpy import GRUNumpy
from tutorial_rnn.gradients import RNNCell, gradient_flow
from tutorial_rnn.rnn_numpy import RNNNumpy
from tutorial_rnn.rnn_numpy_fast import FastRNNNumpy


def exploding_flow(**kwargs):
    with np.errstate(all="ignore"):  # the overflow is the point
        return gradient_flow(
            RNNCell(1.5 * np.eye(4)), np.zeros((2000, 4)), **kwargs
        )


def test_decay_after_an_overflow_is_an_error_not_nan():
    flow = exploding_flow(jacobian_norms=False)
    with pytest.raises(FloatingPointError, match="2000 steps back"):
        flow.decay_after(2000)
    assert np.isfinite(flow.decay_after(10))


def test_jacobian_norms_of_an_overflowing_product_are_an_error():
    with pytest.raises(FloatingPointError, match="overflows float64"):
        exploding_flow()


@pytest.mark.parametrize(
    "make",
    [
        lambda seed: RNNNumpy(5, 2, seed=seed),
        lambda seed: FastRNNNumpy(5, 2, seed=seed),
        lambda seed: GatedLMNumpy(5, 2, seed=seed),
        lambda seed: GRUNumpy(3, 2, seed=seed),
    ],
)
@pytest.mark.parametrize("seed", [-1, 1.5, "0", 2**64])
def test_a_bad_seed_is_refused_naming_seed(make, seed):
    with pytest.raises((TypeError, ValueError), match="seed"):
        make(seed)


@pytest.mark.parametrize("tokens", [[1, 2], [None, "the"], ["the", b"x"]])
def test_encode_refuses_tokens_that_are_not_strings(tokens):
    vocab = data.Vocabulary.build([["the", "cat"]], size=5)
    with pytest.raises(TypeError, match="item"):
        vocab.encode(tokens)
