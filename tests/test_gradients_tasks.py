"""tutorial_rnn.gradients and tutorial_rnn.tasks: Jacobians, the Pascanu bound,
the adding problem."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tutorial_rnn.gradients import (
    ACTIVATIONS,
    RNNCell,
    bptt_contribution_sum,
    bptt_contributions,
    gradient_flow,
    recurrent_matrix,
)
from tutorial_rnn.rnn_numpy import RNNNumpy
from tutorial_rnn.tasks import (
    ADDING_CHANCE_MSE,
    adding_batch,
    train_adding,
)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_jacobian_product_matches_autograd(activation):
    H, T = 6, 7
    W = recurrent_matrix(H, 1.3, seed=1)
    inputs = np.random.default_rng(2).standard_normal((T, H))
    flow = gradient_flow(RNNCell(W, activation), inputs)
    f_torch = {
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "relu": torch.relu,
    }[activation]
    Wt, ut = torch.tensor(W), torch.tensor(inputs)

    def run(s_k: torch.Tensor, k: int) -> torch.Tensor:
        s = s_k
        for t in range(k, T):
            s = f_torch(Wt @ s + ut[t])
        return s

    # states s_{k-1} for every k, from the same forward pass
    states, s = (
        [torch.zeros(H, dtype=torch.float64)],
        torch.zeros(H, dtype=torch.float64),
    )
    for t in range(T):
        s = f_torch(Wt @ s + ut[t])
        states.append(s)
    for steps_back in range(1, T + 1):
        k = (
            T - steps_back
        )  # the state s_k feeds steps k+1 .. T (0-based: inputs k .. T-1)
        J = torch.autograd.functional.jacobian(
            lambda s_k, k=k: run(s_k, k), states[k]
        ).numpy()
        np.testing.assert_allclose(
            flow.jacobian_norm[steps_back], np.linalg.norm(J, 2), rtol=1e-10
        )


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("length", [10, 60])
def test_measured_norm_never_exceeds_the_bound_below_one_over_gamma(
    activation, seed, length
):
    gamma = ACTIVATIONS[activation][2]
    for lam in (0.5 / gamma, 0.9 / gamma, 0.99 / gamma):
        cell = RNNCell(recurrent_matrix(20, lam, seed=seed), activation)
        inputs = np.random.default_rng(seed).standard_normal((length, 20))
        flow = gradient_flow(cell, inputs)
        assert np.all(flow.jacobian_norm <= flow.bound * (1 + 1e-9))
        assert np.all(flow.loss_grad_norm <= flow.bound * (1 + 1e-9))
        assert flow.jacobian_norm[-1] < 1.0  # it vanishes


def test_linear_orthogonal_growth_is_exactly_geometric():
    for lam in (0.8, 1.0, 1.25):
        cell = RNNCell(
            recurrent_matrix(16, lam, init="orthogonal", seed=3), "linear"
        )
        flow = gradient_flow(cell, np.zeros((30, 16)))
        np.testing.assert_allclose(
            flow.jacobian_norm, lam ** np.arange(31), rtol=1e-9
        )
        np.testing.assert_allclose(
            flow.loss_grad_norm, lam ** np.arange(31), rtol=1e-9
        )
    assert flow.jacobian_norm[-1] > 100  # 1.25^30 ≈ 808: exploding


def test_recurrent_matrix_scaling_and_errors():
    W = recurrent_matrix(30, 0.7, seed=0)
    assert np.linalg.norm(W, 2) == pytest.approx(0.7)
    W = recurrent_matrix(30, 0.7, init="orthogonal", seed=0)
    np.testing.assert_allclose(np.linalg.svd(W)[1], 0.7)
    W = recurrent_matrix(3, 0.7, init="identity")
    np.testing.assert_array_equal(W, 0.7 * np.eye(3))
    with pytest.raises(ValueError, match="unknown init 'eye'"):
        recurrent_matrix(4, 1.0, init="eye")
    with pytest.raises(ValueError, match="scale must be finite and positive"):
        recurrent_matrix(4, 0.0)
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        RNNCell(np.eye(3), "gelu")
    with pytest.raises(ValueError, match="inputs must have shape"):
        gradient_flow(RNNCell(np.eye(3)), np.zeros((0, 3)))


def test_adding_problem_targets_and_chance_level():
    x, y = adding_batch(500, 40, np.random.default_rng(0))
    assert x.shape == (500, 40, 2) and y.shape == (500,)
    markers = x[:, :, 1]
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :20].sum(axis=1) == 1) and np.all(
        markers[:, 20:].sum(axis=1) == 1
    )
    np.testing.assert_allclose(y, (x[:, :, 0] * markers).sum(axis=1))
    _, big_y = adding_batch(200_000, 4, np.random.default_rng(1))
    assert np.mean((big_y - 1.0) ** 2) == pytest.approx(
        ADDING_CHANCE_MSE, rel=0.02
    )
    a, b = (adding_batch(8, 12, np.random.default_rng(5)) for _ in "ab")
    np.testing.assert_array_equal(a[0], b[0])
    with pytest.raises(ValueError, match="length must be an integer >= 2"):
        adding_batch(4, 1, np.random.default_rng(0))


def test_per_step_contributions_sum_to_the_full_gradient():
    rng = np.random.default_rng(4)
    model = RNNNumpy(25, 6, bptt_truncate=None, seed=2)
    x, y = rng.integers(0, 25, 9), rng.integers(0, 25, 9)
    np.testing.assert_allclose(
        bptt_contribution_sum(model, x, y),
        model.bptt(x, y)[2],
        rtol=1e-10,
        atol=1e-14,
    )
    C = bptt_contributions(model, x, y)
    assert (
        C.shape == (9, 9)
        and np.all(np.triu(C, 1) == 0)
        and np.all(np.diag(C)[1:] > 0)
    )
    assert C[8, 0] == 0.0  # s_{-1} = 0: step 0 adds nothing to dW


def test_adding_problem_is_learnable_at_short_length():
    result = train_adding(
        length=6,
        cell="rnn",
        hidden_size=16,
        steps=600,
        learning_rate=5e-3,
        evaluations=2,
        device="cpu",
    )
    assert result.test_mse[0] > ADDING_CHANCE_MSE
    assert result.final_mse < 0.5 * ADDING_CHANCE_MSE
    with pytest.raises(ValueError, match="unknown cell 'transformer'"):
        train_adding(length=6, cell="transformer")


def test_adding_runs_on_one_cpu_thread_and_restores_the_count(monkeypatch):
    """Tiny products run faster on one thread; the caller's thread count must
    come back."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    seen = []
    real_step = torch.optim.Adam.step

    def spy(self, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", spy)
    torch.set_num_threads(2)
    try:
        train_adding(
            length=6,
            cell="gru",
            hidden_size=8,
            steps=3,
            evaluations=1,
            device="cpu",
        )
        assert seen == [1, 1, 1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_stack_jacobian_tools_refuse_deep_stacks_and_bad_shapes():
    from tutorial_rnn.gated_numpy import GRUNumpy, LSTMNumpy

    deep = GRUNumpy(3, 4, num_layers=2)
    with pytest.raises(ValueError, match="need a one-layer stack"):
        deep.step_with_jacobian(np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match="need a one-layer stack"):
        deep.state_gradients(np.zeros((5, 3)), np.ones(4))
    lstm = LSTMNumpy(3, 4)  # state [s; c]: 8 numbers
    with pytest.raises(ValueError, match=r"state must have shape \(8,\)"):
        lstm.step_with_jacobian(np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match=r"g_T must have shape \(8,\), got"):
        lstm.state_gradients(np.zeros((5, 3)), np.ones(4))


def test_every_init_of_the_gradient_explorer_is_a_recurrent_matrix():
    # regression: "identity" was deleted from recurrent_matrix as unused
    # while the explorer of Chapter 3 still offered it
    from tutorial_rnn.widgets import INITS

    for init in INITS:
        W = recurrent_matrix(4, 0.9, init=init)
        assert np.linalg.norm(W, 2) == pytest.approx(0.9)
