"""Chapter 4's exercises: one step of a GRU, and one of an LSTM.

Both take a one-layer cell of the package (its weights in PyTorch's
layout: blocks of H rows stacked in ``cell.U[0]`` (G·H, D),
``cell.W[0]`` (G·H, H), ``cell.bU[0]`` and ``cell.bW[0]`` (G·H,)) and a
batch of inputs ``x`` (B, D):

- ``gru_step(cell, x, s_prev)`` returns ``s_t`` (B, H) for a
  ``GRUNumpy(convention="cho")``, blocks ``[r, z, n]``, equation eq-gru
  (the reset gate acts before the product with ``W_n``);
- ``lstm_step(cell, x, s_prev, c_prev)`` returns ``(s_t, c_t)`` for an
  ``LSTMNumpy``, blocks ``[i, f, g, o]``, equation eq-lstm::

    from tutorial_rnn.exercises import ch4
    ch4.gru_step.check(my_gru_step)
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..activations import sigmoid
from ..gated_numpy import GRUNumpy, LSTMNumpy
from .core import Exercise, table

__all__ = ["gru_step", "lstm_step"]

#: The GRU of the exercises: Cho's convention, the reset gate first.
GRU_CHO = partial(GRUNumpy, convention="cho")


def gated_args(Cell, spreads, D, H, B, seed, zero_state=False):
    """A one-layer ``Cell`` with weights of order 1 (so that every gate
    matters), inputs ``x`` (B, D) and the previous state(s) (s; and c for
    the LSTM): uniform in ±spread, or zeros."""
    cell = Cell(D, H, seed=seed)
    rng = np.random.default_rng(seed + 50)
    for p in (cell.U[0], cell.W[0], cell.bU[0], cell.bW[0]):
        p[...] = rng.uniform(-1.2, 1.2, p.shape)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, D))
    states = [
        np.zeros((B, H)) if zero_state else rng.uniform(-r, r, (B, H))
        for r in spreads
    ]
    return cell, x, *states


def reference_step(cell, x, *states):
    """``cell.step`` of layer 0 from the input ``x``: the new state (GRU),
    or the new state and memory cell (LSTM)."""
    gx = np.asarray(x) @ cell.U[0].T + cell.bU[0]
    new, _ = cell.step(0, gx, tuple(np.asarray(s) for s in states))
    return new[0] if len(new) == 1 else new


# -------------------------------------------------------------------- GRU
def _gru(
    cell, x, s_prev, *, flip=False, reset_after=False, reset=True, order=0
):
    """One GRU step, with one switch per catalogued mistake."""
    H = cell.hidden_size
    U, W, bU, bW = cell.U[0], cell.W[0], cell.bU[0], cell.bW[0]
    a = x @ U.T + bU
    h = s_prev @ W.T + bW
    rz = [slice(0, H), slice(H, 2 * H)]
    if order:
        rz = rz[::-1]
    r = sigmoid(a[:, rz[0]] + h[:, rz[0]])
    z = sigmoid(a[:, rz[1]] + h[:, rz[1]])
    Wn, bWn = W[2 * H :], bW[2 * H :]
    if reset_after:
        n = np.tanh(a[:, 2 * H :] + r * (s_prev @ Wn.T + bWn))
    else:
        q = r * s_prev if reset else s_prev
        n = np.tanh(a[:, 2 * H :] + q @ Wn.T + bWn)
    if flip:
        return z * n + (1 - z) * s_prev
    return (1 - z) * n + z * s_prev


gru_step = Exercise(
    name="gru_step",
    reference=reference_step,
    wrong=_gru,
    cases=table(
        partial(gated_args, GRU_CHO, (1.0,)),
        ("random: D=3, H=4, batch of 2", 3, 4, 2, 1),
        ("random: D=5, H=2, batch of 3", 5, 2, 3, 2),
        ("random: D=4, H=6, batch of 1", 4, 6, 1, 3),
        ("the first step (s_prev = 0)", 3, 3, 2, 4, True),
        ("one hidden unit (H=1)", 2, 1, 4, 5),
    ),
    outputs=(("s_t", ("sequence in the batch", "hidden unit")),),
    solution_of=GRUNumpy.step,
)


# ------------------------------------------------------------------- LSTM
def _lstm(
    cell,
    x,
    s_prev,
    c_prev,
    *,
    forget_on_s=False,
    tanh_c=True,
    order=(0, 1, 2, 3),
):
    """One LSTM step, with one switch per catalogued mistake."""
    H = cell.hidden_size
    a = x @ cell.U[0].T + cell.bU[0] + s_prev @ cell.W[0].T + cell.bW[0]
    blocks = [a[:, b * H : (b + 1) * H] for b in order]
    i, f, o = (sigmoid(blocks[b]) for b in (0, 1, 3))
    g = np.tanh(blocks[2])
    c = f * (s_prev if forget_on_s else c_prev) + i * g
    s = o * (np.tanh(c) if tanh_c else c)
    return s, c


lstm_step = Exercise(
    name="lstm_step",
    reference=reference_step,
    wrong=_lstm,
    cases=table(
        partial(gated_args, LSTMNumpy, (1.0, 2.0)),
        ("random: D=3, H=4, batch of 2", 3, 4, 2, 1),
        ("random: D=5, H=2, batch of 3", 5, 2, 3, 2),
        ("random: D=2, H=5, batch of 1", 2, 5, 1, 3),
        ("the first step (s_prev = c_prev = 0)", 3, 3, 2, 4, True),
        ("one hidden unit (H=1)", 2, 1, 3, 5),
    ),
    outputs=(
        ("s_t", ("sequence in the batch", "hidden unit")),
        ("c_t", ("sequence in the batch", "hidden unit")),
    ),
    solution_of=LSTMNumpy.step,
)
