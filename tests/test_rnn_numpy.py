"""tutorial_rnn.rnn_numpy: shapes, gradients, truncation, training,
sampling and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tutorial_rnn import data
from tutorial_rnn.activations import log_softmax, softmax
from tutorial_rnn.gradcheck import gradient_check, numerical_gradient
from tutorial_rnn.rnn_numpy import RNNNumpy


def random_pair(rng, vocab_size, length):
    x = rng.integers(0, vocab_size, length)
    y = rng.integers(0, vocab_size, length)
    return x, y


def test_shapes_and_initialisation():
    model = RNNNumpy(vocab_size=50, hidden_size=7, seed=1)
    assert (
        model.U.shape == (7, 50)
        and model.V.shape == (50, 7)
        and model.W.shape == (7, 7)
    )
    assert model.U.dtype == np.float64
    assert np.abs(model.U).max() <= 1 / math.sqrt(50)
    bound = 1 / math.sqrt(7)
    assert np.abs(model.V).max() <= bound and np.abs(model.W).max() <= bound
    assert model.num_parameters == 2 * 7 * 50 + 7 * 7
    o, s = model.forward([1, 2, 3, 4])
    assert o.shape == (4, 50) and s.shape == (4, 7)
    np.testing.assert_allclose(o.sum(axis=1), 1.0)
    assert model.predict([1, 2, 3]).shape == (3,)


def test_forward_matches_the_equations_step_by_step():
    model = RNNNumpy(vocab_size=11, hidden_size=5, seed=2)
    x = [3, 0, 10, 3]
    o, s = model.forward(x)
    s_prev = np.zeros(5)
    for t, word in enumerate(x):
        one_hot = np.eye(11)[word]
        s_t = np.tanh(model.U @ one_hot + model.W @ s_prev)
        np.testing.assert_allclose(s[t], s_t, rtol=1e-12)
        np.testing.assert_allclose(o[t], softmax(model.V @ s_t), rtol=1e-12)
        s_prev = s_t


@pytest.mark.parametrize("truncate", [None, 0, 1, 4, 50])
def test_gradient_check(truncate):
    """Hand-written BPTT against numerical gradients: worst error < 1e-6."""
    rng = np.random.default_rng(5)
    model = RNNNumpy(
        vocab_size=30, hidden_size=6, bptt_truncate=truncate, seed=3
    )
    x, y = random_pair(rng, 30, 12)
    result = model.gradient_check(x, y)
    assert result.passed, str(result)
    assert result.worst < 1e-6


def test_full_bptt_equals_long_truncation_and_differs_from_short():
    rng = np.random.default_rng(6)
    x, y = random_pair(rng, 20, 10)
    full = RNNNumpy(20, 5, bptt_truncate=None, seed=0).bptt(x, y)
    long = RNNNumpy(20, 5, bptt_truncate=10, seed=0).bptt(x, y)
    short = RNNNumpy(20, 5, bptt_truncate=2, seed=0).bptt(x, y)
    for a, b in zip(full, long, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    # dV never depends on truncation
    np.testing.assert_array_equal(full[1], short[1])
    assert not np.allclose(full[2], short[2])


def test_truncation_follows_the_2015_rule():
    """Reference: the 2015 per-output loop, written out literally."""
    rng = np.random.default_rng(7)
    model = RNNNumpy(15, 4, bptt_truncate=3, seed=1)
    x, y = random_pair(rng, 15, 9)
    o, s = model.forward(x)
    # s_ext[-1] is s_{-1} = 0, as in the 2015 code
    s_ext = np.vstack([s, np.zeros(4)])
    dU, dV, dW = (
        np.zeros_like(model.U),
        np.zeros_like(model.V),
        np.zeros_like(model.W),
    )
    delta_o = o.copy()
    delta_o[np.arange(len(y)), y] -= 1
    for t in reversed(range(len(y))):
        dV += np.outer(delta_o[t], s[t])
        delta_t = model.V.T @ delta_o[t] * (1 - s[t] ** 2)
        for step in reversed(range(max(0, t - 3), t + 1)):
            dW += np.outer(delta_t, s_ext[step - 1])
            dU[:, x[step]] += delta_t
            delta_t = model.W.T @ delta_t * (1 - s_ext[step - 1] ** 2)
    for ours, ref in zip(model.bptt(x, y), (dU, dV, dW), strict=True):
        np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-14)


def test_gradcheck_catches_a_wrong_gradient():
    rng = np.random.default_rng(8)
    model = RNNNumpy(10, 4, bptt_truncate=None, seed=2)
    x, y = random_pair(rng, 10, 6)
    dU, dV, dW = model.bptt(x, y)
    wrong = gradient_check(
        lambda: model.total_loss([x], [y]),
        model.parameters(),
        {"U": dU, "V": dV, "W": dW * 1.001},
    )
    assert wrong.errors["W"] > 1e-4 and not wrong.passed
    assert wrong.errors["U"] < 1e-6


def test_numerical_gradient_restores_the_parameter():
    p = np.array([1.0, 2.0, 3.0])
    before = p.copy()
    g = numerical_gradient(lambda: float((p**3).sum()), p)
    np.testing.assert_array_equal(p, before)
    np.testing.assert_allclose(g, 3 * before**2, rtol=1e-10)


def test_initial_loss_is_ln_vocab_size():
    rng = np.random.default_rng(9)
    model = RNNNumpy(vocab_size=2000, hidden_size=32, seed=0)
    X = [rng.integers(0, 2000, rng.integers(3, 20)) for _ in range(100)]
    Y = [rng.integers(0, 2000, len(x)) for x in X]
    assert abs(model.loss(X, Y) - math.log(2000)) < 0.05
    assert model.total_loss(X, Y) == pytest.approx(
        model.loss(X, Y) * sum(map(len, Y))
    )


def test_loss_of_many_sentences_is_the_sum_over_single_sentences():
    """total_loss against forward(), one sentence at a time: -log o_t[y_t]."""
    rng = np.random.default_rng(4)
    model = RNNNumpy(vocab_size=300, hidden_size=12, seed=3)
    model.V *= 8  # a peaked softmax, far from the uniform guess
    X = [rng.integers(0, 300, rng.integers(1, 40)) for _ in range(30)]
    Y = [rng.integers(0, 300, len(x)) for x in X]
    expected = -sum(
        np.log(model.forward(x)[0][np.arange(len(y)), y]).sum()
        for x, y in zip(X, Y, strict=True)
    )
    assert model.total_loss(X, Y) == pytest.approx(expected, rel=1e-12)


def test_loss_stays_finite_when_scores_would_overflow_exp():
    rng = np.random.default_rng(5)
    model = RNNNumpy(vocab_size=40, hidden_size=6, seed=0)
    # scores of several hundred: exp overflows unless each row is shifted
    model.V *= 3000
    X = [rng.integers(0, 40, 9) for _ in range(70)]
    Y = [rng.integers(0, 40, 9) for _ in range(70)]
    total = model.total_loss(X, Y)
    assert np.isfinite(total) and total > 0
    z = np.concatenate([model.states(x) for x in X]) @ model.V.T
    m = z.max(axis=1)
    expected = -(
        z[np.arange(len(z)), np.concatenate(Y)]
        - m
        - np.log(np.exp(z - m[:, None]).sum(axis=1))
    ).sum()
    assert total == pytest.approx(expected, rel=1e-12)


def test_training_overfits_a_tiny_corpus_and_generates_valid_words(
    tiny_corpus,
):
    vocab, X, Y = tiny_corpus
    model = RNNNumpy(len(vocab), hidden_size=16, bptt_truncate=None, seed=0)
    history = model.fit(
        X, Y, learning_rate=0.05, epochs=300, evaluate_every=50, progress=False
    )
    # a record after every 50 epochs: the mean loss of those epochs
    assert history.train_loss[0] > 2 * history.train_loss[-1]
    assert history.train_loss[-1] < 1.0
    assert history.tokens_seen == [
        e * sum(map(len, Y)) for e in (50, 100, 150, 200, 250, 300)
    ]
    assert len(history.learning_rate) == len(history.train_loss) == 6
    assert history.seconds > 0 and history.valid_loss == []
    for seed in range(5):
        words = model.generate(vocab, seed=seed, temperature=1.0)
        assert 1 <= len(words) <= 50
        assert all(w in vocab and w not in data.SPECIAL_TOKENS for w in words)
    assert model.generate(vocab, seed=3) == model.generate(vocab, seed=3)


def test_learning_rate_is_halved_when_the_loss_rises(tiny_corpus):
    vocab, X, Y = tiny_corpus
    model = RNNNumpy(len(vocab), hidden_size=8, seed=0)
    history = model.fit(
        X, Y, learning_rate=3.0, epochs=6, evaluate_every=1, progress=False
    )
    rises = [
        i
        for i in range(1, len(history.train_loss))
        if history.train_loss[i] > history.train_loss[i - 1]
    ]
    assert rises, (
        "a learning rate of 3 should make the loss rise at least once"
    )
    for i in rises:
        assert history.learning_rate[i] == pytest.approx(
            history.learning_rate[i - 1] / 2
        )


@pytest.mark.parametrize(
    ("x", "y", "error", "match"),
    [
        (
            [1, 2, 99],
            [1, 2, 3],
            ValueError,
            "x holds id 99, outside the vocabulary",
        ),
        ([1, -2, 3], [1, 2, 3], ValueError, "x holds id -2"),
        ([], [], ValueError, "x is an empty sequence"),
        ([1, 2, 3], [1, 2], ValueError, r"len\(x\)=3 and len\(y\)=2"),
        ([1.0, 2.0], [1, 2], TypeError, "integer word ids"),
        ([[1, 2]], [[1, 2]], ValueError, "1-D"),
    ],
)
def test_bad_sequences_get_clear_errors(x, y, error, match):
    model = RNNNumpy(vocab_size=10, hidden_size=3)
    with pytest.raises(error, match=match):
        model.bptt(x, y)


@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan"), float("inf")])
def test_bad_learning_rates_are_refused(lr):
    model = RNNNumpy(vocab_size=10, hidden_size=3)
    with pytest.raises(
        ValueError, match="learning_rate must be finite and positive"
    ):
        model.sgd_step([1, 2], [2, 3], lr)


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="vocab_size"):
        RNNNumpy(vocab_size=0)
    with pytest.raises(ValueError, match="bptt_truncate"):
        RNNNumpy(vocab_size=5, bptt_truncate=-1)
    with pytest.raises(
        ValueError, match="4 entries but the model has vocab_size=5"
    ):
        RNNNumpy(vocab_size=5, hidden_size=2).generate(
            data.Vocabulary.build([["a"]], size=10)
        )
    with pytest.raises(ValueError, match="temperature"):
        RNNNumpy(vocab_size=4, hidden_size=2).generate(
            data.Vocabulary.build([["a"]], size=10), temperature=0
        )


def test_sgd_step_is_theta_minus_lr_times_bptt():
    x, y = np.array([5, 7, 5, 9, 1]), np.array([7, 5, 9, 2, 2])
    stepped, dense = RNNNumpy(40, 6, seed=4), RNNNumpy(40, 6, seed=4)
    stepped.sgd_step(x, y, 0.1)
    for p, g in zip(
        dense.parameters().values(), dense.bptt(x, y), strict=True
    ):
        p -= 0.1 * g
    for name in "UVW":
        np.testing.assert_array_equal(
            getattr(stepped, name), getattr(dense, name)
        )


def test_fit_stops_when_training_diverges(tiny_corpus):
    vocab, X, Y = tiny_corpus
    model = RNNNumpy(len(vocab), hidden_size=8, seed=0)
    with pytest.raises(FloatingPointError, match=r"diverged|became"):
        model.fit(X, Y, learning_rate=1e6, epochs=5, progress=False)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"epochs": 0},
            ValueError,
            "epochs must be a positive integer, got 0",
        ),
        ({"epochs": 2.5}, TypeError, "epochs must be a positive integer"),
        ({"evaluate_every": 0}, ValueError, "evaluate_every"),
        ({"learning_rate": -1}, ValueError, "learning_rate"),
    ],
)
def test_fit_checks_its_arguments_first(kwargs, error, match, tiny_corpus):
    vocab, X, Y = tiny_corpus
    with pytest.raises(error, match=match):
        RNNNumpy(len(vocab), 4).fit(X, Y, progress=False, **kwargs)
    with pytest.raises(ValueError, match="X and Y are empty"):
        RNNNumpy(len(vocab), 4).fit([], [], progress=False)


def test_config_and_numpy_parameters_round_trip():
    model = RNNNumpy(30, 5, bptt_truncate=None, seed=2)
    twin = RNNNumpy(**model.config())
    twin.load_numpy(model.numpy_parameters())
    for name in "UVW":
        np.testing.assert_array_equal(
            getattr(twin, name), getattr(model, name)
        )
    params = model.numpy_parameters()
    params["W"] = params["W"][:2]
    with pytest.raises(ValueError, match=r"params\['W'\] must have shape"):
        twin.load_numpy(params)
    params = model.numpy_parameters()
    params["U"][0, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        twin.load_numpy(params)
    params = model.numpy_parameters()
    params["U"] = params["U"] * 1j
    with pytest.raises(TypeError, match="real numbers"):
        twin.load_numpy(params)


def test_softmax_and_log_softmax_are_safe_for_extreme_scores():
    z = np.array(
        [[1000.0, 999.0, -5.0], [-1000.0, -1001.0, -1002.0], [0.1, 0.2, 0.3]]
    )
    p = softmax(z)
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(
        p[0, :2], [1 / (1 + np.e**-1), np.e**-1 / (1 + np.e**-1)], rtol=1e-12
    )
    np.testing.assert_allclose(
        p[2], np.exp(z[2]) / np.exp(z[2]).sum(), rtol=1e-12
    )
    log_p = log_softmax(z)
    assert np.all(np.isfinite(log_p))
    np.testing.assert_allclose(np.exp(log_p), p, rtol=1e-12)
    assert log_softmax(np.array([0.0, -2000.0]))[1] == pytest.approx(-2000.0)
