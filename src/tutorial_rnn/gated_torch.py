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

import torch
from torch import nn

from .gated_lm import GatedLMNumpy
from .gated_numpy import (
    CELLS,
    ElmanNumpy,
    GRUNumpy,
    LSTMNumpy,
    RecurrentNumpy,
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
#: Cell name -> PyTorch's own layer.
TORCH_NN = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
#: The book's parameter names -> ``nn.RNN``/``GRU``/``LSTM``'s (``_l{l}``).
TORCH_NAMES = (
    ("U", "weight_ih"),
    ("W", "weight_hh"),
    ("bU", "bias_ih"),
    ("bW", "bias_hh"),
)

State = tuple[torch.Tensor, ...]  # (s,), or (s, c) for the LSTM; each (B, H)


class RecurrentTorch(nn.Module):
    """A stack of hand-written recurrent layers in torch (autograd does BPTT).

    The torch twin of :class:`tutorial_rnn.gated_numpy.RecurrentNumpy`:
    subclasses define one time step, ``step(layer, gx, state)`` → the new
    state, with the same lines as the NumPy cell's; this class runs it over
    sequences and layers. Parameters
    ``U{l}``, ``W{l}``, ``bU{l}``, ``bW{l}`` have the NumPy stack's shapes
    (and ``nn.GRU``'s ``weight_ih_l{l}``, ...); ``self.W[layer]`` reads them
    as in NumPy. Batch-first: input ``(B, T, D)``, output ``(B, T, H)``; the
    state is ``(L, B, H)``, or ``(h, c)`` for the LSTM, as in ``nn.LSTM``.

    Parameters
    ----------
    input_size, hidden_size, num_layers, **options
        As for the NumPy twin (:attr:`numpy_twin`; the GRU's
        ``convention``, a ``seed``), which checks them and gives the
        initial weights.
    dtype : torch.dtype
    device : str or torch.device
    """

    numpy_twin: ClassVar[type[RecurrentNumpy]]

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
        **options: Any,
    ):
        super().__init__()
        twin = self.numpy_twin(input_size, hidden_size, num_layers, **options)
        self.hidden_size, self.num_layers = twin.hidden_size, twin.num_layers
        self.convention = getattr(twin, "convention", None)
        self.state_parts = twin.state_parts  # 2 for the LSTM's (s, c)
        for name, value in twin.parameters().items():  # U0, W0, bU0, ...
            value = torch.tensor(value, dtype=dtype, device=device)
            self.register_parameter(name, nn.Parameter(value))

    def __getattr__(self, name: str) -> Any:
        if name in ("U", "W", "bU", "bW"):  # by layer: self.W[layer]
            layers = range(self.num_layers)
            return [getattr(self, f"{name}{i}") for i in layers]
        return super().__getattr__(name)

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
        stacked = tuple(torch.stack(p) for p in zip(*finals, strict=True))
        return X, (stacked if parts > 1 else stacked[0])


class ElmanTorch(RecurrentTorch):
    """The plain RNN layer, as :class:`.gated_numpy.ElmanNumpy` writes it."""

    numpy_twin = ElmanNumpy

    def step(self, layer: int, gx: torch.Tensor, state: State) -> State:
        (s_prev,) = state
        s = torch.tanh(gx + s_prev @ self.W[layer].T + self.bW[layer])
        return (s,)


class GRUTorch(RecurrentTorch):
    """The GRU, as :class:`.gated_numpy.GRUNumpy` writes it (both conventions:
    ``convention="pytorch"`` or ``"cho"``, a keyword)."""

    numpy_twin = GRUNumpy

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

    numpy_twin = LSTMNumpy

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
    cell = next(name for name, c in CELLS.items() if issubclass(cls, c))
    expected = TORCH_NN[cell]
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
    if cell == "rnn" and module.nonlinearity != "tanh":
        raise ValueError(
            "only the tanh nn.RNN is supported, got "
            f"nonlinearity={module.nonlinearity!r}"
        )
    copy = cls(module.input_size, module.hidden_size, module.num_layers)
    for layer in range(module.num_layers):
        for ours, theirs in TORCH_NAMES:
            value = getattr(module, f"{theirs}_l{layer}").detach().cpu()
            getattr(copy, ours)[layer][...] = value.double().numpy()
    return copy


class GatedLMTorch(TorchLanguageModel):
    """Embedding → recurrent layers → output layer: the twin of
    :class:`.gated_lm.GatedLMNumpy`.

    Parameters
    ----------
    *args, **kwargs
        :class:`~tutorial_rnn.gated_lm.GatedLMNumpy`'s (``vocab_size,
        hidden_size, cell, num_layers, embed_size, convention, seed``),
        checked by it; the same seed gives the same initial weights.
    impl : {"auto", "cudnn", "hand"}
        ``nn.RNN``/``nn.GRU``/``nn.LSTM`` (fast; GRU convention ``"pytorch"``
        only), or the hand-written cells of :data:`TORCH_CELLS` (the
        explicit recurrence; either convention). ``"auto"`` takes
        ``"cudnn"`` unless the convention is ``"cho"``.
    device : str or torch.device
        ``"auto"`` takes CUDA when present.
    dtype : torch.dtype
    """

    numpy_class = GatedLMNumpy
    config_keys = GatedLMNumpy.config_keys

    def __init__(
        self,
        *args: Any,
        impl: str = "auto",
        device: str | torch.device = "auto",
        dtype: torch.dtype = torch.float32,
        **kwargs: Any,
    ):
        super().__init__()
        init = GatedLMNumpy(*args, **kwargs)
        for name in self.config_keys:
            setattr(self, name, getattr(init, name))
        if impl == "auto":
            impl = "cudnn" if self.convention == "pytorch" else "hand"
        if impl not in IMPLEMENTATIONS:
            raise ValueError(
                f"unknown impl {impl!r}; use one of {IMPLEMENTATIONS}"
            )
        if impl == "cudnn" and self.convention != "pytorch":
            raise ValueError(
                "nn.GRU computes the 'pytorch' convention only; "
                f"use impl='hand' for convention={self.convention!r}"
            )
        self.impl = impl
        dev = resolve_device(device)
        D, H, L = self.embed_size, self.hidden_size, self.num_layers
        # torch's own layers are built on the "meta" device (no memory, no
        # random initialisation: torch's global generator is left alone),
        # then given memory on ``dev``; load_numpy sets every weight.
        meta = {"device": "meta", "dtype": dtype}
        self.embedding = nn.Embedding(self.vocab_size, D, **meta)
        if impl == "cudnn":
            self.rnn = TORCH_NN[self.cell](D, H, L, batch_first=True, **meta)
        else:
            gru = {"convention": self.convention} if self.cell == "gru" else {}
            self.rnn = TORCH_CELLS[self.cell](D, H, L, dtype, dev, **gru)
        self.output = nn.Linear(H, self.vocab_size, **meta)
        self.to_empty(device=dev)
        self.load_numpy(init.parameters())

    def extra_repr(self) -> str:
        return (
            f"cell={self.cell!r}, impl={self.impl!r}, "
            f"convention={self.convention!r}"
        )

    def _named(self) -> dict[str, nn.Parameter]:
        """The book's parameter names (``E``, ``U0``, ..., ``V``, ``c``) →
        this module's tensors."""
        out = {"E": self.embedding.weight}
        for layer in range(self.num_layers):
            for ours, theirs in TORCH_NAMES:
                name = f"{theirs}_l{layer}"
                if self.impl == "hand":
                    name = f"{ours}{layer}"
                out[f"{ours}{layer}"] = getattr(self.rnn, name)
        out["V"], out["c"] = self.output.weight, self.output.bias
        return out

    def forward(
        self, x: torch.Tensor, state: Any = None
    ) -> tuple[torch.Tensor, Any]:
        """Scores ``(B, T, V)`` for ids ``x`` ``(B, T)``, and the final state
        of every layer."""
        out, final = self.rnn(self.embedding(self.check_ids(x)), state)
        return self.output(out), final
