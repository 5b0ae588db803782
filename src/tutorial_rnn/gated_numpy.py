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
``(B, H)``. The language model built on these stacks is
:class:`tutorial_rnn.gated_lm.GatedLMNumpy`; the Jacobian of one step
(Chapter 3's measurement) comes from
:class:`tutorial_rnn.gradients.StackJacobians`; and
:func:`tutorial_rnn.gated_torch.from_torch` copies ``torch.nn`` layers.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, NamedTuple

import numpy as np

from .activations import sigmoid
from .gradients import StackJacobians
from .validation import check_array, check_scalar, check_seed

__all__ = [
    "CELLS",
    "CONVENTIONS",
    "ElmanCache",
    "ElmanNumpy",
    "GRUCache",
    "GRUNumpy",
    "LSTMCache",
    "LSTMNumpy",
    "LayerCache",
    "RecurrentNumpy",
]

#: The GRU's two placements of the reset gate.
CONVENTIONS = ("cho", "pytorch")


#: (s,) for Elman and GRU, (s, c) for LSTM; each (B, H).
State = tuple[np.ndarray, ...]


class LayerCache(NamedTuple):
    """What :meth:`RecurrentNumpy.forward_with_cache` keeps of one layer."""

    inputs: np.ndarray  # (T, B, D): what the layer read
    steps: list  # the cache of each step, as ``step`` returned it


class ElmanCache(NamedTuple):
    """What :meth:`ElmanNumpy.step` keeps for its backward pass; each
    (B, H)."""

    s_prev: np.ndarray
    s: np.ndarray


class GRUCache(NamedTuple):
    """What :meth:`GRUNumpy.step` keeps for its backward pass; each (B, H)."""

    s_prev: np.ndarray
    r: np.ndarray  # reset gate
    z: np.ndarray  # update gate
    n: np.ndarray  # candidate
    extra: np.ndarray  # W_n s_{t-1} + bW_n ("pytorch"), r ⊙ s_{t-1} ("cho")


class LSTMCache(NamedTuple):
    """What :meth:`LSTMNumpy.step` keeps for its backward pass; each
    (B, H)."""

    s_prev: np.ndarray
    c_prev: np.ndarray
    i: np.ndarray  # input gate
    f: np.ndarray  # forget gate
    g: np.ndarray  # candidate
    o: np.ndarray  # output gate
    tanh_c: np.ndarray


class RecurrentNumpy(StackJacobians):
    """A stack of recurrent layers (the NumPy counterpart of
    ``nn.RNN``/``nn.GRU``/``nn.LSTM``).

    Subclasses define one time step and its backward pass; this class runs
    them over sequences and layers:

    - ``step(layer, gx, state)``: from ``gx = U x_t + bU`` (B, G·H) and the
      previous state to (new state, cache), the cache the cell's named
      tuple;
    - ``step_back(layer, d_state, cache, grads)``: from ``∂L/∂(new state)``
      to (``∂L/∂gx``, ``∂L/∂(previous state)``), adding the step's
      contributions to ``grads[f"W{layer}"]`` and ``grads[f"bW{layer}"]``.

    Parameters
    ----------
    input_size, hidden_size : int
        ``D`` and ``H``.
    num_layers : int
        Layer ``l > 0`` reads the states of layer ``l - 1``.
    seed : int
        Weights and biases are drawn uniformly from ±1/√H, as PyTorch does.
    """

    gates: ClassVar[int]  # G: blocks of H rows in U and W
    state_parts: ClassVar[int] = 1  # arrays in a state: 2 for LSTM's (s, c)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        seed: int = 0,
    ):
        self.input_size, self.hidden_size, self.num_layers = (
            check_scalar(input_size, "input_size", int, min_val=1),
            check_scalar(hidden_size, "hidden_size", int, min_val=1),
            check_scalar(num_layers, "num_layers", int, min_val=1),
        )
        H = self.hidden_size
        rng = np.random.default_rng(check_seed(seed))
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
        gru = getattr(self, "convention", None)
        return (
            f"{type(self).__name__}(input_size={self.input_size}, "
            f"hidden_size={self.hidden_size}, num_layers={self.num_layers}"
            + (f", convention={gru!r})" if gru else ")")
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

    # --------------------------------------------------------------- sequences
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
        parts = [
            check_array(p, "initial state", (L, batch, H)).astype(np.float64)
            for p in parts
        ]
        return [tuple(p[layer] for p in parts) for layer in range(L)]

    def forward_with_cache(
        self, X: np.ndarray, state0: Any = None
    ) -> tuple[np.ndarray, Any, list[LayerCache]]:
        """:meth:`forward`, also returning what :meth:`backward` needs: a
        :class:`LayerCache` per layer."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 3 or X.shape[0] == 0 or X.shape[2] != self.input_size:
            raise ValueError(
                f"X must have shape (T, B, input_size={self.input_size}) with "
                f"T >= 1, got {X.shape}"
            )
        T, B, _ = X.shape
        states = self._initial_state(state0, B)
        inputs, caches, finals = X, [], []
        for layer in range(self.num_layers):
            # all input terms at once: (T, B, G·H)
            gx = inputs @ self.U[layer].T + self.bU[layer]
            out = np.empty((T, B, self.hidden_size))
            state, steps = states[layer], []
            for t in range(T):
                state, cache = self.step(layer, gx[t], state)
                out[t] = state[0]
                steps.append(cache)
            caches.append(LayerCache(inputs, steps))
            finals.append(state)
            inputs = out
        final = tuple(np.stack(part) for part in zip(*finals, strict=True))
        return inputs, (final if self.state_parts > 1 else final[0]), caches

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
        self, d_output: np.ndarray, caches: list[LayerCache]
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


class ElmanNumpy(RecurrentNumpy):
    """The plain RNN layer ``s_t = tanh(U x_t + bU + W s_{t-1} + bW)``
    (``nn.RNN``'s layout)."""

    gates = 1

    def step(
        self, layer: int, gx: np.ndarray, state: State
    ) -> tuple[State, ElmanCache]:
        (s_prev,) = state
        s = np.tanh(gx + s_prev @ self.W[layer].T + self.bW[layer])
        return (s,), ElmanCache(s_prev, s)

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

    gates = 3

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        convention: str = "pytorch",
        seed: int = 0,
    ):
        if not isinstance(convention, str) or convention not in CONVENTIONS:
            raise ValueError(
                f"unknown GRU convention {convention!r}; use one of "
                f"{CONVENTIONS}"
            )
        super().__init__(input_size, hidden_size, num_layers, seed)
        self.convention = convention

    def step(
        self, layer: int, gx: np.ndarray, state: State
    ) -> tuple[State, GRUCache]:
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
        return (s,), GRUCache(s_prev, r, z, n, extra)

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
    state ``(s, c)``; initialised as PyTorch does (the language model adds
    +1 to the forget gate's bias, :func:`make_stack`).
    """

    gates = 4
    state_parts = 2

    def step(
        self, layer: int, gx: np.ndarray, state: State
    ) -> tuple[State, LSTMCache]:
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
        return (s, c), LSTMCache(s_prev, c_prev, i, f, g, o, tanh_c)

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
    """The NumPy stack for ``cell`` in ``{"rnn", "gru", "lstm"}``; an LSTM
    starts with forget-gate bias +1 (Gers et al., 2000: the cell starts out
    remembering)."""
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; use one of {sorted(CELLS)}")
    if cell != "gru" and convention != "pytorch":
        raise ValueError(
            "convention applies to the GRU only, got "
            f"convention={convention!r} for {cell!r}"
        )
    gru = {"convention": convention} if cell == "gru" else {}
    stack = CELLS[cell](input_size, hidden_size, num_layers, seed=seed, **gru)
    if cell == "lstm":
        H = stack.hidden_size
        for bU in stack.bU:
            bU[H : 2 * H] += 1.0  # the forget gate's block
    return stack
