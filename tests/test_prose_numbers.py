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
     "Exercise 3.4", nor part of a version ``1.0.4``);
   - a number with thousands separators, ``73,000``;
   - a number with a unit of time, size, rate or information (``14 s``,
     ``350 ms``, ``96 %``, ``5 nats``, ``2 bits``, ``3 hours``, ``10 GB``,
     ``tokens/s``);
   - a ratio, ``15× faster``, ``3 times slower``;
   - a power of ten, in prose or in math: ``1e-4``, ``10⁻⁴``, ``10^{-4}``.

   Small integers (``64 units``, ``T = 40``, ``Part 3``) are settings and
   names, not figures: they are never flagged.
3. **What is allowed anyway.** A figure is allowed when it is

   - in :data:`ALLOWED`, a short book-wide list of constants and literature
     figures, each with its reason (ln 8000, the 2015 series' timings from
     ``REFERENCE.md``, the vocabulary size ...); or
   - listed in a marker in the same cell: a MyST comment line (invisible on
     the page and in JupyterLab) in a Markdown cell,

         % prose-numbers: 2.01 3.24 -- arithmetic of Exercise 1.1

     or, for a caption or alt text, a ``prose-numbers`` entry in the code
     cell's metadata (or a ``# prose-numbers: ...`` comment line in it). List
     the numbers as they are written (``73,000``, ``96.5``, ``1e-4``), then
     ``--`` and the reason.

4. **A second, stronger check where the build's executed notebooks exist**
   (``_build/jupyter_execute`` or ``_build/fast/_build/jupyter_execute``,
   after ``make book`` or ``make fast-book``; skipped otherwise): a number in
   a notebook's prose that equals, at the precision written, a number that
   the same notebook *printed* is a computed figure typed by hand, even if it
   does not look measured (``a long tail runs past 258``). Candidates are the
   figures of rule 2 and integers of three digits or more (years excluded,
   and numbers the notebook's code cells write, which are settings such as
   ``hidden_size=100``). A plain integer must be printed exactly; a figure
   with thousands separators may be a rounding (``73,000`` for 72,981).
   :data:`ALLOWED` and markers apply as above.

So a chapter satisfies the test by gluing what its code computes, and by
marking, with a reason, the few figures that are definitions, settings or
quotations. :func:`figures` is the whole rule; the tests at the end show it
failing on typed-in figures.
"""

from __future__ import annotations

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

#: Figures any notebook may type, with the reason. Keep it short: a figure
#: that one notebook alone needs goes in a marker in that notebook.
ALLOWED = {
    # constants of the book's setting
    "8.987": "ln 8000, the loss of a uniform guess over 8,000 words",
    "8.99": "ln 8000, rounded",
    "8.9872": "ln 8000, rounded",
    "0.167": "1/6, the adding problem's chance MSE",
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
    "350": "2015: NumPy SGD step, ms",
    "70": "2015: Theano CPU step, ms",
    "23": "2015: Theano GPU step, ms",
    "0.005": "2015: SGD learning rate",
    "0.001": "2015: RMSprop learning rate and gradient-check step",
    # other literature
    "4.17": "ln 65, Karpathy's tiny-shakespeare uniform loss",
    "1.50": "Pascanu et al. 2013, bits/char without clipping",
    "1.42": "Pascanu et al. 2013, bits/char with clipping",
    "1.4697": "nanoGPT shakespeare_char validation loss",
    "1,115,394": "tiny-shakespeare characters (Karpathy)",
}

_UNITS = (
    r"%|percent|ms|µs|μs|ns|s|sec|seconds?|min|minutes?|h|hours?|days?"
    r"|nats?|bits?|[kKMG]?B|[KMG]iB|tokens/s|words/s|steps/s|it/s"
)
_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?"
_FIGURE = re.compile(
    rf"(?<![\w.,])(?P<num>{_NUMBER})"
    rf"(?:(?P<power>e[-+]?\d+)"
    rf"|\s?(?P<unit>{_UNITS})(?![\w/])"
    rf"|\s?(?P<ratio>×|x|times)\s+(?:faster|slower|fewer|more|larger"
    rf"|smaller|less|as)\b"
    rf")?(?![\w.]\d)"
)
_POWER = re.compile(
    r"10(?:[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+"
    r"|\^\{?-?\d+\}?)"
)
_SECTION = re.compile(
    r"(?:Exercise|Exercises|Solution|Section|Chapter|Chapters|Figure|Table"
    r"|Part|Parts|Equation|version|v)\s*$",
    re.IGNORECASE,
)
_MARKER = re.compile(r"^\s*[%#]\s*prose-numbers:\s*(.*)$", re.MULTILINE)


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
    """Every figure in the prose of ``text``: (number as written, context)."""
    prose = _strip(text)
    found = []
    for m in _FIGURE.finditer(prose):
        num = m.group("num")
        before = prose[max(0, m.start() - 12) : m.start()]
        measured = (
            "." in num
            or "," in num
            or m.group("power")
            or m.group("unit")
            or m.group("ratio")
        )
        if not measured or _SECTION.search(before):
            continue
        if m.group("power"):
            num += m.group("power")
        found.append((num, prose[max(0, m.start() - 30) : m.end() + 30]))
    for m in _POWER.finditer(prose):
        if not re.search(r"[\w.]", prose[m.start() - 1 : m.start()] or " "):
            found.append((m.group(0), prose[max(0, m.start() - 30) : m.end()]))
    return found


def _marked(text: str) -> set[str]:
    marked: set[str] = set()
    for line in _MARKER.findall(text):
        marked.update(line.split("--")[0].split())
    return marked


def unexplained_figures(nb: nbformat.NotebookNode) -> list[str]:
    """``cell id: figure in context`` for each figure that is neither glued
    nor allowed (by :data:`ALLOWED` or a marker in its cell)."""
    problems = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            pieces = [cell.source]
        elif cell.cell_type == "code":
            mystnb = cell.get("metadata", {}).get("mystnb", {})
            pieces = [
                mystnb.get("figure", {}).get("caption", ""),
                mystnb.get("image", {}).get("alt", ""),
            ]
        else:
            continue
        allowed = _marked(cell.source) | _marked(
            "% prose-numbers: "
            + str(cell.get("metadata", {}).get("prose-numbers", ""))
        )
        for piece in pieces:
            for num, context in figures(piece):
                if num in ALLOWED or num in allowed:
                    continue
                context = " ".join(context.split())
                problems.append(
                    f"cell {cell.get('id')}: {num!r} in «{context}»"
                )
    return problems


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
        places = len(plain.split(".")[1])
        return round(printed, places) == float(plain)
    if "," in written:  # "73,000": a rounded large figure
        zeros = len(plain) - len(plain.rstrip("0"))
        return round(printed, -zeros) == float(plain)
    return printed == float(plain)  # a plain integer, exactly


def printed_figures_in_prose(
    nb: nbformat.NotebookNode, executed: nbformat.NotebookNode
) -> list[str]:
    """``cell id: number in context`` for each number of ``nb``'s prose that
    the executed copy of the notebook printed (rule 4)."""
    printed = _printed_numbers(executed)
    settings = {
        m.group(0)
        for cell in nb.cells
        if cell.cell_type == "code"
        for m in re.finditer(r"(?<![\w.])\d+(?![\w.])", cell.source)
    }
    problems = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        allowed = _marked(cell.source)
        prose = _strip(cell.source)
        candidates = {num for num, _ in figures(cell.source)}
        # plain integers of 3+ digits too, unless the notebook's own code
        # sets them (hidden_size=100, a batch of 128): those are settings,
        # which tables print as well
        candidates |= {
            m.group(0)
            for m in re.finditer(r"(?<![\w.,])\d{3,}(?![\w.,]\d)", prose)
            if not 1900 <= int(m.group(0)) <= 2100
            and m.group(0) not in settings
        }
        for num in sorted(candidates - allowed - set(ALLOWED)):
            if any(_matches(num, value) for value in printed):
                problems.append(f"cell {cell.get('id')}: {num!r} is printed")
    return problems


def _executed_copy(path: Path) -> Path | None:
    relative = path.relative_to(ROOT / "book")
    for build in (
        "_build/jupyter_execute",
        "_build/fast/_build/jupyter_execute",
    ):
        candidate = ROOT / build / relative
        if candidate.is_file():
            return candidate
    return None


@pytest.mark.parametrize(
    "path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT / "book").as_posix()
)
def test_no_printed_figure_typed_into_prose(path):
    executed = _executed_copy(path)
    if executed is None:
        pytest.skip("no executed copy: run `make fast-book` or `make book`")
    problems = printed_figures_in_prose(
        nbformat.read(path, as_version=4),
        nbformat.read(executed, as_version=4),
    )
    assert not problems, (
        f"{path.name}: numbers the notebook prints are typed into its prose "
        "(glue them):\n  " + "\n  ".join(problems)
    )


def test_every_notebook_of_the_book_is_found():
    names = {p.relative_to(ROOT / "book").as_posix() for p in NOTEBOOKS}
    assert "chapters/01_introduction.ipynb" in names
    assert "chapters/03_bptt_vanishing_gradients.ipynb" in names


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
    for figure in ("'14'", "'73,000'", "'4.950'", "'4.952'", "'15'"):
        assert any(figure in p for p in problems), (figure, problems)
    assert any("10^{-4}" in p for p in problems), problems
    assert all(p.startswith("cell cell0: ") for p in problems)


def test_a_typed_in_figure_in_a_caption_fails():
    cell = nbformat.v4.new_code_cell("plot()")
    cell.metadata["mystnb"] = {
        "figure": {"caption": "Training took 2.5 minutes.", "name": "f"},
        "image": {"alt": "A curve reaching 96.5 percent."},
    }
    problems = unexplained_figures(_notebook(cell))
    assert len(problems) == 2 and "'2.5'" in problems[0], problems
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
    assert problems[0].startswith("cell cell2: '3' in «It took 3 hours."), (
        problems
    )


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
    setting = nbformat.v4.new_code_cell("model = RNNNumpy(8000, 258)")
    assert printed_figures_in_prose(_notebook(prose, setting, code), nb) == [
        "cell cell0: '5.9' is printed"
    ]
