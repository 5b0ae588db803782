"""Checkpoints shipped with the package, trained by
``python -m tutorial_rnn train`` (``gru2``) and
``python -m tutorial_rnn.char_lm`` (``chars``, ``words``).

``gru2``: the final model of the 2015 tutorial's Part 4 — embedding 128,
two GRU layers of 128 units (PyTorch convention), V = 8000 — trained on
the book's Shakespeare training split (:func:`tutorial_rnn.data.book_data`).
The exact command, data, seed and losses are stored in the file;
:func:`info` returns them. The file is a ``.safetensors`` checkpoint (see
:mod:`tutorial_rnn.checkpoint`), weights in float32, with the vocabulary
it was trained on::

    model, vocab = pretrained.load("gru2")

``chars``: a one-layer GRU whose vocabulary is the plays' characters,
trained on them as one stream with its state carried from window to window
(:mod:`tutorial_rnn.char_lm`, Chapter 5). ``words``: a word-level GRU
trained the same way on the speeches as one stream of words
(:func:`tutorial_rnn.char_lm.word_data`), to measure what memory across
sentences buys.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .. import checkpoint
from ..data import Vocabulary

__all__ = ["available", "info", "load", "path"]


def available() -> list[str]:
    """Names of the shipped checkpoints."""
    return sorted(
        p.name.removesuffix(checkpoint.SUFFIX)
        for p in resources.files(__name__).iterdir()
        if p.name.endswith(checkpoint.SUFFIX)
    )


def path(name: str = "gru2") -> Path:
    """The file of checkpoint ``name``."""
    if name not in available():
        raise ValueError(
            f"no shipped checkpoint named {name!r}; available: {available()}"
        )
    return Path(str(resources.files(__name__) / f"{name}{checkpoint.SUFFIX}"))


def info(name: str = "gru2") -> dict[str, Any]:
    """The checkpoint's metadata: model, configuration, and how it was
    trained (``extra``)."""
    return checkpoint.load_arrays(path(name))[0]


def load(
    name: str = "gru2",
    model_class: type | None = None,
    *,
    vocab: Vocabulary | Sequence[str] | None = None,
    **kwargs: Any,
) -> checkpoint.Loaded:
    """The shipped model and its vocabulary: ``(model, vocab)``.

    Parameters
    ----------
    name : str
        One of :func:`available`.
    model_class : type, optional
        A :class:`~tutorial_rnn.gated_torch.GatedLMTorch` by default; pass
        ``GatedLMNumpy`` for the NumPy twin.
    vocab : Vocabulary, optional
        The vocabulary you will use the model with: a ``ValueError`` unless
        it is the one the model was trained on.
    **kwargs
        Constructor options (``device=``, ``dtype=``).

    No pickle is involved.
    """
    return checkpoint.load_with_vocab(
        path(name), model_class, vocab=vocab, **kwargs
    )
