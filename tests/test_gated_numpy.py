"""tutorial_rnn.gated_numpy: hand-written BPTT for GRU/LSTM, parity with
torch.nn, the language model."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tutorial_rnn import checkpoint, data
from tutorial_rnn.activations import sigmoid
from tutorial_rnn.batching import IGNORE_INDEX, pad_ids
from tutorial_rnn.gated_lm import GatedLMNumpy
from tutorial_rnn.gated_numpy import (
    ElmanNumpy,
    GRUNumpy,
    LSTMNumpy,
    make_stack,
)
from tutorial_rnn.gated_torch import from_torch
from tutorial_rnn.gradients import gradient_flow

CASES = [
    ("rnn", "pytorch"),
    ("gru", "cho"),
    ("gru", "pytorch"),
    ("lstm", "pytorch"),
]


def batch(rng, vocab_size, lengths):
    X = [rng.integers(0, vocab_size, n) for n in lengths]
    Y = [rng.integers(0, vocab_size, n) for n in lengths]
    return pad_ids(X, Y, vocab_size)


@pytest.mark.parametrize("cell,convention", CASES)
@pytest.mark.parametrize("layers", [1, 2])
def test_gradient_check(cell, convention, layers):
    """Every parameter, every entry, of a padded batch: worst relative error
    below 1e-6."""
    model = GatedLMNumpy(
        20, 5, cell, layers, embed_size=4, convention=convention, seed=1
    )
    xb, yb = batch(np.random.default_rng(layers), 20, [6, 3, 5])
    result = model.gradient_check(xb, yb, max_entries=None)
    assert result.passed and result.worst < 1e-6, str(result)
    assert sum(result.checked.values()) == model.num_parameters


def test_gradient_check_catches_a_wrong_backward_pass(monkeypatch):
    model = GatedLMNumpy(12, 4, "gru", embed_size=3, convention="cho", seed=0)
    xb, yb = batch(np.random.default_rng(0), 12, [5])
    original = GRUNumpy.step_back

    def wrong(
        self, layer, d_state, cache, grads
    ):  # forgets the path through the reset gate
        blind = cache._replace(r=np.full_like(cache.r, 0.5))
        return original(self, layer, d_state, blind, grads)

    monkeypatch.setattr(GRUNumpy, "step_back", wrong)
    assert not model.gradient_check(xb, yb, max_entries=None).passed


def test_gru_step_matches_the_equations_in_both_conventions():
    rng = np.random.default_rng(2)
    x, s = rng.standard_normal((1, 3)), rng.standard_normal((1, 4))
    for convention in ("cho", "pytorch"):
        gru = GRUNumpy(3, 4, convention=convention, seed=5)
        (U_r, U_z, U_n), (W_r, W_z, W_n) = (
            np.split(gru.U[0], 3),
            np.split(gru.W[0], 3),
        )
        (bU_r, bU_z, bU_n), (bW_r, bW_z, bW_n) = (
            np.split(gru.bU[0], 3),
            np.split(gru.bW[0], 3),
        )
        r = sigmoid(U_r @ x[0] + bU_r + W_r @ s[0] + bW_r)
        z = sigmoid(U_z @ x[0] + bU_z + W_z @ s[0] + bW_z)
        if convention == "cho":
            n = np.tanh(U_n @ x[0] + bU_n + W_n @ (r * s[0]) + bW_n)
        else:
            n = np.tanh(U_n @ x[0] + bU_n + r * (W_n @ s[0] + bW_n))
        out, final = gru.forward(x[None], s[None])
        np.testing.assert_allclose(
            out[0, 0], (1 - z) * n + z * s[0], rtol=1e-12
        )
        np.testing.assert_allclose(final[0, 0], out[0, 0])


def test_the_two_gru_conventions_are_different_functions_of_the_same_weights():
    X = np.random.default_rng(3).standard_normal((10, 2, 4))
    cho, _ = GRUNumpy(4, 6, convention="cho", seed=0).forward(X)
    pytorch, _ = GRUNumpy(4, 6, convention="pytorch", seed=0).forward(X)
    assert np.abs(cho - pytorch).max() > 1e-3


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (ElmanNumpy, torch.nn.RNN),
        (GRUNumpy, torch.nn.GRU),
        (LSTMNumpy, torch.nn.LSTM),
    ],
)
def test_from_torch_reproduces_outputs_and_states(ours, theirs):
    """Weights loaded from torch.nn: outputs and final states agree to 1e-10 in
    float64."""
    torch.manual_seed(0)
    module = theirs(3, 5, num_layers=2).double()
    X = torch.randn(9, 4, 3, dtype=torch.float64)
    h0 = torch.randn(2, 4, 5, dtype=torch.float64)
    state0 = (
        (h0, torch.randn(2, 4, 5, dtype=torch.float64))
        if theirs is torch.nn.LSTM
        else h0
    )
    expected_out, expected_final = module(X, state0)
    copy = from_torch(ours, module)
    assert (
        copy.num_layers == 2
        and getattr(copy, "convention", "pytorch") == "pytorch"
    )
    state0_np = (
        tuple(t.numpy() for t in state0)
        if isinstance(state0, tuple)
        else state0.numpy()
    )
    out, final = copy.forward(X.numpy(), state0_np)
    np.testing.assert_allclose(
        out, expected_out.detach().numpy(), rtol=1e-10, atol=1e-12
    )
    pairs = (
        zip(final, expected_final, strict=True)
        if isinstance(final, tuple)
        else [(final, expected_final)]
    )
    for got, want in pairs:
        np.testing.assert_allclose(
            got, want.detach().numpy(), rtol=1e-10, atol=1e-12
        )


def test_from_torch_refuses_what_it_cannot_copy():
    with pytest.raises(TypeError, match=r"torch\.nn\.GRU"):
        from_torch(GRUNumpy, torch.nn.LSTM(2, 3))
    with pytest.raises(ValueError, match="bidirectional"):
        from_torch(LSTMNumpy, torch.nn.LSTM(2, 3, bidirectional=True))
    with pytest.raises(ValueError, match="tanh"):
        from_torch(ElmanNumpy, torch.nn.RNN(2, 3, nonlinearity="relu"))
    for cls in (GatedLMNumpy, "gru", GRUNumpy(2, 3), None):
        with pytest.raises(TypeError, match="cls must be"):
            from_torch(cls, torch.nn.GRU(2, 3))


@pytest.mark.parametrize(
    "stack",
    [
        ElmanNumpy(3, 4, seed=2),
        GRUNumpy(3, 4, convention="cho", seed=2),
        GRUNumpy(3, 4, seed=2),
        make_stack("lstm", 3, 4, 1, "pytorch", seed=2),
    ],
    ids=["elman", "gru-cho", "gru-pytorch", "lstm"],
)
def test_step_jacobian_and_state_gradients(stack):
    rng = np.random.default_rng(4)
    state, x = (
        0.5 * rng.standard_normal(stack.state_size),
        rng.standard_normal(3),
    )
    _, J = stack.step_with_jacobian(state, x)
    assert J.shape == (stack.state_size, stack.state_size)
    numeric = np.empty_like(J)
    for j in range(stack.state_size):
        e = np.zeros_like(state)
        e[j] = 1e-6
        numeric[:, j] = (
            stack.step_with_jacobian(state + e, x)[0]
            - stack.step_with_jacobian(state - e, x)[0]
        ) / 2e-6
    np.testing.assert_allclose(J, numeric, atol=1e-8)
    # the fast vector path of gradient_flow equals the product of Jacobians
    inputs = rng.standard_normal((15, 3))
    fast = gradient_flow(stack, inputs, jacobian_norms=False)
    slow = gradient_flow(stack, inputs, jacobian_norms=True)
    np.testing.assert_allclose(
        fast.loss_grad_norm, slow.loss_grad_norm, rtol=1e-10
    )
    assert slow.jacobian_norm.shape == (16,) and fast.bound is None


def test_initial_loss_is_near_ln_vocab_size():
    rng = np.random.default_rng(0)
    X = [rng.integers(0, 2000, 12) for _ in range(20)]
    for cell in ("rnn", "gru", "lstm"):
        model = GatedLMNumpy(2000, 16, cell, seed=0)
        assert model.loss(X, X) == pytest.approx(math.log(2000), abs=0.05)


def test_padding_does_not_change_the_loss_or_the_gradients():
    rng = np.random.default_rng(5)
    X = [rng.integers(0, 15, n) for n in (4, 7, 2)]
    Y = [rng.integers(0, 15, n) for n in (4, 7, 2)]
    model = GatedLMNumpy(15, 4, "lstm", 2, embed_size=3, seed=2)
    total, count, grads = model.loss_and_gradients(*pad_ids(X, Y, 15))
    alone = [model.loss_and_gradients(x, y) for x, y in zip(X, Y, strict=True)]
    assert count == 13 and total == pytest.approx(
        sum(a[0] for a in alone), rel=1e-12
    )
    for name in model.param_names:
        np.testing.assert_allclose(
            grads[name], sum(a[2][name] for a in alone), rtol=1e-9, atol=1e-14
        )
    assert model.total_loss(X, Y) == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize(
    "cell,optimizer", [("gru", "rmsprop"), ("lstm", "adam")]
)
def test_training_overfits_a_tiny_corpus_and_generates_valid_words(
    cell, optimizer, tiny_corpus
):
    vocab, X, Y = tiny_corpus
    model = GatedLMNumpy(len(vocab), 16, cell, num_layers=2, seed=0)
    start = model.loss(X, Y)
    history = model.fit(
        X,
        Y,
        X_valid=X,
        Y_valid=Y,
        epochs=150,
        batch_size=2,
        optimizer=optimizer,
        learning_rate=0.01,
        evaluations=3,
        progress=False,
    )
    assert (
        start > 2.5
        and history.train_loss[-1] < 1.0
        and history.valid_loss[-1] < 1.0
    )
    assert history.tokens_seen[-1] == 150 * sum(len(y) for y in Y)
    for seed in range(5):
        words = model.generate(vocab, seed=seed)
        assert 1 <= len(words) <= 50 and all(
            w in vocab and w not in data.SPECIAL_TOKENS for w in words
        )
    assert model.generate(vocab, seed=3, temperature=0.7) == model.generate(
        vocab, seed=3, temperature=0.7
    )


def test_gate_activations():
    model = GatedLMNumpy(10, 4, "lstm", seed=0)
    gates = model.gate_activations([1, 2, 3, 4, 5])
    assert set(gates) == {"i", "f", "o", "c"} and all(
        g.shape == (5, 4) for g in gates.values()
    )
    assert all(((g > 0) & (g < 1)).all() for k, g in gates.items() if k != "c")
    assert set(
        GatedLMNumpy(10, 4, "gru", seed=0).gate_activations([1, 2])
    ) == {"r", "z"}
    with pytest.raises(ValueError, match="no gates"):
        GatedLMNumpy(10, 4, "rnn").gate_activations([1])


def test_checkpoint_round_trip_is_exact(tmp_path):
    model = GatedLMNumpy(
        25, 6, "gru", 2, embed_size=5, convention="cho", seed=4
    )
    model.E += 0.25  # not the initial weights
    back = checkpoint.load(
        checkpoint.save(tmp_path / "gru.safetensors", model, extra={"seed": 4})
    )
    assert isinstance(back, GatedLMNumpy) and back.config() == model.config()
    for name, p in model.parameters().items():
        np.testing.assert_array_equal(back.parameters()[name], p)
    with pytest.raises(ValueError, match=r"params\['U0'\] must have shape"):
        GatedLMNumpy(25, 7, "gru", 2, embed_size=5).load_numpy(
            model.parameters()
        )
    with pytest.raises(ValueError, match="params must hold"):
        GatedLMNumpy(25, 6, "gru", 1, embed_size=5).load_numpy(
            model.parameters()
        )


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"cell": "tanh"}, "unknown cell"),
        ({"convention": "d2l"}, "unknown GRU convention"),
        ({"cell": "lstm", "convention": "cho"}, "GRU only"),
        ({"hidden_size": 0}, "hidden_size"),
        ({"num_layers": 1.5}, "num_layers"),
    ],
)
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        GatedLMNumpy(**{"vocab_size": 10, **kwargs})


def test_bad_inputs_get_clear_errors():
    model = GatedLMNumpy(10, 4, "gru", seed=0)
    with pytest.raises(ValueError, match="id 10"):
        model.loss_and_gradients([1, 10], [1, 2])
    with pytest.raises(ValueError, match="id -1"):
        model.forward([-1, 2])
    with pytest.raises(ValueError, match="same shape"):
        model.loss_and_gradients([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="no real target"):
        model.loss_and_gradients([1, 2], [IGNORE_INDEX, IGNORE_INDEX])
    with pytest.raises(ValueError, match="empty"):
        model.forward([])
    with pytest.raises(TypeError, match="integer"):
        model.forward([0.5, 1.0])
    with pytest.raises(ValueError, match=r"shape \(T, B, input_size=4\)"):
        model.rnn.forward(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="initial state"):
        model.rnn.forward(np.zeros((3, 2, 4)), np.zeros((1, 3, 4)))
    with pytest.raises(ValueError, match="unknown optimizer"):
        model.fit(
            [np.array([1])],
            [np.array([2])],
            optimizer="adagrad",
            progress=False,
        )
    with pytest.raises(ValueError, match="learning_rate"):
        model.fit(
            [np.array([1])],
            [np.array([2])],
            learning_rate=float("nan"),
            progress=False,
        )
    vocab = data.Vocabulary.build([["a", "b"]], size=5)
    with pytest.raises(ValueError, match="vocab_size=10"):
        model.generate(vocab)


def test_train_batch_is_one_update_and_refuses_truncation(tiny_corpus):
    """GatedLMNumpy trains by full BPTT only: truncate is refused, naming
    it, before any update (by train_batch, and by fit before step 1)."""
    vocab, X, Y = tiny_corpus
    model = GatedLMNumpy(len(vocab), 6, "gru", seed=0)
    before = {k: v.copy() for k, v in model.parameters().items()}
    xb, yb = pad_ids(X[:2], Y[:2], len(vocab))
    opt = model.optimizers["sgd"](model.parameters(), 0.1)
    with pytest.raises(ValueError, match="truncate=3"):
        model.train_batch(xb, yb, opt, truncate=3)
    with pytest.raises(ValueError, match="truncate=2"):
        model.fit(X, Y, truncate=2, progress=False)
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)
    expected = model.batch_total(xb, yb)  # the loss before the update
    total, count = model.train_batch(xb, yb, opt, clip=1.0)
    assert count == int((yb != IGNORE_INDEX).sum())
    assert total == pytest.approx(expected, rel=1e-12)
    assert model.batch_total(xb, yb) < expected  # one step downhill
