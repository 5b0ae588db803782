"""Hypothesis properties of checkpoint loading (issue 23): any bytes, any
truncation and any mutation of a valid file give back the saved model
exactly or "not a tutorial_rnn checkpoint", never another exception, and
never more memory than a small multiple of the file's size; every model
of the book round-trips."""

from __future__ import annotations

import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from tutorial_rnn import checkpoint, data
from tutorial_rnn.gated_lm import GatedLMNumpy
from tutorial_rnn.gated_torch import GatedLMTorch
from tutorial_rnn.rnn_numpy import RNNNumpy
from tutorial_rnn.rnn_numpy_fast import FastRNNNumpy
from tutorial_rnn.rnn_torch import RNNTorch

REFUSED = "not a tutorial_rnn checkpoint"


def _vocab(size):
    return [*data.SPECIAL_TOKENS, *(f"w{i}" for i in range(size - 3))]


def _model(kind, V, H, seed):
    if kind in ("RNNNumpy", "FastRNNNumpy"):
        return {"RNNNumpy": RNNNumpy, "FastRNNNumpy": FastRNNNumpy}[kind](
            V, H, seed=seed
        )
    if kind == "RNNTorch":
        return RNNTorch(V, H, seed=seed, device="cpu", dtype=torch.float64)
    cell, cls = kind.split(":")
    if cls == "torch":
        return GatedLMTorch(
            V,
            H,
            cell,
            num_layers=2,
            seed=seed,
            device="cpu",
            dtype=torch.float64,
        )
    return GatedLMNumpy(V, H, cell, num_layers=2, seed=seed)


KINDS = st.sampled_from(
    [
        "RNNNumpy",
        "FastRNNNumpy",
        "RNNTorch",
        "gru:numpy",
        "lstm:numpy",
        "rnn:numpy",
        "gru:torch",
        "lstm:torch",
    ]
)


@given(
    KINDS,
    st.integers(4, 9),
    st.integers(1, 4),
    st.sampled_from([None, np.float16, np.float32]),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_every_model_round_trips(kind, V, H, dtype, with_vocab, seed):
    model = _model(kind, V, H, seed)
    vocab = _vocab(V) if with_vocab else None
    with tempfile.TemporaryDirectory() as folder:
        path = checkpoint.save(Path(folder) / "m", model, vocab, dtype=dtype)
        twin = {"device": "cpu", "dtype": torch.float64}
        torch_kind = "torch" in kind or kind == "RNNTorch"
        back, got = checkpoint.load_with_vocab(
            path, **(twin if torch_kind else {})
        )
    assert type(back) is type(model) and back.config() == model.config()
    assert (got is None) == (vocab is None)
    assert got is None or got.index_to_word == vocab
    stored = np.dtype(dtype or np.float64)
    for name, value in model.numpy_parameters().items():
        np.testing.assert_array_equal(
            back.numpy_parameters()[name].astype(stored), value.astype(stored)
        )


def _load_or_refuse(path, size):
    """Load ``path``: return the model, or None when refused as expected;
    any other exception fails. Checks the memory used on the way."""
    tracemalloc.start()
    try:
        return checkpoint.load(path)
    except ValueError as err:
        assert REFUSED in str(err), err
        return None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak <= 16 * size + 2_000_000


@given(st.binary(max_size=4000))
def test_random_bytes_are_refused(content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.safetensors"
        path.write_bytes(content)
        assert _load_or_refuse(path, len(content)) is None


@pytest.fixture(scope="module")
def valid_file():
    model = GatedLMNumpy(6, 3, "gru", num_layers=1, seed=0)
    with tempfile.TemporaryDirectory() as folder:
        path = checkpoint.save(
            Path(folder) / "m", model, _vocab(6), extra={"seed": 0}
        )
        yield model, path.read_bytes()


def _same(a, b):
    pa, pb = a.numpy_parameters(), b.numpy_parameters()
    return pa.keys() == pb.keys() and all(
        np.array_equal(pa[k], pb[k]) for k in pa
    )


@given(st.data())
def test_truncated_files_are_refused(valid_file, data_):
    content = valid_file[1]
    cut = data_.draw(st.integers(0, len(content) - 1))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cut.safetensors"
        path.write_bytes(content[:cut])
        assert _load_or_refuse(path, len(content)) is None


@given(
    st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
        min_size=1,
        max_size=8,
    ),
)
def test_mutated_files_load_exactly_or_are_refused(valid_file, edits):
    model, content = valid_file
    raw = bytearray(content)
    for where, byte in edits:
        raw[int(where * len(raw))] = byte
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutated.safetensors"
        path.write_bytes(bytes(raw))
        back = _load_or_refuse(path, len(raw))
    assert back is None or _same(back, model)
