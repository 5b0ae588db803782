"""Tests written because a mutation of ``tests/mutations.py`` survived the
suite: each names the mutation it kills."""

from __future__ import annotations

import numpy as np
import pytest

from tutorial_rnn.rnn_numpy import RNNNumpy


def test_sgd_step_refuses_a_nan_weight_and_changes_nothing():
    """Kills "sgd_step: the non-finite gradient check removed" (issue 17's
    problem 7: one NaN weight spread to every parameter)."""
    model = RNNNumpy(10, 4, seed=0)
    model.W[0, 0] = np.nan
    before = {name: getattr(model, name).copy() for name in "UVW"}
    with pytest.raises(FloatingPointError, match="not finite"):
        model.sgd_step([1, 2, 3], [2, 3, 4], 0.1)
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(model, name), value)
    assert np.isfinite(model.U).all() and np.isfinite(model.V).all()
