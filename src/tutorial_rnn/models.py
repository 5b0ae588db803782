"""What every language model of the book has in common, written down once.

Four models share one interface: :class:`~tutorial_rnn.rnn_numpy.RNNNumpy`
(Chapter 2), :class:`~tutorial_rnn.rnn_torch.RNNTorch`, and the gated
:class:`~tutorial_rnn.gated_lm.GatedLMNumpy` and
:class:`~tutorial_rnn.gated_torch.GatedLMTorch` (Chapter 4). Checkpoints,
benchmarks and the notebooks rely on this interface alone, never on which
class they hold. The three batched models (all but the 2015 per-sentence
``RNNNumpy``) share their held-out loss and ``fit`` through
:class:`BatchedModel`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from .validation import check_fit_arguments, check_pairs

__all__ = ["BatchedModel", "History", "LanguageModel"]


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
        ``batch_size``, ``optimizer``, ``truncate``, ``clip``,
        ``evaluations`` and ``seed`` (:meth:`BatchedModel.fit`);
        :meth:`RNNNumpy.fit <tutorial_rnn.rnn_numpy.RNNNumpy.fit>` adds
        ``evaluate_every``.
        """
        ...

    def generate(self, vocab: Any, **kwargs: Any) -> list[str]:
        """Sample one sentence (words, without the special tokens)."""
        ...


class BatchedModel:
    """What the models trained on padded mini-batches share: the loss over
    sentence pairs and :meth:`fit`. Subclassed by
    :class:`~tutorial_rnn.gated_lm.GatedLMNumpy` and
    :class:`~tutorial_rnn.torch_lm.TorchLanguageModel`.

    A subclass sets ``vocab_size``, :attr:`config_keys`, :attr:`optimizers`
    and :attr:`default_optimizer`, and defines ``parameters()``,
    ``batch_total(xb, yb)`` (the summed loss of a padded batch, nats) and
    ``train_batch(xb, yb, optimizer, truncate=None, clip=None)`` (one
    update; returns the summed loss and the number of targets).
    """

    vocab_size: int
    #: The constructor arguments :meth:`config` records.
    config_keys: ClassVar[tuple[str, ...]]
    #: ``fit``'s optimisers: name -> ``cls(parameters(), learning_rate)``.
    optimizers: ClassVar[dict[str, Callable[..., Any]]]
    default_optimizer: ClassVar[str]

    def config(self) -> dict[str, Any]:
        """The constructor arguments (what a checkpoint records)."""
        return {name: getattr(self, name) for name in self.config_keys}

    def total_loss(
        self,
        X: Sequence[np.ndarray],
        Y: Sequence[np.ndarray],
        batch_size: int = 64,
    ) -> float:
        """Summed cross-entropy over all words of all pairs (nats)."""
        from .batching import make_batches, pad_ids  # (it imports History)

        check_pairs(X, Y)
        total = 0.0
        for idx in make_batches([len(x) for x in X], batch_size, seed=None):
            xb, yb = pad_ids(
                [X[i] for i in idx], [Y[i] for i in idx], self.vocab_size
            )
            total += self.batch_total(xb, yb)
        return total

    def loss(self, X: Sequence[np.ndarray], Y: Sequence[np.ndarray]) -> float:
        """Mean cross-entropy per word (nats); ``ln V`` for a uniform guess,
        as :meth:`RNNNumpy.loss <tutorial_rnn.rnn_numpy.RNNNumpy.loss>`."""
        return self.total_loss(X, Y) / sum(len(y) for y in Y)

    def fit(
        self,
        X: Sequence[np.ndarray],
        Y: Sequence[np.ndarray],
        *,
        X_valid: Sequence[np.ndarray] | None = None,
        Y_valid: Sequence[np.ndarray] | None = None,
        epochs: float = 1.0,
        batch_size: int = 64,
        optimizer: str | None = None,
        learning_rate: float = 1e-3,
        truncate: int | None = None,
        clip: float | None = 5.0,
        evaluations: int = 10,
        seed: int = 0,
        progress: bool = True,
    ) -> History:
        """Mini-batch training through
        :func:`tutorial_rnn.batching.train_loop`: each batch is one
        ``train_batch`` (the gradient of its mean loss per word, clipped,
        one optimiser step).

        Parameters
        ----------
        X, Y : sequence of int arrays
            Sentence pairs (non-empty, as many of each).
        X_valid, Y_valid : sequence of int arrays, optional
            Held-out pairs (both or neither).
        epochs : float
            Passes over the data; a fraction trains on that share of the
            batches.
        optimizer : str, optional
            A name in :attr:`optimizers`; None takes
            :attr:`default_optimizer` (NumPy: ``"rmsprop"`` of
            :mod:`tutorial_rnn.optim`; torch: ``"adam"`` of ``torch.optim``).
        truncate : int or None
            Chunk length of truncated BPTT (the torch models); ``None`` is
            full BPTT.
        clip : float or None
            Clip the gradient norm to this value (finite and positive).
        evaluations : int
            How many records to make (evenly spaced); the fields mean
            what :class:`~tutorial_rnn.models.History` says.
        seed : int
            Seeds the batch order.

        Returns
        -------
        History

        Raises
        ------
        TypeError, ValueError
            For a bad argument or sentence, or a cost this machine cannot
            afford, before any training
            (:func:`tutorial_rnn.validation.check_fit_arguments`; a bad
            ``truncate`` by the first ``train_batch``, before its update).
        FloatingPointError
            Naming the step, when a loss or gradient is not finite or the
            loss diverges (:func:`tutorial_rnn.batching.check_divergence`).
        """
        from .batching import pad_ids, train_loop  # (it imports History)

        o = check_fit_arguments(
            X,
            Y,
            vocab_size=self.vocab_size,
            X_valid=X_valid,
            Y_valid=Y_valid,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            clip=clip,
            evaluations=evaluations,
            seed=seed,
        )
        optimizer = self.default_optimizer if optimizer is None else optimizer
        if optimizer not in self.optimizers:
            raise ValueError(
                f"unknown optimizer {optimizer!r}; use one of "
                f"{sorted(self.optimizers)}"
            )
        opt = self.optimizers[optimizer](self.parameters(), o["learning_rate"])
        X, Y = o["X"], o["Y"]

        def train_batch(idx: np.ndarray) -> tuple[float, int]:
            xb, yb = pad_ids(
                [X[i] for i in idx], [Y[i] for i in idx], self.vocab_size
            )
            return self.train_batch(
                xb, yb, opt, truncate=truncate, clip=o["clip"]
            )

        def evaluate() -> float:
            return self.loss(o["X_valid"], o["Y_valid"])

        return train_loop(
            train_batch,
            [len(y) for y in Y],
            epochs=o["epochs"],
            batch_size=o["batch_size"],
            evaluations=o["evaluations"],
            evaluate=evaluate if X_valid is not None else None,
            seed=o["seed"],
            desc=type(self).__name__,
            progress=progress,
            learning_rate=o["learning_rate"],
        )
