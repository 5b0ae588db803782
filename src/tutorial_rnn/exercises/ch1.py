"""Chapter 1's exercises: one step of the recurrence, and the softmax.

- ``step(U, W, x_t, s_prev)`` returns ``s_t = tanh(U e_{x_t} + W s_{t-1})``
  (equation eq-recurrence), shape (H,);
- ``softmax(z)`` returns the probabilities ``e^{z_i} / Σ_j e^{z_j}`` over
  the last axis of ``z`` (equation eq-output), for scores of shape (V,) or
  (T, V), without overflowing for large scores::

    from tutorial_rnn.exercises import ch1
    ch1.step.check(my_step)
    ch1.softmax.check(my_softmax)
"""

from __future__ import annotations

import numpy as np

from ..activations import softmax as _softmax
from ..gradients import RNNCell
from ..rnn_numpy import RNNNumpy
from .core import Exercise, fixed, table

__all__ = ["softmax", "step"]


# ------------------------------------------------------------------ step
def reference_step(U, W, x_t, s_prev):
    """One step of the package's RNN cell (tutorial_rnn.gradients)."""
    return RNNCell(np.asarray(W), "tanh").step_with_jacobian(
        np.asarray(s_prev), np.asarray(U)[:, x_t]
    )[0]


def _step_args(H, V, seed, x_t=None, zero_state=False, scale=1.0):
    rng = np.random.default_rng(seed)
    U = scale * rng.uniform(-1, 1, (H, V))
    W = scale * rng.uniform(-1, 1, (H, H))
    s_prev = np.zeros(H) if zero_state else rng.uniform(-0.9, 0.9, H)
    x = int(rng.integers(0, V)) if x_t is None else x_t
    return U, W, x, s_prev


def _step(
    U,
    W,
    x_t,
    s_prev,
    *,
    recurrence=True,
    transpose=False,
    squash=True,
    by_row=False,
):
    """One step, with one switch per catalogued mistake."""
    a = U[x_t] if by_row else U[:, x_t]
    if recurrence:
        a = a + (W.T if transpose else W) @ s_prev
    return np.tanh(a) if squash else a


step = Exercise(
    name="step",
    reference=reference_step,
    wrong=_step,
    cases=table(
        _step_args,
        ("random: H=3, V=5", 3, 5, 1),
        ("random: H=6, V=10", 6, 10, 2),
        ("random: H=4, V=4 (U square)", 4, 4, 3, 1),
        ("the first step (s_prev = 0)", 3, 6, 4, None, True),
        ("the first word id, 0", 5, 7, 5, 0),
        ("the last word id, V - 1", 5, 7, 6, 6),
        ("one hidden unit (H=1)", 1, 3, 7),
        ("large weights (tanh saturates)", 4, 6, 8, None, False, 4.0),
    ),
    outputs=(("s_t", ("hidden unit",)),),
    solution_of=RNNNumpy.states,
)


# --------------------------------------------------------------- softmax
def _scores(shape, seed, scale=1.0):
    return (scale * np.random.default_rng(seed).standard_normal(shape),)


def _softmax_by_hand(z, *, shift=True, axis=-1):
    """The softmax, with one switch per catalogued mistake."""
    e = np.exp(z - z.max(axis=-1, keepdims=True) if shift else z)
    return e / e.sum(axis=axis, keepdims=True)


softmax = Exercise(
    name="softmax",
    reference=_softmax,
    wrong=_softmax_by_hand,
    cases=[
        *table(
            _scores,
            ("random: V=5", 5, 1),
            ("random: T=3 steps, V=7", (3, 7), 2),
            ("random: T=4 steps, V=4", (4, 4), 3, 3.0),
        ),
        fixed("a vocabulary of one word", np.array([0.3])),
        fixed("equal scores", np.full(6, 2.5)),
        fixed(
            "large scores (e^1000 overflows)",
            np.array([1000.0, 999.0, 997.0, 990.0]),
        ),
        fixed(
            "very negative scores (e^-1000 underflows to 0)",
            np.array([[-1000.0, -1001.0, -1003.0]]),
        ),
    ],
    outputs=(("probabilities", ("row", "column")),),
)
