"""Chapter 2's exercise: backpropagation through time, by hand.

``bptt(model, x, y)`` returns ``(dU, dV, dW)`` for one sentence, with the
model's truncation ``model.bptt_truncate`` (None: full BPTT), exactly as
:meth:`tutorial_rnn.rnn_numpy.RNNNumpy.bptt` does::

    from tutorial_rnn.exercises import ch2
    ch2.bptt.check(my_bptt)
"""

from __future__ import annotations

import numpy as np

from ..rnn_numpy import RNNNumpy
from .core import Exercise, table

__all__ = ["bptt"]


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
    reference=RNNNumpy.bptt,
    wrong=_bptt,
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
    locate=_locate,
)
