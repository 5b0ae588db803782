"""Helpers for the chapters' notebooks: showing the package's own code, and the
fast mode.

The book shows model code with :func:`show_source`, so what a reader sees is
exactly the code the tests check. ``make test`` builds the book with
``TUTORIAL_RNN_FAST=1``; heavy cells read :func:`fast_mode` (or call
:func:`pick`) to shrink their work.
"""

from __future__ import annotations

import inspect
import os
import textwrap
from typing import TypeVar

from IPython.display import Markdown

__all__ = ["FAST_ENV", "fast_mode", "pick", "show_source"]

#: The environment variable that switches the notebooks to their fast mode.
FAST_ENV = "TUTORIAL_RNN_FAST"

T = TypeVar("T")


def fast_mode() -> bool:
    """True when ``TUTORIAL_RNN_FAST`` is set to anything but ``""``, ``"0"``
    or ``"false"``."""
    value = os.environ.get(FAST_ENV, "").strip().lower()
    return value not in ("", "0", "false", "no")


def pick(fast: T, full: T) -> T:
    """``fast`` in fast mode, else ``full``: ``epochs = pick(1, 20)``."""
    return fast if fast_mode() else full


def show_source(obj: object) -> Markdown:
    """The source of a function, class or method from the package, as a
    highlighted code block.

    Returns an IPython ``Markdown`` object holding a fenced ``python`` block:
    Jupyter shows it highlighted, and the book renders it as a code block with
    a copy button.
    """
    try:
        source = inspect.getsource(obj)  # type: ignore[arg-type]
    except (TypeError, OSError) as err:
        raise TypeError(f"cannot show the source of {obj!r}: {err}") from None
    source = textwrap.dedent(source)
    module = getattr(obj, "__module__", "") or ""
    name = getattr(obj, "__qualname__", getattr(obj, "__name__", ""))
    header = f"*From `{module}.{name}`:*\n\n" if module else ""
    return Markdown(f"{header}```python\n{source.rstrip()}\n```")
