"""Turning a language model's scores into words: the softmax and sampling.

Every model of the book produces scores (logits) ``z`` over the vocabulary;
these functions are shared by all of them, NumPy and PyTorch alike.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import data as _data
from .activations import log_softmax, softmax
from .validation import check_scalar

__all__ = ["log_softmax", "sample_words", "softmax"]


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

    The tokens that may not come next (``UNKNOWN_TOKEN`` and
    ``SENTENCE_START`` always, ``SENTENCE_END`` before ``min_length``
    words) get the score ``-inf`` *before* the softmax, so the maximum
    that the softmax subtracts is that of an allowed token: at any
    temperature, however low, the allowed token with the highest score
    gets probability ``e^0 / sum > 0`` and nothing divides 0 by 0.

    Parameters
    ----------
    next_scores : callable
        ``next_scores(x)`` feeds word id ``x`` to the model (which keeps
        its own state) and returns the scores (logits, shape (V,)) of the
        next word.
    vocab : Vocabulary
        It must hold at least one word besides the special tokens.
    vocab_size : int
        The model's vocabulary size; ``vocab`` must have exactly as many
        entries.
    temperature : float
        Finite and positive: below 1 sharpens the distribution, above 1
        flattens it.
    seed : int, optional
    max_length : int
        At most this many words (at least 1).
    min_length : int
        ``SENTENCE_END`` is not drawn before this many words (at least 0).

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        For a vocabulary of another size or without words, or a bad
        ``temperature``, ``max_length`` or ``min_length``.
    FloatingPointError
        If the model's scores are not finite.
    """
    if len(vocab) != vocab_size:
        raise ValueError(
            f"the vocabulary has {len(vocab)} entries but the model has "
            f"vocab_size={vocab_size}"
        )
    if len(vocab) <= len(_data.SPECIAL_TOKENS):
        raise ValueError(
            "the vocabulary holds no word, only the special tokens: "
            "there is nothing to sample"
        )
    temperature = check_scalar(
        temperature,
        "temperature",
        float,
        min_val=0,
        include_boundaries="neither",
    )
    max_length = check_scalar(max_length, "max_length", int, min_val=1)
    min_length = check_scalar(min_length, "min_length", int, min_val=0)
    rng = np.random.default_rng(seed)
    words: list[int] = []
    x = vocab.start_id
    while len(words) < max_length:
        z = np.array(next_scores(x), dtype=np.float64)
        if not np.isfinite(z).all():
            raise FloatingPointError(
                f"the model's scores after {len(words)} words are not finite"
            )
        z /= temperature
        z[[vocab.unknown_id, vocab.start_id]] = -np.inf
        if len(words) < min_length:
            z[vocab.end_id] = -np.inf
        p = np.exp(z - z.max())  # the maximum is an allowed token's
        x = int(rng.choice(len(p), p=p / p.sum()))
        if x == vocab.end_id:
            break
        words.append(x)
    return vocab.decode(words)
