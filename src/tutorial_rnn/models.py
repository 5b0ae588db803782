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

__all__ = ["History", "LanguageModel", "check_parameters"]


@dataclass
class History:
    """What a ``fit`` records, one entry per evaluation.

    Attributes
    ----------
    tokens_seen : list of int
        Training targets seen so far.
    train_loss : list of float
        Mean training loss (nats per word) at that point.
    valid_loss : list of float
        Held-out loss at that point; empty when ``fit`` had no held-out
        data.
    learning_rate : list of float
        The learning rate in force at that point.
    seconds : float
        Wall-clock time of the whole ``fit``.
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
        self, X: Sequence[np.ndarray], Y: Sequence[np.ndarray], **kwargs: Any
    ) -> History:
        """Train on sentence pairs; return what was recorded."""
        ...

    def generate(self, vocab: Any, **kwargs: Any) -> list[str]:
        """Sample one sentence (words, without the special tokens)."""
        ...


def check_parameters(
    params: object, expected: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Checked float64 copies of ``params`` for a model's ``load_numpy``.

    Parameters
    ----------
    params : dict of str to array
        The new values, by name.
    expected : dict of str to array
        The model's current parameters: the names and shapes to match.

    Raises
    ------
    TypeError
        If ``params`` is not a dict, or an entry is not a real array.
    ValueError
        If the names or shapes differ, or an entry is not finite.
    """
    if not isinstance(params, dict):
        raise TypeError(
            f"params must be a dict of arrays, got {type(params).__name__}"
        )
    if set(params) != set(expected):
        raise ValueError(
            f"params must hold {sorted(expected)}, got {sorted(params)}"
        )
    out = {}
    for name, current in expected.items():
        a = np.asarray(params[name])
        if a.dtype.kind not in "fiu":
            raise TypeError(
                f"params[{name!r}] must hold real numbers, got {a.dtype}"
            )
        if a.shape != tuple(current.shape):
            raise ValueError(
                f"params[{name!r}] must have shape {tuple(current.shape)}, "
                f"got {a.shape}"
            )
        if not np.isfinite(a).all():
            raise ValueError(f"params[{name!r}] holds non-finite values")
        out[name] = a.astype(np.float64)  # always a copy
    return out
