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
from .core import Exercise, Mistake, table

__all__ = ["gru_step", "lstm_step"]

EQ_GRU = (
    "Chapter 4, equation (eq-gru): r_t = σ(U_r x_t + W_r s_{t−1} + b_r), "
    "z_t = σ(…), n_t = tanh(U_n x_t + W_n (r_t ⊙ s_{t−1}) + b_n), "
    "s_t = (1 − z_t) ⊙ n_t + z_t ⊙ s_{t−1}"
)
EQ_LSTM = (
    "Chapter 4, equation (eq-lstm): c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t, "
    "s_t = o_t ⊙ tanh(c_t), blocks [i, f, g, o]"
)


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
    what=(
        "one step of GRUNumpy (convention 'cho', reset gate before the "
        "product), equation (eq-gru)"
    ),
    reference=reference_step,
    cases=table(
        partial(gated_args, GRU_CHO, (1.0,)),
        ("random: D=3, H=4, batch of 2", 3, 4, 2, 1),
        ("random: D=5, H=2, batch of 3", 5, 2, 3, 2),
        ("random: D=4, H=6, batch of 1", 4, 6, 1, 3),
        ("the first step (s_prev = 0)", 3, 3, 2, 4, True),
        ("one hidden unit (H=1)", 2, 1, 4, 5),
    ),
    outputs=(("s_t", ("sequence in the batch", "hidden unit")),),
    mistakes=(
        Mistake(
            "z and 1 − z swapped",
            "The update gate weighs the OLD state: z_t = 1 copies "
            "s_{t−1}, z_t = 0 takes the candidate. Yours is the 'flipped' "
            "blend of Chung et al. and Colah, a different function of the "
            "same weights.",
            (partial(_gru, flip=True),),
        ),
        Mistake(
            "the reset gate applied after the product",
            "In Cho's form the reset gate scales s_{t−1} before W_n: "
            "W_n (r_t ⊙ s_{t−1}) + b_W,n; "
            "yours is r_t ⊙ (W_n s_{t−1} + "
            "b_W,n), PyTorch's convention.",
            (partial(_gru, reset_after=True),),
            where=EQ_GRU + " (the 'reset after' form is PyTorch's)",
        ),
        Mistake(
            "the reset gate forgotten",
            "The candidate reads r_t ⊙ s_{t−1}, not s_{t−1}.",
            (partial(_gru, reset=False),),
        ),
        Mistake(
            "the gate blocks in the wrong order",
            "Rows 0..H−1 feed the reset gate r, rows H..2H−1 the update "
            "gate z, rows 2H..3H−1 the candidate n.",
            (partial(_gru, order=1),),
            where=(
                "Chapter 5, 'The GRU, in three conventions': the blocks of "
                "U, W and the biases are [r, z, n], PyTorch's order"
            ),
        ),
    ),
    hint_text=(
        "With H = cell.hidden_size, compute `a = x @ U.T + bU` and "
        "`h = s_prev @ W.T + bW` for all blocks at once (U = cell.U[0], "
        "...). r and z are sigmoids of the first two blocks of a + h; the "
        "candidate is `np.tanh(a[:, 2*H:] + (r * s_prev) @ W[2*H:].T + "
        "bW[2*H:])`; then blend: `(1 - z) * n + z * s_prev`. The package's "
        "sigmoid is `tutorial_rnn.activations.sigmoid`."
    ),
    solution_of=GRUNumpy.step,
    solution_note=(
        "`gx` is `x @ U.T + bU`, computed for all steps before the loop; "
        "this exercise's convention is `'cho'` (the `else` branch)."
    ),
    where=EQ_GRU,
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
    what="one step of LSTMNumpy, equation (eq-lstm)",
    reference=reference_step,
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
    mistakes=(
        Mistake(
            "the forget gate applied to the wrong state",
            "The forget gate scales the previous memory CELL c_{t−1}, "
            "not the previous state s_{t−1}.",
            (partial(_lstm, forget_on_s=True),),
        ),
        Mistake(
            "the tanh of the cell forgotten",
            "The state shows a squashed cell: s_t = o_t ⊙ tanh(c_t).",
            (partial(_lstm, tanh_c=False),),
        ),
        Mistake(
            "the gate blocks in the wrong order",
            "Rows 0..H−1 are the input gate, H..2H−1 the forget gate, "
            "2H..3H−1 the candidate g, 3H..4H−1 the output gate.",
            (
                partial(_lstm, order=(1, 0, 2, 3)),
                partial(_lstm, order=(0, 1, 3, 2)),
                partial(_lstm, order=(0, 3, 2, 1)),
            ),
            where=(
                "Chapter 4, 'The LSTM': the blocks are [i, f, g, o], "
                "PyTorch's order"
            ),
        ),
    ),
    hint_text=(
        "One product for all four blocks: `a = x @ U.T + bU + s_prev @ "
        "W.T + bW` (U = cell.U[0], ...). Slice it into H columns each, in "
        "the order [i, f, g, o]: sigmoid for the gates, tanh for g. Then "
        "`c = f * c_prev + i * g` and `s = o * np.tanh(c)`."
    ),
    solution_of=LSTMNumpy.step,
    solution_note="`gx` is `x @ U.T + bU`.",
    where=EQ_LSTM,
)
