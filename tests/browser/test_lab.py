"""Chapter 3 in `make lab`'s JupyterLab, in a real browser.

JupyterLab serves a temporary copy of Chapter 3 with
``TUTORIAL_RNN_FAST=1``, so that the kernel runs the fast build. Debian's
Chromium, driven by Python ``playwright``, opens the chapter, runs every
cell, and checks what a local reader sees:

- no cell has an error output or writes to stderr;
- the MyST roles are rendered (``jupyterlab-myst``): no raw ``{ref}`...```,
  ``{eq}`...``` or ``{numref}`...``` text on the page;
- the live explorer redraws: moving its λ₁ slider changes its image.

JupyterLab, the browser and the bounded waits are ``conftest.py``'s. The
test does not need the built website.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = ROOT / "book" / "chapters" / "03_bptt_vanishing_gradients.ipynb"
RUN_ALL_TIMEOUT_S = 420  # Chapter 3 in fast mode: about a minute alone


def keep_cell(cell: dict) -> bool:
    """The "Your turn" scaffolds raise NotImplementedError until a reader
    fills them in; the build leaves them unexecuted (skip-execution), and
    so does this run (JupyterLab's run-all would stop at the first one)."""
    return "skip-execution" not in cell.get("metadata", {}).get("tags", [])


# What the page's JupyterLab reports about the open notebook (needs
# --LabApp.expose_app_in_browser).
_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext) { return null; }
  const kernel = panel.sessionContext.session
    ? panel.sessionContext.session.kernel : null;
  const cells = panel.content.widgets
    .filter(c => c.model.type === "code")
    .map(c => ({
      count: c.model.executionCount,
      outputs: c.model.outputs.toJSON().map(o => ({
        type: o.output_type,
        name: o.name || "",
        text: o.output_type === "error" ? o.ename + ": " + o.evalue
          : (o.name === "stderr" ? String(o.text).slice(0, 300) : ""),
      })),
    }));
  return {kernel: kernel ? kernel.status : "none", cells: cells};
}"""


def test_chapter_3_runs_in_jupyterlab_with_myst_and_a_live_explorer(
    lab_page, wait
):
    page = lab_page
    # MyST is rendered (jupyterlab-myst draws Markdown cells into a
    # .myst element): no role is left as raw text
    page.wait_for_selector(".jp-MarkdownCell .myst", timeout=30_000)
    prose = page.evaluate(
        "() => Array.from(document.querySelectorAll("
        "'.jp-MarkdownCell .myst, .jp-MarkdownOutput'))"
        ".map(e => e.innerText).join('\\n')"
    )
    assert "Backpropagation through time" in prose
    for role in ("{ref}`", "{eq}`", "{numref}`"):
        assert role not in prose, f"raw {role} on the page"

    page.evaluate(
        "() => window.jupyterapp.commands.execute('notebook:run-all-cells')"
    )

    def finished():
        state = page.evaluate(_STATE)
        done = state["kernel"] == "idle" and all(
            c["count"] for c in state["cells"]
        )
        return state if done else None

    state = wait(page, finished, RUN_ALL_TIMEOUT_S, "run all cells")
    problems = [
        o["text"] or o["type"]
        for c in state["cells"]
        for o in c["outputs"]
        if o["type"] == "error" or o["name"] == "stderr"
    ]
    assert not problems, problems

    # the live explorer: set λ₁ through the slider's readout
    slider = page.locator(
        ".widget-slider",
        has_text="λ₁ of W",
    ).first
    slider.scroll_into_view_if_needed()
    image = page.locator(".jupyter-widgets img").first
    image.wait_for(state="visible")
    before = image.get_attribute("src")
    readout = slider.locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("1.8")
    page.keyboard.press("Enter")
    wait(
        page,
        lambda: image.get_attribute("src") != before,
        30,
        "the explorer's image to change",
    )
    assert readout.inner_text().strip().startswith("1.8")
