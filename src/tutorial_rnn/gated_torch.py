"""The gated language models in PyTorch: hand-written cells, and ``nn.GRU``/``nn.LSTM`` for speed.

:class:`RecurrentTorch` writes the same time steps as :mod:`tutorial_rnn.gated_numpy` with torch
operations (autograd does the backward pass), so the two agree to round-off; the tests check
it in float64. :class:`GatedLMTorch` is the language model of Chapter 4 with either those
hand-written layers (``impl="hand"``, both GRU conventions) or PyTorch's own ``nn.RNN``,
``nn.GRU`` and ``nn.LSTM`` (``impl="cudnn"``: cuDNN on a GPU, PyTorch's fused kernels on a
CPU; the GRU there is the ``"pytorch"`` convention). Every layout is PyTorch's, so weights move
unchanged between the NumPy model, both implementations and the shared checkpoint format.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .batching import IGNORE_INDEX
from .gated_numpy import CONVENTIONS, GatedLMNumpy, lm_config
from .rnn_torch import TorchLanguageModel, resolve_device

__all__ = ["IMPLEMENTATIONS", "GatedLMTorch", "RecurrentTorch"]

#: How :class:`GatedLMTorch` runs its recurrent layers.
IMPLEMENTATIONS = ("cudnn", "hand")

_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


class RecurrentTorch(nn.Module):
    """Hand-written recurrent layers in torch, step for step those of :mod:`tutorial_rnn.gated_numpy`.

    Parameters ``U{l}``, ``W{l}``, ``bU{l}``, ``bW{l}`` have the shapes of the NumPy stack (and
    of ``nn.GRU``'s ``weight_ih_l{l}``, ...). Batch-first: input ``(B, T, D)``, output
    ``(B, T, H)``; the state is ``(L, B, H)``, or ``(h, c)`` for the LSTM, as in ``nn.LSTM``.
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        convention: str = "pytorch",
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
    ):
        super().__init__()
        if cell not in _GATES:
            raise ValueError(
                f"unknown cell {cell!r}; use one of {sorted(_GATES)}"
            )
        if convention not in CONVENTIONS:
            raise ValueError(
                f"unknown GRU convention {convention!r}; use one of {CONVENTIONS}"
            )
        self.cell, self.convention = cell, convention
        self.hidden_size, self.num_layers = hidden_size, num_layers
        GH = _GATES[cell] * hidden_size
        for layer in range(num_layers):
            D = input_size if layer == 0 else hidden_size
            for name, shape in (
                ("U", (GH, D)),
                ("W", (GH, hidden_size)),
                ("bU", (GH,)),
                ("bW", (GH,)),
            ):
                self.register_parameter(
                    f"{name}{layer}",
                    nn.Parameter(
                        torch.zeros(shape, dtype=dtype, device=device)
                    ),
                )

    def _step(
        self, layer: int, gx: torch.Tensor, state: tuple[torch.Tensor, ...]
    ) -> tuple[torch.Tensor, ...]:
        H = self.hidden_size
        W, bW = getattr(self, f"W{layer}"), getattr(self, f"bW{layer}")
        s_prev = state[0]
        if self.cell == "rnn":
            return (torch.tanh(gx + s_prev @ W.T + bW),)
        if self.cell == "gru":
            gh_rz = s_prev @ W[: 2 * H].T + bW[: 2 * H]
            r = torch.sigmoid(gx[:, :H] + gh_rz[:, :H])
            z = torch.sigmoid(gx[:, H : 2 * H] + gh_rz[:, H:])
            if self.convention == "pytorch":
                n = torch.tanh(
                    gx[:, 2 * H :] + r * (s_prev @ W[2 * H :].T + bW[2 * H :])
                )
            else:
                n = torch.tanh(
                    gx[:, 2 * H :] + (r * s_prev) @ W[2 * H :].T + bW[2 * H :]
                )
            return ((1 - z) * n + z * s_prev,)
        c_prev = state[1]
        a = gx + s_prev @ W.T + bW
        i, f, o = (
            torch.sigmoid(a[:, :H]),
            torch.sigmoid(a[:, H : 2 * H]),
            torch.sigmoid(a[:, 3 * H :]),
        )
        c = f * c_prev + i * torch.tanh(a[:, 2 * H : 3 * H])
        return o * torch.tanh(c), c

    def forward(
        self, X: torch.Tensor, state0: Any = None
    ) -> tuple[torch.Tensor, Any]:
        B, T, _ = X.shape
        parts = 2 if self.cell == "lstm" else 1
        if state0 is None:
            zeros = X.new_zeros(self.num_layers, B, self.hidden_size)
            state0 = (zeros, zeros) if parts == 2 else zeros
        initial = state0 if parts == 2 else (state0,)
        finals = []
        for layer in range(self.num_layers):
            gx = X @ getattr(self, f"U{layer}").T + getattr(
                self, f"bU{layer}"
            )  # (B, T, G·H)
            state = tuple(p[layer] for p in initial)
            outputs = []
            for t in range(T):
                state = self._step(layer, gx[:, t], state)
                outputs.append(state[0])
            X = torch.stack(outputs, dim=1)
            finals.append(state)
        stacked = tuple(
            torch.stack([f[i] for f in finals]) for i in range(parts)
        )
        return X, (stacked if parts == 2 else stacked[0])


class GatedLMTorch(TorchLanguageModel):
    """Embedding → recurrent layers → output layer: the twin of :class:`.gated_numpy.GatedLMNumpy`.

    Parameters
    ----------
    vocab_size, hidden_size, cell, num_layers, embed_size, convention, seed
        As in :class:`~tutorial_rnn.gated_numpy.GatedLMNumpy`; the same seed gives the same
        initial weights.
    impl : {"auto", "cudnn", "hand"}
        ``nn.RNN``/``nn.GRU``/``nn.LSTM`` (fast; GRU convention ``"pytorch"`` only), or
        :class:`RecurrentTorch` (the explicit recurrence; either convention). ``"auto"`` takes
        ``"cudnn"`` unless the convention is ``"cho"``.
    device : str or torch.device
        ``"auto"`` takes CUDA when present.
    dtype : torch.dtype
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int = 128,
        cell: str = "gru",
        num_layers: int = 1,
        embed_size: int | None = None,
        convention: str = "pytorch",
        impl: str = "auto",
        seed: int = 0,
        device: str | torch.device = "auto",
        dtype: torch.dtype = torch.float32,
    ):
        super().__init__()
        if impl == "auto":
            impl = "cudnn" if convention == "pytorch" else "hand"
        if impl not in IMPLEMENTATIONS:
            raise ValueError(
                f"unknown impl {impl!r}; use one of {IMPLEMENTATIONS}"
            )
        if impl == "cudnn" and convention != "pytorch":
            raise ValueError(
                "nn.GRU computes the 'pytorch' convention only; "
                f"use impl='hand' for convention={convention!r}"
            )
        init = GatedLMNumpy(
            vocab_size,
            hidden_size,
            cell,
            num_layers,
            embed_size,
            convention,
            seed,
        )
        self.vocab_size, self.hidden_size, self.embed_size = (
            init.vocab_size,
            init.hidden_size,
            init.embed_size,
        )
        self.cell, self.num_layers, self.convention, self.impl = (
            cell,
            num_layers,
            convention,
            impl,
        )
        dev = resolve_device(device)
        # torch's own layers are built on the "meta" device (no memory, no
        # random initialisation: torch's global generator is left alone),
        # then given memory on ``dev``; load_numpy sets every weight.
        self.embedding = nn.Embedding(
            self.vocab_size, self.embed_size, device="meta", dtype=dtype
        ).to_empty(device=dev)
        if impl == "cudnn":
            layer_cls = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell]
            self.rnn = layer_cls(
                self.embed_size,
                self.hidden_size,
                num_layers,
                batch_first=True,
                device="meta",
                dtype=dtype,
            ).to_empty(device=dev)
        else:
            self.rnn = RecurrentTorch(
                cell,
                self.embed_size,
                self.hidden_size,
                num_layers,
                convention,
                dtype=dtype,
                device=dev,
            )
        self.output = nn.Linear(
            self.hidden_size, self.vocab_size, device="meta", dtype=dtype
        ).to_empty(device=dev)
        self.load_numpy(init.parameters())

    def extra_repr(self) -> str:
        return f"cell={self.cell!r}, impl={self.impl!r}, convention={self.convention!r}"

    def config(self) -> dict[str, Any]:
        """The NumPy twin's constructor arguments (what a checkpoint records)."""
        return lm_config(self)

    # ---------------------------------------------------------------- weights both ways
    def _named(self) -> dict[str, nn.Parameter]:
        """The book's parameter names (``E``, ``U0``, ..., ``V``, ``c``) → this module's tensors."""
        out = {"E": self.embedding.weight}
        for layer in range(self.num_layers):
            if self.impl == "cudnn":
                for ours, theirs in (
                    ("U", "weight_ih"),
                    ("W", "weight_hh"),
                    ("bU", "bias_ih"),
                    ("bW", "bias_hh"),
                ):
                    out[f"{ours}{layer}"] = getattr(
                        self.rnn, f"{theirs}_l{layer}"
                    )
            else:
                for ours in ("U", "W", "bU", "bW"):
                    out[f"{ours}{layer}"] = getattr(self.rnn, f"{ours}{layer}")
        out["V"], out["c"] = self.output.weight, self.output.bias
        return out

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(self._named())

    def numpy_parameters(self) -> dict[str, np.ndarray]:
        """Every parameter as a NumPy array (float64 copies), under the book's names."""
        return {
            name: p.detach().cpu().double().numpy().copy()
            for name, p in self._named().items()
        }

    def load_numpy(self, params: dict[str, np.ndarray]) -> None:
        """Copy arrays named as :meth:`numpy_parameters` into the parameters (shapes must match)."""
        self._load_checked(self._named(), params)

    @classmethod
    def from_numpy(
        cls,
        model: GatedLMNumpy,
        impl: str = "auto",
        device: str | torch.device = "auto",
        dtype: torch.dtype = torch.float32,
    ) -> GatedLMTorch:
        """A twin of a NumPy model: same configuration, weights copied."""
        twin = cls(**model.config(), impl=impl, device=device, dtype=dtype)
        twin.load_numpy(model.parameters())
        return twin

    def to_numpy(self) -> GatedLMNumpy:
        """The NumPy model (float64) with this model's weights."""
        model = GatedLMNumpy(**self.config())
        model.load_numpy(self.numpy_parameters())
        return model

    # ---------------------------------------------------------------- forward
    def forward(
        self, x: torch.Tensor, state: Any = None
    ) -> tuple[torch.Tensor, Any]:
        """Scores ``(B, T, V)`` for ids ``x`` ``(B, T)``, and the final state of every layer."""
        out, final = self.rnn(self.embedding(self.check_ids(x)), state)
        return self.output(out), final

    def batch_loss(
        self, x: torch.Tensor, y: torch.Tensor, state: Any = None
    ) -> tuple[torch.Tensor, int, Any]:
        """Summed cross-entropy over the real (unpadded) targets, their count, the final state."""
        z, final = self(x, state)
        total = F.cross_entropy(
            z.reshape(-1, self.vocab_size),
            y.reshape(-1),
            ignore_index=IGNORE_INDEX,
            reduction="sum",
        )
        return total, int((y != IGNORE_INDEX).sum()), final
