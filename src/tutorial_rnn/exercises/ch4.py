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

import numpy as np

from ..activations import sigmoid
from ..gated_numpy import GRUNumpy, LSTMNumpy
from .core import Case, Exercise, Mistake

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


def _scaled(cell, seed: int):
    """Weights of order 1, so that every gate matters."""
    rng = np.random.default_rng(seed + 50)
    for name in ("U", "W", "bU", "bW"):
        p = getattr(cell, name)[0]
        p[...] = rng.uniform(-1.2, 1.2, p.shape)
    return cell


# -------------------------------------------------------------------- GRU
def reference_gru_step(cell, x, s_prev):
    """``GRUNumpy.step`` of layer 0, from the input ``x``."""
    gx = np.asarray(x) @ cell.U[0].T + cell.bU[0]
    (s,), _ = cell.step(0, gx, (np.asarray(s_prev),))
    return s


def _gru_case(label, D, H, B, seed, zero_state=False):
    def make():
        cell = _scaled(GRUNumpy(D, H, convention="cho", seed=seed), seed)
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((B, D))
        s_prev = np.zeros((B, H)) if zero_state else rng.uniform(-1, 1, (B, H))
        return cell, x, s_prev

    return Case(label, make)


def _gru_cases() -> list[Case]:
    return [
        _gru_case("random: D=3, H=4, batch of 2", 3, 4, 2, 1),
        _gru_case("random: D=5, H=2, batch of 3", 5, 2, 3, 2),
        _gru_case("random: D=4, H=6, batch of 1", 4, 6, 1, 3),
        _gru_case("the first step (s_prev = 0)", 3, 3, 2, 4, True),
        _gru_case("one hidden unit (H=1)", 2, 1, 4, 5),
    ]


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


def _gru_variant(**switches):
    return lambda cell, x, s_prev: _gru(cell, x, s_prev, **switches)


gru_step = Exercise(
    name="gru_step",
    what=(
        "one step of GRUNumpy (convention 'cho', reset gate before the "
        "product), equation (eq-gru)"
    ),
    reference=reference_gru_step,
    cases=_gru_cases,
    outputs=(("s_t", ("sequence in the batch", "hidden unit")),),
    mistakes=(
        Mistake(
            "z and 1 − z swapped",
            EQ_GRU,
            "The update gate weighs the OLD state: z_t = 1 copies "
            "s_{t−1}, z_t = 0 takes the candidate. Yours is the 'flipped' "
            "blend of Chung et al. and Colah, a different function of the "
            "same weights.",
            (_gru_variant(flip=True),),
        ),
        Mistake(
            "the reset gate applied after the product",
            EQ_GRU + " (the 'reset after' form is PyTorch's)",
            "In Cho's form the reset gate scales s_{t−1} before W_n: "
            "W_n (r_t ⊙ s_{t−1}) + b_W,n; "
            "yours is r_t ⊙ (W_n s_{t−1} + "
            "b_W,n), PyTorch's convention.",
            (_gru_variant(reset_after=True),),
        ),
        Mistake(
            "the reset gate forgotten",
            EQ_GRU,
            "The candidate reads r_t ⊙ s_{t−1}, not s_{t−1}.",
            (_gru_variant(reset=False),),
        ),
        Mistake(
            "the gate blocks in the wrong order",
            "Chapter 5, 'The GRU, in three conventions': the blocks of U, "
            "W and the biases are [r, z, n], PyTorch's order",
            "Rows 0..H−1 feed the reset gate r, rows H..2H−1 the update "
            "gate z, rows 2H..3H−1 the candidate n.",
            (_gru_variant(order=1),),
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
    arg_names=("cell", "x", "s_prev"),
)


# ------------------------------------------------------------------- LSTM
def reference_lstm_step(cell, x, s_prev, c_prev):
    """``LSTMNumpy.step`` of layer 0, from the input ``x``."""
    gx = np.asarray(x) @ cell.U[0].T + cell.bU[0]
    (s, c), _ = cell.step(0, gx, (np.asarray(s_prev), np.asarray(c_prev)))
    return s, c


def _lstm_case(label, D, H, B, seed, zero_state=False):
    def make():
        cell = _scaled(LSTMNumpy(D, H, seed=seed), seed)
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((B, D))
        if zero_state:
            s_prev, c_prev = np.zeros((B, H)), np.zeros((B, H))
        else:
            s_prev = rng.uniform(-1, 1, (B, H))
            c_prev = rng.uniform(-2, 2, (B, H))
        return cell, x, s_prev, c_prev

    return Case(label, make)


def _lstm_cases() -> list[Case]:
    return [
        _lstm_case("random: D=3, H=4, batch of 2", 3, 4, 2, 1),
        _lstm_case("random: D=5, H=2, batch of 3", 5, 2, 3, 2),
        _lstm_case("random: D=2, H=5, batch of 1", 2, 5, 1, 3),
        _lstm_case("the first step (s_prev = c_prev = 0)", 3, 3, 2, 4, True),
        _lstm_case("one hidden unit (H=1)", 2, 1, 3, 5),
    ]


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
    i, f, g, o = (
        sigmoid(blocks[0]),
        sigmoid(blocks[1]),
        np.tanh(blocks[2]),
        sigmoid(blocks[3]),
    )
    c = f * (s_prev if forget_on_s else c_prev) + i * g
    s = o * (np.tanh(c) if tanh_c else c)
    return s, c


def _lstm_variant(**switches):
    return lambda cell, x, s_prev, c_prev: _lstm(
        cell, x, s_prev, c_prev, **switches
    )


lstm_step = Exercise(
    name="lstm_step",
    what="one step of LSTMNumpy, equation (eq-lstm)",
    reference=reference_lstm_step,
    cases=_lstm_cases,
    outputs=(
        ("s_t", ("sequence in the batch", "hidden unit")),
        ("c_t", ("sequence in the batch", "hidden unit")),
    ),
    mistakes=(
        Mistake(
            "the forget gate applied to the wrong state",
            EQ_LSTM,
            "The forget gate scales the previous memory CELL c_{t−1}, "
            "not the previous state s_{t−1}.",
            (_lstm_variant(forget_on_s=True),),
        ),
        Mistake(
            "the tanh of the cell forgotten",
            EQ_LSTM,
            "The state shows a squashed cell: s_t = o_t ⊙ tanh(c_t).",
            (_lstm_variant(tanh_c=False),),
        ),
        Mistake(
            "the gate blocks in the wrong order",
            "Chapter 4, 'The LSTM': the blocks are [i, f, g, o], "
            "PyTorch's order",
            "Rows 0..H−1 are the input gate, H..2H−1 the forget gate, "
            "2H..3H−1 the candidate g, 3H..4H−1 the output gate.",
            (
                _lstm_variant(order=(1, 0, 2, 3)),
                _lstm_variant(order=(0, 1, 3, 2)),
                _lstm_variant(order=(0, 3, 2, 1)),
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
    arg_names=("cell", "x", "s_prev", "c_prev"),
)
