"""The machinery every exercise shares: run the reader's function on many
cases, compare with the package's reference, and say in words what is wrong.

An :class:`Exercise` holds

- a **reference**: the package's own answer, with the reader's signature;
- **cases**: arguments built afresh for every call (random ones of several
  sizes, and the edge cases that matter), so nothing the reader's function
  does to its arguments can leak into another call or into a model;
- a **catalogue of mistakes**: each a name, the equation it breaks, and one
  or more functions that make exactly that mistake. When the reader's
  outputs equal a mistake's outputs on every case, the check names it.

The texts of every exercise (what a correct function reproduces, the
equations, the hint, and each catalogued mistake with its explanation and
the switches that make it) live in ``catalogue.json`` beside this module;
the code of each exercise is its reference, its cases and one function
``wrong`` whose switches make the mistakes.

:meth:`Exercise.check` returns a :class:`Passed` (shown as a short success
note) or raises :class:`CheckFailed`, whose message is the diagnosis.
"""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from typing import Any

import numpy as np
from IPython.display import Markdown

__all__ = [
    "Case",
    "CheckFailed",
    "Exercise",
    "Mistake",
    "Passed",
    "fixed",
    "table",
]

#: Two outputs agree when they differ by at most RTOL of the reference's
#: largest entry (and ATOL absolutely): far above round-off, far below any
#: real mistake on the cases' sizes.
RTOL, ATOL = 1e-7, 1e-10


class CheckFailed(AssertionError):
    """The reader's function does not reproduce the reference.

    Attributes
    ----------
    mistake : str or None
        The catalogued mistake that matches the reader's outputs, or None
        when none does (the diagnosis is then the generic one).
    """

    def __init__(self, message: str, mistake: str | None = None):
        super().__init__(message)
        self.mistake = mistake


class _ReaderError(Exception):
    """The reader's function raised ``error`` on ``case``."""

    def __init__(self, error: Exception, case: Case, message: str):
        super().__init__(message)
        self.error, self.case, self.message = error, case, message


@dataclass(frozen=True)
class Mistake:
    """A mistake learners make, and functions that make it.

    ``variants`` have the reader's signature; the check names the mistake
    when the reader's outputs equal those of one variant on every case.
    ``where`` is the equation it breaks.
    """

    name: str
    explanation: str
    variants: tuple[Callable[..., Any], ...]
    where: str


@dataclass
class Case:
    """One call: a label for the messages and a factory of fresh arguments.

    ``make()`` must return new arrays (and a new model) every time.
    """

    label: str
    make: Callable[[], tuple]


def table(build: Callable[..., tuple], *rows: tuple) -> list[Case]:
    """One :class:`Case` per row ``(label, *args)``, whose ``make()`` is
    ``build(*args)`` (``build`` makes its arrays afresh, e.g. from a
    seed among ``args``)."""
    return [Case(label, partial(build, *args)) for label, *args in rows]


def fixed(label: str, *args: Any) -> Case:
    """A case with the given arguments, deep-copied for every call."""
    return Case(label, partial(copy.deepcopy, args))


@dataclass(frozen=True)
class Passed:
    """What a successful check reports."""

    message: str

    def __str__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        text = self.message
        for special in "\\`*_{}[]<>$":
            text = text.replace(special, "\\" + special)
        return f"**✓ {text}**"

    def __repr__(self) -> str:
        return f"✓ {self.message}"


@cache
def _catalogue() -> dict[str, Any]:
    """The exercises' texts, from ``catalogue.json``."""
    path = resources.files(__package__).joinpath("catalogue.json")
    return json.loads(path.read_text(encoding="utf-8"))


class _Attrs(dict):
    """An object's attributes, in a snapshot."""


def _snapshot(value: Any) -> Any:
    """Copies of every array reachable in ``value`` (lists, tuples, dicts,
    and the attributes of an object such as a model)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list | tuple):
        return [_snapshot(v) for v in value]
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if hasattr(value, "__dict__") and not callable(value):
        return _Attrs({k: _snapshot(v) for k, v in vars(value).items()})
    return value


def _changed(before: Any, after: Any, path: str) -> str | None:
    """The first place where two snapshots differ (None: nowhere)."""
    if isinstance(after, np.ndarray):
        same = (
            isinstance(before, np.ndarray)
            and before.shape == after.shape
            and np.array_equal(before, after, equal_nan=True)
        )
        return None if same else path
    if isinstance(after, list):
        if not isinstance(before, list) or len(before) != len(after):
            return path
        before, after = dict(enumerate(before)), dict(enumerate(after))
    elif not isinstance(after, dict):
        return None
    name = "{}.{}" if isinstance(after, _Attrs) else "{}[{!r}]"
    for k, a in after.items():
        where = name.format(path, k)
        if not isinstance(before, dict) or k not in before:
            return where
        found = _changed(before[k], a, where)
        if found:
            return found
    return None


def _raises(variant: Callable[..., Any], failed: _ReaderError) -> bool:
    """Whether ``variant`` raises the reader's error on the reader's case."""
    try:
        variant(*failed.case.make())
    except type(failed.error):
        return True
    except Exception:  # another error: not this mistake
        return False
    return False


@dataclass(eq=False)
class Exercise:
    """A code exercise: ``check(fn)``, ``hint()`` and ``solution()``.

    Its texts are the entry ``name`` of ``catalogue.json``: ``what`` a
    correct function reproduces (for the success note), ``where`` the
    equation(s) to compare with (for the generic diagnosis), the ``hint``,
    an optional ``solution_note``, and the ``mistakes``: each a ``name``,
    an ``explanation``, the ``where`` it breaks (by default the
    exercise's) and ``variants``, the switches of ``wrong`` that make it.

    Parameters
    ----------
    name : str
        The function the reader writes, e.g. ``"bptt"``.
    reference : callable
        The package's answer, with the reader's signature.
    wrong : callable
        The answer written out with keyword-only switches, each making one
        catalogued mistake; its positional arguments are the reader's.
    cases : sequence of Case
        The calls to make (see :func:`table` and :func:`fixed`).
    outputs : sequence of (name, axis names)
        The outputs, in the order the function returns them; one output
        may be returned bare. Axis names locate the first difference.
    solution_of : object, optional
        What :meth:`solution` shows (a package function or method); by
        default the reference.
    normalise : callable, optional
        Turns a return value into the tuple of outputs (as arrays), or
        raises :class:`CheckFailed` with a message for the reader.
    locate : callable, optional
        ``locate(output, index, args)`` adds words to the place of the
        first difference (for example the time step of a word's column).
    """

    name: str
    reference: Callable[..., Any]
    wrong: Callable[..., Any]
    cases: Sequence[Case]
    outputs: Sequence[tuple[str, tuple[str, ...]]]
    solution_of: object = None
    normalise: Callable[[Any], tuple] | None = None
    locate: Callable[[str, tuple, tuple], str] | None = None

    def __post_init__(self) -> None:
        text = _catalogue()[self.name]
        self.what, self.where = text["what"], text["where"]
        self.hint_text = text["hint"]
        self.solution_note = text.get("solution_note", "")
        self.solution_of = self.solution_of or self.reference
        self.mistakes = tuple(
            Mistake(
                m["name"],
                m["explanation"],
                tuple(partial(self.wrong, **on) for on in m["variants"]),
                m.get("where", self.where),
            )
            for m in text["mistakes"]
        )
        params = inspect.signature(self.wrong).parameters.values()
        self.arg_names = tuple(
            p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD
        )

    def __repr__(self) -> str:
        return (
            f"<exercise {self.name}: check(fn), hint(), solution(); "
            f"{len(self.mistakes)} catalogued mistakes>"
        )

    # ------------------------------------------------------------ reader
    def hint(self) -> Markdown:
        """A hint: where to start, without the answer."""
        return Markdown(f"**Hint for `{self.name}`.** {self.hint_text}")

    def solution(self) -> Markdown:
        """The package's own code for this exercise."""
        from ..notebook import show_source

        shown = show_source(self.solution_of)
        note = f"{self.solution_note}\n\n" if self.solution_note else ""
        return Markdown(f"{note}{shown.data}")

    def check(self, fn: Callable[..., Any]) -> Passed:
        """Run ``fn`` on every case and compare it with the reference.

        Returns
        -------
        Passed
            When every output of every case agrees.

        Raises
        ------
        TypeError
            If ``fn`` is not callable.
        NotImplementedError
            If ``fn`` is still the blank scaffold.
        CheckFailed
            Otherwise; its message says which output differs, where first,
            by how much, and names the likely mistake when one matches.
        """
        if not callable(fn) or isinstance(fn, Exercise | type):
            raise TypeError(
                f"check needs the function you wrote (for example "
                f"check({self.name})), got {type(fn).__name__} {fn!r}"
            )
        mine_all: list[tuple] = []
        with np.errstate(all="ignore"):
            for case in self.cases:
                try:
                    mine = self._run(fn, case)
                except _ReaderError as failed:
                    raise self._diagnose(
                        failed.message, mine_all, "", failed
                    ) from failed.error
                ref = self._outputs_of(self.reference(*case.make()))
                problem = self._compare(mine, ref, case)
                mine_all.append(mine)
                if problem is not None:
                    raise self._diagnose(
                        f"{self.name} does not reproduce {self.what}.\n"
                        f"  {problem}.",
                        mine_all,
                        "\n  No mistake from the catalogue matches; compare "
                        f"your code with {self.where} line by line, or "
                        "call hint().",
                    )
        return Passed(
            f"{self.name} passes: on {len(self.cases)} cases "
            f"({self._case_summary()}) it reproduced {self.what}."
        )

    # ----------------------------------------------------------- helpers
    def _case_summary(self) -> str:
        special = [
            c.label for c in self.cases if not c.label.startswith("random")
        ]
        randoms = len(self.cases) - len(special)
        return f"{randoms} random, and " + "; ".join(special)

    def _run(self, fn: Callable[..., Any], case: Case) -> tuple:
        args = case.make()
        before = [_snapshot(a) for a in args]
        try:
            result = fn(*args)
        except NotImplementedError:
            raise NotImplementedError(
                f"{self.name} is still the blank scaffold: replace its "
                "`raise NotImplementedError(...)` line with your code, then "
                "run the cell again. hint() gives a hint, solution() the "
                "package's answer."
            ) from None
        except Exception as err:  # the reader's code failed: say where
            raise _ReaderError(
                err,
                case,
                f"{self.name} raised {type(err).__name__}: {err}\n"
                f"  in the case: {case.label}.\n"
                f"  {self._shapes_note(args)}",
            ) from err
        for i, (b, a) in enumerate(zip(before, args, strict=True)):
            name = self.arg_names[i] if i < len(self.arg_names) else f"#{i}"
            where = _changed(b, _snapshot(a), name)
            if where:
                raise CheckFailed(
                    f"{self.name} changed its argument {where} in place "
                    f"(in the case: {case.label}). Work on copies or new "
                    "arrays (`x = x + ...`, not `x += ...`): a function "
                    "that computes a result must not change the model or "
                    "the arrays it is given."
                )
        return self._outputs_of(result)

    def _shapes_note(self, args: tuple) -> str:
        parts = []
        for name, a in zip(self.arg_names, args, strict=False):
            if isinstance(a, np.ndarray):
                parts.append(f"{name}: shape {a.shape}")
        return (
            "The arguments were " + ", ".join(parts) + "."
            if parts
            else "Check the shapes of the arrays you multiply."
        )

    def _outputs_of(self, result: Any) -> tuple:
        if self.normalise is not None:
            return self.normalise(result)
        n = len(self.outputs)
        names = ", ".join(name for name, _ in self.outputs)
        if n == 1:
            result = (result,)
        elif not isinstance(result, tuple | list) or len(result) != n:
            got = (
                f"{len(result)} values"
                if isinstance(result, tuple | list)
                else type(result).__name__
            )
            raise CheckFailed(
                f"{self.name} must return {n} arrays ({names}), got {got}"
            )
        out = []
        for (name, _), value in zip(self.outputs, result, strict=True):
            try:
                arr = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                raise CheckFailed(
                    f"{self.name}'s output {name} must be an array of "
                    f"numbers, got {type(value).__name__}"
                ) from None
            out.append(arr)
        return tuple(out)

    def _compare(self, mine: tuple, ref: tuple, case: Case) -> str | None:
        """None if equal, else a sentence about the first difference."""
        for (name, axes), a, b in zip(self.outputs, mine, ref, strict=True):
            if a.shape != b.shape:
                hint = ""
                if a.ndim == 2 and a.shape == b.shape[::-1]:
                    hint = " (the transpose of the right shape)"
                return (
                    f"{name} has shape {a.shape}, expected {b.shape}{hint}, "
                    f"in the case: {case.label}"
                )
            finite = np.abs(b[np.isfinite(b)])
            scale = float(finite.max()) if finite.size else 0.0
            bad = ~np.isclose(a, b, rtol=0, atol=ATOL + RTOL * scale)
            if bad.any():
                index = tuple(int(i) for i in np.argwhere(bad)[0])
                where = ", ".join(
                    f"{axis} {i}" for axis, i in zip(axes, index, strict=False)
                )
                if self.locate is not None:
                    where += self.locate(name, index, case.make())
                gap = np.abs(a - b)[np.isfinite(a) & np.isfinite(b)]
                largest = float(gap.max()) if gap.size else 0.0
                if not np.isfinite(a).all():
                    largest_s = "it holds NaN or infinity"
                else:
                    largest_s = f"largest difference {largest:.3g}"
                return (
                    f"{name} differs first at {where or 'its value'} "
                    f"in the case: {case.label}: yours "
                    f"{a[index]:.6g}, expected {b[index]:.6g} "
                    f"({largest_s}, where the expected values reach "
                    f"{scale:.3g})"
                )
        return None

    def _diagnose(
        self,
        head: str,
        mine_all: list[tuple],
        generic: str,
        failed: _ReaderError | None = None,
    ) -> CheckFailed:
        """``head``, and the catalogued mistake whose variant agrees with
        the reader's outputs on the cases so far (and raises the same error
        where the reader's function raised, if it did), else ``generic``."""
        for mistake in self.mistakes:
            for variant in mistake.variants:
                if failed is not None and not _raises(variant, failed):
                    continue
                if self._same_as(variant, mine_all):
                    return CheckFailed(
                        f"{head}\n  Likely mistake: {mistake.name}. "
                        f"{mistake.explanation}\n  See {mistake.where}.",
                        mistake=mistake.name,
                    )
        return CheckFailed(head + generic)

    def _same_as(self, variant: Callable[..., Any], mine: list) -> bool:
        for case, outs in zip(self.cases, mine, strict=False):
            try:
                theirs = self._outputs_of(variant(*case.make()))
            except Exception:  # a variant may not apply to every case
                return False
            if any(
                a.shape != b.shape
                or not np.allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True)
                for a, b in zip(outs, theirs, strict=True)
            ):
                return False
        return True
