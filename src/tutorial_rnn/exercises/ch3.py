"""Chapter 3's exercises: the product of Jacobians, and norm clipping.

- ``jacobian_product(W, A)``: for the pre-activations ``A[0] = a_{k+1}``,
  ..., ``A[-1] = a_t`` (shape (t − k, H)) of a tanh RNN with recurrent
  matrix ``W``, return ``∂s_t/∂s_k = J_t J_{t−1} ⋯ J_{k+1}`` with
  ``J_j = diag(tanh'(a_j)) W`` (equation eq-bptt-sum), shape (H, H); the
  identity when ``A`` has no rows;
- ``clip(grads, theta)``: norm clipping, ``g ← θ g / ‖g‖`` when
  ``‖g‖ > θ``,
  with ``‖g‖`` the norm of all the arrays together; return the clipped
  arrays (new ones) and the norm before clipping, like the package's
  ``clip_by_norm``::

    from tutorial_rnn.exercises import ch3
    ch3.jacobian_product.check(my_jacobian_product)
    ch3.clip.check(my_clip)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import optim
from ..gradients import RNNCell
from .core import Case, CheckFailed, Exercise, Mistake

__all__ = ["clip", "jacobian_product"]

EQ_BPTT_SUM = (
    "Chapter 3, equation (eq-bptt-sum): "
    "∂s_t/∂s_k = J_t J_{t−1} ⋯ J_{k+1}, "
    "J_j = diag(tanh'(a_j)) W, the newest on the left"
)
CLIPPING = (
    "Chapter 3, 'Exploding gradients and norm clipping' (sec-clipping): "
    "if ‖g‖ > θ then g ← θ g / ‖g‖, "
    "‖g‖ over all the arrays together"
)


# ------------------------------------------------------ jacobian product
def reference_jacobian_product(W, A):
    """The product of the package's one-step Jacobians
    (``RNNCell.step_with_jacobian``), the newest on the left."""
    W, A = np.asarray(W, dtype=np.float64), np.asarray(A, dtype=np.float64)
    cell = RNNCell(W, "tanh")
    product = np.eye(len(W))
    for a in A:  # A[0] is the oldest step: each new J goes on the left
        _, J = cell.step_with_jacobian(np.zeros(len(W)), a)
        product = J @ product
    return product


def _jac_case(label, H, n, seed, scale=1.0):
    def make():
        rng = np.random.default_rng(seed)
        W = rng.uniform(-1, 1, (H, H)) * scale
        A = rng.standard_normal((n, H))
        return W, A

    return Case(label, make)


def _jac_cases() -> list[Case]:
    return [
        _jac_case("random: H=3, 4 steps", 3, 4, 1),
        _jac_case("random: H=5, 2 steps", 5, 2, 2),
        _jac_case("random: H=4, 7 steps", 4, 7, 3, scale=1.5),
        _jac_case("one step (t = k + 1)", 4, 1, 4),
        _jac_case("no step (t = k): the identity", 3, 0, 5),
        _jac_case("one hidden unit (H=1)", 1, 5, 6),
    ]


def _jac_with(J: Callable, newest_left: bool = True):
    def variant(W, A):
        product = np.eye(len(W))
        for a in A:
            step = J(W, np.asarray(a))
            product = step @ product if newest_left else product @ step
        return product

    return variant


def _right(W, a):
    return (1 - np.tanh(a) ** 2)[:, None] * W


MISTAKES = (
    Mistake(
        "the product in the wrong order",
        EQ_BPTT_SUM,
        "Matrices do not commute: J_t, the newest step's Jacobian, stands "
        "on the left, and each step further back multiplies on the right "
        "(product = J @ product when A runs from the oldest step).",
        (_jac_with(_right, newest_left=False),),
    ),
    Mistake(
        "the derivative of tanh forgotten",
        EQ_BPTT_SUM,
        "Each factor is diag(tanh'(a_j)) W with tanh'(a) = 1 − tanh(a)²; "
        "without it the product is just a power of W.",
        (
            _jac_with(lambda W, a: W),
            _jac_with(lambda W, a: np.tanh(a)[:, None] * W),
        ),
    ),
    Mistake(
        "a transpose missing",
        EQ_BPTT_SUM,
        "J_j = ∂s_j/∂s_{j−1} = diag(tanh'(a_j)) W: row i is unit i's "
        "derivative, so the diagonal scales the rows of W (not the "
        "columns, and not of Wᵀ).",
        (
            _jac_with(lambda W, a: (1 - np.tanh(a) ** 2)[:, None] * W.T),
            _jac_with(lambda W, a: W * (1 - np.tanh(a) ** 2)[None, :]),
        ),
    ),
)

jacobian_product = Exercise(
    name="jacobian_product",
    what=(
        "∂s_t/∂s_k = J_t ⋯ J_{k+1}, "
        "the product of the package's one-step "
        "Jacobians (gradients.RNNCell.step_with_jacobian)"
    ),
    reference=reference_jacobian_product,
    cases=_jac_cases,
    outputs=(("∂s_t/∂s_k", ("row", "column")),),
    mistakes=MISTAKES,
    hint_text=(
        "Start from `np.eye(H)`. For each row a of A, oldest first, form "
        "`J = (1 - np.tanh(a)**2)[:, None] * W` (the diagonal scales the "
        "rows of W) and multiply it on the LEFT of the running product."
    ),
    solution_of=RNNCell.step_with_jacobian,
    solution_note=(
        "One factor J_j is the package's `RNNCell.step_with_jacobian`; the "
        "product multiplies each new factor on the left: "
        "`product = J @ product`."
    ),
    where=EQ_BPTT_SUM,
    arg_names=("W", "A"),
)


# -------------------------------------------------------------- clipping
def reference_clip(grads, theta):
    """The package's ``clip_by_norm``."""
    return optim.clip_by_norm(grads, theta)


def _clip_outputs(result) -> tuple:
    """(all clipped arrays as one vector, the norm)."""
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise CheckFailed(
            "clip must return two things, the list of clipped arrays and "
            "the norm before clipping, like clip_by_norm: "
            "`return clipped, norm`"
        )
    clipped, norm = result
    if isinstance(clipped, np.ndarray) or not isinstance(
        clipped, tuple | list
    ):
        raise CheckFailed(
            "clip's first result must be a list of arrays (one per "
            f"gradient), got {type(clipped).__name__}"
        )
    try:
        flat = (
            np.concatenate(
                [np.asarray(g, dtype=np.float64).ravel() for g in clipped]
            )
            if clipped
            else np.zeros(0)
        )
        norm = np.asarray(norm, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(
            "clip must return arrays of numbers and a number"
        ) from None
    if norm.shape != ():
        raise CheckFailed(
            f"clip's norm must be one number, got shape {norm.shape}"
        )
    return flat, norm


def _clip_case(label, shapes, theta, seed, scale=1.0):
    def make():
        rng = np.random.default_rng(seed)
        return [scale * rng.standard_normal(s) for s in shapes], theta

    return Case(label, make)


def _clip_cases() -> list[Case]:
    return [
        _clip_case(
            "random: three arrays, norm above θ",
            [(3, 4), (5,), (2, 2)],
            1.0,
            1,
        ),
        _clip_case(
            "random: two arrays, norm far above θ",
            [(6, 3), (3,)],
            0.5,
            2,
            10.0,
        ),
        _clip_case(
            "random: norm below θ (unchanged)", [(4,), (2, 3)], 100.0, 3
        ),
        _clip_case("one array", [(5, 5)], 2.0, 4),
        _clip_case(
            "one array much larger than the others", [(2,), (3,)], 1.0, 5
        ),
        Case(
            "a zero gradient (norm 0)",
            lambda: ([np.zeros((2, 3)), np.zeros(4)], 1.0),
        ),
        Case(
            "norm exactly θ",
            lambda: ([np.array([3.0, 0.0]), np.array([[4.0]])], 5.0),
        ),
    ]


def _per_array(grads, theta):
    out = []
    for g in grads:
        n = np.linalg.norm(g)
        out.append(g * theta / n if n > theta else g.copy())
    return out, float(np.sqrt(sum(np.sum(g**2) for g in grads)))


def _entries(grads, theta):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    return [np.clip(g, -theta, theta) for g in grads], norm


def _always(grads, theta):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    return [g * theta / norm for g in grads], norm


def _norm_after(grads, theta):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    factor = theta / norm if norm > theta else 1.0
    return [g * factor for g in grads], norm * factor


def _squared(grads, theta):
    norm = float(sum(np.sum(g**2) for g in grads))
    factor = theta / norm if norm > theta else 1.0
    return [g * factor for g in grads], norm


clip = Exercise(
    name="clip",
    what=(
        "the package's norm clipping (clip_by_norm): one norm over all the "
        "arrays, the direction kept, and the norm before clipping"
    ),
    reference=reference_clip,
    cases=_clip_cases,
    outputs=(
        ("the clipped gradients (all arrays as one vector)", ("entry",)),
        ("the norm", ()),
    ),
    mistakes=(
        Mistake(
            "each array clipped by its own norm",
            CLIPPING,
            "‖g‖ is the norm of ALL the gradients together, as one long "
            "vector: clipping each array on its own changes the "
            "direction of the whole update.",
            (_per_array,),
        ),
        Mistake(
            "the entries clipped instead of the norm",
            CLIPPING + " (Exercise 3.6)",
            "np.clip(g, −θ, θ) cuts each entry and turns the direction; "
            "norm clipping multiplies every entry by one factor θ/‖g‖.",
            (_entries,),
        ),
        Mistake(
            "every gradient rescaled, also the small ones",
            CLIPPING,
            "Clipping acts only when ‖g‖ > θ; a gradient already shorter "
            "than θ is left alone (and a zero gradient must not be divided "
            "by its zero norm).",
            (_always,),
        ),
        Mistake(
            "the norm returned after clipping",
            CLIPPING,
            "Return the norm BEFORE clipping, as clip_by_norm does: it is "
            "what a training loop logs to see how often clipping acts.",
            (_norm_after,),
        ),
        Mistake(
            "the square root forgotten",
            CLIPPING,
            "‖g‖ = sqrt(Σ g_i²) over all entries of all arrays.",
            (_squared,),
        ),
    ),
    hint_text=(
        "First the norm of everything: "
        "`norm = np.sqrt(sum(np.sum(g**2) for g in grads))`. Then one "
        "factor for all arrays, `theta / norm` if `norm > theta` else 1, "
        "and return `[g * factor for g in grads], norm`."
    ),
    solution_of=optim.clip_by_norm,
    where=CLIPPING,
    arg_names=("grads", "theta"),
    normalise=_clip_outputs,
)
