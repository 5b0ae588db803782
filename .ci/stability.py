"""`make stability`: does any glued value depend on the thread count?

Executes every notebook of the book (or those named) in fast mode
(``TUTORIAL_RNN_FAST=1``) twice, once with torch and BLAS at 1 thread and
once at 2 (``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``,
``OPENBLAS_NUM_THREADS``; torch takes its intra-op thread count from
``OMP_NUM_THREADS``), then compares every value the notebooks ``glue``.

Timings legitimately differ between runs, so they are left out by a naming
rule: a glued value is a timing when its name

- ends in ``_ms``, ``_s``, ``_seconds`` or ``_per_s`` (a duration or a
  rate), or
- contains ``_over_`` (a ratio of two timings, ``fast_over_plain``), or
- starts with ``time_`` or ``speed_``.

Name a new timing accordingly. Everything else must be identical, to the
last printed digit, at both thread counts; the table lists the differences.
Exit status 1 when any value differs or a notebook fails.

Usage: python .ci/stability.py [--out DIR] [NOTEBOOK ...]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".ci"))
from book_report import notebooks  # noqa: E402

TIMING = re.compile(r"(_ms|_s|_seconds|_per_s)$|_over_|^(time|speed)_")
RECORD = "application/papermill.record/"


def is_timing(name: str) -> bool:
    """Whether the glued value ``name`` is a timing (see the module doc)."""
    return bool(TIMING.search(name))


def glued(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Every glued value of an executed notebook: name -> text/plain."""
    values = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is None:
                continue
            data = out.get("data", {})
            text = data.get(RECORD + "text/plain", data.get("text/plain"))
            values[name] = str(text)
    return values


def execute(path: Path, threads: int, out: Path) -> Path:
    """Run ``path`` in fast mode at ``threads`` threads; the executed copy."""
    env = dict(os.environ, TUTORIAL_RNN_FAST="1")
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(threads)
    target = out / f"threads{threads}"
    target.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
            "--execute", "--ExecutePreprocessor.timeout=1200",
            "--output-dir", str(target), str(path),
        ],
        env=env,
        check=True,
        capture_output=True,
        cwd=path.parent,
    )
    print(
        f"  {path.name} at {threads} thread(s): "
        f"{time.perf_counter() - start:.0f} s",
        flush=True,
    )
    return target / path.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "_build/stability")
    args = parser.parse_args(argv)
    args.out = args.out.resolve()  # nbconvert runs in the notebook's folder
    paths = [p.resolve() for p in args.notebooks] or notebooks(
        ROOT / "book/_toc.yml"
    )
    compared = timings = 0
    differ: list[tuple[str, str, str, str]] = []
    failed = []
    for path in paths:
        try:
            runs = [
                glued(nbformat.read(execute(path, n, args.out), 4))
                for n in (1, 2)
            ]
        except subprocess.CalledProcessError as error:
            failed.append(path.name)
            print(error.stderr.decode()[-2000:], file=sys.stderr)
            continue
        for name in sorted(set(runs[0]) | set(runs[1])):
            if is_timing(name):
                timings += 1
                continue
            compared += 1
            one, two = (run.get(name, "<missing>") for run in runs)
            if one != two:
                differ.append((path.name, name, one, two))
    print(
        f"\n{compared} glued values compared ({timings} timings left out) "
        f"in {len(paths) - len(failed)} notebooks; {len(differ)} differ "
        "between 1 and 2 threads."
    )
    for notebook, name, one, two in differ:
        print(f"  {notebook}: {name}: {one[:60]} (1 thread) vs "
              f"{two[:60]} (2 threads)")
    for name in failed:
        print(f"  FAILED to execute: {name}")
    return 1 if differ or failed else 0


if __name__ == "__main__":
    sys.exit(main())
