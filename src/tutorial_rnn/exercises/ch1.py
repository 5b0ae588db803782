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

from functools import partial

import numpy as np

from ..activations import softmax as _softmax
from ..gradients import RNNCell
from ..rnn_numpy import RNNNumpy
from .core import Exercise, Mistake, fixed, table

__all__ = ["softmax", "step"]

EQ_RECURRENCE = (
    "Chapter 1, equation (eq-recurrence): s_t = tanh(U e_{x_t} + W s_{t−1})"
)
EQ_OUTPUT = (
    "Chapter 1, equation (eq-output): softmax(z)_i = e^{z_i} / Σ_j e^{z_j}"
    " (and Chapter 2 on log_softmax's shift)"
)


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
    what=(
        "one step of the recurrence, s_t = tanh(U e_{x_t} + W s_{t−1}), "
        "as the package's RNN computes it"
    ),
    reference=reference_step,
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
    mistakes=(
        Mistake(
            "the recurrence term dropped",
            "s_t must add W s_{t−1} to the input term: without it the "
            "network has no memory.",
            (partial(_step, recurrence=False),),
        ),
        Mistake(
            "a transpose missing",
            "The recurrent term is W @ s_prev (W is H×H, row i feeds unit "
            "i), not W.T @ s_prev.",
            (partial(_step, transpose=True),),
        ),
        Mistake(
            "the tanh forgotten",
            "The state is squashed into (−1, 1): s_t = tanh(a_t).",
            (partial(_step, squash=False),),
        ),
        Mistake(
            "U read by row instead of by column",
            "U is H×V; the one-hot product picks out column x_t.",
            (partial(_step, by_row=True),),
            where=(
                "Chapter 1, 'The recurrence': U e_{x_t} is column x_t of "
                "U, U[:, x_t]"
            ),
        ),
    ),
    hint_text=(
        "U times the one-hot vector of x_t is the column `U[:, x_t]`; add "
        "the recurrent term `W @ s_prev` and squash with `np.tanh`. One "
        "line."
    ),
    solution_of=RNNNumpy.states,
    solution_note=(
        "The package's loop over a sentence; its line inside the loop is "
        "one step: `np.tanh(U[:, x[t]] + W @ s_prev)`."
    ),
    where=EQ_RECURRENCE,
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
    what=(
        "the package's softmax (tutorial_rnn.activations.softmax) over the "
        "last axis, large and tiny scores included"
    ),
    reference=_softmax,
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
    mistakes=(
        Mistake(
            "the softmax without its shift",
            "e^z overflows to infinity for scores near 1000 (and "
            "underflows to 0 for scores near −1000), giving NaN. Subtract "
            "each row's largest score before np.exp: it changes nothing "
            "mathematically, since the factor cancels.",
            (partial(_softmax_by_hand, shift=False),),
        ),
        Mistake(
            "the wrong axis normalised",
            "Each row (one time step) is a distribution over the V words: "
            "sum over the last axis, `e.sum(axis=-1, keepdims=True)`.",
            (
                partial(_softmax_by_hand, axis=None),
                partial(_softmax_by_hand, axis=0),
            ),
        ),
    ),
    hint_text=(
        "Subtract `z.max(axis=-1, keepdims=True)` first, then exponentiate "
        "and divide by the sum over the last axis (keepdims=True, so that "
        "it broadcasts for a (T, V) array too)."
    ),
    where=EQ_OUTPUT,
)
