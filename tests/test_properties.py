"""Property-based tests (hypothesis): the data pipeline, the models'
input checks and checkpoint round trips hold for any input, not just the
examples we thought of.

The number of examples comes from the hypothesis profile registered in
``conftest.py`` (``ci`` by default: bounded, no deadline).
"""

from __future__ import annotations

import math
import re
import tempfile
from numbers import Integral, Real
from pathlib import Path

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from tutorial_rnn import checkpoint, data
from tutorial_rnn.activations import softmax
from tutorial_rnn.gated_lm import GatedLMNumpy
from tutorial_rnn.rnn_torch import RNNTorch
from tutorial_rnn.validation import as_ids, check_scalar

TOKENS = st.lists(
    st.text(min_size=1, max_size=6).filter(
        lambda t: t not in data.SPECIAL_TOKENS
    ),
    min_size=1,
    max_size=30,
)
SENTENCES = st.lists(TOKENS, min_size=1, max_size=8)


# ------------------------------------------------------- the data pipeline
@given(st.text(max_size=300))
def test_any_unicode_text_tokenizes_into_clean_tokens(text):
    for sentence in data.split_sentences(text):
        assert sentence == sentence.strip() and sentence
        for token in data.tokenize(sentence):
            assert token and not any(c.isspace() for c in token)
            assert token == token.lower()


@given(SENTENCES, st.integers(min_value=4, max_value=40))
def test_vocabulary_of_any_size_encodes_and_decodes(sentences, size):
    vocab = data.Vocabulary.build(sentences, size=size)
    distinct = {t for s in sentences for t in s}
    assert len(vocab) == min(size, 3 + len(distinct))
    assert tuple(vocab.index_to_word[:3]) == data.SPECIAL_TOKENS
    total = sum(len(s) for s in sentences)
    assert vocab.counts.sum() == total  # kept counts + UNKNOWN's
    for sentence in sentences:
        ids = vocab.encode(sentence)
        assert ids.dtype == np.int64 and len(ids) == len(sentence)
        expected = [t if t in vocab else data.UNKNOWN_TOKEN for t in sentence]
        assert vocab.decode(ids) == expected
    X, Y = data.training_pairs(sentences, vocab)
    for x, y, sentence in zip(X, Y, sentences, strict=True):
        assert len(x) == len(y) == len(sentence) + 1
        assert x[0] == vocab.start_id and y[-1] == vocab.end_id
        np.testing.assert_array_equal(x[1:], y[:-1])


@given(SENTENCES, st.integers(min_value=4, max_value=40))
def test_vocabulary_is_deterministic_and_keeps_the_most_frequent(
    sentences, size
):
    vocab = data.Vocabulary.build(sentences, size=size)
    again = data.Vocabulary.build(list(reversed(sentences)), size=size)
    assert vocab.index_to_word == again.index_to_word
    counts = data.token_counts(sentences)
    kept = vocab.counts[3:]
    assert all(kept[:-1] >= kept[1:])  # by falling frequency
    dropped = [c for t, c in counts.items() if t not in vocab]
    if dropped and len(kept):
        assert max(dropped) <= kept.min()


# ------------------------------------------------------ the input checks
ARRAYS = hnp.arrays(
    dtype=st.one_of(
        hnp.integer_dtypes(),
        hnp.unsigned_integer_dtypes(),
        hnp.floating_dtypes(),
        hnp.complex_number_dtypes(),
        hnp.boolean_dtypes(),
    ),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
)


def _names_x_and_the_reason(err: Exception, arr: np.ndarray) -> None:
    """A clear error about the ids ``x``: it names the argument, and says
    what is wrong with it (its dtype, its shape, or a bad id)."""
    message = str(err)
    assert message.startswith("x "), message
    if isinstance(err, TypeError):
        assert "integer" in message, message
    elif arr.size and arr.dtype.kind in "iu" and 1 <= arr.ndim <= 2:
        bad = set(arr[(arr < 0) | (arr >= 7)].flat)
        assert "shape" in message or any(
            re.search(rf"\bid {v}\b", message) for v in bad
        ), message
    else:
        assert "shape" in message or "empty" in message, message


@given(ARRAYS)
def test_as_ids_gives_valid_ids_or_a_clear_error(arr):
    try:
        ids = as_ids(arr, 7)
    except (TypeError, ValueError) as err:
        _names_x_and_the_reason(err, arr)
        return
    assert arr.dtype.kind in "iu" and arr.ndim == 1 and arr.size >= 1
    assert ids.dtype == np.int64 and ((ids >= 0) & (ids < 7)).all()
    np.testing.assert_array_equal(ids, arr)


@pytest.fixture(scope="module")
def small_lm():
    return GatedLMNumpy(7, 4, "gru", seed=0)


@given(ARRAYS)
def test_numpy_model_gives_probabilities_or_a_clear_error(small_lm, arr):
    try:
        p = small_lm.forward(arr)
    except (TypeError, ValueError) as err:
        _names_x_and_the_reason(err, arr)
        return
    assert arr.dtype.kind in "iu" and arr.ndim in (1, 2)
    assert ((arr >= 0) & (arr < 7)).all()
    assert p.shape == (*arr.shape, 7) and np.isfinite(p).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)


@pytest.fixture(scope="module")
def small_torch():
    return RNNTorch(7, 3, device="cpu", dtype=torch.float64)


SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)


@given(
    hnp.arrays(
        st.sampled_from([np.int64, np.int32, np.int16, np.float32]),
        SHAPES,
        elements=st.integers(min_value=-3, max_value=10),
    )
    | hnp.arrays(np.uint8, SHAPES, elements=st.integers(0, 10))
)
def test_torch_model_gives_scores_or_a_clear_error(small_torch, arr):
    try:
        z, _ = small_torch(torch.from_numpy(arr))
    except (TypeError, ValueError) as err:
        _names_x_and_the_reason(err, arr)
        return
    assert arr.dtype.kind in "iu" and arr.ndim == 2
    assert ((arr >= 0) & (arr < 7)).all()
    assert tuple(z.shape) == (*arr.shape, 7) and torch.isfinite(z).all()


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.builds(np.float32, st.floats(width=32)),
    st.builds(np.int64, st.integers(-(2**63), 2**63 - 1)),
    st.complex_numbers(),
)


@given(SCALARS, st.sampled_from([int, float]))
def test_check_scalar_accepts_or_explains(value, kind):
    try:
        out = check_scalar(value, "n", kind, min_val=1, max_val=1e6)
    except TypeError as err:
        assert str(err).startswith("n must be")
        wanted = Integral if kind is int else Real
        assert isinstance(value, bool | np.bool_) or not isinstance(
            value, wanted
        )
        return
    except ValueError as err:
        assert str(err).startswith("n must be") and repr(value) in str(err)
        return
    assert type(out) is kind
    assert 1 <= out <= 1e6 and math.isfinite(out)


@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=2, max_side=30),
        elements=st.floats(-1e300, 1e300),
    )
)
def test_softmax_is_a_distribution_for_any_finite_scores(z):
    p = softmax(z)
    assert np.isfinite(p).all() and (p >= 0).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-9)


# ----------------------------------------------------------- checkpoints
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
    | st.builds(
        np.float32, st.floats(width=32, allow_nan=False, allow_infinity=False)
    )
    | st.builds(np.int32, st.integers(-(2**31), 2**31 - 1)),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@given(
    st.sampled_from(["gru", "lstm", "rnn"]),
    st.integers(1, 2),
    st.integers(4, 12),
    st.integers(1, 6),
    st.sampled_from([None, np.float16, np.float32, np.float64]),
    st.dictionaries(st.text(max_size=8), JSON, max_size=4),
    st.integers(0, 2**32 - 1),
)
def test_checkpoint_round_trips(
    cell, layers, vocab, hidden, dtype, extra, seed
):
    model = GatedLMNumpy(vocab, hidden, cell, num_layers=layers, seed=seed)
    with tempfile.TemporaryDirectory() as folder:
        path = checkpoint.save(
            Path(folder) / "m", model, extra=extra, dtype=dtype
        )
        loaded = checkpoint.load(path)
        meta, arrays = checkpoint.load_arrays(path)
    assert loaded.config() == model.config()
    assert meta["extra"] == _plain(extra)
    stored = np.dtype(dtype or np.float64)
    for name, value in model.numpy_parameters().items():
        assert arrays[name].dtype == stored
        np.testing.assert_array_equal(
            loaded.numpy_parameters()[name], value.astype(stored)
        )


@given(st.binary(max_size=200))
def test_any_bytes_are_a_checkpoint_or_a_clear_error(content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.safetensors"
        path.write_bytes(content)
        with pytest.raises(ValueError, match="checkpoint"):
            checkpoint.load(path)
