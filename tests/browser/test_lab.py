"""Chapter 3 in `make lab`'s JupyterLab, in a real browser.

JupyterLab is started from this Python environment (the one ``make lab``
uses) on a free localhost port, without a token or a browser of its own, on a
temporary copy of Chapter 3 (nothing is written into the repository), with
``TUTORIAL_RNN_FAST=1`` in its environment so that the kernel runs the fast
build. Debian's Chromium, driven by Python ``playwright``, opens the chapter,
runs every cell, and checks what a local reader sees:

- no cell has an error output or writes to stderr;
- the MyST roles are rendered (``jupyterlab-myst``): no raw ``{ref}`...```,
  ``{eq}`...``` or ``{numref}`...``` text on the page;
- the live explorer redraws: moving its λ₁ slider changes its image.

Every wait is bounded, and the server is stopped at the end whatever
happens. The test does not need the built website.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = ROOT / "book" / "chapters" / "03_bptt_vanishing_gradients.ipynb"
CHROMIUM = os.environ.get("TUTORIAL_RNN_CHROMIUM", "/usr/bin/chromium")
RUN_ALL_TIMEOUT_S = 420  # Chapter 3 in fast mode: about a minute alone
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

#: Lab settings for the test: every cell stays in the page (no windowing),
#: so that the checks below see all of them.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": (
        '{"windowingMode": "none"}'
    ),
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": (
        '{"fetchNews": "false", "checkForUpdates": false}'
    ),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(
    url: str, timeout_s: float, server: subprocess.Popen, log: Path
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log.read_text(encoding="utf-8")[-2000:]
            raise RuntimeError(
                f"JupyterLab exited with {server.returncode}:\n{tail}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer {url} in {timeout_s} s")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(base URL, notebook name): a JupyterLab serving a copy of Chapter 3."""
    base = tmp_path_factory.mktemp("lab")
    notebooks, config = base / "notebooks", base / "config"
    notebooks.mkdir()
    # The "Your turn" scaffolds raise NotImplementedError until a reader
    # fills them in; the build leaves them unexecuted (skip-execution), and
    # so does this run (JupyterLab's run-all would stop at the first one).
    chapter = json.loads(CHAPTER.read_text(encoding="utf-8"))
    chapter["cells"] = [
        c
        for c in chapter["cells"]
        if "skip-execution" not in c.get("metadata", {}).get("tags", [])
    ]
    (notebooks / CHAPTER.name).write_text(
        json.dumps(chapter, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    for name, text in SETTINGS.items():
        path = config / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "TUTORIAL_RNN_FAST": "1",
        # the kernel imports this checkout's package
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
            "--LabApp.extension_manager=readonly",  # no package index
            "--allow-root",  # CI containers run as root
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/api/status", 60, server, log_path)
        yield url, CHAPTER.name
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
        log.close()


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


def _wait(page, predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        page.wait_for_timeout(500)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def test_chapter_3_runs_in_jupyterlab_with_myst_and_a_live_explorer(lab):
    url, name = lab
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(30_000)
            page.goto(f"{url}/lab/tree/{name}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            _wait(
                page,
                lambda: (page.evaluate(_STATE) or {}).get("kernel") == "idle",
                90,
                "the kernel to start",
            )

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
                "() => window.jupyterapp.commands.execute("
                "'notebook:run-all-cells')"
            )

            def finished():
                state = page.evaluate(_STATE)
                done = state["kernel"] == "idle" and all(
                    c["count"] for c in state["cells"]
                )
                return state if done else None

            state = _wait(page, finished, RUN_ALL_TIMEOUT_S, "run all cells")
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
            _wait(
                page,
                lambda: image.get_attribute("src") != before,
                30,
                "the explorer's image to change",
            )
            assert readout.inner_text().strip().startswith("1.8")
        finally:
            browser.close()
