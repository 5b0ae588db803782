"""The built website in a real browser: every page, offline.

Debian's Chromium (``/usr/bin/chromium``) is driven by Python
``playwright`` (never ``playwright install``). The site is served from
``_build/fast/_build/html`` (what ``make test`` builds) or ``_build/html``
(``make book``), or from ``$TUTORIAL_RNN_SITE`` (``conftest.py``: the
server, the browser, ``page_name`` for every page). The machine has no
internet, so every script the pages need must come from the site itself:
a failed request fails the test.

Screenshots of every page go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def _visit(browser, url: str):
    """Open ``url``; return the page and the problems seen while loading it."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "requestfailed",
        lambda r: problems.append(f"request failed: {r.url} ({r.failure})"),
    )
    page.on(
        "response",
        lambda r: (
            problems.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400
            else None
        ),
    )
    page.goto(url, wait_until="networkidle")
    if page.evaluate("document.querySelectorAll('.math').length") > 0:
        page.wait_for_function(
            "window.MathJax && MathJax.startup && MathJax.startup.promise",
            timeout=15000,
        )
        page.evaluate("MathJax.startup.promise")
    return page, problems


def test_there_are_pages(pages):
    assert "index.html" in pages and any(
        p.startswith("chapters/") for p in pages
    ), pages


def test_page_renders_offline(browser, server, page_name):
    page, problems = _visit(browser, urljoin(server, page_name))
    try:
        # every widget view saved in the page is rendered by the site's own
        # widget manager
        views = page.evaluate(
            "document.querySelectorAll('script[type="
            '"application/vnd.jupyter.widget-view+json"'
            "]').length"
        )
        if views:
            selector = ".widget-subarea, .jupyter-widgets.widget-container"
            page.wait_for_function(
                f"document.querySelectorAll('{selector}').length >= {views}",
                timeout=15000,
            )
        page.wait_for_timeout(300)
        assert not problems, "\n".join(problems)

        images = page.evaluate(
            "Array.from(document.images)"
            ".map(i => [i.src, i.naturalWidth, i.alt])"
        )
        broken = [src for src, width, _ in images if width == 0]
        assert not broken, f"images that did not load: {broken}"
        figures = page.evaluate(
            "Array.from(document.querySelectorAll('figure img'))"
            ".map(i => i.alt)"
        )
        assert all(alt.strip() for alt in figures), (
            f"figure without alt text on {page_name}"
        )

        math = page.evaluate("document.querySelectorAll('.math').length")
        rendered = page.evaluate(
            "document.querySelectorAll('mjx-container').length"
        )
        assert rendered >= math, (
            f"{math} math elements but {rendered} rendered by MathJax"
        )
        text = page.evaluate("document.querySelector('main').innerText")
        assert "$$" not in text and "\\begin{" not in text, (
            "raw TeX left on the page"
        )
        outputs = page.evaluate(
            "Array.from(document.querySelectorAll('.cell_output'))"
            ".map(e => e.innerText).join('\\n')"
        )
        # a table printed as Markdown but not rendered shows its separator
        # row (smartquotes turn "---" into a dash)
        raw = re.search(r"\|\s*[-\u2013\u2014]+:?\s*\|", outputs)
        assert not raw, (
            "a Markdown table printed by a notebook was not rendered: "
            f"{raw and raw.group(0)!r}"
        )

        # code fits the page: at a 1280-pixel window no code block (79
        # columns) and no output scrolls sideways
        page.set_viewport_size({"width": 1280, "height": 800})
        page.wait_for_timeout(100)
        scrolling = page.evaluate(_SCROLLING)
        assert not scrolling, (
            f"{len(scrolling)} blocks scroll sideways at 1280 px on "
            f"{page_name}: " + "; ".join(scrolling[:5])
        )

        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(
                SHOTS
                / (page_name.replace("/", "_").removesuffix(".html") + ".png")
            ),
            full_page=True,
        )
    finally:
        page.close()


# Every code block (source shown in a cell, or by show_source) and every
# output (printed text, tables) of the article that is wider than its box.
_SCROLLING = """() => {
  const blocks = document.querySelectorAll(
    'main pre, main div.cell_output table, '
      + 'main .pst-scrollable-table-container'
  );
  return Array.from(blocks)
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => `${e.tagName} ${e.scrollWidth}>${e.clientWidth}: `
      + e.innerText.split('\\n')[0].slice(0, 60));
}"""


def test_display_math_fits_its_column(browser, server, page_name):
    """At a 1280 × 800 window every display equation is at most as wide as
    the text column it sits in: an equation wider than the column is cut
    off or scrolls, and its right end is lost to the reader."""
    page, _ = _visit(browser, urljoin(server, page_name))
    try:
        page.set_viewport_size({"width": 1280, "height": 800})
        # open what is folded (solutions, dropdowns) so that its math has
        # a width too
        page.evaluate(_UNFOLD)
        page.wait_for_timeout(100)
        displays = page.evaluate(
            "document.querySelectorAll("
            "'main mjx-container[display=\"true\"]').length"
        )
        tex_blocks = page.evaluate(
            "document.querySelectorAll('main div.math').length"
        )
        assert displays >= tex_blocks, (
            f"{tex_blocks} display equations but {displays} rendered on "
            f"{page_name}"
        )
        if not tex_blocks:
            return
        too_wide = page.evaluate(_WIDE_MATH)
        assert not too_wide, (
            f"{len(too_wide)} display equations wider than the column at "
            f"1280 px on {page_name}: " + "; ".join(too_wide[:5])
        )
    finally:
        page.close()


_UNFOLD = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('.toggle-hidden')
    .forEach(e => e.classList.remove('toggle-hidden'));
}"""

# Every display equation whose typeset width (MathJax's CHTML output)
# exceeds the width of the block it sits in (the text column, or a list item
# or admonition inside it), with the start of its TeX source.
_WIDE_MATH = """() => MathJax.startup.document
  .getMathItemsWithin(document.querySelector('main'))
  .filter(item => item.display && item.typesetRoot)
  .map(item => {
    const root = item.typesetRoot;
    const box = root.closest('div.math') || root.parentElement;
    const math = root.querySelector('mjx-math') || root;
    return [math.getBoundingClientRect().width, box.clientWidth,
      item.math];
  })
  .filter(([width, column]) => width > column + 1)
  .map(([width, column, tex]) => `${Math.round(width)} px in a `
    + `${Math.round(column)} px column: `
    + tex.replace(/\\s+/g, ' ').trim().slice(0, 60))"""


_HREF = re.compile(r'href="([^"#?]*)(?:\?[^"#]*)?(#[^"]*)?"')
_ID = re.compile(r'\bid="([^"]+)"')


def test_internal_links_resolve(site, page_name):
    html = (site / page_name).read_text(encoding="utf-8")
    missing = []
    for target, fragment in _HREF.findall(html):
        if urlparse(target).scheme or target.startswith(("//", "mailto:")):
            continue
        path = (
            (site / page_name).parent / unquote(target)
            if target
            else site / page_name
        )
        if path.is_dir():
            path = path / "index.html"
        if not path.resolve().is_file():
            missing.append(target)
            continue
        if fragment and len(fragment) > 1 and path.suffix == ".html":
            ids = set(_ID.findall(path.read_text(encoding="utf-8")))
            if unquote(fragment[1:]) not in ids:
                missing.append(target + fragment)
    assert not missing, (
        f"{page_name}: links to nothing: {sorted(set(missing))}"
    )


def test_search_finds_vanishing(browser, server):
    page, problems = _visit(
        browser, urljoin(server, "search.html?q=vanishing")
    )
    try:
        page.wait_for_selector(
            "#search-results li, ul.search li", timeout=15000
        )
        hits = page.evaluate(
            "document.querySelectorAll('#search-results li, ul.search li')"
            ".length"
        )
        assert hits >= 1
        assert not problems, "\n".join(problems)
    finally:
        page.close()


def test_static_explorer_on_the_site_moves(browser, server, site, pages):
    """Chapter 3's static gradient-decay explorer redraws when its slider
    moves."""
    pages = [
        p
        for p in pages
        if "gradient-explorer" in (site / p).read_text(encoding="utf-8")
    ]
    if not pages:
        pytest.skip("no page of this build holds the static explorer")
    for name in pages:
        page, problems = _visit(browser, urljoin(server, name))
        try:
            path = 'div.gradient-explorer path[data-role="measured"]'
            before = page.get_attribute(path, "d")
            page.eval_on_selector(
                'div.gradient-explorer input[data-role="scale"]',
                "s => { s.value = Number(s.max); "
                "s.dispatchEvent(new Event('input')); }",
            )
            after = page.get_attribute(path, "d")
            assert before and after and before != after, name
            assert not problems, "\n".join(problems)
        finally:
            page.close()
