"""tutorial_rnn.optim: each update against values computed by hand, and clear
errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tutorial_rnn.optim import (
    SGD,
    Adam,
    RMSprop,
    clip_by_norm,
    clip_gradients,
)


def test_sgd():
    p = np.array([1.0, -2.0])
    SGD({"p": p}, learning_rate=0.5).step({"p": np.array([2.0, 4.0])})
    np.testing.assert_array_equal(p, [0.0, -4.0])


def test_rmsprop_two_steps_by_hand():
    p = np.array([1.0])
    opt = RMSprop(
        {"p": p}, learning_rate=0.1
    )  # decay 0.9, eps 1e-6 inside the root
    opt.step({"p": np.array([2.0])})
    m1 = 0.1 * 4.0
    expected = 1.0 - 0.1 * 2.0 / math.sqrt(m1 + 1e-6)
    assert p[0] == pytest.approx(expected, rel=1e-14)
    opt.step({"p": np.array([-1.0])})
    m2 = 0.9 * m1 + 0.1 * 1.0
    assert p[0] == pytest.approx(
        expected + 0.1 * 1.0 / math.sqrt(m2 + 1e-6), rel=1e-14
    )


def test_adam_two_steps_by_hand_and_against_torch():
    p = np.array([0.5, -0.5])
    grads = [np.array([1.0, 0.1]), np.array([-3.0, 0.2])]
    opt = Adam({"p": p}, learning_rate=0.01)
    opt.step({"p": grads[0]})
    # step 1: m̂ = g, v̂ = g², so the update is lr * g / (|g| + eps) = lr *
    # sign(g)
    p1 = np.array([0.5, -0.5]) - 0.01 * grads[0] / (np.abs(grads[0]) + 1e-8)
    np.testing.assert_allclose(p, p1, rtol=1e-14)
    np.testing.assert_allclose(p, [0.49, -0.51], rtol=1e-6)
    opt.step({"p": grads[1]})
    m = 0.9 * 0.1 * grads[0] + 0.1 * grads[1]
    v = 0.999 * 0.001 * grads[0] ** 2 + 0.001 * grads[1] ** 2
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    np.testing.assert_allclose(
        p, p1 - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8), rtol=1e-12
    )
    # and torch.optim.Adam takes the same two steps
    t = torch.tensor([0.5, -0.5], dtype=torch.float64, requires_grad=True)
    torch_opt = torch.optim.Adam([t], lr=0.01)
    for g in grads:
        t.grad = torch.from_numpy(g)
        torch_opt.step()
    np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-12)


def test_updates_are_in_place_and_errors_are_clear():
    p = np.zeros((2, 3))
    opt = Adam({"p": p})
    opt.step({"p": np.ones((2, 3))})
    assert p[0, 0] < 0  # the caller's array moved
    with pytest.raises(ValueError, match="shape"):
        opt.step({"p": np.ones(3)})
    with pytest.raises(ValueError, match="name"):
        opt.step({"q": np.ones((2, 3))})
    with pytest.raises(FloatingPointError, match="'p' is not finite"):
        opt.step({"p": np.full((2, 3), np.nan)})
    with pytest.raises(ValueError, match="learning_rate"):
        SGD({"p": p}, learning_rate=0.0)
    with pytest.raises(ValueError, match="decay"):
        RMSprop({"p": p}, decay=1.0)


def test_clip_gradients_caps_the_global_norm():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    clipped, norm = clip_gradients(grads, 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0])
    np.testing.assert_allclose(clipped["b"], [[0.8]])


def test_momentum_matches_torch_sgd_with_momentum():
    from tutorial_rnn.optim import OPTIMIZERS, Momentum

    p = np.array([0.5, -0.5])
    grads = [np.array([1.0, 0.1]), np.array([-3.0, 0.2]), np.array([2, 1.0])]
    opt = Momentum({"p": p}, learning_rate=0.01, momentum=0.8)
    ref = torch.tensor([0.5, -0.5], dtype=torch.float64, requires_grad=True)
    ref_opt = torch.optim.SGD([ref], lr=0.01, momentum=0.8)
    for g in grads:
        opt.step({"p": g})
        ref.grad = torch.from_numpy(g.astype(np.float64))
        ref_opt.step()
    np.testing.assert_allclose(p, ref.detach().numpy(), rtol=1e-14)
    assert OPTIMIZERS["momentum"] is Momentum
    with pytest.raises(ValueError, match=r"momentum must be .* in \[0, 1\)"):
        Momentum({"p": p}, momentum=1.0)


def test_clipping_caps_the_norm_exactly_at_theta():
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal((4, 5)) * 10, rng.standard_normal(7) * 10]
    clipped, norm = clip_by_norm(grads, theta=1.5)
    assert norm > 1.5
    assert np.sqrt(sum((g**2).sum() for g in clipped)) == pytest.approx(
        1.5, rel=1e-12
    )
    np.testing.assert_allclose(
        clipped[0] / grads[0], 1.5 / norm
    )  # the direction is kept
    small, _ = clip_by_norm([g / 1000 for g in grads], theta=1.5)
    np.testing.assert_array_equal(
        small[0], grads[0] / 1000
    )  # below θ: unchanged
    with pytest.raises(ValueError, match="theta"):
        clip_by_norm(grads, 0.0)
    with pytest.raises(FloatingPointError, match="non-finite"):
        clip_by_norm([np.array([np.nan])], 1.0)


def test_train_loop_records_evenly_and_uses_one_divergence_rule():
    from tutorial_rnn.batching import check_divergence, schedule, train_loop

    history = train_loop(
        lambda idx: (2.0 * len(idx), len(idx)),
        [1] * 10,
        epochs=1,
        batch_size=1,
        evaluations=3,
        progress=False,
    )
    assert history.tokens_seen == [3, 6, 10]  # numpy.linspace's marks
    assert history.train_loss == [2.0, 2.0, 2.0]
    assert len(list(schedule([1] * 10, 2.5, 4))) == 8
    check_divergence(150.0, 2.0, "here")  # 150 < 100 * 2
    with pytest.raises(FloatingPointError, match=r"here: .*diverged"):
        check_divergence(101.0, 0.5, "here")  # over 100 * max(0.5, 1)
    with pytest.raises(FloatingPointError, match="here: the loss became"):
        check_divergence(math.nan, 0.5, "here")
