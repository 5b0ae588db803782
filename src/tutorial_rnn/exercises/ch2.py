"""Chapter 2's exercise: backpropagation through time, by hand.

``bptt(model, x, y)`` returns ``(dU, dV, dW)`` for one sentence, with the
model's truncation ``model.bptt_truncate`` (None: full BPTT), exactly as
:meth:`tutorial_rnn.rnn_numpy.RNNNumpy.bptt` does::

    from tutorial_rnn.exercises import ch2
    ch2.bptt.check(my_bptt)
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..rnn_numpy import RNNNumpy
from .core import Exercise, Mistake, table

__all__ = ["bptt"]

EQ_DELTA = "Chapter 2, equation (eq-delta): " + (
    "δ_t = (Vᵀ δᵒ_t + Wᵀ δ_{t+1}) ⊙ (1 − s_t²)"
)
EQ_DW = (
    "Chapter 2, equation (eq-dW-dU): ∂L/∂W = Σ_t δ_t s_{t−1}ᵀ, "
    "∂L/∂U[:, x_t] += δ_t"
)
TRUNCATION = (
    "Chapter 2, 'Truncation': output t sends its error back to steps "
    "max(0, t − k) .. t, that is k + 1 steps"
)


def _model(V: int, H: int, k: int | None, seed: int) -> RNNNumpy:
    """A small model whose weights are large enough for tanh to bend."""
    model = RNNNumpy(V, H, bptt_truncate=k, seed=seed)
    rng = np.random.default_rng(seed + 100)
    model.U = rng.uniform(-1, 1, model.U.shape)
    model.V = rng.uniform(-1, 1, model.V.shape)
    model.W = rng.uniform(-0.8, 0.8, model.W.shape)
    return model


def _args(V: int, H: int, T: int, k: int | None, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, V, T)
    if T >= 4:
        x[T - 1] = x[0]  # a word used twice: its column of dU adds up
    y = rng.integers(0, V, T)
    return _model(V, H, k, seed), x, y


# ------------------------------------------------------------ mistakes
def _bptt(
    model,
    x,
    y,
    *,
    dtanh_first: bool = True,
    dtanh_step: bool = True,
    transpose_w: bool = True,
    transpose_dw: bool = False,
    window: int = 0,
    recurrence: bool = True,
    minus_target: bool = True,
):
    """RNNNumpy.bptt with one switch per catalogued mistake."""
    T = len(x)
    k = T if model.bptt_truncate is None else model.bptt_truncate
    o, s = model.forward(x)
    dU, dV, dW = (np.zeros_like(p) for p in (model.U, model.V, model.W))
    delta_o = o.copy()
    if minus_target:
        delta_o[np.arange(T), y] -= 1.0
    Wb = model.W.T if transpose_w else model.W
    for t in reversed(range(T)):
        dV += np.outer(delta_o[t], s[t])
        delta = model.V.T @ delta_o[t]
        if dtanh_first:
            delta = delta * (1 - s[t] ** 2)
        first = t if not recurrence else max(0, t - k + window)
        for step in reversed(range(first, t + 1)):
            s_prev = s[step - 1] if step > 0 else np.zeros_like(s[0])
            dW += (
                np.outer(s_prev, delta)
                if transpose_dw
                else np.outer(delta, s_prev)
            )
            dU[:, x[step]] += delta
            delta = Wb @ delta
            if dtanh_step:
                delta = delta * (1 - s_prev**2)
    return dU, dV, dW


MISTAKES = (
    Mistake(
        "the recurrence term dropped",
        "Only output t's own error reaches step t: the error never "
        "travels back through W to earlier steps (the term Wᵀ δ_{t+1} is "
        "missing), so dW and dU are those of a network without memory.",
        (partial(_bptt, recurrence=False),),
        where=EQ_DELTA,
    ),
    Mistake(
        "the derivative of tanh forgotten",
        "Every step back must multiply by tanh'(a) = 1 − s² of the state "
        "it passes through, at the output's own step and at each step back "
        "through W.",
        (
            partial(_bptt, dtanh_first=False, dtanh_step=False),
            partial(_bptt, dtanh_first=False),
            partial(_bptt, dtanh_step=False),
        ),
        where=EQ_DELTA,
    ),
    Mistake(
        "a transpose missing",
        "The error goes back through Wᵀ (W.T @ delta), not W, and dW adds "
        "δ_t s_{t−1}ᵀ (np.outer(delta, s_prev)), not its transpose.",
        (
            partial(_bptt, transpose_w=False),
            partial(_bptt, transpose_dw=True),
            partial(_bptt, transpose_w=False, transpose_dw=True),
        ),
        where=EQ_DELTA + "; and " + EQ_DW,
    ),
    Mistake(
        "the truncation window off by one",
        "With truncation k the inner loop runs over max(0, t − k) .. t, "
        "k + 1 steps (range(max(0, t - k), t + 1)); yours reaches one step "
        "too far or one step too short.",
        (partial(_bptt, window=-1), partial(_bptt, window=1)),
        where=TRUNCATION,
    ),
    Mistake(
        "the output error without its −1 at the target",
        "The derivative of −log softmax(z)[y] is softmax(z) − e_y: "
        "subtract "
        "1 at the target word y_t.",
        (partial(_bptt, minus_target=False),),
        where="Chapter 2, 'Output layer': δᵒ_t = o_t − e_{y_t}",
    ),
)


def _locate(name: str, index: tuple, args: tuple) -> str:
    """The time steps behind a column of dU or a row of dV."""
    _, x, y = args
    if name == "dU":
        steps = np.flatnonzero(np.asarray(x) == index[1])
        which = "word x_t at step" if len(steps) == 1 else "word at steps"
        return f" (the {which} {', '.join(map(str, steps))})"
    if name == "dV":
        steps = np.flatnonzero(np.asarray(y) == index[0])
        if len(steps):
            return f" (the target y_t at step {', '.join(map(str, steps))})"
    return ""


bptt = Exercise(
    name="bptt",
    what=(
        "the three gradients of RNNNumpy.bptt (dU, dV, dW), with full and "
        "truncated BPTT, equations (eq-dV), (eq-delta) and (eq-dW-dU)"
    ),
    reference=RNNNumpy.bptt,
    cases=table(
        _args,
        ("random: V=8, H=3, T=6, truncation 2", 8, 3, 6, 2, 1),
        ("random: V=12, H=5, T=9, full BPTT", 12, 5, 9, None, 2),
        ("random: V=6, H=4, T=8, truncation 3", 6, 4, 8, 3, 3),
        ("random: V=20, H=7, T=12, truncation 4", 20, 7, 12, 4, 4),
        ("a sentence of one word, full BPTT", 7, 3, 1, None, 5),
        ("a sentence of one word, truncation 2", 7, 3, 1, 2, 6),
        ("truncation 0 (no step back)", 9, 4, 6, 0, 7),
        ("truncation = T (the whole sentence)", 9, 4, 5, 5, 8),
        ("truncation > T", 9, 4, 5, 11, 9),
    ),
    outputs=(
        ("dU", ("row (hidden unit)", "column (word id)")),
        ("dV", ("row (word id)", "column (hidden unit)")),
        ("dW", ("row", "column")),
    ),
    mistakes=MISTAKES,
    hint_text=(
        "Run `o, s = model.forward(x)` and form the output errors "
        "`delta_o = o - e_y`. Then loop over the outputs t from the last: "
        "add `np.outer(delta_o[t], s[t])` to dV, start "
        "`delta = (model.V.T @ delta_o[t]) * (1 - s[t]**2)`, and walk back "
        "over the steps max(0, t - k) .. t: each step adds "
        "`np.outer(delta, s_prev)` to dW and `delta` to column x[step] of "
        "dU, then moves delta one step back through `model.W.T` and "
        "`1 - s_prev**2`. With `model.bptt_truncate` None, k = T."
    ),
    where=EQ_DELTA + " and " + EQ_DW,
    locate=_locate,
)
