"""The three squashing functions every model of the book uses.

One ``softmax``, one ``log_softmax`` and one ``sigmoid``, each shifted so
that it cannot overflow; every NumPy model, sampler and tool imports them
from here.
"""

from __future__ import annotations

import numpy as np

__all__ = ["log_softmax", "sigmoid", "softmax"]


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis: ``exp(z_i) / sum_j exp(z_j)``.

    Subtracting each row's maximum first changes nothing mathematically
    and keeps ``exp`` from overflowing (the largest term becomes ``e^0``),
    and the sum from overflowing too (it is at most the row's length).

    Parameters
    ----------
    z : numpy.ndarray, shape (..., V)
        Scores.

    Returns
    -------
    numpy.ndarray, shape (..., V)
        Probabilities; each row sums to 1.
    """
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(z: np.ndarray) -> np.ndarray:
    """``log softmax(z)`` over the last axis, without overflow or log 0.

    ``log o_i = z_i - m - log sum_j exp(z_j - m)`` with ``m`` the row's
    maximum: the same shift as :func:`softmax`, taken before the log so
    that a tiny probability becomes a large negative number, not -inf.
    Scores ``z`` (..., V) in, log-probabilities (..., V) out.
    """
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def sigmoid(a: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + e^{-a})``, without overflow.

    Computed as ``(1 + tanh(a/2)) / 2``, which equals it exactly and
    never forms ``e^{-a}`` (that overflows for ``a < -709``).

    Parameters
    ----------
    a : numpy.ndarray, any shape
        Pre-activations.

    Returns
    -------
    numpy.ndarray, same shape
        Values in [0, 1].
    """
    return 0.5 * (1.0 + np.tanh(0.5 * a))
