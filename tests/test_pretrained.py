"""tutorial_rnn.pretrained: the shipped checkpoint loads without pickle and
says how it was made."""

from __future__ import annotations

import numpy as np
import pytest

from tutorial_rnn import data, pretrained
from tutorial_rnn.gated_lm import GatedLMNumpy


def test_the_shipped_gru_loads_and_records_its_training():
    assert "gru2" in pretrained.available()
    assert pretrained.path("gru2").stat().st_size <= 10_000_000
    meta = pretrained.info("gru2")
    assert meta["model"] == "GatedLMTorch"
    assert meta["config"] == {
        "vocab_size": 8000,
        "hidden_size": 128,
        "cell": "gru",
        "num_layers": 2,
        "embed_size": 128,
        "convention": "pytorch",
    }
    extra = meta["extra"]
    assert (
        extra["command"].startswith("python -m tutorial_rnn train")
        and extra["seed"] == 0
    )
    assert extra["held_out_loss"] < extra["unigram_loss"]
    model, vocab = pretrained.load("gru2", GatedLMNumpy)
    assert len(vocab) == model.vocab_size == 8000
    probs = model.forward([1, 10, 20])
    assert probs.shape == (3, 8000) and np.allclose(probs.sum(axis=1), 1.0)


def test_unknown_name_is_refused():
    with pytest.raises(ValueError, match="no shipped checkpoint named 'gpt'"):
        pretrained.path("gpt")


def test_the_shipped_vocabulary_is_the_books():
    book = data.book_data()
    vocab = pretrained.load("gru2", GatedLMNumpy, vocab=book.vocab).vocab
    assert vocab.index_to_word == book.vocab.index_to_word
    assert pretrained.info("gru2")["vocab"] == book.vocab.index_to_word
    # another tokenizer or corpus would scramble the ids: refused
    words = book.vocab.index_to_word
    swapped = [*words[:3], words[4], words[3], *words[5:]]
    with pytest.raises(ValueError, match="another vocabulary: id 3"):
        pretrained.load("gru2", GatedLMNumpy, vocab=swapped)
