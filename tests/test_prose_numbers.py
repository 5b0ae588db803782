"""The build writes the numbers: no measured figure is typed into the prose.

Every notebook under ``book/`` (chapters and appendix) is read as committed,
without running it. A figure that the build computes must reach the prose
through myst-nb's ``{glue:text}`` role (or sit in the printed output beside
it); this test fails on prose that types one in by hand.

How it decides
--------------
1. **What is prose.** The Markdown cells, and the figure captions and alt
   texts of code cells (``metadata.mystnb.figure.caption`` and
   ``metadata.mystnb.image.alt``). Removed before looking for numbers: code
   (fenced blocks other than ``{directive}`` fences, whose body is prose, and
   inline code), every role with its content (``{glue:text}`...```,
   ``{cite}``, ``{ref}``, ...), labels ``(name)=``, links' addresses, HTML
   comments, MyST comment lines (``% ...``) and math. From math only what
   follows ``\\approx`` and powers of ten are kept: ``$\\ln V \\approx 8.987$``
   and ``$10^{-4}$`` state values, ``$\\lambda_1 = 1.5$`` is a setting.
2. **What looks measured** (a *figure*):

   - a decimal number, ``4.950`` (not a section number such as
     "Exercise 3.4" or "Table 4.86", nor a version, ``1.0.4``,
     ``Python 3.11``);
   - a number with thousands separators, ``73,000``;
   - a number with a unit of time, size, rate or information (``14 s``,
     ``350 ms``, ``96 %``, ``96 per cent``, ``5 nats``, ``2 bits``,
     ``3 hours``, ``10 GB``, ``tokens/s``, ``tokens per second``);
   - a magnitude in words or letters, ``2 million tokens/s``,
     ``390 thousand``, ``73k``;
   - a ratio, ``15× faster``, ``a 15× speed-up``, ``15x``, ``3 times
     slower``, ``twice as fast``;
   - a number word with a unit or "times": ``fifteen times faster``,
     ``three hours``, ``seventy-five per cent``;
   - a fraction, ``2/3``;
   - a power of ten, in prose or in math: ``1e-4``, ``10⁻⁴``, ``10^{-4}``.

   Small integers (``64 units``, ``T = 40``, ``Part 3``) and shapes
   (``100 x 8000``) are settings and names, not figures: never flagged.
   A figure's *key* is its number and its unit (``"96 %"``, ``"15 ×"``,
   ``"2 million tokens/s"``, ``"4.950"``).
3. **What is allowed anyway.** A figure is allowed when it is

   - in :data:`ALLOWED`, a short book-wide list of constants and literature
     figures keyed by number *and* unit (``"70 ms"`` allows the 2015
     Theano step, not "70%"), each with its reason; or
   - listed in a marker in the same cell: a MyST comment line (invisible on
     the page and in JupyterLab) in a Markdown cell,

         % prose-numbers: 2.01 3.24 -- arithmetic of Exercise 1.1

     or, for a caption or alt text, a ``prose-numbers`` entry in the code
     cell's metadata (or a ``# prose-numbers: ...`` comment line in it); in
     ``README.md`` and ``book/*.md`` an HTML comment,
     ``<!-- prose-numbers: 4.856 -- recorded in FILE -->``. List the numbers
     as they are written (``73,000``, ``96.5``, ``1e-4``, ``twice``), then
     ``--`` and the reason, which must name its kind (:data:`REASONS`: a
     setting, definition, quotation, arithmetic, constant, literature; in
     the README, where it was "measured on", or the file it is "recorded
     in", which a test reads to check the number). A figure the build
     computes has no such reason: glue it.

   ``README.md`` and the Markdown pages of ``book/`` are scanned as one
   cell each.
4. **A second, stronger check against an executed build** (run by ``make
   prose-check``, which ``make test`` calls after the fast build; collected
   only when ``TUTORIAL_RNN_EXECUTED`` names the build's
   ``jupyter_execute`` folder, so it never skips, and fails on a missing or
   stale executed copy): a number in a notebook's prose that equals, at the
   precision written, a number that the same notebook *printed* is a
   computed figure typed by hand, even if it does not look measured (``a
   long tail runs past 258``). Candidates are the figures of rule 2,
   integers of three digits or more (years excluded), and values of three
   significant digits or more after ``=`` in math and inline code
   (``$L = 4.856$``); numbers the notebook's code cells write are settings
   (``hidden_size=100``) and are left out. A plain integer must be printed
   exactly; a figure with thousands separators may be a rounding
   (``73,000`` for 72,981). :data:`ALLOWED` and markers apply as above.

So a chapter satisfies the test by gluing what its code computes, and by
marking, with a reason, the few figures that are definitions, settings or
quotations. :func:`figures` is the whole rule; the tests at the end show it
failing on typed-in figures.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    p
    for p in (ROOT / "book").rglob("*.ipynb")
    if "_build" not in p.parts and ".ipynb_checkpoints" not in p.parts
)
#: Markdown pages scanned as one cell each: the README and book/*.md.
PAGES = [ROOT / "README.md", *sorted((ROOT / "book").glob("*.md"))]

#: Figures any notebook may type, with the reason. Keep it short: a figure
#: that one notebook alone needs goes in a marker in that notebook.
ALLOWED = {
    # constants of the book's setting
    "8.987": "ln 8000, the loss of a uniform guess over 8,000 words",
    "8.99": "ln 8000, rounded",
    "8.9872": "ln 8000, rounded",
    "8.987 nats": "ln 8000 in nats",
    "8.99 nats": "ln 8000 in nats, rounded",
    "1/8000": "the probability a uniform guess gives each of 8,000 words",
    "0.167": "1/6, the adding problem's chance MSE",
    "1/4": "the largest derivative of the logistic sigmoid",
    "8,000": "the vocabulary size, a setting",
    "7,997": "8,000 entries minus the three special tokens",
    "1,000": "a round count (sentences, ranks), a setting",
    "1,024": "the adding problem's test set size, a setting",
    # Denny Britz's 2015 series, from REFERENCE.md (quoted, not measured)
    "1,610,000": "2HV + H² for V = 8000, H = 100: a definition, as in 2015",
    "8.987440": "the 2015 untrained model's loss on 1,000 examples",
    "15,000": "2015: Reddit comments",
    "79,170": "2015: sentences",
    "65,751": "2015: distinct word tokens",
    "350 ms": "2015: NumPy SGD step",
    "70 ms": "2015: Theano CPU step",
    "23 ms": "2015: Theano GPU step",
    "0.005": "2015: SGD learning rate",
    "0.001": "2015: RMSprop learning rate and gradient-check step",
    # other literature
    "4.17": "ln 65, Karpathy's tiny-shakespeare uniform loss",
    "1.50": "Pascanu et al. 2013, bits/char without clipping",
    "1.42": "Pascanu et al. 2013, bits/char with clipping",
    "1.50 bits": "Pascanu et al. 2013, bits/char without clipping",
    "1.42 bits": "Pascanu et al. 2013, bits/char with clipping",
    "1.4697": "nanoGPT shakespeare_char validation loss",
    "1,115,394": "tiny-shakespeare characters (Karpathy)",
}

_UNITS = (
    r"%|per\s?cent|percent|ms|µs|μs|ns|s|sec|seconds?|min|minutes?|h|hours?"
    r"|days?|nats?|bits?|[kKMG]?B|[KMG]iB|(?:tokens|words|steps)"
    r"(?:/s|\s+(?:per|a)\s+second)|it/s|per\s+second"
)
#: Units a number written as a word takes to become a figure ("three
#: hours", "fifteen per cent"); single letters are left out ("two s").
_WORD_UNITS = (
    r"per\s?cent|percent|seconds?|minutes?|hours?|nats?|bits?"
    r"|(?:tokens|words|steps)(?:/s|\s+(?:per|a)\s+second)|[KMG]B"
)
_MAGNITUDE = r"\s?(?:thousand|million|billion)\b|(?:k|K|M|bn)(?![\w])"
_COMPARATIVE = (
    r"(?:faster|slower|fewer|more|larger|smaller|less|longer|shorter"
    r"|higher|lower|as)\b"
)
_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?"
_FIGURE = re.compile(
    rf"(?<![\w.,/^])(?P<num>{_NUMBER})(?![\d,]\d)"
    rf"(?:(?P<power>e[-+]?\d+)"
    rf"|(?P<fraction>/\d+)(?![\w/.])"
    rf"|(?P<magnitude>{_MAGNITUDE})(?:\s?(?P<munit>{_UNITS})(?![\w/]))?"
    rf"|\s?(?P<unit>{_UNITS})(?![\w/])"
    rf"|\s?(?P<ratio>×|x|times)\s+{_COMPARATIVE}"
    rf"|(?P<bare_ratio>\s?×|x)(?![\w(]|\s?\d)"
    rf")?(?![\w.]\d)"
)
_NUMBER_WORD = (
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen"
    r"|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty"
    r"|forty|fifty|sixty|seventy|eighty|ninety|hundred"
)
_WORD_FIGURE = re.compile(
    rf"\b(?P<num>(?:{_NUMBER_WORD})(?:[- ](?:{_NUMBER_WORD}|one))?)"
    rf"(?P<magnitude>\s+(?:thousand|million|billion))?"
    rf"\s+(?:(?P<ratio>times)\s+{_COMPARATIVE}|(?P<unit>{_WORD_UNITS})\b)"
    rf"|\b(?P<mult>twice|thrice|half)\s+as\s+\w+\s+as\b"
    rf"|\b(?P<mult2>twice|thrice)\s+as\s+(?:fast|slow|quick|many|much"
    rf"|large|long|big)\b",
    re.IGNORECASE,
)
_POWER = re.compile(
    r"10(?:[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+"
    r"|\^\{?-?\d+\}?)"
)
_SECTION = re.compile(
    r"\b(?:Exercise|Exercises|Solution|Section|Chapter|Chapters|Figure"
    r"|Table|Part|Parts|Equation|version|v|Python|torch|NumPy)\s*$",
    re.IGNORECASE,
)
_MARKER = re.compile(
    r"^\s*(?:[%#]|<!--)\s*prose-numbers:\s*(.*?)\s*(?:-->)?\s*$",
    re.MULTILINE,
)
#: A marker's reason must say which kind of number it excuses. A figure the
#: notebook computes is never one of these: glue it.
REASONS = (
    "setting",
    "definition",
    "quotation",
    "arithmetic",
    "constant",
    "literature",
    "measured on",  # README only: where a figure was measured
    "recorded in",  # README only: a file test_readme_figures reads
)
_CANONICAL_UNITS = (
    (r"%|per\s?cent|percent", "%"),
    (r"s|sec|seconds?", "s"),
    (r"min|minutes?", "min"),
    (r"h|hours?", "h"),
    (r"days?", "days"),
    (r"nats?", "nats"),
    (r"bits?", "bits"),
    (r"(tokens|words|steps)(/s|\s+(per|a)\s+second)", r"\1/s"),
    (r"per\s+second", "/s"),
    (r"×|x|times", "×"),
)


def canonical_unit(unit: str | None) -> str:
    """``unit`` as :data:`ALLOWED` keys write it (``per cent`` -> ``%``)."""
    if not unit:
        return ""
    unit = " ".join(unit.split())
    for pattern, name in _CANONICAL_UNITS:
        match = re.fullmatch(pattern, unit, flags=re.IGNORECASE)
        if match:
            return match.expand(name)
    return unit


def _strip(text: str) -> str:
    """The prose of ``text``: code, roles, labels, links and math removed
    (what follows ``\\approx`` in math is kept)."""
    kept_from_math: list[str] = []

    def math(match: re.Match[str]) -> str:
        segment = match.group(0)
        for value in re.findall(
            r"(?:\\approx|≈)\s*([0-9][0-9.,{}]*)", segment
        ):
            kept_from_math.append(value.replace("{,}", ",").rstrip(".,"))
        kept_from_math.extend(re.findall(r"10\^\{?-?\d+\}?", segment))
        return " "

    # fenced code (a {directive} fence's body is prose: keep it)
    text = re.sub(
        r"^(`{3,}|~{3,})(?!\s*\{)[^\n]*\n.*?^\1\s*$",
        " ",
        text,
        flags=re.MULTILINE | re.DOTALL,
    )
    text = re.sub(r"^\s*(`{3,}|:{3,})\{[^}]*\}.*$", " ", text, flags=re.M)
    text = re.sub(r"^\s*:\w+:.*$", " ", text, flags=re.M)  # directive options
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.DOTALL)
    text = re.sub(r"^\s*%.*$", " ", text, flags=re.MULTILINE)
    text = re.sub(r"^\s*\([\w-]+\)=\s*$", " ", text, flags=re.MULTILINE)
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", text)  # roles
    text = re.sub(r"`[^`]*`", " ", text)  # inline code
    text = re.sub(r"\]\([^)]*\)", "] ", text)  # link addresses
    text = re.sub(r"<?https?://\S+", " ", text)
    text = re.sub(r"\$\$.*?\$\$", math, text, flags=re.DOTALL)
    text = re.sub(r"(?<!\\)\$[^$\n]+\$", math, text)
    return text + "\n" + " ".join(f"≈ {v}" for v in kept_from_math)


def figures(text: str) -> list[tuple[str, str]]:
    """Every figure in the prose of ``text``: (key, context).

    The key is the number as written, then its unit as :func:`canonical_unit`
    writes it when it has one (``"96 %"``, ``"15 ×"``, ``"2 million
    tokens/s"``, ``"fifteen ×"``, ``"2/3"``); :data:`ALLOWED` is keyed the
    same way, and markers list the number alone.
    """
    prose = _strip(text)
    found = []

    def context(m: re.Match[str]) -> str:
        return prose[max(0, m.start() - 30) : m.end() + 30]

    for m in _FIGURE.finditer(prose):
        num = m.group("num")
        before = prose[max(0, m.start() - 12) : m.start()]
        kinds = [
            m.group(k)
            for k in ("power", "fraction", "magnitude", "unit", "ratio")
        ]
        measured = "." in num or "," in num or any(kinds)
        measured = measured or m.group("bare_ratio")
        if not measured or _SECTION.search(before):
            continue
        if m.group("power"):
            num += m.group("power")
        elif m.group("fraction"):
            num += m.group("fraction")
        unit = m.group("unit") or m.group("ratio") or m.group("bare_ratio")
        if m.group("magnitude"):
            magnitude = m.group("magnitude").strip()
            unit = " ".join(
                x for x in (magnitude, canonical_unit(m.group("munit"))) if x
            )
        else:
            unit = canonical_unit(unit and unit.strip())
        found.append((f"{num} {unit}".strip(), context(m)))
    for m in _WORD_FIGURE.finditer(prose):
        if m.group("mult") or m.group("mult2"):
            word = (m.group("mult") or m.group("mult2")).lower()
            found.append((f"{word} ×", context(m)))
            continue
        unit = canonical_unit(m.group("ratio") or m.group("unit"))
        if m.group("magnitude"):
            unit = f"{m.group('magnitude').strip()} {unit}"
        found.append((f"{m.group('num').lower()} {unit}", context(m)))
    for m in _POWER.finditer(prose):
        if not re.search(r"[\w.]", prose[m.start() - 1 : m.start()] or " "):
            found.append((m.group(0), prose[max(0, m.start() - 30) : m.end()]))
    return found


def number_of(key: str) -> str:
    """The number of a :func:`figures` key, as written (``"96 %"`` ->
    ``"96"``)."""
    return key.split(" ")[0]


def _marked(text: str) -> set[str]:
    marked: set[str] = set()
    for line in _MARKER.findall(text):
        marked.update(line.split("--")[0].split())
    return marked


def bad_markers(text: str) -> list[str]:
    """The markers of ``text`` whose reason names none of :data:`REASONS`
    (a number the build computes is never excused: glue it)."""
    problems = []
    for line in _MARKER.findall(text):
        reason = line.partition("--")[2].lower()
        if not any(kind in reason for kind in REASONS):
            problems.append(
                f"marker «{line.strip()}»: its reason must say which of "
                f"{', '.join(REASONS)} the numbers are"
            )
    return problems


def _allowed(key: str, marked: set[str]) -> bool:
    """``key`` (from :func:`figures`) is in :data:`ALLOWED` with its unit,
    or its number is marked in its cell."""
    return key in ALLOWED or number_of(key) in marked


def _prose_pieces(cell: nbformat.NotebookNode) -> list[str]:
    if cell.cell_type == "markdown":
        return [cell.source]
    if cell.cell_type == "code":
        mystnb = cell.get("metadata", {}).get("mystnb", {})
        return [
            mystnb.get("figure", {}).get("caption", ""),
            mystnb.get("image", {}).get("alt", ""),
        ]
    return []


def unexplained_figures(nb: nbformat.NotebookNode) -> list[str]:
    """``cell id: figure in context`` for each figure that is neither glued
    nor allowed (by :data:`ALLOWED` or a marker in its cell), and each
    marker without a real reason."""
    problems = []
    for cell in nb.cells:
        pieces = _prose_pieces(cell)
        if not pieces:
            continue
        markers = cell.source
        if cell.get("metadata", {}).get("prose-numbers"):
            markers += "\n% prose-numbers: " + str(
                cell["metadata"]["prose-numbers"]
            )
        allowed = _marked(markers)
        problems += [
            f"cell {cell.get('id')}: {p}" for p in bad_markers(markers)
        ]
        for piece in pieces:
            for key, context in figures(piece):
                if _allowed(key, allowed):
                    continue
                context = " ".join(context.split())
                problems.append(
                    f"cell {cell.get('id')}: {key!r} in «{context}»"
                )
    return problems


def unexplained_figures_in_page(text: str) -> list[str]:
    """:func:`unexplained_figures` for a Markdown page (``README.md``,
    ``book/*.md``), the whole page one cell; markers are HTML comments
    (``<!-- prose-numbers: 4.856 -- recorded in FILE -->``) or, in MyST
    pages, ``% prose-numbers:`` lines."""
    return unexplained_figures(_notebook(nbformat.v4.new_markdown_cell(text)))


_PRINTED = re.compile(
    r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[-+]?\d+)?"
)


def _printed_numbers(nb: nbformat.NotebookNode) -> list[float]:
    """Every number in the notebook's text outputs (streams, text/plain,
    text/markdown)."""
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(str(out.get("text", "")))
            for mime in ("text/plain", "text/markdown"):
                if mime in out.get("data", {}):
                    texts.append(str(out["data"][mime]))
    numbers = []
    for text in texts:
        for token in _PRINTED.findall(text):
            try:
                numbers.append(float(token.replace(",", "")))
            except ValueError:
                continue
    return numbers


def _matches(written: str, printed: float) -> bool:
    """``written`` (prose) equals ``printed`` at the precision written."""
    plain = written.replace(",", "")
    if "e" in plain.lower():
        return False
    if "." in plain:
        # within half a unit of the last place written (a tie rounds
        # either way: 5.9215 is written 5.922 or 5.921)
        half = 0.5 * 10.0 ** -len(plain.split(".")[1])
        return abs(printed - float(plain)) <= half * (1 + 1e-9)
    if "," in written:  # "73,000": a rounded large figure
        zeros = len(plain) - len(plain.rstrip("0"))
        return round(printed, -zeros) == float(plain)
    return printed == float(plain)  # a plain integer, exactly


_EQUALS = re.compile(r"=\s*(-?\d[\d,]*(?:\.\d+)?)(?![\w.]\d)")


def equals_values(text: str) -> set[str]:
    """The numbers of three significant digits or more after ``=`` in
    ``text``'s math and inline code (``$L = 4.856$``, ```loss = 4.86```):
    a value there may be a result typed by hand."""
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", text)  # roles are not code
    pieces = re.findall(r"\$\$.*?\$\$", text, flags=re.DOTALL)
    pieces += re.findall(r"(?<!\\)\$[^$\n]+\$", text)
    pieces += re.findall(r"`([^`\n]+)`", text)
    values = {
        value.rstrip(",")
        for piece in pieces
        for value in _EQUALS.findall(piece.replace("{,}", ","))
    }
    return {v for v in values if _significant_digits(v) >= 3}


def _significant_digits(value: str) -> int:
    """``4.856`` has 4, ``0.1`` and ``100`` have 1: settings are round
    (``$\\theta = 0.1$``), results rarely are."""
    digits = value.lstrip("-").replace(",", "")
    if "." not in digits:
        digits = digits.rstrip("0")
    return len(digits.replace(".", "").lstrip("0"))


def printed_figures_in_prose(
    nb: nbformat.NotebookNode, executed: nbformat.NotebookNode
) -> list[str]:
    """``cell id: number in context`` for each number of ``nb``'s prose that
    the executed copy of the notebook printed (rule 4), values after ``=``
    in math and inline code included."""
    printed = _printed_numbers(executed)
    # numbers the notebook's code writes are settings (hidden_size=100, a
    # batch of 128, lr=0.005), which tables print as well
    settings = {
        m.group(0)
        for cell in nb.cells
        if cell.cell_type == "code"
        for m in re.finditer(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", cell.source)
    }
    problems = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        prose = _strip(cell.source)
        candidates = {
            number_of(key)
            for key, _ in figures(cell.source)
            if key not in ALLOWED
        }
        # plain integers of 3+ digits too (not years)
        candidates |= {
            m.group(0)
            for m in re.finditer(r"(?<![\w.,])\d{3,}(?![\w.,]\d)", prose)
            if not 1900 <= int(m.group(0)) <= 2100
            and m.group(0) not in settings
        }
        candidates |= equals_values(cell.source) - settings
        candidates -= _marked(cell.source)
        for num in sorted(candidates):
            if not re.fullmatch(r"-?\d[\d,]*(?:\.\d+)?", num):
                continue  # words, fractions, powers: not compared
            if any(_matches(num, value) for value in printed):
                problems.append(f"cell {cell.get('id')}: {num!r} is printed")
    return problems


def _code(nb: nbformat.NotebookNode) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


#: Rule 4 runs where a build is named: ``make test`` runs it after the fast
#: build, against that build (``make prose-check``, which sets
#: ``TUTORIAL_RNN_EXECUTED`` to the build's ``jupyter_execute`` folder).
#: Elsewhere it is not collected, so it never skips; a missing or stale
#: executed copy fails it.
EXECUTED = os.environ.get("TUTORIAL_RNN_EXECUTED")
if EXECUTED:

    @pytest.mark.parametrize(
        "path",
        NOTEBOOKS,
        ids=lambda p: p.relative_to(ROOT / "book").as_posix(),
    )
    def test_no_printed_figure_typed_into_prose(path):
        copy = Path(EXECUTED) / path.relative_to(ROOT / "book")
        assert copy.is_file(), f"{path.name} was not executed in {EXECUTED}"
        nb = nbformat.read(path, as_version=4)
        executed = nbformat.read(copy, as_version=4)
        assert _code(nb) == _code(executed), (
            f"{copy} is stale: its code differs from {path.name}"
        )
        problems = printed_figures_in_prose(nb, executed)
        assert not problems, (
            f"{path.name}: numbers the notebook prints are typed into its "
            "prose (glue them):\n  " + "\n  ".join(problems)
        )


def test_every_notebook_of_the_book_is_found():
    names = {p.relative_to(ROOT / "book").as_posix() for p in NOTEBOOKS}
    assert "chapters/01_introduction.ipynb" in names
    assert "chapters/03_bptt_vanishing_gradients.ipynb" in names
    assert {p.name for p in PAGES} >= {"README.md", "intro.md"}


@pytest.mark.parametrize(
    "path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT / "book").as_posix()
)
def test_no_hard_coded_figure_in_prose(path):
    problems = unexplained_figures(nbformat.read(path, as_version=4))
    assert not problems, (
        f"{path.name}: figures typed into prose. Glue what the notebook "
        "computes ({glue:text}`name:.2f`), or mark a definition, setting "
        "or quotation in its cell with '% prose-numbers: NUMBER -- reason':"
        "\n  " + "\n  ".join(problems)
    )


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_no_hard_coded_figure_in_pages(path):
    """README.md and the book's Markdown pages: a figure is recorded in a
    file (and checked below) or marked with where it was measured."""
    problems = unexplained_figures_in_page(path.read_text())
    assert not problems, (
        f"{path.name}: figures typed into prose. Mark each with "
        "'<!-- prose-numbers: NUMBER -- recorded in FILE -->' (checked "
        "against the file) or '-- measured on MACHINE, DATE':\n  "
        + "\n  ".join(problems)
    )


def _recorded_numbers(path: Path) -> list[float]:
    """Every number a recorded file holds: a checkpoint's metadata, or a
    JSON or text file's numbers."""
    if path.suffix == ".safetensors":
        from tutorial_rnn import checkpoint

        text = str(checkpoint.load_arrays(path)[0])
    else:
        text = path.read_text()
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", text)]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_recorded_figures_match_their_file(path):
    """A marker ``-- recorded in FILE`` promises that each number it lists
    is FILE's, at the precision written: check it."""
    for line in _MARKER.findall(path.read_text()):
        numbers, _, reason = line.partition("--")
        match = re.search(r"recorded in (\S+)", reason)
        if not match:
            continue
        recorded = _recorded_numbers(ROOT / match.group(1))
        for number in numbers.split():
            assert any(_matches(number, v) for v in recorded), (
                f"{path.name}: {number} is not in {match.group(1)}"
            )


def _notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell{i}"
    return nb


def test_a_typed_in_measurement_fails():
    nb = _notebook(
        nbformat.v4.new_markdown_cell(
            "One epoch took 14 s (73,000 tokens/s), and the loss reached "
            "4.950 against 4.952 for PyTorch: 15× faster than in 2015, "
            "with a gradient of about $10^{-4}$ after ten steps."
        )
    )
    problems = unexplained_figures(nb)
    for figure in ("'14 s'", "'73,000 tokens/s'", "'4.950'", "'4.952'"):
        assert any(figure in p for p in problems), (figure, problems)
    assert any("'15 ×'" in p for p in problems), problems
    assert any("10^{-4}" in p for p in problems), problems
    assert all(p.startswith("cell cell0: ") for p in problems)


@pytest.mark.parametrize(
    ("prose", "key"),
    [
        ("a rate of 2 million tokens/s", "2 million tokens/s"),
        ("390 thousand tokens per second", "390 thousand tokens/s"),
        ("it runs fifteen times faster", "fifteen ×"),
        ("NumPy is twice as fast here", "twice ×"),
        ("a 15× speed-up", "15 ×"),
        ("a 15x speed-up", "15 ×"),
        ("73k tokens", "73 k"),
        ("96 per cent of the words", "96 %"),
        ("2/3 of the sentences", "2/3"),
        ("about three hours", "three h"),
        ("a stable 4.86 nats", "4.86 nats"),  # "stable" is not "Table"
        ("a seventy-five per cent share", "seventy-five %"),
    ],
)
def test_each_way_of_typing_a_figure_is_found(prose, key):
    found = [k for k, _ in figures(prose)]
    assert key in found, (prose, found)
    assert unexplained_figures(_notebook(nbformat.v4.new_markdown_cell(prose)))


@pytest.mark.parametrize(
    "prose",
    [
        "Table 4.86 lists them",  # a section number
        "matrices of 100 x 8000 and 8000 × 100 entries",  # shapes
        "torch 2.11.0+cu130 and Python 3.11",  # versions
        "the one hidden layer of two units",
    ],
)
def test_section_numbers_shapes_and_versions_are_not_figures(prose):
    assert figures(prose) == [], figures(prose)


def test_allowed_is_keyed_by_number_and_unit():
    assert "70 ms" in ALLOWED and "70" not in ALLOWED
    ok = _notebook(nbformat.v4.new_markdown_cell("Theano took 70 ms."))
    assert unexplained_figures(ok) == []
    bad = _notebook(nbformat.v4.new_markdown_cell("It learned 70% of them."))
    assert unexplained_figures(bad) == [
        "cell cell0: '70 %' in «It learned 70% of them.»"
    ]


def test_a_marker_needs_a_real_reason():
    prose = "The angle is 39.2 degrees.\n\n% prose-numbers: 39.2 -- "
    computed = _notebook(nbformat.v4.new_markdown_cell(prose + "see below"))
    assert any("reason must say" in p for p in unexplained_figures(computed))
    setting = _notebook(nbformat.v4.new_markdown_cell(prose + "a setting"))
    assert unexplained_figures(setting) == []


def test_a_page_marks_its_figures_with_html_comments():
    page = (
        "Trained in 500.5 s to a loss of 4.856 nats.\n"
        "<!-- prose-numbers: 500.5 -- recorded in FILE -->\n"
    )
    problems = unexplained_figures_in_page(page)
    assert len(problems) == 1 and "'4.856 nats'" in problems[0], problems


def test_a_typed_in_figure_in_a_caption_fails():
    cell = nbformat.v4.new_code_cell("plot()")
    cell.metadata["mystnb"] = {
        "figure": {"caption": "Training took 2.5 minutes.", "name": "f"},
        "image": {"alt": "A curve reaching 96.5 percent."},
    }
    problems = unexplained_figures(_notebook(cell))
    assert len(problems) == 2 and "'2.5 min'" in problems[0], problems
    cell.source = "# prose-numbers: 2.5 96.5 -- settings of this toy\nplot()"
    assert unexplained_figures(_notebook(cell)) == []


def test_glue_settings_constants_and_markers_pass():
    nb = _notebook(
        nbformat.v4.new_markdown_cell(
            "One epoch took {glue:text}`epoch_s:.0f` s "
            "({glue:text}`rate:,.0f` tokens/s). With $\\lambda_1 = 1.5$ and "
            "64 units over T = 40 steps (Exercise 3.4, Part 3, "
            "version 1.0.4), the uniform loss is "
            "$\\ln 8000 \\approx 8.987$ nats; the vocabulary has 8,000 words."
            "\n\n```python\nprint(f'{4.95:.2f} s')\n```\n"
            "See `12.5 s` and [a page](http://x.org/3.14)."
        ),
        nbformat.v4.new_markdown_cell(
            "A factor of about 2.01 and 1,610,001 numbers.\n\n"
            "% prose-numbers: 2.01 1,610,001 -- arithmetic of the exercise"
        ),
        nbformat.v4.new_markdown_cell(
            "```{admonition} Solution\n:class: dropdown\nIt took 3 hours.\n```"
        ),
    )
    problems = unexplained_figures(nb)
    # only the directive's prose is flagged (its body is prose, not code)
    assert len(problems) == 1, problems
    assert problems[0].startswith(
        "cell cell2: '3 h' in «It took 3 hours."
    ), problems


def test_a_printed_number_typed_into_prose_fails():
    prose = nbformat.v4.new_markdown_cell(
        "Half of the sentences have at most a dozen tokens, but a long tail "
        "runs past 258; the loss is about 8.99 (ln 8000), and 5.9 nats is "
        "the baseline. In 2015 ..."
    )
    code = nbformat.v4.new_code_cell("print(stats)")
    code.outputs = [
        nbformat.v4.new_output(
            "stream", name="stdout", text="longest 258\nentropy 5.9064\n"
        )
    ]
    nb = _notebook(prose, code)
    problems = printed_figures_in_prose(nb, nb)
    assert problems == [
        "cell cell0: '258' is printed",
        "cell cell0: '5.9' is printed",
    ], problems
    assert _matches("73,000", 72_981.0) and not _matches("73,000", 71_900.0)
    assert not _matches("100", 149.0)  # a plain integer matches exactly
    equals = nbformat.v4.new_markdown_cell(
        "The loss is $L = 5.906$ and `entropy = 5.91`; $\\theta = 5.9$."
    )
    assert printed_figures_in_prose(_notebook(equals, code), nb) == [
        "cell cell0: '5.906' is printed",
        "cell cell0: '5.91' is printed",
    ]
    setting = nbformat.v4.new_code_cell("model = RNNNumpy(8000, 258)")
    assert printed_figures_in_prose(_notebook(prose, setting, code), nb) == [
        "cell cell0: '5.9' is printed"
    ]
