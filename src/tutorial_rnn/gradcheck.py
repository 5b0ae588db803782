"""A numerical gradient checker shared by every model in the book.

The analytic gradient of a loss ``f(θ)`` is compared, entry by entry, with the
five-point central difference

    (-f(θ + 2h e_i) + 8 f(θ + h e_i)
     - 8 f(θ - h e_i) + f(θ - 2h e_i)) / 12h,

whose error shrinks like h⁴ instead of the two-point formula's h². That lets
``h`` be large (4e-3), so float64 round-off, about 1e-16·|f|/h, stays near
1e-12 while the h⁴ term stays as small: a correct gradient checks to relative
errors near 1e-9 on typical entries, and below 1e-6 even on entries 10⁵ times
smaller than the largest (measured over the book's models). The reported figure
for each parameter is the worst relative error

    |analytic - numerical| / max(|analytic| + |numerical|, floor)

over its entries (or over a random sample of them for large parameters). The
``floor`` (1e-10) keeps entries whose true gradient is zero, or nearly so, from
dividing round-off by zero.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .validation import check_parameters, check_scalar

__all__ = [
    "GradientCheck",
    "gradient_check",
    "numerical_gradient",
]


def numerical_gradient(
    f: Callable[[], float],
    param: np.ndarray,
    h: float = 4e-3,
    indices: np.ndarray | None = None,
) -> np.ndarray:
    """Five-point central-difference gradient of ``f()`` with respect to the
    array ``param``.

    ``param`` is changed in place while ``f`` is evaluated and restored
    afterwards (also when ``f`` raises or the run is interrupted), so ``f``
    must read the parameter it is checked against (for example a model's
    ``W``).

    Parameters
    ----------
    f : callable
        Takes no argument, returns the scalar loss.
    param : numpy.ndarray
        The parameter (float64 for meaningful results).
    h : float
        The step.
    indices : numpy.ndarray of int, optional
        Flat indices to check; all entries by default. Others are left at 0 in
        the result.

    Returns
    -------
    numpy.ndarray
        Same shape as ``param``.
    """
    h = check_scalar(h, "h", float, min_val=0, include_boundaries="neither")
    grad = np.zeros_like(param, dtype=np.float64)
    flat = param.reshape(-1)  # a view: writing it writes param
    if not np.shares_memory(flat, param):
        raise ValueError(
            "param must be a contiguous array that f reads (got a copy)"
        )
    for i in range(flat.size) if indices is None else indices:
        old = flat[i]
        values = []
        try:
            for step in (2 * h, h, -h, -2 * h):
                flat[i] = old + step
                values.append(f())
        finally:  # an error or an interrupt in f leaves param as it was
            flat[i] = old
        grad.reshape(-1)[i] = (
            8 * (values[1] - values[2]) - (values[0] - values[3])
        ) / (12 * h)
    return grad


@dataclass(frozen=True)
class GradientCheck:
    """The outcome of :func:`gradient_check`: worst relative error per
    parameter."""

    errors: dict[str, float]
    checked: dict[str, int]
    tolerance: float

    @property
    def passed(self) -> bool:
        return all(e < self.tolerance for e in self.errors.values())

    @property
    def worst(self) -> float:
        return max(self.errors.values())

    def __str__(self) -> str:
        lines = [
            f"{'parameter':<12}{'entries':>9}{'worst relative error':>24}"
        ]
        for name, err in self.errors.items():
            mark = "ok" if err < self.tolerance else "FAIL"
            lines.append(
                f"{name:<12}{self.checked[name]:>9}{err:>24.3e}  {mark}"
            )
        return "\n".join(lines)


def gradient_check(
    f: Callable[[], float],
    params: Mapping[str, np.ndarray],
    analytic: Mapping[str, np.ndarray],
    h: float = 4e-3,
    tolerance: float = 1e-6,
    max_entries: int | None = None,
    seed: int = 0,
) -> GradientCheck:
    """Compare analytic gradients with central differences, parameter by
    parameter.

    Parameters
    ----------
    f : callable
        ``f()`` returns the loss computed from the current values of
        ``params``.
    params : mapping of name to array
        The arrays ``f`` reads; perturbed in place and restored.
    analytic : mapping of name to array
        The gradients to check, same names and shapes.
    h, tolerance : float
        Step and pass threshold of the relative error.
    max_entries : int, optional
        Check at most this many randomly chosen entries of each parameter
        (at least 1).
    seed : int
        Seeds the choice of entries.

    Returns
    -------
    GradientCheck

    Raises
    ------
    TypeError, ValueError
        If ``analytic`` does not hold a finite real array of each
        parameter's name and shape (:func:`~tutorial_rnn.validation.
        check_parameters`), or for a bad ``max_entries``.
    """
    max_entries = check_scalar(
        max_entries, "max_entries", int, min_val=1, allow_none=True
    )
    # the gradients: params' names and shapes, finite
    grads = check_parameters(analytic, params, "analytic")
    rng = np.random.default_rng(seed)
    errors, checked = {}, {}
    for name, param in params.items():
        idx = np.arange(param.size)
        if max_entries is not None and param.size > max_entries:
            idx = rng.choice(param.size, size=max_entries, replace=False)
        num = numerical_gradient(f, param, h=h, indices=idx)
        a, n = grads[name].reshape(-1)[idx], num.reshape(-1)[idx]
        err = np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-10)
        errors[name] = float(err.max())
        checked[name] = int(err.size)
    return GradientCheck(errors=errors, checked=checked, tolerance=tolerance)
