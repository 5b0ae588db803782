"""What every PyTorch language model of the book shares: the device,
padded batches as tensors, and :class:`TorchLanguageModel` (checked ids,
checked loading, the loss over sentence pairs, training and sampling).

:class:`~tutorial_rnn.rnn_torch.RNNTorch` and
:class:`~tutorial_rnn.gated_torch.GatedLMTorch` subclass it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from . import decoding
from .batching import IGNORE_INDEX, make_batches, pad_ids, train_loop
from .models import History
from .validation import (
    as_ids,
    check_clip,
    check_fit_arguments,
    check_pairs,
    check_parameters,
    check_scalar,
)

__all__ = [
    "TorchLanguageModel",
    "pad_batch",
    "resolve_device",
]


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` gives CUDA when a GPU is present, else the CPU; anything
    else is passed on."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def pad_batch(
    X: Sequence[np.ndarray], Y: Sequence[np.ndarray], vocab_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`tutorial_rnn.batching.pad_ids` as tensors: ``(B, T_max)``
    inputs and targets."""
    xb, yb = pad_ids(X, Y, vocab_size)
    return torch.from_numpy(xb), torch.from_numpy(yb)


def _detach(
    state: torch.Tensor | tuple[torch.Tensor, ...],
) -> torch.Tensor | tuple[torch.Tensor, ...]:
    """Cut the graph behind a recurrent state (a tensor, or a tuple such
    as LSTM's ``(h, c)``)."""
    if isinstance(state, tuple):
        return tuple(t.detach() for t in state)
    return state.detach()


class TorchLanguageModel(nn.Module):
    """What every PyTorch language model of the book shares: loss,
    training and sampling.

    A subclass sets ``vocab_size`` and defines ``batch_loss(x, y, state)``
    (summed loss, target count, final state), ``to_numpy()`` (its NumPy
    twin, used by :meth:`generate`), and the rest of the
    :class:`~tutorial_rnn.models.LanguageModel` interface: ``config()``,
    ``numpy_parameters()``, ``load_numpy()``.
    """

    vocab_size: int

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def check_ids(self, x: torch.Tensor, name: str = "x") -> torch.Tensor:
        """A batch of ids as an int64 tensor, checked: a 2-D integer tensor
        of ids in ``0 .. V - 1`` (:func:`tutorial_rnn.validation.as_ids`).
        (Unchecked, indexing would read id -1 as id V - 1, and a uint8
        tensor as a mask.)"""
        if not isinstance(x, torch.Tensor):
            raise TypeError(
                f"{name} must be a torch tensor of ids, got {type(x).__name__}"
            )
        real = x
        if name == "y":  # padded targets are IGNORE_INDEX: not ids
            real = x[x != IGNORE_INDEX]
            if x.ndim != 2 or not real.numel():
                real = x  # the shape (or an empty batch) is refused below
            else:
                real = real.reshape(1, -1)
        if x.numel() or x.ndim != 2:
            as_ids(real, self.vocab_size, name, ndim=2)
        return x.long()

    def _load_checked(
        self, named: dict[str, torch.Tensor], params: dict[str, Any]
    ) -> None:
        """Check every array (:func:`tutorial_rnn.validation.
        check_parameters`), then copy them all: a refused set leaves the
        model as it was."""
        values = check_parameters(params, named)
        with torch.no_grad():
            for name, p in named.items():
                p.copy_(torch.from_numpy(values[name]).to(p.dtype))

    def _parameters_finite(self) -> bool:
        return bool(
            torch.stack([torch.isfinite(p).all() for p in self.parameters()])
            .all()
            .item()
        )

    def batch_loss(
        self, x: torch.Tensor, y: torch.Tensor, state: object = None
    ) -> tuple[torch.Tensor, int, object]:
        """Summed cross-entropy over a padded batch, the number of real
        targets, the final state."""
        raise NotImplementedError

    def to_numpy(self) -> object:
        """The NumPy twin of this model (float64, same weights)."""
        raise NotImplementedError

    @torch.no_grad()
    def loss(
        self,
        X: Sequence[np.ndarray],
        Y: Sequence[np.ndarray],
        batch_size: int = 256,
    ) -> float:
        """Mean cross-entropy per word over all pairs (nats), as
        :meth:`RNNNumpy.loss`."""
        check_pairs(X, Y)
        total, count = 0.0, 0
        for idx in make_batches([len(x) for x in X], batch_size, seed=None):
            xb, yb = pad_batch(
                [X[i] for i in idx], [Y[i] for i in idx], self.vocab_size
            )
            t, c, _ = self.batch_loss(xb.to(self.device), yb.to(self.device))
            total += float(t)
            count += c
        return total / count

    # ----------------------------------------------------------- training
    def train_batch(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        optimizer: torch.optim.Optimizer,
        truncate: int | None = None,
        clip: float | None = None,
    ) -> tuple[float, int]:
        """One batch of training; returns (summed loss, number of targets).

        With ``truncate=None`` the whole batch is one step of full BPTT.
        With ``truncate=k`` the batch is cut into chunks of ``k`` time
        steps; each chunk is a forward pass from the previous chunk's final
        state (detached: no gradient flows into earlier chunks), a backward
        pass and an optimizer step.

        Raises
        ------
        FloatingPointError
            When a chunk's loss or gradient is not finite (no update is
            made), or an update made a parameter non-finite.
        """
        truncate = check_scalar(
            truncate, "truncate", int, min_val=1, allow_none=True
        )
        clip = check_clip(clip)
        x, y = x.to(self.device), y.to(self.device)
        T = x.shape[1]
        k = T if truncate is None else truncate
        params = [p for p in self.parameters() if p.requires_grad]
        s = None
        total, count = 0.0, 0
        for start in range(0, T, k):
            optimizer.zero_grad(set_to_none=True)
            loss_sum, n, s = self.batch_loss(
                x[:, start : start + k], y[:, start : start + k], s
            )
            if n == 0:
                break
            loss = loss_sum.detach().item()
            if not np.isfinite(loss):
                raise FloatingPointError(
                    f"the loss became {loss}: no update was made"
                )
            (loss_sum / n).backward()
            grads = [p.grad for p in params if p.grad is not None]
            norm = nn.utils.get_total_norm(grads)
            if not torch.isfinite(norm):
                raise FloatingPointError(
                    f"the gradient norm is {float(norm)}: no update was made"
                )
            if clip is not None:
                nn.utils.clip_grads_with_norm_(params, clip, norm)
            optimizer.step()
            if not self._parameters_finite():
                raise FloatingPointError(
                    "the update made a parameter non-finite: lower the "
                    "learning rate or clip the gradient"
                )
            s = _detach(s)
            total += loss
            count += n
        return total, count

    def fit(
        self,
        X: Sequence[np.ndarray],
        Y: Sequence[np.ndarray],
        *,
        X_valid: Sequence[np.ndarray] | None = None,
        Y_valid: Sequence[np.ndarray] | None = None,
        epochs: float = 1.0,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        optimizer: str = "adam",
        truncate: int | None = None,
        clip: float | None = 5.0,
        evaluations: int = 10,
        seed: int = 0,
        progress: bool = True,
    ) -> History:
        """Train on ``X, Y`` with a ``torch.optim`` optimiser, through
        :func:`tutorial_rnn.batching.train_loop`.

        Parameters
        ----------
        X, Y : sequence of int arrays
            Sentence pairs (non-empty, as many of each).
        X_valid, Y_valid : sequence of int arrays, optional
            Held-out pairs (both or neither).
        epochs : float
            Passes over the data; a fraction trains on that share of the
            batches.
        optimizer : {"adam", "sgd"}
        truncate : int or None
            Chunk length of truncated BPTT; ``None`` is full BPTT.
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
            (:func:`tutorial_rnn.validation.check_fit_arguments`).
        FloatingPointError
            Naming the step, when a loss or gradient is not finite or the
            loss diverges (:func:`tutorial_rnn.batching.check_divergence`).
        """
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
        truncate = check_scalar(
            truncate, "truncate", int, min_val=1, allow_none=True
        )
        opt_cls = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}.get(
            optimizer
        )
        if opt_cls is None:
            raise ValueError(
                f"unknown optimizer {optimizer!r}; use 'adam' or 'sgd'"
            )
        opt = opt_cls(self.parameters(), lr=o["learning_rate"])
        X, Y = o["X"], o["Y"]

        def train_batch(idx: np.ndarray) -> tuple[float, int]:
            xb, yb = pad_batch(
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
            desc="training",
            progress=progress,
            learning_rate=o["learning_rate"],
        )

    # ----------------------------------------------------------- sampling
    generate = decoding.generate  # sample's words, one signature
