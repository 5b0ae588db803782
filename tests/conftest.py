"""Shared fixtures: a tiny corpus and vocabulary, small models, a
checkpoint folder, and the hypothesis profiles.

Hypothesis profiles (choose one with ``--hypothesis-profile NAME`` or the
``HYPOTHESIS_PROFILE`` environment variable):

- ``ci`` (the default): a bounded number of examples per property, no
  deadline (two shared cores make timings noisy), so the whole property
  suite stays well under a minute;
- ``thorough``: ten times more examples, for a local hunt.
"""

from __future__ import annotations

import hashlib
import os
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from safetensors.numpy import save as safetensors_bytes

from tutorial_rnn import data

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "thorough", max_examples=400, deadline=None, print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TINY_TEXT = (
    "the cat sat on the mat. the dog sat on the log. "
    "a cat and a dog. the mat and the log."
)


@pytest.fixture
def tiny_corpus():
    """``(vocab, X, Y)``: four sentences, a 20-entry vocabulary."""
    sentences = [data.tokenize(s) for s in data.split_sentences(TINY_TEXT)]
    vocab = data.Vocabulary.build(sentences, size=20)
    return (vocab, *data.training_pairs(sentences, vocab))


@pytest.fixture
def small_vocab(tiny_corpus):
    """The tiny corpus's 20-entry :class:`~tutorial_rnn.data.Vocabulary`."""
    return tiny_corpus[0]


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def gated_numpy():
    """A small GRU language model in NumPy (V = 20, H = 6)."""
    from tutorial_rnn.gated_lm import GatedLMNumpy

    return GatedLMNumpy(20, 6, "gru", num_layers=1, seed=1)


@pytest.fixture
def rnn_torch():
    """A small plain RNN in PyTorch, float64 on the CPU (V = 20, H = 5)."""
    torch = pytest.importorskip("torch")
    from tutorial_rnn.rnn_torch import RNNTorch

    return RNNTorch(20, 5, seed=3, device="cpu", dtype=torch.float64)


@pytest.fixture
def gated_torch():
    """A small GRU language model in PyTorch, float64 on the CPU."""
    torch = pytest.importorskip("torch")
    from tutorial_rnn.gated_torch import GatedLMTorch

    return GatedLMTorch(
        20, 6, "gru", num_layers=1, seed=1, device="cpu", dtype=torch.float64
    )


def signed_checkpoint(arrays: dict, meta: dict) -> bytes:
    """The bytes of a checkpoint anyone could write by the documented
    format, SHA-256 included (a checksum, not a signature): for tests of
    crafted files."""
    first = safetensors_bytes(arrays, metadata=meta)
    (n,) = struct.unpack("<Q", first[:8])
    h = hashlib.sha256()
    for key in ("model", "config", "vocab"):
        h.update(meta.get(key, "").encode() + b"\0")
    h.update(first[8 + n :])
    return safetensors_bytes(arrays, metadata=meta | {"sha256": h.hexdigest()})


@pytest.fixture
def write_checkpoint():
    """``write(path, arrays, meta)``: a crafted, correctly summed file."""

    def write(path, arrays, meta):
        path.write_bytes(signed_checkpoint(arrays, meta))
        return path

    return write


@pytest.fixture
def walks_known_pairs():
    """``check(model, vocab, pairs)``: a model this well fitted, sampled
    cold (temperature 0.2, seeds 0-2), writes only words of the vocabulary
    and only pairs of neighbouring words (the sentence start included)
    found in ``pairs``; an untrained model's words are pairs it has not
    seen."""

    def check(model, vocab, pairs: set[tuple[str, str]]) -> None:
        for seed in range(3):
            words = model.generate(vocab, temperature=0.2, seed=seed)
            assert all(
                w in vocab and w not in data.SPECIAL_TOKENS for w in words
            )
            walk = [data.SENTENCE_START, *words]
            steps = {(walk[i], walk[i + 1]) for i in range(len(walk) - 1)}
            assert steps <= pairs, words

    return check


@pytest.fixture
def no_data(monkeypatch):
    """Loading the corpus fails loudly: a CLI check must come first."""

    def refuse(*args, **kwargs):
        raise AssertionError("the corpus was loaded before the checks")

    monkeypatch.setattr(data, "load_shakespeare", refuse)


@pytest.fixture
def checkpoint_dir(tmp_path):
    """An empty folder for checkpoints."""
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    return folder
