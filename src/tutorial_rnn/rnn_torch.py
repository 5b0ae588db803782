"""The Chapter 2 language model again, in PyTorch: same parameters,
autograd for the gradients.

The recurrence is written out step by step, exactly as in
:mod:`tutorial_rnn.rnn_numpy`, so the two models compute the same numbers
(the tests check it in float64). What PyTorch adds is mini-batches
(padded, with the padding masked out of the loss), a GPU when one is
present, ``torch.optim`` optimisers, and truncated BPTT the way frameworks
do it: ``fit(truncate=k)`` cuts the batch into chunks of ``k`` steps and
carries the state across chunks without its gradient (full BPTT by
default).
"""

from __future__ import annotations

import torch
from torch import nn

from .rnn_numpy import RNNNumpy
from .torch_lm import TorchLanguageModel, resolve_device

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

    Attributes
    ----------
    U : nn.Parameter, shape (H, V)
    V : nn.Parameter, shape (V, H)
    W : nn.Parameter, shape (H, H)
    """

    numpy_class = RNNNumpy
    config_keys = ("vocab_size", "hidden_size")

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int = 100,
        seed: int = 0,
        device: str | torch.device = "auto",
        dtype: torch.dtype = torch.float32,
    ):
        super().__init__()
        init = RNNNumpy(vocab_size, hidden_size, seed=seed)
        self.vocab_size, self.hidden_size = init.vocab_size, init.hidden_size
        dev = resolve_device(device)
        for name in ("U", "V", "W"):
            value = torch.tensor(getattr(init, name), dtype=dtype, device=dev)
            setattr(self, name, nn.Parameter(value))

    def extra_repr(self) -> str:
        return f"vocab_size={self.vocab_size}, hidden_size={self.hidden_size}"

    def _named(self) -> dict[str, nn.Parameter]:
        return {"U": self.U, "V": self.V, "W": self.W}

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
