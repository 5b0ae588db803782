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


def _torch_batch():
    from tutorial_rnn.torch_lm import pad_batch

    X = [np.array([0, 1, 2, 3]), np.array([0, 4, 5])]
    Y = [np.array([1, 2, 3, 9]), np.array([4, 5, 9])]
    return pad_batch(X, Y, 10)


def test_torch_train_batch_makes_no_update_from_a_nan_gradient():
    """Kills "torch train_batch: the non-finite gradient check removed" (the
    later check on the parameters also raises, but only after the update
    has spread the NaN into them)."""
    import math

    import torch

    from tutorial_rnn.rnn_torch import RNNTorch

    model = RNNTorch(10, 4, seed=0, device="cpu", dtype=torch.float64)
    model.W.register_hook(lambda g: g * math.nan)
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(FloatingPointError, match="no update"):
        model.train_batch(*_torch_batch(), opt)
    for p, b in zip(model.parameters(), before, strict=True):
        torch.testing.assert_close(p.detach(), b, rtol=0, atol=0)


def test_torch_train_batch_clips_the_step_to_theta():
    """Kills "torch train_batch: clip ignored": with SGD at learning rate 1
    the update is the (clipped) gradient, so its norm is θ when the
    gradient is longer than θ."""
    import torch

    from tutorial_rnn.rnn_torch import RNNTorch

    model = RNNTorch(10, 4, seed=0, device="cpu", dtype=torch.float64)
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    model.train_batch(*_torch_batch(), opt, clip=1e-3)
    step = torch.sqrt(
        sum(
            ((p.detach() - b) ** 2).sum()
            for p, b in zip(model.parameters(), before, strict=True)
        )
    )
    # (torch divides by the norm + 1e-6, so the step is a hair below θ)
    assert 0.99e-3 < float(step) <= 1e-3
