"""What every PyTorch language model of the book shares: the device,
padded batches as tensors, and :class:`TorchLanguageModel` (checked ids,
weights to and from NumPy, the loss of a batch, one training step; the
loss over sentence pairs and ``fit`` come from
:class:`~tutorial_rnn.models.BatchedModel`).

:class:`~tutorial_rnn.rnn_torch.RNNTorch` and
:class:`~tutorial_rnn.gated_torch.GatedLMTorch` subclass it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import decoding
from .batching import IGNORE_INDEX, pad_ids
from .models import BatchedModel
from .validation import as_ids, check_clip, check_parameters, check_scalar

__all__ = [
    "TorchLanguageModel",
    "detach_state",
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


def detach_state(
    state: torch.Tensor | tuple[torch.Tensor, ...],
) -> torch.Tensor | tuple[torch.Tensor, ...]:
    """Cut the graph behind a recurrent state (a tensor, or a tuple such
    as LSTM's ``(h, c)``)."""
    if isinstance(state, tuple):
        return tuple(detach_state(t) for t in state)
    if not isinstance(state, torch.Tensor):
        raise TypeError(
            "state must be a tensor or a tuple of tensors, got "
            f"{type(state).__name__}"
        )
    return state.detach()


class TorchLanguageModel(nn.Module, BatchedModel):
    """What every PyTorch language model of the book shares: weights both
    ways, loss, training and sampling.

    A subclass sets ``vocab_size``, :attr:`numpy_class` (its NumPy twin)
    and ``config_keys`` (the twin's constructor arguments it shares), and
    defines ``forward(x, state)`` (scores ``(B, T, V)``, final state) and
    ``_named()`` (the book's parameter names -> its tensors).
    """

    vocab_size: int
    numpy_class: ClassVar[type]
    optimizers: ClassVar[dict[str, Any]] = {
        "adam": torch.optim.Adam,
        "sgd": torch.optim.SGD,
    }
    default_optimizer = "adam"

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
        real = x  # padded targets are IGNORE_INDEX, not ids:
        if name == "y" and x.ndim == 2 and (x != IGNORE_INDEX).any():
            real = x[x != IGNORE_INDEX].reshape(1, -1)
        if x.numel() or x.ndim != 2:
            as_ids(real, self.vocab_size, name, ndim=2)
        return x.long()

    # ------------------------------------------------- weights both ways
    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(self._named())

    def numpy_parameters(self) -> dict[str, np.ndarray]:
        """Every parameter as a NumPy array (float64 copies), under the
        book's names."""
        return {
            name: p.detach().cpu().double().numpy().copy()
            for name, p in self._named().items()
        }

    def load_numpy(self, params: dict[str, np.ndarray]) -> None:
        """Copy arrays named as :meth:`numpy_parameters` into the
        parameters.

        Raises
        ------
        ValueError
            For missing or extra names, another shape, or a non-finite
            entry (nothing is copied then:
            :func:`tutorial_rnn.validation.check_parameters`).
        TypeError
            For a complex or non-numeric array.
        """
        named = self._named()
        values = check_parameters(params, named)
        with torch.no_grad():
            for name, p in named.items():
                p.copy_(torch.from_numpy(values[name]).to(p.dtype))

    @classmethod
    def from_numpy(cls, model: Any, **options: Any) -> TorchLanguageModel:
        """A twin of a NumPy model: same configuration, weights copied;
        ``options`` (``device``, ``dtype``; ``impl`` for the gated model)
        go to the constructor."""
        config = {name: getattr(model, name) for name in cls.config_keys}
        twin = cls(**config, **options)
        twin.load_numpy(model.numpy_parameters())
        return twin

    def to_numpy(self, **options: Any) -> Any:
        """The NumPy twin (float64) with this model's weights; ``options``
        are the twin's own constructor options (``RNNNumpy``'s
        ``bptt_truncate``)."""
        model = self.numpy_class(**self.config(), **options)
        model.load_numpy(self.numpy_parameters())
        return model

    # --------------------------------------------------------------- loss
    def batch_loss(
        self, x: torch.Tensor, y: torch.Tensor, state: Any = None
    ) -> tuple[torch.Tensor, int, Any]:
        """Summed cross-entropy over the real (unpadded) targets of a
        batch.

        Returns
        -------
        total : torch.Tensor
            Scalar, nats.
        count : int
            Real targets in the batch.
        state : tensor or tuple
            The final state, to carry into the next chunk.
        """
        y = self.check_ids(y, "y")
        if tuple(y.shape) != tuple(np.shape(x)):
            raise ValueError(
                f"x and y must have the same shape, got {tuple(np.shape(x))}"
                f" and {tuple(y.shape)}"
            )
        z, final = self(x, state)
        total = F.cross_entropy(
            z.reshape(-1, self.vocab_size),
            y.reshape(-1),
            ignore_index=IGNORE_INDEX,
            reduction="sum",
        )
        return total, int((y != IGNORE_INDEX).sum()), final

    @torch.no_grad()
    def batch_total(self, xb: np.ndarray, yb: np.ndarray) -> float:
        """:meth:`batch_loss`'s total of a padded NumPy batch, as a
        float."""
        x, y = (torch.as_tensor(a, device=self.device) for a in (xb, yb))
        return float(self.batch_loss(x, y)[0])

    # ----------------------------------------------------------- training
    def train_batch(
        self,
        x: torch.Tensor | np.ndarray,
        y: torch.Tensor | np.ndarray,
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
        x, y = (torch.as_tensor(a, device=self.device) for a in (x, y))
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
            if not all(torch.isfinite(p).all() for p in params):
                raise FloatingPointError(
                    "the update made a parameter non-finite: lower the "
                    "learning rate or clip the gradient"
                )
            s = detach_state(s)
            total += loss
            count += n
        return total, count

    # ----------------------------------------------------------- sampling
    generate = decoding.generate  # sample's words, one signature
