"""The gated language models in PyTorch: hand-written cells, and
``nn.GRU``/``nn.LSTM`` for speed.

:class:`ElmanTorch`, :class:`GRUTorch` and :class:`LSTMTorch` write the same
time steps as :class:`~tutorial_rnn.gated_numpy.ElmanNumpy`,
:class:`~tutorial_rnn.gated_numpy.GRUNumpy` and
:class:`~tutorial_rnn.gated_numpy.LSTMNumpy`, line for line, with torch
operations (autograd does the backward pass), so the two agree to round-off;
the tests check it in float64.
:class:`GatedLMTorch` is the language model of Chapter 4 with either those
hand-written layers (``impl="hand"``, both GRU conventions) or PyTorch's own
``nn.RNN``, ``nn.GRU`` and ``nn.LSTM`` (``impl="cudnn"``: cuDNN on a GPU,
PyTorch's fused kernels on a CPU; the GRU there is the ``"pytorch"``
convention). Every layout is PyTorch's, so weights move unchanged between the
NumPy model, both implementations and the shared checkpoint format;
:func:`from_torch` copies a ``torch.nn.RNN``/``GRU``/``LSTM`` into its NumPy
stack.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .batching import IGNORE_INDEX
from .gated_lm import GatedLMNumpy, lm_config
from .gated_numpy import (
    CELLS,
    RecurrentNumpy,
    check_convention,
    check_sizes,
)
from .torch_lm import TorchLanguageModel, resolve_device

__all__ = [
    "IMPLEMENTATIONS",
    "TORCH_CELLS",
    "ElmanTorch",
    "GRUTorch",
    "GatedLMTorch",
    "LSTMTorch",
    "RecurrentTorch",
    "from_torch",
]

#: How :class:`GatedLMTorch` runs its recurrent layers.
IMPLEMENTATIONS = ("cudnn", "hand")

State = tuple[torch.Tensor, ...]  # (s,), or (s, c) for the LSTM; each (B, H)


class RecurrentTorch(nn.Module):
    """A stack of hand-written recurrent layers in torch (autograd does BPTT).

    The torch twin of :class:`tutorial_rnn.gated_numpy.RecurrentNumpy`:
    subclasses define one time step, :meth:`step`, with the same lines as the
    NumPy cell's; this class runs it over sequences and layers. Parameters
    ``U{l}``, ``W{l}``, ``bU{l}``, ``bW{l}`` have the NumPy stack's shapes
    (and ``nn.GRU``'s ``weight_ih_l{l}``, ...); ``self.W[layer]`` reads them
    as in NumPy. Batch-first: input ``(B, T, D)``, output ``(B, T, H)``; the
    state is ``(L, B, H)``, or ``(h, c)`` for the LSTM, as in ``nn.LSTM``.
    """

    gates: ClassVar[int]  # G: blocks of H rows in U and W
    state_parts: ClassVar[int] = 1  # 2 for the LSTM's (s, c)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
    ):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = check_sizes(
            input_size, hidden_size, num_layers
        )
        H = self.hidden_size
        GH = self.gates * H
        for layer in range(self.num_layers):
            D = self.input_size if layer == 0 else H
            shapes = {"U": (GH, D), "W": (GH, H), "bU": (GH,), "bW": (GH,)}
            for name, shape in shapes.items():
                zeros = torch.zeros(shape, dtype=dtype, device=device)
                self.register_parameter(f"{name}{layer}", nn.Parameter(zeros))

    def _layers(self, name: str) -> list[nn.Parameter]:
        return [getattr(self, f"{name}{i}") for i in range(self.num_layers)]

    @property
    def U(self) -> list[nn.Parameter]:
        """Input weights by layer, each (G·H, D)."""
        return self._layers("U")

    @property
    def W(self) -> list[nn.Parameter]:
        """Recurrent weights by layer, each (G·H, H)."""
        return self._layers("W")

    @property
    def bU(self) -> list[nn.Parameter]:
        return self._layers("bU")

    @property
    def bW(self) -> list[nn.Parameter]:
        return self._layers("bW")

    def step(self, layer: int, gx: torch.Tensor, state: State) -> State:
        """One step of ``layer``: ``gx = U x_t + bU`` (B, G·H) → the new
        state."""
        raise NotImplementedError

    def forward(
        self, X: torch.Tensor, state0: Any = None
    ) -> tuple[torch.Tensor, Any]:
        """Run the stack over ``X`` (B, T, D), like
        ``nn.GRU(batch_first=True)``.

        Returns the top layer's states (B, T, H) and every layer's last state
        (L, B, H) (a pair of them for the LSTM).
        """
        B, T, _ = X.shape
        parts = self.state_parts
        if state0 is None:
            zeros = X.new_zeros(self.num_layers, B, self.hidden_size)
            state0 = (zeros,) * parts if parts > 1 else zeros
        initial = state0 if parts > 1 else (state0,)
        finals = []
        for layer in range(self.num_layers):
            gx = X @ self.U[layer].T + self.bU[layer]  # (B, T, G·H)
            state = tuple(p[layer] for p in initial)
            outputs = []
            for t in range(T):
                state = self.step(layer, gx[:, t], state)
                outputs.append(state[0])
            X = torch.stack(outputs, dim=1)
            finals.append(state)
        stacked = tuple(
            torch.stack([f[i] for f in finals]) for i in range(parts)
        )
        return X, (stacked if parts > 1 else stacked[0])


class ElmanTorch(RecurrentTorch):
    """The plain RNN layer, as :class:`.gated_numpy.ElmanNumpy` writes it."""

    gates = 1

    def step(self, layer: int, gx: torch.Tensor, state: State) -> State:
        (s_prev,) = state
        s = torch.tanh(gx + s_prev @ self.W[layer].T + self.bW[layer])
        return (s,)


class GRUTorch(RecurrentTorch):
    """The GRU, as :class:`.gated_numpy.GRUNumpy` writes it (both conventions).

    Parameters
    ----------
    convention : {"pytorch", "cho"}
        Where the reset gate acts: after (``nn.GRU``) or before the recurrent
        product (Cho et al.).
    """

    gates = 3

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        convention: str = "pytorch",
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
    ):
        check_convention(convention)
        super().__init__(input_size, hidden_size, num_layers, dtype, device)
        self.convention = convention

    def step(self, layer: int, gx: torch.Tensor, state: State) -> State:
        (s_prev,) = state
        H, W, bW = self.hidden_size, self.W[layer], self.bW[layer]
        gh_rz = s_prev @ W[: 2 * H].T + bW[: 2 * H]
        r = torch.sigmoid(gx[:, :H] + gh_rz[:, :H])  # reset gate
        z = torch.sigmoid(gx[:, H : 2 * H] + gh_rz[:, H:])  # update gate
        if self.convention == "pytorch":
            h_n = s_prev @ W[2 * H :].T + bW[2 * H :]  # W_n s_{t-1} + bW_n
            n = torch.tanh(gx[:, 2 * H :] + r * h_n)
        else:
            rs = r * s_prev  # r_t ⊙ s_{t-1}
            n = torch.tanh(gx[:, 2 * H :] + rs @ W[2 * H :].T + bW[2 * H :])
        s = (1.0 - z) * n + z * s_prev
        return (s,)


class LSTMTorch(RecurrentTorch):
    """The LSTM, as :class:`.gated_numpy.LSTMNumpy` writes it; state (s, c)."""

    gates = 4
    state_parts = 2

    def step(self, layer: int, gx: torch.Tensor, state: State) -> State:
        s_prev, c_prev = state
        H = self.hidden_size
        a = gx + s_prev @ self.W[layer].T + self.bW[layer]
        i = torch.sigmoid(a[:, :H])  # input gate
        f = torch.sigmoid(a[:, H : 2 * H])  # forget gate
        g = torch.tanh(a[:, 2 * H : 3 * H])  # candidate
        o = torch.sigmoid(a[:, 3 * H :])  # output gate
        c = f * c_prev + i * g
        s = o * torch.tanh(c)
        return (s, c)


#: Cell name → hand-written torch stack class.
TORCH_CELLS: dict[str, type[RecurrentTorch]] = {
    "rnn": ElmanTorch,
    "gru": GRUTorch,
    "lstm": LSTMTorch,
}


def from_torch(cls: type[RecurrentNumpy], module: nn.Module) -> RecurrentNumpy:
    """A NumPy copy (float64), of class ``cls`` (``ElmanNumpy``, ``GRUNumpy``
    or ``LSTMNumpy``), of a ``torch.nn.RNN``/``GRU``/``LSTM`` with the same
    outputs.

    Raises
    ------
    TypeError
        If ``module`` is not the matching torch class.
    ValueError
        For options this module does not implement (bidirectional, no bias,
        projections, a non-tanh ``nn.RNN``).
    """
    if not (isinstance(cls, type) and issubclass(cls, tuple(CELLS.values()))):
        raise TypeError(
            "cls must be ElmanNumpy, GRUNumpy or LSTMNumpy (or a subclass), "
            f"got {cls!r}"
        )
    expected = {
        "elman": torch.nn.RNN,
        "gru": torch.nn.GRU,
        "lstm": torch.nn.LSTM,
    }[cls.kind]
    if type(module) is not expected:
        raise TypeError(
            f"from_torch({cls.__name__}, module) needs a "
            f"torch.nn.{expected.__name__}, got {module!r}"
        )
    if (
        module.bidirectional
        or not module.bias
        or getattr(module, "proj_size", 0)
    ):
        raise ValueError(
            "bidirectional layers, layers without bias and projections "
            "are not supported"
        )
    if cls.kind == "elman" and module.nonlinearity != "tanh":
        raise ValueError(
            "only the tanh nn.RNN is supported, got "
            f"nonlinearity={module.nonlinearity!r}"
        )
    kwargs = {"convention": "pytorch"} if cls.kind == "gru" else {}
    copy = cls(
        module.input_size, module.hidden_size, module.num_layers, **kwargs
    )
    for layer in range(module.num_layers):
        for ours, theirs in (
            ("U", "weight_ih"),
            ("W", "weight_hh"),
            ("bU", "bias_ih"),
            ("bW", "bias_hh"),
        ):
            value = (
                getattr(module, f"{theirs}_l{layer}")
                .detach()
                .cpu()
                .double()
                .numpy()
            )
            getattr(copy, ours)[layer][...] = value
    return copy


class GatedLMTorch(TorchLanguageModel):
    """Embedding → recurrent layers → output layer: the twin of
    :class:`.gated_lm.GatedLMNumpy`.

    Parameters
    ----------
    vocab_size, hidden_size, cell, num_layers, embed_size, convention, seed
        As in :class:`~tutorial_rnn.gated_lm.GatedLMNumpy`; the same seed
        gives the same initial weights.
    impl : {"auto", "cudnn", "hand"}
        ``nn.RNN``/``nn.GRU``/``nn.LSTM`` (fast; GRU convention ``"pytorch"``
        only), or the hand-written cells of :data:`TORCH_CELLS` (the
        explicit recurrence; either convention). ``"auto"`` takes
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
            gru = {"convention": convention} if cell == "gru" else {}
            self.rnn = TORCH_CELLS[cell](
                self.embed_size,
                self.hidden_size,
                num_layers,
                dtype=dtype,
                device=dev,
                **gru,
            )
        self.output = nn.Linear(
            self.hidden_size, self.vocab_size, device="meta", dtype=dtype
        ).to_empty(device=dev)
        self.load_numpy(init.parameters())

    def extra_repr(self) -> str:
        return (
            f"cell={self.cell!r}, impl={self.impl!r}, "
            f"convention={self.convention!r}"
        )

    def config(self) -> dict[str, Any]:
        """The NumPy twin's constructor arguments (what a checkpoint
        records)."""
        return lm_config(self)

    # ----------------------------------------------------------------- weights
    # both ways
    def _named(self) -> dict[str, nn.Parameter]:
        """The book's parameter names (``E``, ``U0``, ..., ``V``, ``c``) →
        this module's tensors."""
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
        """Every parameter as a NumPy array (float64 copies), under the book's
        names."""
        return {
            name: p.detach().cpu().double().numpy().copy()
            for name, p in self._named().items()
        }

    def load_numpy(self, params: dict[str, np.ndarray]) -> None:
        """Copy arrays named as :meth:`numpy_parameters` into the parameters
        (shapes must match)."""
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

    # ----------------------------------------------------------------- forward
    def forward(
        self, x: torch.Tensor, state: Any = None
    ) -> tuple[torch.Tensor, Any]:
        """Scores ``(B, T, V)`` for ids ``x`` ``(B, T)``, and the final state
        of every layer."""
        out, final = self.rnn(self.embedding(self.check_ids(x)), state)
        return self.output(out), final

    def batch_loss(
        self, x: torch.Tensor, y: torch.Tensor, state: Any = None
    ) -> tuple[torch.Tensor, int, Any]:
        """Summed cross-entropy over the real (unpadded) targets, their count,
        the final state."""
        y = self.check_ids(y, "y")
        z, final = self(x, state)
        total = F.cross_entropy(
            z.reshape(-1, self.vocab_size),
            y.reshape(-1),
            ignore_index=IGNORE_INDEX,
            reduction="sum",
        )
        return total, int((y != IGNORE_INDEX).sum()), final
