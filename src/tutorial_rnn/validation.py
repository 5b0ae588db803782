"""Input checks shared by the whole package: bad input gets a clear error.

Every public function checks its arguments here, before any slow work, and
raises an error that names the argument, the bad value and what is
allowed: :class:`TypeError` for a value of the wrong kind (a string, a
``bool`` where a number is expected, a complex array), :class:`ValueError`
for a value of the right kind out of range (zero, negative, NaN,
infinite, empty, the wrong shape).

:func:`check_scalar` follows scikit-learn's ``check_scalar``::

    batch_size = check_scalar(batch_size, "batch_size", int, min_val=1)
    clip = check_scalar(
        clip, "clip", float, min_val=0, include_boundaries="neither",
        allow_none=True,
    )
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = [
    "as_ids",
    "check_array",
    "check_learning_rate",
    "check_pair",
    "check_pairs",
    "check_scalar",
    "check_tokens",
]

_BOUNDARIES = ("both", "left", "right", "neither")


def _interval(
    integer: bool,
    min_val: float | None,
    max_val: float | None,
    include_boundaries: str,
) -> str:
    """Words for the allowed range, e.g. ``"finite and positive"``."""
    left = include_boundaries in ("both", "left")
    right = include_boundaries in ("both", "right")
    kind = "an integer" if integer else "a finite number"
    if max_val is None and min_val is not None:
        if integer and left and min_val == 1:
            return "a positive integer"
        if min_val == 0:
            sign = "non-negative" if left else "positive"
            return f"a {sign} integer" if integer else f"finite and {sign}"
        return f"{kind} {'>=' if left else '>'} {min_val}"
    if min_val is None and max_val is not None:
        return f"{kind} {'<=' if right else '<'} {max_val}"
    if min_val is None:
        return kind
    return (
        f"{kind} in {'[' if left else '('}{min_val}, "
        f"{max_val}{']' if right else ')'}"
    )


def check_scalar(
    x: Any,
    name: str,
    target_type: type | tuple[type, ...],
    *,
    min_val: float | None = None,
    max_val: float | None = None,
    include_boundaries: str = "both",
    allow_none: bool = False,
) -> Any:
    """Check a scalar argument's type and range; return it as a plain
    Python ``int`` or ``float``.

    In the style of scikit-learn's ``sklearn.utils.check_scalar``.

    Parameters
    ----------
    x : object
        The value to check.
    name : str
        The argument's name, for the error message.
    target_type : type or tuple of types
        ``int`` accepts any integer (Python or NumPy); ``float`` accepts any
        real number (integers included). A ``bool`` is never taken for a
        number unless ``bool`` is among the types.
    min_val, max_val : float, optional
        The bounds of the allowed range.
    include_boundaries : {"both", "left", "right", "neither"}
        Which bounds are allowed values themselves.
    allow_none : bool
        Accept ``None`` (returned as is).

    Returns
    -------
    int, float, or the value itself
        ``int(x)`` when ``target_type`` takes integers and ``x`` is one,
        else ``float(x)`` for real numbers; ``x`` for other types.

    Raises
    ------
    TypeError
        If ``x`` is not of ``target_type`` (a ``bool`` for a number).
    ValueError
        If ``x`` is NaN or infinite (real numbers must be finite), or
        outside the range.

    Examples
    --------
    >>> check_scalar(3, "epochs", int, min_val=1)
    3
    >>> check_scalar(0, "epochs", int, min_val=1)
    Traceback (most recent call last):
    ...
    ValueError: epochs must be a positive integer, got 0
    """
    if include_boundaries not in _BOUNDARIES:
        raise ValueError(
            f"include_boundaries must be one of {_BOUNDARIES}, "
            f"got {include_boundaries!r}"
        )
    if x is None and allow_none:
        return None
    types = target_type if isinstance(target_type, tuple) else (target_type,)
    abstract = tuple({int: Integral, float: Real}.get(t, t) for t in types)
    integer = all(t in (int, Integral) for t in types)
    numeric = any(issubclass(t, Real) for t in abstract)
    what = (
        _interval(integer, min_val, max_val, include_boundaries)
        if numeric
        else " or ".join(t.__name__ for t in types)
    )
    if allow_none:
        what = f"None or {what}"
    is_bool = isinstance(x, bool | np.bool_)
    if (is_bool and bool not in types) or not isinstance(x, abstract):
        raise TypeError(f"{name} must be {what}, got {type(x).__name__} {x!r}")
    if not (numeric and isinstance(x, Real)) or is_bool:
        return x
    keep_int = isinstance(x, Integral) and any(
        t in (int, Integral) for t in types
    )
    try:
        value = int(x) if keep_int else float(x)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise ValueError(f"{name} must be {what}, got {x!r}")
    left = include_boundaries in ("both", "left")
    right = include_boundaries in ("both", "right")
    too_low = min_val is not None and (
        value < min_val if left else value <= min_val
    )
    too_high = max_val is not None and (
        value > max_val if right else value >= max_val
    )
    if too_low or too_high:
        raise ValueError(f"{name} must be {what}, got {x!r}")
    return value


def check_learning_rate(learning_rate: object) -> float:
    """A learning rate must be a finite positive real number."""
    return check_scalar(
        learning_rate,
        "learning_rate",
        float,
        min_val=0,
        include_boundaries="neither",
    )


def check_array(
    value: object,
    name: str,
    shape: tuple[int, ...] | None = None,
) -> np.ndarray:
    """A finite real (float or integer) array, of ``shape`` when given.

    Returns it as a NumPy array (not copied when it already is one).

    Raises
    ------
    TypeError
        For a complex, boolean, string or object array.
    ValueError
        For another shape, or a NaN or infinite entry.
    """
    arr = np.asarray(value)
    if arr.dtype.kind not in "fiu":
        raise TypeError(
            f"{name} must hold real numbers, got dtype {arr.dtype}"
            + (" (complex)" if arr.dtype.kind == "c" else "")
        )
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(
            f"{name} has shape {arr.shape}, expected {tuple(shape)}"
        )
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} holds {bad} non-finite value(s) (NaN or infinity)"
        )
    return arr


def check_tokens(tokens: object, name: str = "tokens") -> Sequence[Any]:
    """A sequence of tokens, never a bare string (a string is a sequence
    of characters: ``"the"`` would be read as ``["t", "h", "e"]``)."""
    if isinstance(tokens, str | bytes):
        raise TypeError(
            f"{name} must be a list of tokens, got a bare str {tokens!r}; "
            f"split it first (tutorial_rnn.data.tokenize) or wrap it "
            f"in a list"
        )
    return tokens  # type: ignore[return-value]


def as_ids(x: object, vocab_size: int, name: str = "x") -> np.ndarray:
    """Return ``x`` as a non-empty 1-D int64 array of ids in
    ``0 .. vocab_size - 1``.

    Raises
    ------
    TypeError
        If ``x`` does not hold integers.
    ValueError
        If ``x`` is empty, not 1-D, or holds an id out of range (the first
        such id is named).
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
    # one reduction checks both ends: read as unsigned, a negative id is
    # above 2**63
    if ids.view(np.uint64).max() >= vocab_size:
        bad = arr[(arr < 0) | (arr >= vocab_size)]
        raise ValueError(
            f"{name} holds id {int(bad[0])}, outside the vocabulary "
            f"(valid ids are 0..{vocab_size - 1})"
        )
    return ids


def check_pair(
    x: object, y: object, vocab_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Check an input/target pair: both valid id sequences of the same
    length."""
    x_ids = as_ids(x, vocab_size, "x")
    y_ids = as_ids(y, vocab_size, "y")
    if len(x_ids) != len(y_ids):
        raise ValueError(
            f"x and y must have the same length, got len(x)={len(x_ids)} "
            f"and len(y)={len(y_ids)}"
        )
    return x_ids, y_ids


def check_pairs(
    X: object, Y: object, names: tuple[str, str] = ("X", "Y")
) -> None:
    """Sentence pairs for ``fit`` or ``loss``: two sequences (not arrays
    of ids, not strings), non-empty and of the same length. The sentences
    themselves are checked when they are used."""
    for seq, label in zip((X, Y), names, strict=True):
        if isinstance(seq, str | bytes) or not hasattr(seq, "__len__"):
            raise TypeError(
                f"{label} must be a sequence of id arrays (one per "
                f"sentence), got {type(seq).__name__}"
            )
    if len(X) == 0:  # type: ignore[arg-type]
        raise ValueError(
            f"{names[0]} and {names[1]} are empty: there is nothing to "
            f"learn from"
        )
    if len(X) != len(Y):  # type: ignore[arg-type]
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same length, got "
            f"{len(X)} and {len(Y)}"  # type: ignore[arg-type]
        )
