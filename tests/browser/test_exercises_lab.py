"""Chapter 2's "Your turn" in `make lab`'s JupyterLab, in a real browser.

JupyterLab serves a temporary copy of Chapter 2 (nothing is written into
the repository). Debian's Chromium, driven by Python ``playwright``, types
a BPTT that forgets the derivative of tanh into the chapter's scaffold
cell, runs that cell alone, and reads the diagnosis naming the mistake;
then types the right BPTT and sees it accepted. Last, it runs the
chapter's quiz cell and answers a question in the output: the quiz works
in JupyterLab too. Every wait is bounded; the server is stopped whatever
happens.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = ROOT / "book" / "chapters" / "02_rnn_numpy.ipynb"
SCAFFOLD, QUIZ = "yt2-bptt-scaffold", "yt2-quiz"
CHROMIUM = os.environ.get("TUTORIAL_RNN_CHROMIUM", "/usr/bin/chromium")
playwright_api = pytest.importorskip(
    "playwright.sync_api",
    reason="pip install playwright to run the browser tests",
)
pytest.importorskip("jupyterlab", reason="JupyterLab is not installed")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium` "
    "(.ci/run installs it)",
)
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": (
        '{"windowingMode": "none"}'
    ),
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": (
        '{"fetchNews": "false", "checkForUpdates": false}'
    ),
}

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """The base URL of a JupyterLab serving a copy of Chapter 2."""
    base = tmp_path_factory.mktemp("lab-exercises")
    notebooks, config = base / "notebooks", base / "config"
    notebooks.mkdir()
    shutil.copy(CHAPTER, notebooks / CHAPTER.name)
    for name, text in SETTINGS.items():
        path = config / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "TUTORIAL_RNN_FAST": "1",
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
        ).rstrip(os.pathsep),
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
    }
    port = _free_port()
    log_path = base / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={notebooks}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.extension_manager=readonly",
            "--allow-root",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(log_path.read_text()[-2000:])
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("JupyterLab did not start") from None
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
        log.close()


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


def _wait(page, predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        page.wait_for_timeout(300)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def _type_and_run(page, cell_id: str, code: str | None) -> dict:
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

    return _wait(page, done, 120, f"cell {cell_id} to run")


def test_a_wrong_bptt_gets_its_diagnosis_and_the_right_one_passes(lab):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(30_000)
            page.goto(f"{lab}/lab/tree/{CHAPTER.name}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            _wait(
                page,
                lambda: (
                    (page.evaluate(_CELL, SCAFFOLD) or {}).get("kernel")
                    == "idle"
                ),
                90,
                "the kernel to start",
            )
            scaffold = page.evaluate(_CELL, SCAFFOLD)["source"]
            assert "raise NotImplementedError" in scaffold

            # the blank scaffold, run as it is: the friendly message
            state = _type_and_run(page, SCAFFOLD, None)
            assert any(
                o.startswith("NotImplementedError") and "scaffold" in o
                for o in state["outputs"]
            ), state["outputs"]

            state = _type_and_run(page, SCAFFOLD, WRONG)
            errors = [o for o in state["outputs"] if o.startswith("Check")]
            assert errors, state["outputs"]
            assert "CheckFailed" in errors[0]
            assert (
                "Likely mistake: the derivative of tanh forgotten"
                in (errors[0])
            )
            assert "eq-delta" in errors[0]
            shown = (
                page.locator(".jp-Notebook .jp-Cell")
                .nth(state["index"])
                .inner_text()
            )
            assert "the derivative of tanh forgotten" in shown

            state = _type_and_run(page, SCAFFOLD, RIGHT)
            text = " ".join(state["outputs"])
            assert "bptt passes" in text, state["outputs"]
            assert not any(o.startswith("Check") for o in state["outputs"])

            # the quiz draws itself in the cell's output and answers
            state = _type_and_run(page, QUIZ, None)
            out = page.locator(".jp-Notebook .jp-Cell").nth(state["index"])
            question = out.locator(
                ".rnn-quiz[data-drawn] .rnn-quiz-question"
            ).first
            question.wait_for(timeout=15_000)
            question.get_by_role("button", name="[START, w1, w2]").click()
            feedback = question.locator(".rnn-quiz-feedback")
            assert feedback.inner_text().startswith("✗")
            question.get_by_role("button", name="[w1, w2, END]").click()
            assert feedback.inner_text().startswith("✓")
        finally:
            browser.close()
