"""The Chapter 2 language model again, in PyTorch: same parameters,
autograd for the gradients.

The recurrence is written out step by step, exactly as in
:mod:`tutorial_rnn.rnn_numpy`, so the two models compute the same numbers
(the tests check it in float64). What PyTorch adds is mini-batches
(padded, with the padding masked out of the loss), a GPU when one is
present, ``torch.optim`` optimisers, and truncated BPTT the way frameworks
do it: the batch is cut into chunks of ``k`` steps and the state is
carried across chunks without its gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .batching import IGNORE_INDEX
from .rnn_numpy import RNNNumpy
from .torch_lm import TorchLanguageModel, resolve_device
from .validation import check_scalar

__all__ = ["RNNTorch"]


class RNNTorch(TorchLanguageModel):
    """The plain RNN language model of Chapter 2 with PyTorch autograd.

    Parameters
    ----------
    vocab_size, hidden_size : int
        ``V`` and ``H``.
    seed : int
        Initial weights are those of
        ``RNNNumpy(vocab_size, hidden_size, seed=seed)``, so both models
        start from the same point.
    device : str or torch.device
        ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"``...
    dtype : torch.dtype
        ``torch.float32`` for speed, ``torch.float64`` for parity checks.
    bptt_truncate : int or None
        Recorded for the NumPy twin (:meth:`to_numpy`, :meth:`config`), so
        that a model moves between the twins and checkpoints without
        losing it. Training here truncates by chunks instead (``fit``'s
        ``truncate``).

    Attributes
    ----------
    U : nn.Parameter, shape (H, V)
    V : nn.Parameter, shape (V, H)
    W : nn.Parameter, shape (H, H)
    """

    param_names = ("U", "V", "W")

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int = 100,
        seed: int = 0,
        device: str | torch.device = "auto",
        dtype: torch.dtype = torch.float32,
        bptt_truncate: int | None = 4,
    ):
        super().__init__()
        self.bptt_truncate = check_scalar(
            bptt_truncate, "bptt_truncate", int, min_val=0, allow_none=True
        )
        init = RNNNumpy(vocab_size, hidden_size, seed=seed)
        self.vocab_size, self.hidden_size = init.vocab_size, init.hidden_size
        dev = resolve_device(device)
        for name in self.param_names:
            setattr(
                self,
                name,
                nn.Parameter(
                    torch.tensor(getattr(init, name), dtype=dtype, device=dev)
                ),
            )

    def extra_repr(self) -> str:
        return (
            f"vocab_size={self.vocab_size}, hidden_size={self.hidden_size}, "
            f"bptt_truncate={self.bptt_truncate}"
        )

    def config(self) -> dict[str, Any]:
        """The constructor arguments a checkpoint records; the NumPy
        twin's constructor takes the same."""
        return {
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "bptt_truncate": self.bptt_truncate,
        }

    # ------------------------------------------------- weights both ways
    @classmethod
    def from_numpy(
        cls,
        model: RNNNumpy,
        device: str | torch.device = "auto",
        dtype: torch.dtype = torch.float32,
    ) -> RNNTorch:
        """A twin of a NumPy model: same sizes, weights copied."""
        twin = cls(
            model.vocab_size,
            model.hidden_size,
            device=device,
            dtype=dtype,
            bptt_truncate=model.bptt_truncate,
        )
        twin.load_numpy({n: getattr(model, n) for n in cls.param_names})
        return twin

    def numpy_parameters(self) -> dict[str, np.ndarray]:
        """``U``, ``V``, ``W`` as NumPy arrays (float64 copies)."""
        return {
            name: getattr(self, name).detach().cpu().double().numpy().copy()
            for name in self.param_names
        }

    def load_numpy(self, params: dict[str, np.ndarray]) -> None:
        """Copy arrays named ``U``, ``V``, ``W`` into the parameters.

        Raises
        ------
        ValueError
            For missing or extra names, another shape, or a non-finite
            entry (nothing is copied then).
        TypeError
            For a complex or non-numeric array.
        """
        self._load_checked(
            {name: getattr(self, name) for name in self.param_names}, params
        )

    def to_numpy(
        self, bptt_truncate: int | str | None = "recorded"
    ) -> RNNNumpy:
        """A NumPy model (float64) with this model's weights; its
        ``bptt_truncate`` is the recorded one unless given."""
        if bptt_truncate == "recorded":
            bptt_truncate = self.bptt_truncate
        model = RNNNumpy(
            self.vocab_size, self.hidden_size, bptt_truncate=bptt_truncate
        )
        for name in self.param_names:
            setattr(
                model,
                name,
                getattr(self, name).detach().cpu().double().numpy().copy(),
            )
        return model

    # ------------------------------------------------------------ forward
    def forward(
        self, x: torch.Tensor, s0: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the recurrence over a batch.

        Parameters
        ----------
        x : torch.LongTensor, shape (B, T)
            Ids in ``0 .. V - 1`` (checked).
        s0 : torch.Tensor, shape (B, H), optional
            The state before the first step (zero by default).

        Returns
        -------
        z : torch.Tensor, shape (B, T, V)
            Scores; ``softmax(z[b, t])`` is ``o_t`` of sentence ``b``.
        s_last : torch.Tensor, shape (B, H)
            The state after the last step, to carry into the next chunk.
        """
        x = self.check_ids(x)
        Ux = self.U.T[x]  # (B, T, H): column x_t of U for every position
        s = s0
        if s is None:
            s = torch.zeros(
                x.shape[0],
                self.hidden_size,
                dtype=self.U.dtype,
                device=self.device,
            )
        states = []
        for t in range(x.shape[1]):
            s = torch.tanh(Ux[:, t] + s @ self.W.T)
            states.append(s)
        S = torch.stack(states, dim=1)  # (B, T, H)
        return S @ self.V.T, s

    def batch_loss(
        self, x: torch.Tensor, y: torch.Tensor, s0: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, int, torch.Tensor]:
        """Summed cross-entropy over the real (unpadded) targets of a batch.

        Returns
        -------
        total : torch.Tensor
            Scalar, nats.
        count : int
            Real targets in the batch.
        s_last : torch.Tensor
            The final state.
        """
        z, s_last = self(x, s0)
        total = F.cross_entropy(
            z.reshape(-1, self.vocab_size),
            y.reshape(-1),
            ignore_index=IGNORE_INDEX,
            reduction="sum",
        )
        return total, int((y != IGNORE_INDEX).sum()), s_last
