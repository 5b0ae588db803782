"""FastRNNNumpy ≡ RNNNumpy: the fast twin computes the plain model's numbers.

Every overridden method is compared with the plain one on the same weights,
in float64 to 1e-12 relative (the float32 loss option to 1e-5).
"""

from __future__ import annotations

import numpy as np
import pytest

from tutorial_rnn import rnn_numpy_fast
from tutorial_rnn.rnn_numpy import RNNNumpy
from tutorial_rnn.rnn_numpy_fast import FastRNNNumpy


def twins(V=40, H=6, truncate=4, seed=4, scale=1.0):
    """A plain model and a fast one with the same weights."""
    plain = RNNNumpy(V, H, bptt_truncate=truncate, seed=seed)
    fast = FastRNNNumpy(V, H, bptt_truncate=truncate, seed=seed)
    plain.V *= scale
    fast.V *= scale
    return plain, fast


def ragged(rng, V, n, longest=40):
    X = [rng.integers(0, V, rng.integers(1, longest)) for _ in range(n)]
    return X, [rng.integers(0, V, len(x)) for x in X]


def test_the_fast_twin_is_an_rnnnumpy_with_the_same_weights():
    plain, fast = twins()
    assert isinstance(fast, RNNNumpy)
    for name in "UVW":
        np.testing.assert_array_equal(
            getattr(plain, name), getattr(fast, name)
        )
    assert fast.config() == plain.config()


def test_forward_is_the_same():
    plain, fast = twins()
    x = [3, 0, 39, 3, 7]
    for a, b in zip(plain.forward(x), fast.forward(x), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


@pytest.mark.parametrize("threads", [1, 2])
def test_loss_over_ragged_sentences_is_the_same(monkeypatch, threads):
    # small buckets and tiles: 150 sentences make many of both, some ragged
    monkeypatch.setattr(rnn_numpy_fast, "LOSS_BUCKET", 16)
    # the last of 5 column blocks is 20 wide
    monkeypatch.setattr(rnn_numpy_fast, "LOSS_TILE", (37, 70))
    monkeypatch.setattr(rnn_numpy_fast, "LOSS_THREADS", threads)
    plain, fast = twins(V=300, H=12, scale=8.0)  # a peaked softmax
    X, Y = ragged(np.random.default_rng(4), 300, 150)
    expected = plain.total_loss(X, Y)
    assert fast.total_loss(X, Y) == pytest.approx(expected, rel=1e-12)
    assert fast.loss(X, Y) == pytest.approx(plain.loss(X, Y), rel=1e-12)
    f32 = fast.total_loss(X, Y, dtype=np.float32)
    assert f32 == pytest.approx(expected, rel=1e-5)
    assert f32 != fast.total_loss(X, Y)


@pytest.mark.parametrize("scale", [3000.0, -3000.0])
def test_loss_is_the_same_when_scores_would_overflow_exp(scale):
    plain, fast = twins(scale=scale)
    X, Y = ragged(np.random.default_rng(5), 40, 70, longest=10)
    expected = plain.total_loss(X, Y)
    assert np.isfinite(expected) and expected > 0
    assert fast.total_loss(X, Y) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("truncate", [None, 0, 1, 4])
def test_bptt_is_the_same(truncate):
    plain, fast = twins(V=30, H=7, truncate=truncate)
    rng = np.random.default_rng(6)
    for T in (1, 2, 5, 17):
        x, y = rng.integers(0, 30, T), rng.integers(0, 30, T)
        for a, b in zip(plain.bptt(x, y), fast.bptt(x, y), strict=True):
            scale = np.abs(a).max()
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12 * scale)


@pytest.mark.parametrize("truncate", [None, 2, 4])
def test_twenty_sgd_steps_are_the_same(truncate):
    """Twenty consecutive steps on sentences of changing length: the fast
    step's buffer is reused and regrown."""
    plain, fast = twins(truncate=truncate)
    rng = np.random.default_rng(1)
    for step in range(20):
        T = (5, 70, 3, 12)[step % 4]
        x, y = rng.integers(0, 40, T), rng.integers(0, 40, T)
        plain.sgd_step(x, y, 0.05)
        fast.sgd_step(x, y, 0.05)
    for name in "UVW":
        a, b = getattr(plain, name), getattr(fast, name)
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("truncate", [None, 2])
@pytest.mark.parametrize("scale", [3000.0, -3000.0])
def test_sgd_steps_are_the_same_when_scores_would_overflow_exp(
    truncate, scale
):
    """Scores of thousands, far beyond exp's range: the fast step's
    unnormalised softmax must fall back to the shifted one. (Three steps:
    with a softmax this peaked, longer runs amplify round-off.)"""
    plain, fast = twins(truncate=truncate, scale=scale)
    rng = np.random.default_rng(1)
    for T in (5, 70, 3):
        x, y = rng.integers(0, 40, T), rng.integers(0, 40, T)
        plain.sgd_step(x, y, 1e-3)
        fast.sgd_step(x, y, 1e-3)
    for name in "UVW":
        a, b = getattr(plain, name), getattr(fast, name)
        assert np.all(np.isfinite(b))
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "replace",
    [
        lambda V: V.astype(np.float32),  # copied from a float32 torch model
        np.ascontiguousarray,  # row-major, as a checkpoint loads it
        lambda V: np.hstack([V, V])[:, ::2],  # a strided view
    ],
    ids=["float32", "row-major", "strided"],
)
def test_sgd_step_updates_a_V_assigned_between_steps(replace):
    """The fast step accumulates into V through BLAS (β = 1): a V of
    another dtype or layout must still receive the update."""
    plain, fast = twins(V=30, H=5, seed=3)
    rng = np.random.default_rng(2)
    x, y = rng.integers(0, 30, 8), rng.integers(0, 30, 8)
    fast.sgd_step(x, y, 0.05)
    fast.V = replace(fast.V)
    plain.load_numpy(fast.numpy_parameters())
    before = plain.V.copy()
    fast.sgd_step(x, y, 0.05)
    plain.sgd_step(x, y, 0.05)
    assert fast.V.dtype == np.float64 and not np.allclose(fast.V, before)
    for name in "UVW":
        np.testing.assert_allclose(
            getattr(fast, name), getattr(plain, name), rtol=1e-12, atol=1e-14
        )


@pytest.mark.parametrize("model_class", [RNNNumpy, FastRNNNumpy])
@pytest.mark.parametrize("where", ["U", "V", "W"])
def test_a_nan_weight_stops_the_step_and_spreads_nowhere(model_class, where):
    """Regression (issue 17, item 7): one NaN weight used to spread into
    every parameter without a word."""
    model = model_class(20, 4, seed=0)
    x, y = np.array([1, 2, 3]), np.array([2, 3, 4])
    getattr(model, where)[(1, 1) if where == "V" else (1, 2)] = np.nan
    before = {k: v.copy() for k, v in model.parameters().items()}
    with pytest.raises(FloatingPointError, match="not finite"):
        model.sgd_step(x, y, 0.1)
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(value, before[name])


def test_gradient_check_of_the_fast_twin():
    fast = FastRNNNumpy(30, 6, bptt_truncate=3, seed=3)
    rng = np.random.default_rng(5)
    x, y = rng.integers(0, 30, 12), rng.integers(0, 30, 12)
    result = fast.gradient_check(x, y)
    assert result.passed and result.worst < 1e-6, str(result)


def test_padded_states_match_one_sentence_at_a_time():
    fast = FastRNNNumpy(vocab_size=30, hidden_size=5, seed=1)
    rng = np.random.default_rng(6)
    X = [rng.integers(0, 30, n) for n in (4, 1, 9, 4, 2)]
    S, mask = fast.padded_states(X)
    assert S.shape == (5, 9, 5) and mask.shape == (5, 9)
    np.testing.assert_array_equal(mask.sum(axis=1), [4, 1, 9, 4, 2])
    for b, x in enumerate(X):
        np.testing.assert_allclose(
            S[b, : len(x)], fast.states(x), rtol=1e-12, atol=1e-15
        )


def test_bad_loss_dtype_is_refused():
    _, fast = twins()
    with pytest.raises(ValueError, match="dtype must be"):
        fast.total_loss([[1, 2]], [[2, 3]], dtype=np.float16)
