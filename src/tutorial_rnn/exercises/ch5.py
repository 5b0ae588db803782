"""Chapter 5's exercise (the hand-written backward passes): one GRU step
backward.

``gru_step_back(cell, d_s, cache)`` takes a one-layer
``GRUNumpy(convention="cho")``, the gradient ``d_s = ∂L/∂s_t`` (B, H) and
the cache of the forward step, ``(s_prev, r, z, n, q)`` with
``q = r ⊙ s_prev`` (what ``GRUNumpy.step`` returns), and returns

- ``d_gx`` (B, 3H): ``∂L/∂`` the pre-activations of ``[r, z, n]``
  from the input side (``[ā_r, ā_z, ā_n]``),
- ``d_s_prev`` (B, H): ``∂L/∂s_{t−1}``,
- ``dW`` (3H, H) and ``dbW`` (3H,): this step's share of the gradients of
  ``W`` and ``bW``::

    from tutorial_rnn.exercises import ch5
    ch5.gru_step_back.check(my_gru_step_back)
"""

from __future__ import annotations

import numpy as np

from ..gated_numpy import GRUNumpy
from .ch4 import GRU_CHO, gated_args
from .core import Exercise, table

__all__ = ["gru_step_back"]


def reference_gru_step_back(cell, d_s, cache):
    """``GRUNumpy.step_back`` of layer 0, its gradients returned."""
    grads = {"W0": np.zeros_like(cell.W[0]), "bW0": np.zeros_like(cell.bW[0])}
    d_gx, (d_prev,) = cell.step_back(0, (np.asarray(d_s),), cache, grads)
    return d_gx, d_prev, grads["W0"], grads["bW0"]


def _args(D, H, B, seed):
    """A GRU, a gradient ∂L/∂s_t and the cache of a step forward."""
    cell, x, s_prev = gated_args(GRU_CHO, (1.0,), D, H, B, seed)
    _, cache = cell.step(0, x @ cell.U[0].T + cell.bU[0], (s_prev,))
    d_s = np.random.default_rng(seed + 100).standard_normal((B, H))
    return cell, d_s, cache


def _back(
    cell,
    d_s,
    cache,
    *,
    flip=False,
    dtanh=True,
    transpose=False,
    direct=True,
):
    """One GRU step backward, with one switch per catalogued mistake."""
    s_prev, r, z, n, q = cache
    H, W = cell.hidden_size, cell.W[0]
    keep, write = (1 - z, z) if flip else (z, 1 - z)
    dW, dbW = np.zeros_like(W), np.zeros_like(cell.bW[0])
    d_prev = d_s * keep if direct else np.zeros_like(d_s)
    da_n = d_s * write * ((1 - n**2) if dtanh else 1.0)
    da_z = d_s * (s_prev - n) * z * (1 - z)
    d_q = da_n @ W[2 * H :]
    dW[2 * H :] += q.T @ da_n if transpose else da_n.T @ q
    dbW[2 * H :] += da_n.sum(axis=0)
    da_r = d_q * s_prev * r * (1 - r)
    d_prev = d_prev + d_q * r
    da_rz = np.hstack([da_r, da_z])
    dW[: 2 * H] += da_rz.T @ s_prev
    dbW[: 2 * H] += da_rz.sum(axis=0)
    d_prev = d_prev + da_rz @ W[: 2 * H]
    return np.hstack([da_r, da_z, da_n]), d_prev, dW, dbW


gru_step_back = Exercise(
    name="gru_step_back",
    reference=reference_gru_step_back,
    wrong=_back,
    cases=table(
        _args,
        ("random: D=3, H=4, batch of 2", 3, 4, 2, 1),
        ("random: D=2, H=3, batch of 3", 2, 3, 3, 2),
        ("random: D=4, H=5, batch of 1", 4, 5, 1, 3),
        ("one hidden unit (H=1)", 2, 1, 2, 4),
    ),
    outputs=(
        ("d_gx", ("sequence in the batch", "column of [r, z, n]")),
        ("d_s_prev", ("sequence in the batch", "hidden unit")),
        ("dW", ("row of [r, z, n]", "column")),
        ("dbW", ("row of [r, z, n]",)),
    ),
    solution_of=GRUNumpy.step_back,
)
