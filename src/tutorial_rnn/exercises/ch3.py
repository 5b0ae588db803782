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

import numpy as np

from .. import optim
from ..gradients import RNNCell
from .core import CheckFailed, Exercise, fixed, table

__all__ = ["clip", "jacobian_product"]


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


def _jac_args(H, n, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (H, H)) * scale, rng.standard_normal((n, H))


def _jac(
    W, A, *, newest_left=True, factor="dtanh", transpose=False, columns=False
):
    """The product of the Jacobians, with one switch per catalogued
    mistake (``factor``: "dtanh", the right one; "tanh"; or "none")."""
    product = np.eye(len(W))
    for a in np.asarray(A):
        d = {
            "dtanh": 1 - np.tanh(a) ** 2,
            "tanh": np.tanh(a),
            "none": np.ones_like(a),
        }[factor]
        M = W.T if transpose else W
        J = M * d[None, :] if columns else d[:, None] * M
        product = J @ product if newest_left else product @ J
    return product


jacobian_product = Exercise(
    name="jacobian_product",
    reference=reference_jacobian_product,
    wrong=_jac,
    cases=table(
        _jac_args,
        ("random: H=3, 4 steps", 3, 4, 1),
        ("random: H=5, 2 steps", 5, 2, 2),
        ("random: H=4, 7 steps", 4, 7, 3, 1.5),
        ("one step (t = k + 1)", 4, 1, 4),
        ("no step (t = k): the identity", 3, 0, 5),
        ("one hidden unit (H=1)", 1, 5, 6),
    ),
    outputs=(("∂s_t/∂s_k", ("row", "column")),),
    solution_of=RNNCell.step_with_jacobian,
)


# -------------------------------------------------------------- clipping
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


def _grads(shapes, theta, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal(s) for s in shapes], theta


def _clip(
    grads,
    theta,
    *,
    each=False,
    entries=False,
    always=False,
    after=False,
    root=True,
):
    """Norm clipping with one switch per catalogued mistake."""
    squares = float(sum(np.sum(g**2) for g in grads))
    norm = np.sqrt(squares) if root else squares
    factor = theta / norm if always or norm > theta else 1.0
    if entries:
        clipped = [np.clip(g, -theta, theta) for g in grads]
    elif each:  # every array by its own norm
        norms = [np.linalg.norm(g) for g in grads]
        clipped = [
            g * theta / n if n > theta else g
            for g, n in zip(grads, norms, strict=True)
        ]
    else:
        clipped = [g * factor for g in grads]
    return clipped, norm * factor if after else norm


clip = Exercise(
    name="clip",
    reference=optim.clip_by_norm,
    wrong=_clip,
    cases=[
        *table(
            _grads,
            (
                "random: three arrays, norm above θ",
                [(3, 4), (5,), (2, 2)],
                1.0,
                1,
            ),
            (
                "random: two arrays, norm far above θ",
                [(6, 3), (3,)],
                0.5,
                2,
                10.0,
            ),
            ("random: norm below θ (unchanged)", [(4,), (2, 3)], 100.0, 3),
            ("one array", [(5, 5)], 2.0, 4),
            ("one array much larger than the others", [(2,), (3,)], 1.0, 5),
        ),
        fixed(
            "a zero gradient (norm 0)", [np.zeros((2, 3)), np.zeros(4)], 1.0
        ),
        fixed(
            "norm exactly θ", [np.array([3.0, 0.0]), np.array([[4.0]])], 5.0
        ),
    ],
    outputs=(
        ("the clipped gradients (all arrays as one vector)", ("entry",)),
        ("the norm", ()),
    ),
    normalise=_clip_outputs,
)
