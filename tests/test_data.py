"""tutorial_rnn.data: tokenizing, vocabulary, pairs, the book's split,
statistics and their errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tutorial_rnn import data
from tutorial_rnn.corpus import Corpus
from tutorial_rnn.data import (
    SENTENCE_END,
    SENTENCE_START,
    UNKNOWN_TOKEN,
    Vocabulary,
)


def test_split_sentences_and_tokenize():
    sentences = data.split_sentences(
        "To be, or not to be? That is\nthe question. Whether 'tis nobler--"
    )
    assert sentences == [
        "To be, or not to be?",
        "That is the question.",
        "Whether 'tis nobler--",
    ]
    assert data.tokenize(sentences[2]) == ["whether", "'tis", "nobler", "--"]
    assert data.tokenize("Seal'd with self-same wax!") == [
        "seal'd",
        "with",
        "self-same",
        "wax",
        "!",
    ]
    assert data.tokenize("A dash—here") == ["a", "dash", "--", "here"]


def small_sentences():
    return [["a", "b", "a", "c"], ["a", "b", "d"], ["e", "a"]]


def test_vocabulary_order_counts_and_specials():
    vocab = Vocabulary.build(small_sentences(), size=6)
    assert vocab.index_to_word == [
        UNKNOWN_TOKEN,
        SENTENCE_START,
        SENTENCE_END,
        "a",
        "b",
        "c",
    ]
    assert (vocab.unknown_id, vocab.start_id, vocab.end_id) == (0, 1, 2)
    # "d" and "e" did not fit: UNKNOWN_TOKEN counts the two tokens it replaces.
    assert vocab.counts.tolist() == [2, 0, 0, 4, 2, 1]
    assert vocab.least_frequent == ("c", 1)
    assert vocab.coverage(small_sentences()) == pytest.approx(7 / 9)
    assert len(vocab) == 6 and "a" in vocab and "e" not in vocab


def test_vocabulary_ties_are_alphabetical_and_deterministic():
    sentences = [["z", "y", "x"]]
    assert Vocabulary.build(sentences, size=5).index_to_word[3:] == ["x", "y"]


def test_encode_decode_round_trip():
    vocab = Vocabulary.build(small_sentences(), size=6)
    ids = vocab.encode(["a", "c", "zzz", "b"])
    assert ids.dtype == np.int64 and ids.tolist() == [3, 5, 0, 4]
    assert vocab.decode(ids) == ["a", "c", UNKNOWN_TOKEN, "b"]
    for sentence in (
        ["a", "b", "a", "c"],
        ["c", "b"],
    ):  # all words known: a true round trip
        assert vocab.decode(vocab.encode(sentence)) == sentence


def test_training_pairs_shift_by_one():
    vocab = Vocabulary.build(small_sentences(), size=8)
    X, Y = data.training_pairs([["a", "b", "d"]], vocab)
    assert vocab.decode(X[0]) == [SENTENCE_START, "a", "b", "d"]
    assert vocab.decode(Y[0]) == ["a", "b", "d", SENTENCE_END]
    np.testing.assert_array_equal(X[0][1:], Y[0][:-1])


def test_train_validation_split_is_seeded_disjoint_and_complete():
    train, val = data.train_validation_split(100, 0.2, seed=3)
    assert len(val) == 20 and len(train) == 80
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(100))
    again = data.train_validation_split(100, 0.2, seed=3)
    np.testing.assert_array_equal(train, again[0])
    other = data.train_validation_split(100, 0.2, seed=4)
    assert not np.array_equal(val, other[1])


def test_unigram_entropy_of_a_known_distribution():
    Y = [np.array([3, 3, 4, 5])]  # p = 1/2, 1/4, 1/4
    expected = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))
    assert data.unigram_entropy(Y, size=6) == pytest.approx(expected)


def test_tokenize_corpus_splits_documents_into_sentences():
    corpus = Corpus(
        "mine", ["First paragraph. Two sentences!", "Second one here."]
    )
    assert data.tokenize_corpus(corpus) == [
        ["first", "paragraph", "."],
        ["two", "sentences", "!"],
        ["second", "one", "here", "."],
    ]


# ----------------------------------------------------------------- bad input
def test_errors_for_bad_input():
    with pytest.raises(ValueError, match="size must be an integer >= 4"):
        Vocabulary.build(small_sentences(), size=3)
    with pytest.raises(TypeError, match="size must be an integer"):
        Vocabulary.build(small_sentences(), size=6.0)
    with pytest.raises(ValueError, match="empty text"):
        Vocabulary.build([], size=10)
    vocab = Vocabulary.build(small_sentences(), size=6)
    with pytest.raises(ValueError, match="ids holds id 6, outside the voc"):
        vocab.decode([1, 6])
    with pytest.raises(ValueError, match="ids holds id -1, outside"):
        vocab.decode([-1])
    with pytest.raises(TypeError, match="ids must hold integer"):
        vocab.decode([1.5])
    with pytest.raises(ValueError, match=r"counts must have shape \(6,\)"):
        Vocabulary(vocab.index_to_word, counts=[1, 2])
    with pytest.raises(ValueError, match="validation_fraction"):
        data.train_validation_split(10, 1.0)
    with pytest.raises(ValueError, match="holds no documents"):
        data.tokenize_corpus(Corpus("nothing", []))


# ----------------------------------------------------------- the real corpus
def test_shakespeare_corpus_figures():
    """The figures the book quotes: ~1M tokens with punctuation, ~840k words,
    8,000 entries."""
    stats = data.corpus_statistics()
    assert stats.works == 38
    assert stats.tokens >= 1_000_000
    assert 800_000 <= stats.words <= 880_000
    assert 50_000 <= stats.sentences <= 60_000
    assert stats.vocabulary_size == 8000
    assert 0.95 < stats.coverage < 0.98
    assert 5.8 < stats.unigram_entropy < 6.1 < math.log(8000)


def test_unigram_cross_entropy_is_smoothed_and_is_the_entropy_on_its_data():
    Y = [np.array([3, 3, 4, 5])]
    # add-one smoothing over 6 ids: counts 1,1,1,3,2,2 -> p = c / 10
    expected = -(2 * math.log(0.3) + math.log(0.2) + math.log(0.2)) / 4
    assert data.unigram_cross_entropy(Y, Y, size=6) == pytest.approx(expected)
    assert math.isfinite(
        data.unigram_cross_entropy(Y, [np.array([0, 1])], size=6)
    )


def test_book_data_is_the_books_split():
    book = data.book_data()
    n = len(book.sentences)
    assert len(book.X) == len(book.Y) == n
    assert len(book.vocab) == 8000
    train, valid = data.train_validation_split(n, 0.05, seed=0)
    assert len(book.X_train) == len(train) and len(book.X_valid) == len(valid)
    assert len(valid) == round(0.05 * n)
    for i in (0, len(valid) // 2, len(valid) - 1):
        assert book.X_valid[i] is book.X[valid[i]]
        assert book.Y_valid[i] is book.Y[valid[i]]
    np.testing.assert_array_equal(
        book.X_train[0],
        [book.vocab.start_id, *book.vocab.encode(book.sentences[train[0]])],
    )
    stats = data.corpus_statistics(book)
    assert stats.sentences == n and stats.vocabulary_size == 8000


@pytest.mark.parametrize(
    "kwargs,named",
    [
        ({"vocabulary_size": 3}, "vocabulary_size"),
        ({"vocabulary_size": 8000.0}, "vocabulary_size"),
    ],
)
def test_book_data_checks_its_arguments_first(monkeypatch, kwargs, named):
    monkeypatch.setattr(data, "tokenize_corpus", None)  # never reached
    with pytest.raises((TypeError, ValueError), match=named):
        data.book_data(**kwargs)
