"""Chapter 2's "Your turn" in `make lab`'s JupyterLab, in a real browser.

JupyterLab serves a temporary copy of Chapter 2 (nothing is written into
the repository). Debian's Chromium, driven by Python ``playwright``, types
a BPTT that forgets the derivative of tanh into the chapter's scaffold
cell, runs that cell alone, and reads the diagnosis naming the mistake;
then types the right BPTT and sees it accepted. Last, it runs the
chapter's quiz cell and answers a question in the output: the quiz works
in JupyterLab too. Every wait is bounded; the server is stopped whatever
happens (``conftest.py``).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = ROOT / "book" / "chapters" / "02_rnn_numpy.ipynb"
SCAFFOLD, QUIZ = "yt2-bptt-scaffold", "yt2-quiz"

HEAD = "from tutorial_rnn.exercises import ch2\n\n\ndef bptt(model, x, y):\n"
BODY = """\
    T = len(x)
    k = T if model.bptt_truncate is None else model.bptt_truncate
    o, s = model.forward(x)
    dU, dV, dW = (np.zeros_like(p) for p in (model.U, model.V, model.W))
    d_o = o.copy()
    d_o[np.arange(T), y] -= 1.0
    for t in reversed(range(T)):
        dV += np.outer(d_o[t], s[t])
        delta = (model.V.T @ d_o[t]) * (1 - s[t] ** 2)
        for j in reversed(range(max(0, t - k), t + 1)):
            prev = s[j - 1] if j > 0 else np.zeros_like(s[0])
            dW += np.outer(delta, prev)
            dU[:, x[j]] += delta
            delta = (model.W.T @ delta)DERIVATIVE
    return dU, dV, dW


ch2.bptt.check(bptt)
"""
WRONG = "import numpy as np\n" + HEAD + BODY.replace("DERIVATIVE", "")
RIGHT = (
    "import numpy as np\n"
    + HEAD
    + BODY.replace("DERIVATIVE", " * (1 - prev**2)")
)


# The cell with a given id: its index, source, execution count and outputs.
_CELL = """(id) => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext) { return null; }
  const session = panel.sessionContext.session;
  const kernel = session && session.kernel ? session.kernel.status : "none";
  const cells = panel.content.widgets;
  const index = cells.findIndex(c => c.model.id === id);
  if (index < 0) { return {kernel: kernel, index: -1}; }
  const m = cells[index].model;
  return {
    kernel: kernel, index: index, source: m.sharedModel.getSource(),
    count: m.executionCount,
    outputs: m.outputs.toJSON().map(o => o.output_type === "error"
      ? o.ename + ": " + o.evalue
      : JSON.stringify(o.data || o.text || "")),
  };
}"""


def _type_and_run(page, wait, cell_id: str, code: str | None) -> dict:
    """Type ``code`` into the cell (None: leave it), run it alone, and
    return its state once the kernel is idle again."""
    state = page.evaluate(_CELL, cell_id)
    assert state and state["index"] >= 0, f"no cell {cell_id} in Chapter 2"
    index = state["index"]
    page.evaluate(
        "(i) => { const p = window.jupyterapp.shell.currentWidget;"
        " p.content.activeCellIndex = i; p.content.mode = 'command'; }",
        index,
    )
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    cell.scroll_into_view_if_needed()
    if code is not None:
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.insert_text(code)
        typed = page.evaluate(_CELL, cell_id)["source"]
        assert typed.strip() == code.strip(), "the editor changed the code"
    before = page.evaluate(_CELL, cell_id)["count"]
    page.evaluate(
        "() => window.jupyterapp.commands.execute('notebook:run-cell')"
    )

    def done():
        s = page.evaluate(_CELL, cell_id)
        ran = s["count"] is not None and s["count"] != before
        return s if ran and s["kernel"] == "idle" else None

    return wait(page, done, 120, f"cell {cell_id} to run")


def test_a_wrong_bptt_gets_its_diagnosis_and_the_right_one_passes(
    lab_page, wait
):
    page = lab_page
    scaffold = page.evaluate(_CELL, SCAFFOLD)["source"]
    assert "raise NotImplementedError" in scaffold

    # the blank scaffold, run as it is: the friendly message
    state = _type_and_run(page, wait, SCAFFOLD, None)
    assert any(
        o.startswith("NotImplementedError") and "scaffold" in o
        for o in state["outputs"]
    ), state["outputs"]

    state = _type_and_run(page, wait, SCAFFOLD, WRONG)
    errors = [o for o in state["outputs"] if o.startswith("Check")]
    assert errors, state["outputs"]
    assert "CheckFailed" in errors[0]
    assert "Likely mistake: the derivative of tanh forgotten" in (errors[0])
    assert "eq-delta" in errors[0]
    shown = (
        page.locator(".jp-Notebook .jp-Cell").nth(state["index"]).inner_text()
    )
    assert "the derivative of tanh forgotten" in shown

    state = _type_and_run(page, wait, SCAFFOLD, RIGHT)
    text = " ".join(state["outputs"])
    assert "bptt passes" in text, state["outputs"]
    assert not any(o.startswith("Check") for o in state["outputs"])

    # the quiz draws itself in the cell's output and answers
    state = _type_and_run(page, wait, QUIZ, None)
    out = page.locator(".jp-Notebook .jp-Cell").nth(state["index"])
    question = out.locator(".rnn-quiz[data-drawn] .rnn-quiz-question").first
    question.wait_for(timeout=15_000)
    question.get_by_role("button", name="[START, w1, w2]").click()
    feedback = question.locator(".rnn-quiz-feedback")
    assert feedback.inner_text().startswith("✗")
    question.get_by_role("button", name="[w1, w2, END]").click()
    assert feedback.inner_text().startswith("✓")
