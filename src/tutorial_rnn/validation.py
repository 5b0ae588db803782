"""Input checks shared by the models: bad input gets a clear error naming the bad value."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

__all__ = ["as_ids", "check_learning_rate", "check_pair"]


def as_ids(x: object, vocab_size: int, name: str = "x") -> np.ndarray:
    """Return ``x`` as a non-empty 1-D int64 array of ids in ``0 .. vocab_size - 1``.

    Raises
    ------
    TypeError
        If ``x`` does not hold integers.
    ValueError
        If ``x`` is empty, not 1-D, or holds an id out of range (the first such id is named).
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu" and not (
        arr.size == 0 and arr.dtype != object
    ):
        raise TypeError(
            f"{name} must hold integer word ids, got dtype {arr.dtype}"
        )
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D sequence of ids, got shape {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(
            f"{name} is an empty sequence: a sequence needs at least one id"
        )
    ids = arr.astype(np.int64, copy=False)
    # one reduction checks both ends: read as unsigned, a negative id is above 2**63
    if ids.view(np.uint64).max() >= vocab_size:
        bad = arr[(arr < 0) | (arr >= vocab_size)]
        raise ValueError(
            f"{name} holds id {int(bad[0])}, outside the vocabulary (valid ids are 0..{vocab_size - 1})"
        )
    return ids


def check_pair(
    x: object, y: object, vocab_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Check an input/target pair: both valid id sequences of the same length."""
    x_ids = as_ids(x, vocab_size, "x")
    y_ids = as_ids(y, vocab_size, "y")
    if len(x_ids) != len(y_ids):
        raise ValueError(
            f"x and y must have the same length, got len(x)={len(x_ids)} and len(y)={len(y_ids)}"
        )
    return x_ids, y_ids


def check_learning_rate(learning_rate: object) -> float:
    """A learning rate must be a finite positive real number."""
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, Real):
        raise TypeError(
            f"learning_rate must be a real number, got {type(learning_rate).__name__} {learning_rate!r}"
        )
    lr = float(learning_rate)
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(
            f"learning_rate must be finite and positive, got {learning_rate!r}"
        )
    return lr
