"""GRU and LSTM in NumPy, with backpropagation through time written by hand.

Three recurrent layers share one layout, PyTorch's, so that weights move
between this module, ``torch.nn.RNN``/``nn.GRU``/``nn.LSTM`` and
:mod:`tutorial_rnn.gated_torch` unchanged. For layer ``l`` with input size
``D`` and hidden size ``H`` and ``G`` gate blocks (1, 3 or 4)::

    U{l}: (G·H, D)   input weights       bU{l}: (G·H,)  input bias
    W{l}: (G·H, H)   recurrent weights   bW{l}: (G·H,)  recurrent bias

The blocks are stacked in PyTorch's order: GRU ``[r, z, n]``, LSTM
``[i, f, g, o]``. Written for one sequence with column vectors (``σ`` is the
logistic sigmoid, ``⊙`` the element-wise product):

**Elman** (the plain RNN, with biases)::

    s_t = tanh(U x_t + bU + W s_{t-1} + bW)

**GRU** (Cho et al., 2014)::

    r_t = σ(U_r x_t + W_r s_{t-1} + b_r)              reset gate
    z_t = σ(U_z x_t + W_z s_{t-1} + b_z)              update gate
    n_t = tanh(U_n x_t + bU_n + W_n (r_t ⊙ s_{t-1}) + bW_n)    "cho"
    n_t = tanh(U_n x_t + bU_n + r_t ⊙ (W_n s_{t-1} + bW_n))    "pytorch"
    s_t = (1 - z_t) ⊙ n_t + z_t ⊙ s_{t-1}

The two conventions differ only in where the reset gate acts: before the
recurrent product (Cho et al., the 2015 tutorial, d2l.ai) or after it (PyTorch
and cuDNN). They are different functions of the same weights.

**LSTM** (Hochreiter & Schmidhuber, 1997, with the forget gate of Gers et
al., 2000)::

    i_t = σ(...), f_t = σ(...), g_t = tanh(...), o_t = σ(...)
                  (each of U_· x_t + W_· s_{t-1} + biases)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t                  memory cell
    s_t = o_t ⊙ tanh(c_t)

Arrays are time-major: a batch of sequences is ``(T, B, D)``; a state is
``(B, H)``. The language model :class:`GatedLMNumpy` puts an embedding
``E`` (V×D) below the layers and an output layer ``V`` (V×H), ``c`` (V,)
above them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from . import data as _data
from .activations import sigmoid
from .batching import (
    IGNORE_INDEX,
    check_fit_arguments,
    make_batches,
    pad_ids,
    train_loop,
)
from .gradcheck import GradientCheck, gradient_check
from .models import History
from .optim import OPTIMIZERS, clip_gradients
from .sampling import sample_words
from .validation import as_ids, check_array, check_pairs, check_scalar

__all__ = [
    "CELLS",
    "CONVENTIONS",
    "ElmanNumpy",
    "GRUNumpy",
    "GatedLMNumpy",
    "LSTMNumpy",
    "RecurrentNumpy",
]

#: The GRU's two placements of the reset gate.
CONVENTIONS = ("cho", "pytorch")


State = tuple[
    np.ndarray, ...
]  # (s,) for Elman and GRU, (s, c) for LSTM; each (B, H)


class RecurrentNumpy:
    """A stack of recurrent layers (the NumPy counterpart of
    ``nn.RNN``/``nn.GRU``/``nn.LSTM``).

    Subclasses define one time step, :meth:`step`, and its backward pass,
    :meth:`step_back`; this class runs them over sequences and layers.

    Parameters
    ----------
    input_size, hidden_size : int
        ``D`` and ``H``.
    num_layers : int
        Layer ``l > 0`` reads the states of layer ``l - 1``.
    seed : int
        Weights and biases are drawn uniformly from ±1/√H, as PyTorch does.
    """

    kind: ClassVar[str]
    gates: ClassVar[int]  # G: blocks of H rows in U and W
    state_parts: ClassVar[int] = (
        1  # arrays in a state: 1, or 2 for the LSTM's (s, c)
    )

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        seed: int = 0,
    ):
        self.input_size = check_scalar(
            input_size, "input_size", int, min_val=1
        )
        self.hidden_size = H = check_scalar(
            hidden_size, "hidden_size", int, min_val=1
        )
        self.num_layers = check_scalar(
            num_layers, "num_layers", int, min_val=1
        )
        rng = np.random.default_rng(seed)
        bound = 1.0 / math.sqrt(H)
        GH = self.gates * H
        self.U, self.W, self.bU, self.bW = [], [], [], []
        for layer in range(self.num_layers):
            D = self.input_size if layer == 0 else H
            self.U.append(rng.uniform(-bound, bound, (GH, D)))
            self.W.append(rng.uniform(-bound, bound, (GH, H)))
            self.bU.append(rng.uniform(-bound, bound, GH))
            self.bW.append(rng.uniform(-bound, bound, GH))

    def __repr__(self) -> str:
        extra = (
            f", convention={self.convention!r}"
            if hasattr(self, "convention")
            else ""
        )
        return (
            f"{type(self).__name__}(input_size={self.input_size}, "
            f"hidden_size={self.hidden_size}, "
            f"num_layers={self.num_layers}{extra})"
        )

    @property
    def state_size(self) -> int:
        """Length of the state carried between steps: ``H``, or ``2H`` for the
        LSTM's ``[s; c]``."""
        return self.state_parts * self.hidden_size

    def parameters(self) -> dict[str, np.ndarray]:
        """``{"U0": ..., "W0": ..., "bU0": ..., "bW0": ..., "U1": ...}``: the
        arrays themselves."""
        out = {}
        for layer in range(self.num_layers):
            for name in ("U", "W", "bU", "bW"):
                out[f"{name}{layer}"] = getattr(self, name)[layer]
        return out

    # --------------------------------------------------- one step (subclasses)
    def step(
        self, layer: int, gx: np.ndarray, state: State
    ) -> tuple[State, tuple]:
        """One step of ``layer``: ``gx = U x_t + bU`` (B, G·H) and the
        previous state → new state, cache."""
        raise NotImplementedError

    def step_back(
        self,
        layer: int,
        d_state: State,
        cache: tuple,
        grads: dict[str, np.ndarray],
    ) -> tuple[np.ndarray, State]:
        """Backward through one step: from ``∂L/∂(new state)`` to
        ``∂L/∂gx`` and ``∂L/∂(previous state)``.

        Adds the step's contributions to ``grads[f"W{layer}"]`` and
        ``grads[f"bW{layer}"]``.
        """
        raise NotImplementedError

    # --------------------------------------------------------------- sequences
    def _check_input(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 3 or X.shape[0] == 0 or X.shape[2] != self.input_size:
            raise ValueError(
                f"X must have shape (T, B, input_size={self.input_size}) with "
                f"T >= 1, got {X.shape}"
            )
        return X

    def _initial_state(self, state0: Any, batch: int) -> list[State]:
        """Per-layer initial states from ``None`` (zeros) or arrays shaped like
        the final state."""
        H, L = self.hidden_size, self.num_layers
        if state0 is None:
            return [
                tuple(np.zeros((batch, H)) for _ in range(self.state_parts))
                for _ in range(L)
            ]
        parts = state0 if self.state_parts > 1 else (state0,)
        if len(parts) != self.state_parts:
            raise ValueError(
                f"{type(self).__name__} needs a state of {self.state_parts} "
                "arrays"
            )
        parts = [np.asarray(p, dtype=np.float64) for p in parts]
        for p in parts:
            if p.shape != (L, batch, H):
                raise ValueError(
                    f"initial state must have shape {(L, batch, H)}, got "
                    f"{p.shape}"
                )
        return [tuple(p[layer] for p in parts) for layer in range(L)]

    def forward_with_cache(
        self, X: np.ndarray, state0: Any = None
    ) -> tuple[np.ndarray, Any, list]:
        """:meth:`forward`, also returning what :meth:`backward` needs."""
        X = self._check_input(X)
        T, B, _ = X.shape
        states = self._initial_state(state0, B)
        inputs, caches, finals = X, [], []
        for layer in range(self.num_layers):
            gx = (
                inputs @ self.U[layer].T + self.bU[layer]
            )  # (T, B, G·H): all input terms at once
            out = np.empty((T, B, self.hidden_size))
            state, steps = states[layer], []
            for t in range(T):
                state, cache = self.step(layer, gx[t], state)
                out[t] = state[0]
                steps.append(cache)
            caches.append((inputs, steps))
            finals.append(state)
            inputs = out
        return inputs, self._stack_final(finals), caches

    def _stack_final(self, finals: list[State]) -> Any:
        stacked = tuple(
            np.stack([f[i] for f in finals]) for i in range(self.state_parts)
        )
        return stacked if self.state_parts > 1 else stacked[0]

    def forward(
        self, X: np.ndarray, state0: Any = None
    ) -> tuple[np.ndarray, Any]:
        """Run the stack over a batch of sequences, like
        ``nn.GRU(batch_first=False)``.

        Parameters
        ----------
        X : numpy.ndarray, shape (T, B, D)
        state0 : optional
            ``h_0`` of shape (L, B, H) (``(h_0, c_0)`` for the LSTM); zeros by
            default.

        Returns
        -------
        output : numpy.ndarray, shape (T, B, H)
            The top layer's states ``s_t``.
        final : numpy.ndarray, shape (L, B, H), or a pair for the LSTM
            Every layer's last state.
        """
        output, final, _ = self.forward_with_cache(X, state0)
        return output, final

    def backward(
        self, d_output: np.ndarray, caches: list
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Full backpropagation through time and through the layers.

        Parameters
        ----------
        d_output : numpy.ndarray, shape (T, B, H)
            ``∂L/∂s_t`` of the top layer, from whatever sits above (the
            output layer).
        caches : list
            From :meth:`forward_with_cache`.

        Returns
        -------
        dX : numpy.ndarray, shape (T, B, D)
        grads : dict of name to array
            Same names and shapes as :meth:`parameters`.
        """
        grads = {
            name: np.zeros_like(p) for name, p in self.parameters().items()
        }
        d_above = d_output
        for layer in range(self.num_layers - 1, -1, -1):
            inputs, steps = caches[layer]
            T, B, _ = inputs.shape
            d_gx = np.empty((T, B, self.gates * self.hidden_size))
            d_state: State = tuple(
                np.zeros((B, self.hidden_size))
                for _ in range(self.state_parts)
            )
            for t in range(T - 1, -1, -1):
                # s_t feeds the layer above (d_above[t]) and step t + 1
                # (d_state[0])
                d_state = (d_state[0] + d_above[t], *d_state[1:])
                d_gx[t], d_state = self.step_back(
                    layer, d_state, steps[t], grads
                )
            flat = d_gx.reshape(T * B, -1)
            grads[f"U{layer}"] += flat.T @ inputs.reshape(T * B, -1)
            grads[f"bU{layer}"] += flat.sum(axis=0)
            d_above = d_gx @ self.U[layer]  # ∂L/∂(this layer's input)
        return d_above, grads

    # ------------------------------------------------- Chapter 3's measurement
    def step_with_jacobian(
        self, state_prev: np.ndarray, x: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """One step of a one-layer stack and its Jacobian
        ``∂state_t/∂state_{t-1}``.

        The state is ``s`` (H,), or ``[s; c]`` (2H,) for the LSTM. The Jacobian
        is computed by the hand-written backward pass itself, run on a batch of
        ``state_size`` copies of the step with the rows of the identity as
        incoming gradients: row ``i`` of the result is
        ``∂state_t[i]/∂state_{t-1}``. This is what
        :func:`tutorial_rnn.gradients.gradient_flow` multiplies along a
        sequence.
        """
        if self.num_layers != 1:
            raise ValueError("step_with_jacobian needs a one-layer stack")
        n, H = self.state_size, self.hidden_size
        state_prev = np.asarray(state_prev, dtype=np.float64)
        if state_prev.shape != (n,):
            raise ValueError(
                f"state must have shape ({n},), got {state_prev.shape}"
            )
        gx = np.broadcast_to(
            self.U[0] @ np.asarray(x, dtype=np.float64) + self.bU[0],
            (n, self.gates * H),
        )
        state = tuple(
            np.tile(state_prev[i * H : (i + 1) * H], (n, 1))
            for i in range(self.state_parts)
        )
        new_state, cache = self.step(0, gx, state)
        eye = np.eye(n)
        d_new = tuple(
            eye[:, i * H : (i + 1) * H] for i in range(self.state_parts)
        )
        scratch = {
            "W0": np.zeros_like(self.W[0]),
            "bW0": np.zeros_like(self.bW[0]),
        }
        _, d_prev = self.step_back(0, d_new, cache, scratch)
        return np.concatenate([p[0] for p in new_state]), np.hstack(d_prev)

    def state_gradients(
        self, inputs: np.ndarray, g_T: np.ndarray
    ) -> np.ndarray:
        """``∂L_T/∂state_{T-i}`` for ``i = 0 .. T`` when
        ``∂L_T/∂state_T = g_T``, by the backward pass.

        The same numbers as multiplying ``g_T`` by the Jacobians of
        :meth:`step_with_jacobian` step after step, but one vector goes back
        instead of ``state_size`` of them, so it is fast enough for an
        interactive plot. One-layer stack, one sequence ``inputs`` (T, D),
        starting from the zero state.
        """
        if self.num_layers != 1:
            raise ValueError("state_gradients needs a one-layer stack")
        H, n = self.hidden_size, self.state_size
        g_T = np.asarray(g_T, dtype=np.float64)
        if g_T.shape != (n,):
            raise ValueError(f"g_T must have shape ({n},), got {g_T.shape}")
        _, _, caches = self.forward_with_cache(
            np.asarray(inputs, dtype=np.float64)[:, None, :]
        )
        steps = caches[0][1]
        out = np.empty((len(steps) + 1, n))
        out[0] = g_T
        d_state = tuple(
            g_T[None, i * H : (i + 1) * H] for i in range(self.state_parts)
        )
        scratch = {
            "W0": np.zeros_like(self.W[0]),
            "bW0": np.zeros_like(self.bW[0]),
        }
        for i, cache in enumerate(reversed(steps), start=1):
            _, d_state = self.step_back(0, d_state, cache, scratch)
            out[i] = np.concatenate([d[0] for d in d_state])
        return out

    # ----------------------------------------------------------------- PyTorch
    @classmethod
    def from_torch(cls, module: Any) -> RecurrentNumpy:
        """A NumPy copy (float64) of a ``torch.nn.RNN``/``GRU``/``LSTM`` with
        the same outputs.

        Raises
        ------
        TypeError
            If ``module`` is not the matching torch class.
        ValueError
            For options this module does not implement (bidirectional, no bias,
            projections, a non-tanh ``nn.RNN``).
        """
        import torch

        expected = {
            "elman": torch.nn.RNN,
            "gru": torch.nn.GRU,
            "lstm": torch.nn.LSTM,
        }[cls.kind]
        if type(module) is not expected:
            raise TypeError(
                f"{cls.__name__}.from_torch needs a "
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


class ElmanNumpy(RecurrentNumpy):
    """The plain RNN layer ``s_t = tanh(U x_t + bU + W s_{t-1} + bW)``
    (``nn.RNN``'s layout)."""

    kind = "elman"
    gates = 1

    def step(
        self, layer: int, gx: np.ndarray, state: State
    ) -> tuple[State, tuple]:
        (s_prev,) = state
        s = np.tanh(gx + s_prev @ self.W[layer].T + self.bW[layer])
        return (s,), (s_prev, s)

    def step_back(self, layer, d_state, cache, grads):
        s_prev, s = cache
        da = d_state[0] * (1.0 - s**2)  # ∂L/∂a_t, a_t the pre-activation
        grads[f"W{layer}"] += da.T @ s_prev
        grads[f"bW{layer}"] += da.sum(axis=0)
        return da, (da @ self.W[layer],)


class GRUNumpy(RecurrentNumpy):
    """Gated recurrent units (``nn.GRU``'s layout), in either placement of the
    reset gate.

    Parameters
    ----------
    convention : {"pytorch", "cho"}
        ``"pytorch"``: ``n_t = tanh(U_n x_t + bU_n + r_t ⊙ (W_n s_{t-1} +
        bW_n))``, as ``torch.nn.GRU`` and cuDNN compute it. ``"cho"``: ``n_t =
        tanh(U_n x_t + bU_n + W_n (r_t ⊙ s_{t-1}) + bW_n)``, as Cho et al.
        (2014), the 2015 tutorial and d2l.ai write it.
    """

    kind = "gru"
    gates = 3

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        convention: str = "pytorch",
        seed: int = 0,
    ):
        if convention not in CONVENTIONS:
            raise ValueError(
                f"unknown GRU convention {convention!r}; use one of "
                f"{CONVENTIONS}"
            )
        self.convention = convention
        super().__init__(input_size, hidden_size, num_layers, seed)

    def step(
        self, layer: int, gx: np.ndarray, state: State
    ) -> tuple[State, tuple]:
        (s_prev,) = state
        H, W, bW = self.hidden_size, self.W[layer], self.bW[layer]
        gh_rz = s_prev @ W[: 2 * H].T + bW[: 2 * H]
        r = sigmoid(gx[:, :H] + gh_rz[:, :H])  # reset gate
        z = sigmoid(gx[:, H : 2 * H] + gh_rz[:, H:])  # update gate
        if self.convention == "pytorch":
            h_n = s_prev @ W[2 * H :].T + bW[2 * H :]  # W_n s_{t-1} + bW_n
            n = np.tanh(gx[:, 2 * H :] + r * h_n)
            extra = h_n
        else:
            rs = r * s_prev  # r_t ⊙ s_{t-1}
            n = np.tanh(gx[:, 2 * H :] + rs @ W[2 * H :].T + bW[2 * H :])
            extra = rs
        s = (1.0 - z) * n + z * s_prev
        return (s,), (s_prev, r, z, n, extra)

    def step_back(self, layer, d_state, cache, grads):
        s_prev, r, z, n, extra = cache
        H, W = self.hidden_size, self.W[layer]
        dW, dbW = grads[f"W{layer}"], grads[f"bW{layer}"]
        ds = d_state[0]
        ds_prev = ds * z  # through z_t ⊙ s_{t-1}
        da_n = ds * (1.0 - z) * (1.0 - n**2)  # ∂L/∂(pre-activation of n_t)
        da_z = ds * (s_prev - n) * z * (1.0 - z)
        if self.convention == "pytorch":
            h_n = extra
            da_r = da_n * h_n * r * (1.0 - r)
            d_hn = da_n * r  # ∂L/∂(W_n s_{t-1} + bW_n)
            dW[2 * H :] += d_hn.T @ s_prev
            dbW[2 * H :] += d_hn.sum(axis=0)
            ds_prev += d_hn @ W[2 * H :]
        else:
            rs = extra
            d_rs = da_n @ W[2 * H :]  # ∂L/∂(r_t ⊙ s_{t-1})
            dW[2 * H :] += da_n.T @ rs
            dbW[2 * H :] += da_n.sum(axis=0)
            da_r = d_rs * s_prev * r * (1.0 - r)
            ds_prev += d_rs * r
        da_rz = np.hstack([da_r, da_z])
        dW[: 2 * H] += da_rz.T @ s_prev
        dbW[: 2 * H] += da_rz.sum(axis=0)
        ds_prev += da_rz @ W[: 2 * H]
        return np.hstack([da_r, da_z, da_n]), (ds_prev,)


class LSTMNumpy(RecurrentNumpy):
    """Long short-term memory (``nn.LSTM``'s layout): gates ``[i, f, g, o]``,
    state ``(s, c)``.

    Parameters
    ----------
    forget_bias : float
        Added to the forget gate's input bias at initialisation (Gers et al.,
        2000, recommend a positive value so that the cell starts out
        remembering). 0 gives PyTorch's initialisation.
    """

    kind = "lstm"
    gates = 4
    state_parts = 2

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        forget_bias: float = 0.0,
        seed: int = 0,
    ):
        super().__init__(input_size, hidden_size, num_layers, seed)
        if not math.isfinite(forget_bias):
            raise ValueError(
                f"forget_bias must be finite, got {forget_bias!r}"
            )
        H = self.hidden_size
        for bU in self.bU:
            bU[H : 2 * H] += forget_bias

    def step(
        self, layer: int, gx: np.ndarray, state: State
    ) -> tuple[State, tuple]:
        s_prev, c_prev = state
        H = self.hidden_size
        a = gx + s_prev @ self.W[layer].T + self.bW[layer]
        i = sigmoid(a[:, :H])  # input gate
        f = sigmoid(a[:, H : 2 * H])  # forget gate
        g = np.tanh(a[:, 2 * H : 3 * H])  # candidate
        o = sigmoid(a[:, 3 * H :])  # output gate
        c = f * c_prev + i * g
        tanh_c = np.tanh(c)
        s = o * tanh_c
        return (s, c), (s_prev, c_prev, i, f, g, o, tanh_c)

    def step_back(self, layer, d_state, cache, grads):
        s_prev, c_prev, i, f, g, o, tanh_c = cache
        ds, dc = d_state
        dc = dc + ds * o * (
            1.0 - tanh_c**2
        )  # c_t reaches L directly and through s_t
        da = np.hstack(
            [
                dc * g * i * (1.0 - i),
                dc * c_prev * f * (1.0 - f),
                dc * i * (1.0 - g**2),
                ds * tanh_c * o * (1.0 - o),
            ]
        )
        grads[f"W{layer}"] += da.T @ s_prev
        grads[f"bW{layer}"] += da.sum(axis=0)
        return da, (da @ self.W[layer], dc * f)


#: Cell name → NumPy stack class.
CELLS: dict[str, type[RecurrentNumpy]] = {
    "rnn": ElmanNumpy,
    "gru": GRUNumpy,
    "lstm": LSTMNumpy,
}


def make_stack(
    cell: str,
    input_size: int,
    hidden_size: int,
    num_layers: int,
    convention: str,
    seed: int,
) -> RecurrentNumpy:
    """The NumPy stack for ``cell`` in ``{"rnn", "gru", "lstm"}``."""
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; use one of {sorted(CELLS)}")
    if cell == "gru":
        return GRUNumpy(
            input_size,
            hidden_size,
            num_layers,
            convention=convention,
            seed=seed,
        )
    if convention != "pytorch":
        raise ValueError(
            "convention applies to the GRU only, got "
            f"convention={convention!r} for {cell!r}"
        )
    if cell == "lstm":
        return LSTMNumpy(
            input_size, hidden_size, num_layers, forget_bias=1.0, seed=seed
        )
    return ElmanNumpy(input_size, hidden_size, num_layers, seed=seed)


def lm_config(model: Any) -> dict[str, Any]:
    """The configuration shared by :class:`GatedLMNumpy` and its torch twin
    (what a checkpoint records)."""
    names = (
        "vocab_size",
        "hidden_size",
        "cell",
        "num_layers",
        "embed_size",
        "convention",
    )
    return {name: getattr(model, name) for name in names}


class GatedLMNumpy:
    """A word-level language model: embedding, recurrent layers, softmax output
    layer.

    ::

        e_t = E[x_t]                       E: (V, D)
        s_t = layers(e_1 .. e_t)           the stack's top state, (H,)
        o_t = softmax(V s_t + c)           V: (V, H), c: (V,)

    Parameters
    ----------
    vocab_size : int
    hidden_size : int
    cell : {"gru", "lstm", "rnn"}
    num_layers : int
    embed_size : int, optional
        ``D``; defaults to ``hidden_size``.
    convention : {"pytorch", "cho"}
        The GRU's reset-gate placement (see :class:`GRUNumpy`).
    seed : int

    The LSTM starts with forget-gate bias +1 (see :class:`LSTMNumpy`); the
    embedding is uniform in ±√(3/D) (unit-variance inputs), the output layer
    uniform in ±1/√H with ``c = 0``.
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int = 128,
        cell: str = "gru",
        num_layers: int = 1,
        embed_size: int | None = None,
        convention: str = "pytorch",
        seed: int = 0,
    ):
        self.vocab_size = check_scalar(
            vocab_size, "vocab_size", int, min_val=1
        )
        self.hidden_size = check_scalar(
            hidden_size, "hidden_size", int, min_val=1
        )
        self.embed_size = (
            self.hidden_size
            if embed_size is None
            else check_scalar(embed_size, "embed_size", int, min_val=1)
        )
        self.cell, self.convention = cell, convention
        self.rnn = make_stack(
            cell,
            self.embed_size,
            self.hidden_size,
            num_layers,
            convention,
            seed,
        )
        self.num_layers = self.rnn.num_layers
        rng = np.random.default_rng([seed, 1])
        V, H, D = self.vocab_size, self.hidden_size, self.embed_size
        self.E = rng.uniform(-math.sqrt(3 / D), math.sqrt(3 / D), (V, D))
        self.V = rng.uniform(-1 / math.sqrt(H), 1 / math.sqrt(H), (V, H))
        self.c = np.zeros(V)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"GatedLMNumpy({args})"

    def config(self) -> dict[str, Any]:
        """The constructor arguments (what a checkpoint records)."""
        return lm_config(self)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(self.parameters())

    def parameters(self) -> dict[str, np.ndarray]:
        """Every parameter array by name: ``E``, the stack's ``U0, W0, bU0,
        bW0, ...``, ``V``, ``c``."""
        return {"E": self.E, **self.rnn.parameters(), "V": self.V, "c": self.c}

    def numpy_parameters(self) -> dict[str, np.ndarray]:
        """The parameters by name (what :mod:`tutorial_rnn.checkpoint`
        saves)."""
        return self.parameters()

    @property
    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters().values())

    def load_numpy(self, params: dict[str, np.ndarray]) -> None:
        """Copy arrays into the parameters, in place (names and shapes must
        match)."""
        own = self.parameters()
        if set(params) != set(own):
            raise ValueError(
                f"expected parameters {sorted(own)}, got {sorted(params)}"
            )
        # check all (real, finite, right shape), then copy all
        values = {
            name: check_array(params[name], name, p.shape)
            for name, p in own.items()
        }
        for name, p in own.items():
            p[...] = values[name]

    # ----------------------------------------------------------------- forward
    # and backward
    def _ids(self, x: object) -> np.ndarray:
        """A (B, T) batch of ids (a 1-D sequence becomes a batch of one),
        checked."""
        arr = np.asarray(x)
        if arr.ndim == 1:
            return as_ids(arr, self.vocab_size)[None, :]
        if arr.ndim != 2:
            raise ValueError(
                f"ids must have shape (T,) or (B, T), got {arr.shape}"
            )
        as_ids(arr.reshape(-1), self.vocab_size)
        return arr.astype(np.int64)

    def scores(self, x: object) -> np.ndarray:
        """Scores (logits) ``V s_t + c`` of the next word, shape (B, T, V) (or
        (T, V) for one sequence)."""
        xb = self._ids(x)
        top, _, _ = self.rnn.forward_with_cache(self.E[xb.T])
        z = (top @ self.V.T + self.c).transpose(1, 0, 2)
        return z[0] if np.asarray(x).ndim == 1 else z

    def forward(self, x: object) -> np.ndarray:
        """Next-word probabilities ``o_t``, shape (T, V) for one sequence or
        (B, T, V) for a batch."""
        z = self.scores(x)
        z = z - z.max(axis=-1, keepdims=True)
        np.exp(z, out=z)
        return z / z.sum(axis=-1, keepdims=True)

    def loss_and_gradients(
        self, x: object, y: object
    ) -> tuple[float, int, dict[str, np.ndarray]]:
        """Summed cross-entropy of a padded batch and its gradients by full
        BPTT.

        Parameters
        ----------
        x : array of int, shape (B, T) or (T,)
        y : array of int, same shape
            Target ids; :data:`~tutorial_rnn.batching.IGNORE_INDEX` marks
            padding.

        Returns
        -------
        total : float
            ``-sum log o_t[y_t]`` over the real targets (nats).
        count : int
            The number of real targets.
        grads : dict of name to array
            ``∂total/∂θ`` for every parameter.
        """
        xb = self._ids(x)
        y_arr = np.asarray(y)
        if y_arr.dtype.kind not in "iu":
            raise TypeError(
                f"y must hold integer word ids, got dtype {y_arr.dtype}"
            )
        if y_arr.shape != np.shape(x):
            raise ValueError(
                f"x and y must have the same shape, got {np.shape(x)} "
                f"and {y_arr.shape}"
            )
        yb = y_arr.astype(np.int64).reshape(xb.shape)
        real = yb != IGNORE_INDEX
        if not real.any():
            raise ValueError(
                "the batch has no real target (every y is IGNORE_INDEX)"
            )
        as_ids(yb[real], self.vocab_size, "y")
        T, B = xb.shape[1], xb.shape[0]
        emb = self.E[xb.T]  # (T, B, D)
        top, _, caches = self.rnn.forward_with_cache(emb)
        flat = top.reshape(T * B, self.hidden_size)
        z = flat @ self.V.T + self.c  # (T·B, V)
        z -= z.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(z).sum(axis=1))
        targets, mask = yb.T.reshape(-1), real.T.reshape(-1)
        rows = np.flatnonzero(mask)
        total = float(np.sum(log_sum[rows] - z[rows, targets[rows]]))
        delta = np.exp(z - log_sum[:, None])  # o_t ...
        delta[rows, targets[rows]] -= 1.0  # ... minus the one-hot target
        delta[~mask] = 0.0  # padding contributes nothing
        grads: dict[str, np.ndarray] = {"E": np.zeros_like(self.E)}
        grads["V"] = delta.T @ flat
        grads["c"] = delta.sum(axis=0)
        d_emb, rnn_grads = self.rnn.backward(
            (delta @ self.V).reshape(T, B, self.hidden_size), caches
        )
        grads.update(rnn_grads)
        np.add.at(grads["E"], xb.T.reshape(-1), d_emb.reshape(T * B, -1))
        return (
            total,
            int(rows.size),
            {name: grads[name] for name in self.param_names},
        )

    def total_loss(
        self,
        X: Sequence[np.ndarray],
        Y: Sequence[np.ndarray],
        batch_size: int = 64,
    ) -> float:
        """Summed cross-entropy over all words of all pairs (nats)."""
        check_pairs(X, Y)
        total = 0.0
        for idx in make_batches([len(x) for x in X], batch_size, seed=None):
            xb, yb = pad_ids(
                [X[i] for i in idx], [Y[i] for i in idx], self.vocab_size
            )
            z = self.scores(xb)  # (B, T, V)
            z -= z.max(axis=-1, keepdims=True)
            real = yb != IGNORE_INDEX
            log_sum = np.log(np.exp(z).sum(axis=-1))
            picked = np.take_along_axis(
                z, np.where(real, yb, 0)[..., None], axis=-1
            )[..., 0]
            total += float(np.sum((log_sum - picked)[real]))
        return total

    def loss(self, X: Sequence[np.ndarray], Y: Sequence[np.ndarray]) -> float:
        """Mean cross-entropy per word (nats); ``ln V`` for a uniform guess."""
        return self.total_loss(X, Y) / sum(len(y) for y in Y)

    def gradient_check(
        self,
        x: object,
        y: object,
        h: float = 4e-3,
        tolerance: float = 1e-6,
        max_entries: int | None = 40,
        seed: int = 0,
    ) -> GradientCheck:
        """Compare :meth:`loss_and_gradients` with central differences (see
        :mod:`tutorial_rnn.gradcheck`)."""
        _, _, analytic = self.loss_and_gradients(x, y)

        def f() -> float:
            return self.loss_and_gradients(x, y)[0]

        return gradient_check(
            f,
            self.parameters(),
            analytic,
            h=h,
            tolerance=tolerance,
            max_entries=max_entries,
            seed=seed,
        )

    def gate_activations(
        self, x: Sequence[int] | np.ndarray, layer: int = 0
    ) -> dict[str, np.ndarray]:
        """The gates of ``layer`` over one sentence: name → (T, H) array.

        GRU: ``r`` (reset) and ``z`` (update); LSTM: ``i``, ``f``, ``o`` and
        the cell ``c``.
        """
        x = as_ids(x, self.vocab_size)
        if self.cell == "rnn":
            raise ValueError("a plain RNN has no gates")
        if not 0 <= layer < self.num_layers:
            raise ValueError(
                f"layer must be in 0..{self.num_layers - 1}, got {layer}"
            )
        _, _, caches = self.rnn.forward_with_cache(self.E[x[:, None]])
        steps = caches[layer][1]
        if self.cell == "gru":
            return {
                "r": np.array([c[1][0] for c in steps]),
                "z": np.array([c[2][0] for c in steps]),
            }
        c_prev = np.array([c[1][0] for c in steps])
        i, f, g = (np.array([c[k][0] for c in steps]) for k in (2, 3, 4))
        return {
            "i": i,
            "f": f,
            "o": np.array([c[5][0] for c in steps]),
            "c": f * c_prev + i * g,
        }

    # ---------------------------------------------------------------- training
    def fit(
        self,
        X: Sequence[np.ndarray],
        Y: Sequence[np.ndarray],
        X_valid: Sequence[np.ndarray] | None = None,
        Y_valid: Sequence[np.ndarray] | None = None,
        epochs: float = 1.0,
        batch_size: int = 64,
        optimizer: str = "rmsprop",
        learning_rate: float = 1e-3,
        clip: float | None = 5.0,
        evaluations: int = 10,
        seed: int = 0,
        progress: bool = True,
    ) -> History:
        """Mini-batch training with full BPTT and a NumPy optimiser
        (:mod:`tutorial_rnn.optim`).

        Each batch's gradient is that of its mean loss per word; ``clip`` caps
        its global norm. Arguments and the returned
        :class:`~tutorial_rnn.models.History` are as in
        :meth:`tutorial_rnn.rnn_torch.TorchLanguageModel.fit`.
        """
        epochs, batch_size, lr, clip, evaluations = check_fit_arguments(
            X,
            Y,
            X_valid,
            Y_valid,
            epochs,
            batch_size,
            learning_rate,
            clip,
            evaluations,
        )
        if optimizer not in OPTIMIZERS:
            raise ValueError(
                f"unknown optimizer {optimizer!r}; use one of "
                f"{sorted(OPTIMIZERS)}"
            )
        opt = OPTIMIZERS[optimizer](self.parameters(), learning_rate=lr)

        def train_batch(idx: np.ndarray) -> tuple[float, int]:
            xb, yb = pad_ids(
                [X[i] for i in idx], [Y[i] for i in idx], self.vocab_size
            )
            total, count, grads = self.loss_and_gradients(xb, yb)
            if not math.isfinite(total):
                raise FloatingPointError(
                    f"the loss became {total}: no update was made"
                )
            grads = {k: g / count for k, g in grads.items()}
            opt.step(  # refuses a non-finite gradient
                clip_gradients(grads, clip)[0] if clip is not None else grads
            )
            for name, p in self.parameters().items():
                if not np.isfinite(p).all():
                    raise FloatingPointError(
                        f"the update made {name} non-finite: lower the "
                        f"learning rate or clip the gradient"
                    )
            return total, count

        def evaluate() -> float:
            return self.loss(X_valid, Y_valid)

        validate = X_valid is not None
        return train_loop(
            train_batch,
            [len(x) for x in X],
            epochs,
            batch_size,
            evaluations,
            evaluate if validate else None,
            seed,
            desc=f"{self.cell} (NumPy)",
            progress=progress,
            learning_rate=lr,
        )

    # ---------------------------------------------------------------- sampling
    def generate(
        self,
        vocab: _data.Vocabulary,
        temperature: float = 1.0,
        seed: int | None = None,
        max_length: int = 50,
        min_length: int = 1,
    ) -> list[str]:
        """Sample a sentence, as
        :meth:`tutorial_rnn.rnn_numpy.RNNNumpy.generate` does."""
        state = None

        def next_scores(x: int) -> np.ndarray:
            nonlocal state
            top, state = self.rnn.forward(self.E[[[x]]], state)
            return self.V @ top[0, 0] + self.c

        return sample_words(
            next_scores,
            vocab,
            self.vocab_size,
            temperature,
            seed,
            max_length,
            min_length,
        )
