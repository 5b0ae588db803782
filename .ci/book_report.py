"""What `make book` executes, and how long each notebook took.

    python .ci/book_report.py pending --toc book/_toc.yml --cache DIR
        names the book's notebooks that jupyter-cache holds no successful
        run of: the build executes exactly these (myst-nb's cache mode
        matches a notebook on its code cells, as done here).
    python .ci/book_report.py times --toc book/_toc.yml --cache DIR
        prints each notebook's execution time as recorded by myst-nb in
        jupyter-cache (``execution_seconds``), slowest first.
    python .ci/book_report.py check --toc book/_toc.yml --cache DIR
        exits 1 when a notebook of the book has no successful cached run.

Only the standard library, nbformat, PyYAML and jupyter-cache (all
installed with jupyter-book) are used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml
from jupyter_cache import get_cache


def notebooks(toc: Path) -> list[Path]:
    """The ``.ipynb`` files the table of contents lists, in its order."""
    root = toc.parent
    found: list[Path] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    path = root / f"{node[key]}.ipynb"
                    if path.is_file():
                        found.append(path)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(toc.read_text()))
    return found


def cached_record(cache_dir: Path, path: Path):
    """The cache record of ``path``'s code as it is now, or None."""
    if not cache_dir.is_dir():
        return None
    cache = get_cache(str(cache_dir))
    try:
        return cache.match_cache_notebook(nbformat.read(path, as_version=4))
    except KeyError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("pending", "times", "check"))
    parser.add_argument("--toc", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    args = parser.parse_args(argv)
    books = notebooks(args.toc)
    here = Path.cwd()

    def name(path: Path) -> str:
        try:
            return str(path.resolve().relative_to(here))
        except ValueError:
            return str(path)

    records = {path: cached_record(args.cache, path) for path in books}
    missing = [path for path, record in records.items() if record is None]
    if args.what == "pending":
        if not missing:
            print("Every notebook has a cached successful run: none executed.")
        else:
            cached = len(books) - len(missing)
            print(
                f"Notebooks executed by this build ({len(missing)} of "
                f"{len(books)}; {cached} come from the cache):"
            )
            for path in missing:
                print(f"  {name(path)}")
        return 0
    if args.what == "check":
        for path in missing:
            print(f"no successful run cached: {name(path)}", file=sys.stderr)
        return 1 if missing else 0
    rows = []
    for path, record in records.items():
        seconds = None if record is None else record.data.get(
            "execution_seconds"
        )
        rows.append((seconds, name(path)))
    rows.sort(key=lambda row: -1.0 if row[0] is None else -row[0])
    print("Execution time of each notebook (jupyter-cache, this machine):")
    for seconds, label in rows:
        shown = "not run" if seconds is None else f"{seconds:8.1f} s"
        print(f"  {shown:>10}  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
