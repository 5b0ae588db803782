"""Text to training pairs, offline: tokenizer, vocabulary, pairs, split.

The text is Shakespeare's plays (:mod:`tutorial_rnn.corpus`). The pipeline
every chapter, the command line, the tests and the benchmarks run, in one
call, :func:`book_data`::

    corpus = load_shakespeare()              # documents = speeches
    sentences = tokenize_corpus(corpus)      # list of token lists
    vocab = Vocabulary.build(sentences, size=8000)
    X, Y = training_pairs(sentences, vocab)  # x = START + words,
                                             # y = words + END
    train, valid = train_validation_split(len(X), 0.05, seed=0)
"""

from __future__ import annotations

import collections
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .corpus import Corpus, load_shakespeare
from .validation import as_ids, check_array, check_scalar, check_tokens

__all__ = [
    "SENTENCE_END",
    "SENTENCE_START",
    "SPECIAL_TOKENS",
    "UNKNOWN_TOKEN",
    "BookData",
    "CorpusStatistics",
    "Vocabulary",
    "book_data",
    "corpus_statistics",
    "is_word",
    "split_sentences",
    "token_counts",
    "tokenize",
    "tokenize_corpus",
    "train_validation_split",
    "training_pairs",
    "unigram_cross_entropy",
    "unigram_entropy",
]

UNKNOWN_TOKEN = "UNKNOWN_TOKEN"
SENTENCE_START = "SENTENCE_START"
SENTENCE_END = "SENTENCE_END"
#: The three special tokens, in the order of their ids (0, 1, 2) in every
#: :class:`Vocabulary`.
SPECIAL_TOKENS = (UNKNOWN_TOKEN, SENTENCE_START, SENTENCE_END)


# -----------------------------------------------------------------------------
# Sentences and tokens
# -----------------------------------------------------------------------------
#: A sentence ends at ``.``, ``!`` or ``?`` (closing quotes or brackets may
#: follow) before whitespace. Abbreviations such as "Mr." are rare in the plays
#: and split wrongly; that is the price of a rule a reader can hold in their
#: head.
SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?])['\"’”)\]]*\s+")

_LETTERS = r"[^\W\d_]+"
_WORD = (
    rf"{_LETTERS}(?:['’]{_LETTERS})*"
    rf"(?:-{_LETTERS}(?:['’]{_LETTERS})*)*"
)
#: Tokens: a word (letters, with inner apostrophes and hyphens: ``seal'd``,
#: ``self-same``), an elided word with a leading apostrophe (``'tis``), a
#: number, or one punctuation mark. A dash (``--`` or ``—``) is one token
#: ``--``. Everything else (quotes, brackets) is dropped.
TOKEN = re.compile(rf"{_WORD}|['’]{_WORD}|\d+(?:[.,]\d+)*|--+|—|[.,!?;:]")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences with :data:`SENTENCE_BOUNDARY`; line breaks
    become spaces.

    >>> split_sentences("To be, or not to be? That is\\nthe question.")
    ['To be, or not to be?', 'That is the question.']
    """
    flat = " ".join(text.split())
    return [s.strip() for s in SENTENCE_BOUNDARY.split(flat) if s.strip()]


def tokenize(sentence: str) -> list[str]:
    """Split a lowercased sentence into word and punctuation tokens with
    the regex :data:`TOKEN`.

    >>> tokenize("'Tis seal'd, my lord -- self-same!")
    ["'tis", "seal'd", ',', 'my', 'lord', '--', 'self-same', '!']
    """
    return [
        "--" if t.startswith(("--", "—")) else t.replace("’", "'")
        for t in TOKEN.findall(sentence.lower())
    ]


def is_word(token: str) -> bool:
    """True for word tokens, False for punctuation and special tokens."""
    if not isinstance(token, str) or not token:
        raise ValueError(f"is_word needs a non-empty token, got {token!r}")
    return token not in SPECIAL_TOKENS and (
        token[0].isalnum() or token[0] in "'’"
    )


def tokenize_corpus(corpus: Corpus) -> list[list[str]]:
    """Split every document into sentences and every sentence into
    (lowercased) tokens.

    Sentences that hold no token are dropped.
    """
    if not corpus.documents:
        raise ValueError(f"the corpus {corpus.name!r} holds no documents")
    tokenized = (
        tokenize(sentence)
        for document in corpus.documents
        for sentence in split_sentences(document)
    )
    return [tokens for tokens in tokenized if tokens]


def token_counts(
    sentences: Iterable[Sequence[str]],
) -> collections.Counter[str]:
    """How often each token occurs in ``sentences``."""
    counter: collections.Counter[str] = collections.Counter()
    for sentence in check_tokens(sentences, "sentences", strings=False):
        counter.update(check_tokens(sentence, "each sentence"))
    return counter


# -----------------------------------------------------------------------------
# Vocabulary
# -----------------------------------------------------------------------------
class Vocabulary:
    """The most frequent tokens plus :data:`UNKNOWN_TOKEN`,
    :data:`SENTENCE_START` and :data:`SENTENCE_END`, each with an integer id.

    Ids 0, 1, 2 are the special tokens; then tokens by falling frequency (ties
    in alphabetical order, so the vocabulary is deterministic). Build one with
    :meth:`build`.

    Attributes
    ----------
    index_to_word : list of str
        Id to token.
    word_to_index : dict
        Token to id.
    counts : numpy.ndarray of int64, shape (size,)
        How often each token occurred in the text the vocabulary was built from
        (special tokens: 0 except UNKNOWN_TOKEN, which counts the tokens it
        replaces).
    """

    #: The ids of the special tokens (the first three of every vocabulary).
    unknown_id, start_id, end_id = 0, 1, 2

    def __init__(
        self, tokens: Sequence[str], counts: Sequence[int] | None = None
    ):
        tokens = list(check_tokens(tokens))
        if tuple(tokens[:3]) != SPECIAL_TOKENS:
            raise ValueError(
                "a vocabulary must start with the special tokens "
                f"{SPECIAL_TOKENS!r}"
            )
        if len(set(tokens)) != len(tokens):
            raise ValueError("a vocabulary must not hold a token twice")
        self.index_to_word = tokens
        self.word_to_index = {w: i for i, w in enumerate(tokens)}
        if counts is None:
            counts = np.zeros(len(tokens), np.int64)
        self.counts = check_array(counts, "counts", (len(tokens),)).astype(
            np.int64
        )

    @classmethod
    def build(
        cls, sentences: Iterable[Sequence[str]], size: int = 8000
    ) -> Vocabulary:
        """Keep the ``size - 3`` most frequent tokens of ``sentences``.

        Parameters
        ----------
        sentences : iterable of token lists
        size : int
            Total entries, the three special tokens included (at least 4).
        """
        size = check_scalar(size, "size", int, min_val=4)  # 3 special + 1
        counter = token_counts(sentences)
        if not counter:
            raise ValueError("cannot build a vocabulary from empty text")
        for special in SPECIAL_TOKENS:
            counter.pop(special, None)
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        kept = ranked[: size - 3]
        unknown = sum(c for _, c in ranked[size - 3 :])
        tokens = [*SPECIAL_TOKENS, *(w for w, _ in kept)]
        counts = [unknown, 0, 0, *(c for _, c in kept)]
        return cls(tokens, counts)

    def __len__(self) -> int:
        return len(self.index_to_word)

    def __contains__(self, token: object) -> bool:
        return token in self.word_to_index

    def __repr__(self) -> str:
        return (
            f"Vocabulary(size={len(self)}, "
            f"least_frequent={self.least_frequent!r})"
        )

    @property
    def least_frequent(self) -> tuple[str, int]:
        """The least frequent kept (non-special) token and its count."""
        if len(self) == 3:
            raise ValueError("the vocabulary holds no word")
        return self.index_to_word[-1], int(self.counts[-1])

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        """Token list to an int64 id array; unknown tokens become
        ``UNKNOWN_TOKEN``'s id 0.

        Raises
        ------
        TypeError
            For a bare string (split it into tokens first).
        """
        tokens = check_tokens(tokens)
        index = self.word_to_index
        return np.fromiter(
            (index.get(t, 0) for t in tokens),
            dtype=np.int64,
            count=len(tokens),
        )

    def decode(self, ids: Iterable[int] | np.ndarray) -> list[str]:
        """Id sequence to tokens.

        Raises
        ------
        ValueError
            For an id outside ``0 .. len(self) - 1``, naming it.
        TypeError
            For non-integer ids.
        """
        arr = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
        if arr.size == 0:
            return []
        arr = as_ids(arr, len(self), "ids", ndim=arr.ndim)
        return [self.index_to_word[i] for i in arr.ravel().tolist()]

    def coverage(self, sentences: Iterable[Sequence[str]]) -> float:
        """Fraction of the tokens of ``sentences`` that are in the
        vocabulary."""
        counts = token_counts(sentences)
        if not counts:
            raise ValueError("coverage of empty text is undefined")
        known = sum(c for t, c in counts.items() if t in self.word_to_index)
        return known / counts.total()


# -----------------------------------------------------------------------------
# Training pairs
# -----------------------------------------------------------------------------
def training_pairs(
    sentences: Iterable[Sequence[str]], vocab: Vocabulary
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Turn token lists into next-word prediction pairs.

    For a sentence ``w_1 .. w_n``: ``x = [START, w_1, .., w_n]`` and
    ``y = [w_1, .., w_n, END]``, so ``y[t]`` is the word that follows
    ``x[t]``.

    Returns
    -------
    X, Y : lists of numpy.ndarray of int64, each of shape (n + 1,)
    """
    X, Y = [], []
    for sentence in check_tokens(sentences, "sentences", strings=False):
        ids = vocab.encode(check_tokens(sentence, "each sentence"))
        X.append(np.concatenate(([vocab.start_id], ids)))
        Y.append(np.concatenate((ids, [vocab.end_id])))
    return X, Y


def train_validation_split(
    n: int, validation_fraction: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A seeded, deterministic split of ``range(n)`` into training and
    validation indices.

    Returns
    -------
    train, validation : numpy.ndarray of int64
        Disjoint, together ``0..n-1``; each sorted.
    """
    n = check_scalar(n, "n", int, min_val=2)
    validation_fraction = check_scalar(
        validation_fraction,
        "validation_fraction",
        float,
        min_val=0.0,
        max_val=1.0,
        include_boundaries="neither",
    )
    seed = check_scalar(seed, "seed", int, min_val=0)
    order = np.random.default_rng(seed).permutation(n)
    n_val = min(n - 1, max(1, round(n * validation_fraction)))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


class BookData(NamedTuple):
    """The book's corpus, split as every chapter splits it (what
    :func:`book_data` returns)."""

    #: Every sentence of the plays as a token list, in corpus order.
    sentences: list[list[str]]
    vocab: Vocabulary
    #: The pairs of every sentence, in corpus order.
    X: list[np.ndarray]
    Y: list[np.ndarray]
    #: The training pairs (95 %) and the held-out pairs (5 %).
    X_train: list[np.ndarray]
    Y_train: list[np.ndarray]
    X_valid: list[np.ndarray]
    Y_valid: list[np.ndarray]


def book_data(vocabulary_size: int = 8000) -> BookData:
    """The book's pipeline in one call: Shakespeare's plays, tokenized, a
    vocabulary of ``vocabulary_size``, the training pairs, and the book's
    split into training (95 %) and held-out pairs (5 %, seed 0).

    Every chapter, the command line, the tests and the benchmarks call
    this, so they all see the same word ids and the same held-out
    sentences (the shipped model's among them).

    Returns
    -------
    BookData
        ``sentences, vocab, X, Y, X_train, Y_train, X_valid, Y_valid``;
        ``X_valid[i]`` is ``X[valid[i]]`` for the sorted held-out indices
        ``valid`` of :func:`train_validation_split`.
    """
    vocabulary_size = check_scalar(
        vocabulary_size, "vocabulary_size", int, min_val=4
    )
    sentences = tokenize_corpus(load_shakespeare())
    vocab = Vocabulary.build(sentences, size=vocabulary_size)
    X, Y = training_pairs(sentences, vocab)
    train, valid = train_validation_split(len(X), 0.05, seed=0)
    # X_train, Y_train, X_valid, Y_valid
    split = [
        [pairs[i] for i in part] for part in (train, valid) for pairs in (X, Y)
    ]
    return BookData(sentences, vocab, X, Y, *split)


# -----------------------------------------------------------------------------
# Statistics
# -----------------------------------------------------------------------------
def _target_counts(
    Y: Iterable[np.ndarray], size: int, name: str
) -> np.ndarray:
    """How often each id ``0 .. size - 1`` is a target in ``Y`` (a
    sequence of 1-D id arrays, empty ones allowed)."""
    counts = np.zeros(size, np.int64)
    for y in Y:
        if np.size(y):
            counts += np.bincount(as_ids(y, size, name), minlength=size)
    return counts


def unigram_entropy(Y: Iterable[np.ndarray], size: int) -> float:
    """Entropy in nats of the id distribution in the target sequences ``Y``.

    This is the loss per word of the best model that ignores context (it
    predicts every word with its frequency): the baseline a language model must
    beat.
    """
    size = check_scalar(size, "size", int, min_val=1)
    counts = _target_counts(Y, size, "Y")
    if counts.sum() == 0:
        raise ValueError("entropy of empty targets is undefined")
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def unigram_cross_entropy(
    Y_fit: Iterable[np.ndarray], Y_eval: Iterable[np.ndarray], size: int
) -> float:
    """Loss per word (nats) on ``Y_eval`` of the unigram model estimated on
    ``Y_fit``.

    The held-out baseline: every word is predicted with its frequency in the
    training targets (add-one smoothed, so a word never seen in training does
    not cost infinity).
    """
    size = check_scalar(size, "size", int, min_val=1)
    fit = 1 + _target_counts(Y_fit, size, "Y_fit")
    seen = _target_counts(Y_eval, size, "Y_eval")
    if seen.sum() == 0:
        raise ValueError("Y_eval holds no targets")
    return float(-(seen * np.log(fit / fit.sum())).sum() / seen.sum())


@dataclass(frozen=True)
class CorpusStatistics:
    """What :func:`corpus_statistics` reports."""

    name: str
    works: int
    documents: int
    sentences: int
    tokens: int
    words: int
    distinct_words: int
    vocabulary_size: int
    coverage: float
    least_frequent_word: str
    least_frequent_count: int
    unigram_entropy: float

    def __str__(self) -> str:
        """A table: one label and formatted value a line."""
        word, count = self.least_frequent_word, self.least_frequent_count
        rows = [
            ("corpus", self.name),
            ("works", f"{self.works:,}"),
            ("documents", f"{self.documents:,}"),
            ("sentences", f"{self.sentences:,}"),
            ("tokens (words and punctuation)", f"{self.tokens:,}"),
            ("word tokens", f"{self.words:,}"),
            ("distinct words", f"{self.distinct_words:,}"),
            (
                "vocabulary size (3 special tokens included)",
                f"{self.vocabulary_size:,}",
            ),
            ("token coverage of the vocabulary", f"{self.coverage:.2%}"),
            ("least frequent kept word", f"{word!r} ({count}×)"),
            (
                "unigram entropy of the targets (nats/word)",
                f"{self.unigram_entropy:.3f}",
            ),
            (
                "uniform loss ln V (nats/word)",
                f"{math.log(self.vocabulary_size):.3f}",
            ),
        ]
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def corpus_statistics(book: BookData | None = None) -> CorpusStatistics:
    """Every figure the book quotes about its corpus, in one call.

    Parameters
    ----------
    book : BookData, optional
        What :func:`book_data` returned (called when not given).
    """
    if book is not None and not isinstance(book, BookData):
        raise TypeError(
            f"book must be what data.book_data() returns, got "
            f"{type(book).__name__}"
        )
    corpus = load_shakespeare()
    sentences, vocab, _, Y = (book or book_data())[:4]
    words = [t for s in sentences for t in s if is_word(t)]
    least = vocab.least_frequent
    return CorpusStatistics(
        name=corpus.name,
        works=corpus.works,
        documents=len(corpus.documents),
        sentences=len(sentences),
        tokens=sum(len(s) for s in sentences),
        words=len(words),
        distinct_words=len(set(words)),
        vocabulary_size=len(vocab),
        coverage=vocab.coverage(sentences),
        least_frequent_word=least[0],
        least_frequent_count=least[1],
        unigram_entropy=unigram_entropy(Y, len(vocab)),
    )
