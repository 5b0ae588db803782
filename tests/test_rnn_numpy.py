"""tutorial_rnn.rnn_numpy: shapes, gradients, truncation, training, sampling and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tutorial_rnn import data
from tutorial_rnn.gradcheck import gradient_check, numerical_gradient
from tutorial_rnn.rnn_numpy import RNNNumpy, softmax


def random_pair(rng, vocab_size, length):
    return rng.integers(0, vocab_size, length), rng.integers(
        0, vocab_size, length
    )


def test_shapes_and_initialisation():
    model = RNNNumpy(vocab_size=50, hidden_size=7, seed=1)
    assert (
        model.U.shape == (7, 50)
        and model.V.shape == (50, 7)
        and model.W.shape == (7, 7)
    )
    assert model.U.dtype == np.float64
    assert np.abs(model.U).max() <= 1 / math.sqrt(50)
    assert np.abs(model.V).max() <= 1 / math.sqrt(7) and np.abs(
        model.W
    ).max() <= 1 / math.sqrt(7)
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
    """Hand-written BPTT against the numerical gradient: worst relative error < 1e-6."""
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
    np.testing.assert_array_equal(
        full[1], short[1]
    )  # dV never depends on truncation
    assert not np.allclose(full[2], short[2])


def test_truncation_follows_the_2015_rule():
    """Reference: the 2015 tutorial's per-output loop, written out literally."""
    rng = np.random.default_rng(7)
    model = RNNNumpy(15, 4, bptt_truncate=3, seed=1)
    x, y = random_pair(rng, 15, 9)
    o, s = model.forward(x)
    s_ext = np.vstack(
        [s, np.zeros(4)]
    )  # s_ext[-1] is s_{-1} = 0, as in the 2015 code
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


def _loss_one_sentence_at_a_time(model, X, Y):
    """The loss the slow, obvious way: forward() over each sentence, then -log o_t[y_t]."""
    return -sum(
        np.log(model.forward(x)[0][np.arange(len(y)), y]).sum()
        for x, y in zip(X, Y, strict=True)
    )


@pytest.mark.parametrize("threads", [1, 2])
def test_loss_of_many_sentences_equals_the_sum_over_single_sentences(
    monkeypatch, threads
):
    from tutorial_rnn import rnn_numpy

    # small buckets and tiles, so that 150 sentences make many of both, some of them ragged
    monkeypatch.setattr(rnn_numpy, "LOSS_BUCKET", 16)
    monkeypatch.setattr(
        rnn_numpy, "LOSS_TILE", (37, 70)
    )  # the last of 5 column blocks is 20 wide
    monkeypatch.setattr(rnn_numpy, "LOSS_THREADS", threads)
    rng = np.random.default_rng(4)
    model = RNNNumpy(vocab_size=300, hidden_size=12, seed=3)
    model.V *= 8  # a peaked softmax, far from the uniform guess
    X = [rng.integers(0, 300, rng.integers(1, 40)) for _ in range(150)]
    Y = [rng.integers(0, 300, len(x)) for x in X]
    expected = _loss_one_sentence_at_a_time(model, X, Y)
    assert model.total_loss(X, Y) == pytest.approx(expected, rel=1e-12)
    assert model.total_loss(X, Y, dtype=np.float32) == pytest.approx(
        expected, rel=1e-5
    )
    assert model.total_loss(X, Y, dtype=np.float32) != model.total_loss(X, Y)


def test_loss_stays_finite_when_scores_would_overflow_exp():
    rng = np.random.default_rng(5)
    model = RNNNumpy(vocab_size=40, hidden_size=6, seed=0)
    model.V *= 3000  # scores of several hundred: exp overflows unless each row is shifted
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


def test_padded_and_batch_states_match_one_sentence_at_a_time():
    rng = np.random.default_rng(6)
    model = RNNNumpy(vocab_size=30, hidden_size=5, seed=1)
    X = [rng.integers(0, 30, n) for n in (4, 1, 9, 4, 2)]
    S, mask = model.padded_states(X)
    assert S.shape == (5, 9, 5) and mask.shape == (5, 9)
    np.testing.assert_array_equal(mask.sum(axis=1), [4, 1, 9, 4, 2])
    for b, x in enumerate(X):
        np.testing.assert_allclose(
            S[b, : len(x)], model.states(x), rtol=1e-12, atol=1e-15
        )
    stacked = model.batch_states(X, bucket=2)
    np.testing.assert_allclose(
        stacked,
        np.concatenate([model.states(x) for x in X]),
        rtol=1e-12,
        atol=1e-15,
    )


def tiny_corpus():
    text = "the cat sat on the mat. the dog sat on the log. a cat and a dog."
    sentences = [data.tokenize(s) for s in data.split_sentences(text)]
    vocab = data.Vocabulary.build(sentences, size=20)
    X, Y = data.training_pairs(sentences, vocab)
    return vocab, X, Y


def test_training_overfits_a_tiny_corpus_and_generates_valid_words():
    vocab, X, Y = tiny_corpus()
    model = RNNNumpy(len(vocab), hidden_size=16, bptt_truncate=None, seed=0)
    history = model.train(
        X, Y, learning_rate=0.05, epochs=300, evaluate_every=50, progress=False
    )
    assert history.loss[0] > 2.5
    assert history.loss[-1] < 1.0
    assert history.examples_seen[-1] == 300 * len(X)
    for seed in range(5):
        words = model.generate(vocab, seed=seed, temperature=1.0)
        assert 1 <= len(words) <= 50
        assert all(w in vocab and w not in data.SPECIAL_TOKENS for w in words)
    assert model.generate(vocab, seed=3) == model.generate(vocab, seed=3)


def test_learning_rate_is_halved_when_the_loss_rises():
    vocab, X, Y = tiny_corpus()
    model = RNNNumpy(len(vocab), hidden_size=8, seed=0)
    history = model.train(
        X, Y, learning_rate=30.0, epochs=6, evaluate_every=1, progress=False
    )
    rises = [
        i
        for i in range(1, len(history.loss))
        if history.loss[i] > history.loss[i - 1]
    ]
    assert rises, (
        "a learning rate of 30 should make the loss rise at least once"
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


def test_sgd_step_equals_the_dense_update():
    """sgd_step updates U sparsely and V in place: it must equal θ -= lr * bptt(θ)."""
    x, y = np.array([5, 7, 5, 9, 1]), np.array([7, 5, 9, 2, 2])
    fast, dense = RNNNumpy(40, 6, seed=4), RNNNumpy(40, 6, seed=4)
    fast.sgd_step(x, y, 0.1)
    for p, g in zip(
        dense.parameters().values(), dense.bptt(x, y), strict=True
    ):
        p -= 0.1 * g
    for name in "UVW":
        np.testing.assert_allclose(
            getattr(fast, name), getattr(dense, name), rtol=0, atol=1e-15
        )


@pytest.mark.parametrize("truncate", [None, 2])
@pytest.mark.parametrize("scale", [1.0, 3000.0, -3000.0])
def test_sgd_step_equals_the_dense_update_over_many_steps(truncate, scale):
    """Buffers reused across lengths (70 > the first buffer, then 3), and scores far beyond
    exp's range (scale ±3000): the unnormalised softmax must fall back to the shifted one."""
    rng = np.random.default_rng(1)
    fast, dense = (
        RNNNumpy(40, 6, bptt_truncate=truncate, seed=4),
        RNNNumpy(40, 6, bptt_truncate=truncate, seed=4),
    )
    for model in (fast, dense):
        model.V *= scale  # a C-ordered V, as a checkpoint would load it
    for T in (5, 70, 3):
        x, y = rng.integers(0, 40, T), rng.integers(0, 40, T)
        fast.sgd_step(x, y, 1e-3)
        for p, g in zip(
            dense.parameters().values(), dense.bptt(x, y), strict=True
        ):
            p -= 1e-3 * g
    for name in "UVW":
        assert np.all(np.isfinite(getattr(fast, name)))
        np.testing.assert_allclose(
            getattr(fast, name), getattr(dense, name), rtol=1e-12, atol=1e-12
        )


@pytest.mark.parametrize(
    "replace",
    [
        lambda V: V.astype(
            np.float32
        ),  # e.g. weights copied from a float32 torch model
        lambda V: np.ascontiguousarray(V),  # row-major, as np.load gives it
        lambda V: np.hstack([V, V])[
            :, ::2
        ],  # a strided view, neither C nor F contiguous
    ],
    ids=["float32", "row-major", "strided"],
)
def test_sgd_step_updates_a_V_assigned_between_steps(replace):
    """sgd_step accumulates into V in place through BLAS (β = 1): a V in another dtype or layout
    must still receive the update, never be silently left unchanged."""
    rng = np.random.default_rng(2)
    fast, dense = RNNNumpy(30, 5, seed=3), RNNNumpy(30, 5, seed=3)
    x, y = rng.integers(0, 30, 8), rng.integers(0, 30, 8)
    fast.sgd_step(x, y, 0.05)  # V now column-major
    fast.V = replace(fast.V)
    dense.V = np.array(fast.V, dtype=np.float64)
    dense.U, dense.W = fast.U.copy(), fast.W.copy()
    before = dense.V.copy()
    fast.sgd_step(x, y, 0.05)
    for p, g in zip(
        dense.parameters().values(), dense.bptt(x, y), strict=True
    ):
        p -= 0.05 * g
    assert fast.V.dtype == np.float64 and not np.allclose(fast.V, before)
    for name in "UVW":
        np.testing.assert_allclose(
            getattr(fast, name), getattr(dense, name), rtol=1e-12, atol=1e-14
        )


def test_softmax_is_safe_for_extreme_scores_and_in_place():
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
    buf = z.copy()
    assert softmax(buf, inplace=True) is buf and np.allclose(buf, p)
