"""What every language model of the book has in common, written down once.

Four models share one interface: :class:`~tutorial_rnn.rnn_numpy.RNNNumpy`
(Chapter 2), :class:`~tutorial_rnn.rnn_torch.RNNTorch`, and the gated
:class:`~tutorial_rnn.gated_lm.GatedLMNumpy` and
:class:`~tutorial_rnn.gated_torch.GatedLMTorch` (Chapter 4). Checkpoints,
benchmarks and the notebooks rely on this interface alone, never on which
class they hold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = ["History", "LanguageModel"]


@dataclass
class History:
    """What a ``fit`` records, one entry per record (evaluation).

    Every ``fit`` of the book (:func:`tutorial_rnn.batching.train_loop`
    and :meth:`RNNNumpy.fit <tutorial_rnn.rnn_numpy.RNNNumpy.fit>`) gives
    each field the same meaning:

    Attributes
    ----------
    tokens_seen : list of int
        Training targets trained on when the record was made.
    train_loss : list of float
        The running mean: the loss per word (nats) of the targets
        trained on since the previous record (since the start, for the
        first), each measured by the step that trained on it, before its
        update. No extra pass over the data.
    valid_loss : list of float
        A full pass over the held-out pairs with the weights of that
        record (nats per word); empty when ``fit`` had no held-out data.
    learning_rate : list of float
        The learning rate in force after the record (after an annealing
        step, if the record made one).
    seconds : float
        Wall-clock time of the whole ``fit``, records included.
    """

    tokens_seen: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    valid_loss: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def tokens_per_second(self) -> float:
        """Training throughput (the evaluations' time included)."""
        if not (self.tokens_seen and self.seconds):
            return math.nan
        return self.tokens_seen[-1] / self.seconds


@runtime_checkable
class LanguageModel(Protocol):
    """The interface every language model of the book meets."""

    vocab_size: int

    def config(self) -> dict[str, Any]:
        """The constructor's keyword arguments that rebuild this model."""
        ...

    def numpy_parameters(self) -> dict[str, np.ndarray]:
        """The parameters by name, as NumPy arrays (copies for torch)."""
        ...

    def load_numpy(self, params: dict[str, np.ndarray]) -> None:
        """Set the parameters from NumPy arrays of the right shapes."""
        ...

    def loss(self, X: Sequence[np.ndarray], Y: Sequence[np.ndarray]) -> float:
        """Mean cross-entropy per target word over sentence pairs (nats)."""
        ...

    def fit(
        self,
        X: Sequence[np.ndarray],
        Y: Sequence[np.ndarray],
        *,
        learning_rate: float,
        epochs: float,
        progress: bool = True,
    ) -> History:
        """Train on sentence pairs; return what was recorded.

        Every model's ``fit`` takes the data positionally and everything
        else by keyword: at least ``learning_rate``, ``epochs`` and
        ``progress``. The batched models add ``X_valid``, ``Y_valid``,
        ``batch_size``, ``optimizer``, ``clip``, ``evaluations`` and
        ``seed`` (:func:`tutorial_rnn.validation.check_fit_arguments`);
        :meth:`RNNNumpy.fit <tutorial_rnn.rnn_numpy.RNNNumpy.fit>` adds
        ``evaluate_every``.
        """
        ...

    def generate(self, vocab: Any, **kwargs: Any) -> list[str]:
        """Sample one sentence (words, without the special tokens)."""
        ...
