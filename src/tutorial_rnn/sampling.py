"""Turning a language model's scores into words: the softmax and sampling.

Every model of the book produces scores (logits) ``z`` over the vocabulary;
these functions are shared by all of them, NumPy and PyTorch alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import data as _data

__all__ = ["log_softmax", "sample_words", "softmax"]


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis: ``exp(z_i) / sum_j exp(z_j)``.

    Subtracting each row's maximum first changes nothing mathematically
    and keeps ``exp`` from overflowing (the largest term becomes ``e^0``).

    Parameters
    ----------
    z : numpy.ndarray, shape (..., V)
        Scores.

    Returns
    -------
    numpy.ndarray, shape (..., V)
        Probabilities; each row sums to 1.
    """
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(z: np.ndarray) -> np.ndarray:
    """``log softmax(z)`` over the last axis, without overflow or log 0.

    ``log o_i = z_i - m - log sum_j exp(z_j - m)`` with ``m`` the row's
    maximum: the same shift as :func:`softmax`, taken before the log so
    that a tiny probability becomes a large negative number, not -inf.
    """
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def sample_words(
    next_scores: Callable[[int], np.ndarray],
    vocab: _data.Vocabulary,
    vocab_size: int,
    temperature: float = 1.0,
    seed: int | None = None,
    max_length: int = 50,
    min_length: int = 1,
) -> list[str]:
    """Sample one sentence from any language model, word by word.

    Parameters
    ----------
    next_scores : callable
        ``next_scores(x)`` feeds word id ``x`` to the model (which keeps its own state) and
        returns the scores (logits, shape (V,)) of the next word.
    vocab : Vocabulary
    vocab_size : int
        The model's vocabulary size; ``vocab`` must have exactly as many entries.
    temperature, seed, max_length, min_length
        As in :meth:`RNNNumpy.generate`.

    Returns
    -------
    list of str
    """
    if len(vocab) != vocab_size:
        raise ValueError(
            f"the vocabulary has {len(vocab)} entries but the model has vocab_size={vocab_size}"
        )
    if not (math.isfinite(temperature) and temperature > 0):
        raise ValueError(
            f"temperature must be finite and positive, got {temperature!r}"
        )
    rng = np.random.default_rng(seed)
    words: list[int] = []
    x = vocab.start_id
    while len(words) < max_length:
        z = next_scores(x) / temperature
        p = np.exp(z - z.max())
        p[[vocab.unknown_id, vocab.start_id]] = 0.0
        if len(words) < min_length:
            p[vocab.end_id] = 0.0
        x = int(rng.choice(len(p), p=p / p.sum()))
        if x == vocab.end_id:
            break
        words.append(x)
    return vocab.decode(words)
