"""Regressions of issue 23 in training (problems 14-17 and the weak ones
the trainer owns): each test failed before its fix."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tutorial_rnn import tasks
from tutorial_rnn.batching import train_loop
from tutorial_rnn.optim import Adam, RMSprop
from tutorial_rnn.rnn_numpy import RNNNumpy
from tutorial_rnn.rnn_numpy_fast import FastRNNNumpy
from tutorial_rnn.validation import check_scalar


def pairs(vocab_size=10, n=6, seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.integers(0, vocab_size, 4) for _ in range(n)]
    return X, [rng.integers(0, vocab_size, 4) for _ in range(n)]


# ------------------------------------------------------------------ 14
def test_p14_train_adding_restores_torchs_global_rng():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    tasks.train_adding(6, hidden_size=4, steps=2, evaluations=1, seed=7)
    assert torch.equal(torch.rand(3), expected)


# ------------------------------------------------------------------ 15
@pytest.mark.parametrize("cls", [Adam, RMSprop])
def test_p15_a_huge_finite_gradient_is_an_error_not_a_frozen_weight(cls):
    p = {"w": np.zeros(3)}
    opt = cls(p, learning_rate=0.1)
    with pytest.raises(FloatingPointError, match="'w'"):
        opt.step({"w": np.array([1e160, 0.0, 0.0])})
    assert np.all(p["w"] == 0.0)  # nothing changed
    opt.step({"w": np.ones(3)})  # the state is not poisoned
    assert np.all(np.isfinite(p["w"])) and np.all(p["w"] < 0)


# ------------------------------------------------------------------ 16
def test_p16_train_loop_with_zero_targets_is_a_clear_error():
    with pytest.raises(ValueError, match="lengths"):
        train_loop(lambda idx: (0.0, 0), [0, 0], epochs=1, batch_size=1)
    with pytest.raises(ValueError, match="no targets"):
        train_loop(lambda idx: (0.0, 0), [2, 2], epochs=1, batch_size=1)


# ------------------------------------------------------------------ 17
def test_p17_check_scalar_refuses_a_huge_integer_with_value_error():
    with pytest.raises(ValueError, match="hidden_size"):
        check_scalar(10**400, "hidden_size", int, min_val=1)
    with pytest.raises(ValueError, match="vocab_size"):
        RNNNumpy(10**400, 4)


# ------------------------------------------------- lazy checks, costs
def batched_models(vocab_size):
    from tutorial_rnn.gated_lm import GatedLMNumpy
    from tutorial_rnn.gated_torch import GatedLMTorch
    from tutorial_rnn.rnn_torch import RNNTorch

    return [
        GatedLMNumpy(vocab_size, 4, "gru", seed=0),
        GatedLMTorch(vocab_size, 4, "gru", seed=0, device="cpu"),
        RNNTorch(vocab_size, 4, seed=0, device="cpu"),
    ]


def weights(model):
    return {k: np.array(v) for k, v in model.numpy_parameters().items()}


@pytest.mark.parametrize("which", [0, 1, 2])
@pytest.mark.parametrize("bad", ["last sentence", "X_valid"])
def test_batched_fits_check_every_id_before_any_training(which, bad):
    model = batched_models(10)[which]
    X, Y = pairs(10)
    Xv, Yv = pairs(10, 2, seed=1)
    if bad == "last sentence":
        X[-1] = np.array([1, 2, 99, 3])
    else:
        Yv[-1] = np.array([1, 2, -1, 3])
    before = weights(model)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        model.fit(X, Y, X_valid=Xv, Y_valid=Yv, batch_size=1, progress=False)
    for name, value in weights(model).items():
        np.testing.assert_array_equal(value, before[name])


@pytest.mark.parametrize("which", [0, 1, 2])
def test_fits_take_their_options_by_keyword(which):
    model = batched_models(10)[which]
    X, Y = pairs(10)
    with pytest.raises(TypeError):
        model.fit(X, Y, X, Y)


def test_rnn_numpy_fit_takes_its_options_by_keyword():
    X, Y = pairs(10)
    with pytest.raises(TypeError):
        RNNNumpy(10, 4).fit(X, Y, 0.1)


@pytest.mark.parametrize("which", [1, 2])
def test_batch_loss_checks_y(which):
    model = batched_models(10)[which]
    x = torch.tensor([[1, 2, 3]])
    with pytest.raises(ValueError, match="y holds id 99"):
        model.batch_loss(x, torch.tensor([[1, 2, 99]]))
    total, count, _ = model.batch_loss(x, torch.tensor([[1, 2, -100]]))
    assert count == 2 and torch.isfinite(total)


@pytest.mark.parametrize("seed", [-1, 2**64, 1.5, "0", True])
def test_fit_seeds_are_validated(seed):
    model = batched_models(10)[0]
    X, Y = pairs(10)
    with pytest.raises((TypeError, ValueError), match="seed"):
        model.fit(X, Y, seed=seed, progress=False)


def test_fit_refuses_an_impossible_number_of_epochs_naming_it():
    model = batched_models(10)[0]
    X, Y = pairs(10)
    with pytest.raises(ValueError, match="epochs"):
        model.fit(X, Y, epochs=1e15, progress=False)


def test_fit_with_more_evaluations_than_steps_records_once_a_step():
    model = batched_models(10)[0]
    X, Y = pairs(10)
    history = model.fit(X, Y, batch_size=2, evaluations=10**10)
    assert history.tokens_seen == [8, 16, 24]


def test_fit_refuses_a_batch_bigger_than_memory_naming_it():
    from tutorial_rnn.rnn_torch import RNNTorch

    V = 10**5
    model = RNNTorch(V, 2, device="cpu")
    long = np.ones(V, np.int64)  # 64 sentences of 100,000 words
    with pytest.raises(ValueError, match="or lower batch_size"):
        model.fit([long] * 64, [long] * 64, batch_size=64, progress=False)


def test_a_long_fit_starts_without_building_its_schedule():
    calls = []

    def train_batch(idx):
        calls.append(idx)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return 1.0, 1

    with pytest.raises(KeyboardInterrupt):
        train_loop(
            train_batch, [1] * 50, epochs=2e6, batch_size=1, progress=False
        )
    assert len(calls) == 3


# ------------------------------------------------------------- twins
@pytest.mark.parametrize(
    "x, y",
    [([1, 2], [2, 99]), ([1, -1], [2, 3]), ([], []), ([1.5], [2])],
)
def test_the_twins_raise_the_same_error_for_the_same_bad_input(x, y):
    errors = []
    for cls in (RNNNumpy, FastRNNNumpy):
        with pytest.raises((TypeError, ValueError)) as err:
            cls(10, 4).sgd_step(x, y, 0.1)
        errors.append((type(err.value), str(err.value)))
    assert errors[0] == errors[1]


def test_the_twins_raise_the_same_error_for_a_nan_weight():
    errors = []
    for cls in (RNNNumpy, FastRNNNumpy):
        model = cls(10, 4)
        model.W[0, 0] = np.nan
        with pytest.raises(FloatingPointError) as err:
            model.sgd_step([1, 2], [2, 3], 0.1)
        errors.append(str(err.value))
    assert errors[0] == errors[1]


def test_fast_sgd_step_updates_v_in_place():
    model = FastRNNNumpy(10, 4)
    params = model.parameters()
    model.sgd_step([1, 2, 3], [2, 3, 4], 0.1)
    assert params["V"] is model.V


def test_fast_twin_is_finite_where_the_plain_model_is_at_huge_v():
    plain, fast = RNNNumpy(10, 4, seed=3), FastRNNNumpy(10, 4, seed=3)
    V = np.full((10, 4), 1.7e308) * np.linspace(-1, 1, 10)[:, None]
    for model in (plain, fast):  # small states: finite scores
        model.V, model.U, model.W = V.copy(), model.U / 1e3, model.W / 1e3
    x, y = [1, 2, 3], [2, 3, 4]
    expected = plain.loss([x], [y])
    assert np.isfinite(expected)
    assert fast.loss([x], [y]) == pytest.approx(expected, rel=1e-12)
