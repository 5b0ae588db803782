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
import os
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = [
    "DECAY",
    "POSITIVE",
    "as_ids",
    "check_array",
    "check_clip",
    "check_fit_arguments",
    "check_learning_rate",
    "check_pair",
    "check_pairs",
    "check_parameters",
    "check_scalar",
    "check_seed",
    "check_sgd_arguments",
    "check_tokens",
]

_BOUNDARIES = ("both", "left", "right", "neither")
#: :func:`check_scalar`'s options for "finite and positive":
#: ``check_scalar(x, "x", float, **POSITIVE)``.
POSITIVE = {"min_val": 0, "include_boundaries": "neither"}
#: ``check_scalar(x, "x", float, **DECAY)``: a running average's decay
#: rate, in [0, 1).
DECAY = {"min_val": 0, "max_val": 1, "include_boundaries": "left"}


def _interval(
    integer: bool,
    min_val: float | None,
    max_val: float | None,
    left: bool,
    right: bool,
) -> str:
    """Words for the allowed range, e.g. ``"finite and positive"``
    (``left``, ``right``: the bounds are allowed values)."""
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
    target_type: type,
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
    target_type : type
        ``int`` accepts any integer (Python or NumPy); ``float`` accepts any
        real number (integers included); a ``bool`` is neither. Any other
        type is checked with ``isinstance`` (no range).
    min_val, max_val : float, optional
        The bounds of the allowed range.
    include_boundaries : {"both", "left", "right", "neither"}
        Which bounds are allowed values themselves.
    allow_none : bool
        Accept ``None`` (returned as is).

    Returns
    -------
    int, float, or the value itself
        ``int(x)`` for ``int``, ``float(x)`` for ``float``; ``x`` for
        other types.

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
    left = include_boundaries in ("both", "left")
    right = include_boundaries in ("both", "right")
    integer, numeric = target_type is int, target_type in (int, float)
    what = (
        _interval(integer, min_val, max_val, left, right)
        if numeric
        else target_type.__name__
    )
    if allow_none:
        what = f"None or {what}"
    kind = {int: Integral, float: Real}.get(target_type, target_type)
    is_bool = isinstance(x, bool | np.bool_)
    if (is_bool and target_type is not bool) or not isinstance(x, kind):
        raise TypeError(f"{name} must be {what}, got {type(x).__name__} {x!r}")
    if not numeric:
        return x
    try:  # an integer of 2**1024 or more has no float: refused too
        value = int(x) if integer else float(x)
        finite = math.isfinite(value)
    except OverflowError:
        finite = False
    if not finite:
        shown = repr(x)
        if isinstance(x, Integral):
            shown = f"an integer of {int(x).bit_length()} bits"
        raise ValueError(f"{name} must be {what}, got {shown}")
    lo_ok = min_val is None or value > min_val or (left and value == min_val)
    hi_ok = max_val is None or value < max_val or (right and value == max_val)
    if not (lo_ok and hi_ok):
        raise ValueError(f"{name} must be {what}, got {x!r}")
    return value


def check_learning_rate(learning_rate: object) -> float:
    """A learning rate must be a finite positive real number."""
    return check_scalar(learning_rate, "learning_rate", float, **POSITIVE)


def check_clip(clip: object) -> float | None:
    """A gradient-norm cap: None, or a finite positive number."""
    return check_scalar(clip, "clip", float, allow_none=True, **POSITIVE)


def check_seed(seed: object) -> int:
    """A seed for NumPy or torch: an integer in ``0 .. 2**63 - 1``."""
    return check_scalar(seed, "seed", int, min_val=0, max_val=2**63 - 1)


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
            f"{name} must have shape {tuple(shape)}, got {arr.shape}"
        )
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} holds {bad} non-finite value(s) (NaN or infinity)"
        )
    return arr


def check_tokens(
    tokens: object, name: str = "tokens", *, strings: bool = True
) -> Sequence[Any]:
    """A sequence of tokens, never a bare string (a string is a sequence
    of characters: ``"the"`` would be read as ``["t", "h", "e"]``); with
    ``strings`` every token must be a ``str`` (a list of sentences passes
    ``strings=False``)."""
    if isinstance(tokens, str | bytes):
        raise TypeError(
            f"{name} must be a list of tokens, got a bare str {tokens!r}; "
            f"split it first (tutorial_rnn.data.tokenize) or wrap it "
            f"in a list"
        )
    for i, token in enumerate(tokens if strings else ()):  # type: ignore
        if not isinstance(token, str):
            raise TypeError(
                f"{name} must hold strings; item {i} is "
                f"{type(token).__name__} {token!r} (ids go through "
                f"Vocabulary.decode, not encode)"
            )
    return tokens  # type: ignore[return-value]


def as_ids(
    x: object, vocab_size: int, name: str = "x", *, ndim: int = 1
) -> np.ndarray:
    """THE id check: ``x`` as a non-empty int64 array of ``ndim``
    dimensions holding ids in ``0 .. vocab_size - 1``.

    A torch tensor is accepted too (it is checked on the CPU).

    Raises
    ------
    TypeError
        If ``x`` does not hold integers (floats, booleans, strings).
    ValueError
        If ``x`` is empty, has another number of dimensions, or holds an
        id out of range (the first such id is named).
    """
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu" and not (
        arr.size == 0 and arr.dtype != object
    ):
        raise TypeError(
            f"{name} must hold integer word ids, got dtype {arr.dtype}"
        )
    if arr.ndim != ndim:
        what = "a 1-D sequence" if ndim == 1 else "a (B, T) batch"
        raise ValueError(
            f"{name} must be {what} of ids, got shape {arr.shape}"
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
            f"{name} holds id {int(bad.flat[0])}, outside the vocabulary "
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


def check_parameters(
    params: object, expected: Mapping[str, Any], name: str = "params"
) -> dict[str, np.ndarray]:
    """THE parameter-load check: float64 copies of ``params``, checked
    against a model's parameters, for its ``load_numpy``.

    Every array is checked before the caller copies any, so a refused set
    leaves the model as it was.

    Parameters
    ----------
    params : dict of str to array
        The new values, by name.
    expected : mapping of str to array or tensor
        The model's current parameters: the names and shapes to match.
    name : str
        What the errors call ``params`` (``"analytic"`` for gradients).

    Raises
    ------
    TypeError
        If ``params`` is not a dict, or an entry is not a real array.
    ValueError
        If the names or shapes differ, or an entry is not finite.
    """
    if not isinstance(params, Mapping):
        raise TypeError(
            f"{name} must be a dict of arrays, got {type(params).__name__}"
        )
    if set(params) != set(expected):
        raise ValueError(
            f"{name} must hold {sorted(expected)}, got {sorted(params)}"
        )
    return {
        key: check_array(
            params[key], f"{name}[{key!r}]", current.shape
        ).astype(np.float64)
        for key, current in expected.items()
    }


#: :func:`check_fit_arguments` refuses a ``fit`` that would train on more
#: tokens than this: more than a day at a million tokens per second.
MAX_TRAINING_TOKENS = 10**11


def memory_bytes() -> int:
    """This machine's physical memory in bytes (a large number where the
    system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover
        return 2**40


def check_fit_arguments(
    X: object,
    Y: object,
    *,
    vocab_size: int,
    X_valid: object = None,
    Y_valid: object = None,
    epochs: object = 1.0,
    batch_size: object = 64,
    learning_rate: object = 1e-3,
    clip: object = None,
    evaluations: object = 10,
    seed: object = 0,
) -> dict[str, Any]:
    """Check everything a batched ``fit`` takes, before any work.

    Every sentence of ``X, Y`` and ``X_valid, Y_valid`` is checked (ids
    in the vocabulary, pairs of equal length), and the cost of the
    options is estimated: a ``fit`` this machine cannot do is refused,
    naming the option.

    Returns
    -------
    dict
        ``X, Y, X_valid, Y_valid`` (lists of int64 arrays; the held-out
        ones None when not given) and ``epochs, batch_size,
        learning_rate, clip, evaluations, seed`` as plain numbers.

    Raises
    ------
    TypeError, ValueError
        Naming the argument, the value and what is allowed.
    """
    if (X_valid is None) != (Y_valid is None):
        given, missing = ("Y", "X") if X_valid is None else ("X", "Y")
        raise ValueError(
            f"{given}_valid was given without {missing}_valid: validation "
            f"needs both (or neither)"
        )
    out: dict[str, Any] = {
        "epochs": check_scalar(epochs, "epochs", float, **POSITIVE),
        "batch_size": check_scalar(batch_size, "batch_size", int, min_val=1),
        "learning_rate": check_learning_rate(learning_rate),
        "clip": check_clip(clip),
        "evaluations": check_scalar(
            evaluations, "evaluations", int, min_val=1
        ),
        "seed": check_seed(seed),
    }
    out["X"], out["Y"] = _checked_pairs(X, Y, vocab_size, ("X", "Y"))
    out["X_valid"] = out["Y_valid"] = None
    if X_valid is not None:
        out["X_valid"], out["Y_valid"] = _checked_pairs(
            X_valid, Y_valid, vocab_size, ("X_valid", "Y_valid")
        )
    _check_costs(out, vocab_size)
    return out


def _checked_pairs(
    X: Any, Y: Any, vocab_size: int, names: tuple[str, str]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Every pair checked (after :func:`check_pairs`), naming the
    sentence of the first bad one."""
    check_pairs(X, Y, names)
    xs, ys = [], []
    for i, (x, y) in enumerate(zip(X, Y, strict=True)):
        try:
            x, y = check_pair(x, y, vocab_size)
        except (TypeError, ValueError) as err:
            raise type(err)(
                f"{names[0]}[{i}], {names[1]}[{i}]: {err}"
            ) from None
        xs.append(x)
        ys.append(y)
    return xs, ys


def _check_costs(options: dict[str, Any], vocab_size: int) -> None:
    """Refuse a fit whose steps or memory this machine cannot afford."""
    lengths = [len(y) for y in options["Y"]]
    tokens = options["epochs"] * sum(lengths)
    if tokens > MAX_TRAINING_TOKENS:
        raise ValueError(
            f"epochs={options['epochs']:g} would train on {tokens:.3g} "
            f"tokens, more than {MAX_TRAINING_TOKENS:.0e} (a day at a "
            f"million tokens per second); lower epochs"
        )
    batch = min(options["batch_size"], len(lengths))
    longest = sorted(lengths)[-batch:]
    scores = batch * max(longest) * vocab_size * 8 * 4  # scores, grads...
    if scores > memory_bytes() // 2:
        raise ValueError(
            f"batch_size={options['batch_size']} with sentences of up to "
            f"{max(longest)} words needs about {scores / 2**30:.1f} GiB for "
            f"one batch's scores, more than half this machine's memory; "
            f"leave out the longest sentences (or lower batch_size)"
        )


def check_sgd_arguments(
    X: object,
    Y: object,
    vocab_size: int,
    learning_rate: object,
    epochs: object,
    evaluate_every: object,
) -> tuple[list[np.ndarray], list[np.ndarray], float, int, int]:
    """Check what :meth:`RNNNumpy.fit <tutorial_rnn.rnn_numpy.RNNNumpy.fit>`
    takes, every sentence included, before any training.

    Returns
    -------
    X, Y, learning_rate, epochs, evaluate_every
        The pairs as int64 arrays, the options as plain numbers.

    Raises
    ------
    TypeError, ValueError
        Naming the argument (or the sentence), the value and what is
        allowed; ``epochs`` that would train on more than
        :data:`MAX_TRAINING_TOKENS` tokens.
    """
    epochs = check_scalar(epochs, "epochs", int, min_val=1)
    every = check_scalar(evaluate_every, "evaluate_every", int, min_val=1)
    # the batched fit's checks, one sentence per batch
    kw = {"epochs": epochs, "learning_rate": learning_rate, "batch_size": 1}
    o = check_fit_arguments(X, Y, vocab_size=vocab_size, **kw)
    return o["X"], o["Y"], o["learning_rate"], epochs, every
