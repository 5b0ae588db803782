"""What the browser tests share: Debian's Chromium, the built website served
over HTTP, and a JupyterLab serving a copy of a chapter.

- Chromium (``$TUTORIAL_RNN_CHROMIUM``, by default ``/usr/bin/chromium``)
  is driven by Python ``playwright`` (never ``playwright install``); every
  test in this folder is skipped without one or the other.
- The site is ``$TUTORIAL_RNN_SITE``, ``_build/fast/_build/html`` (what
  ``make test`` builds) or ``_build/html`` (``make book``); a test that
  needs it is skipped without one. A test with the argument ``page_name``
  runs on every page of the site, one with ``chapter_page`` on every
  chapter (the page's name without ``.html``).
- A test module that uses ``lab`` or ``lab_page`` names its notebook
  ``CHAPTER`` (a path) and may define ``keep_cell(cell)``: the cells of
  the copy JupyterLab serves. JupyterLab runs from this Python environment
  (the one ``make lab`` uses) on a free localhost port, without a token or
  a browser of its own, with ``TUTORIAL_RNN_FAST=1``; nothing is written
  into the repository, every wait is bounded, and the server is stopped
  at the end whatever happens.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TUTORIAL_RNN_CHROMIUM", "/usr/bin/chromium")
SKIP_PAGES = {"genindex.html"}  # Sphinx's empty general index


def _built_site() -> Path | None:
    for site in (
        os.environ.get("TUTORIAL_RNN_SITE"),
        ROOT / "_build/fast/_build/html",
        ROOT / "_build/html",
    ):
        if site and (Path(site) / "index.html").is_file():
            return Path(site).resolve()
    return None


SITE = _built_site()
PAGES = sorted(
    p.relative_to(SITE).as_posix()
    for p in (SITE.rglob("*.html") if SITE else [])
    if p.name not in SKIP_PAGES and "_static" not in p.parts
)


def _missing() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if importlib.util.find_spec("playwright") is None:
        return "pip install playwright to run the browser tests"
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        return (
            f"no Chromium at {CHROMIUM}: `apt-get install chromium` to run "
            "the browser tests (.ci/run installs it)"
        )
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    here = Path(__file__).parent
    for item in items:
        if reason and here in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_generate_tests(metafunc):
    if "page_name" in metafunc.fixturenames:
        metafunc.parametrize("page_name", PAGES)
    if "chapter_page" in metafunc.fixturenames:
        chapters = [
            Path(p).stem for p in PAGES if Path(p).parent.name == "chapters"
        ]
        metafunc.parametrize("chapter_page", chapters)


# ------------------------------------------------------ the built site
@pytest.fixture(scope="session")
def site() -> Path:
    """The built website's folder."""
    if SITE is None:
        pytest.skip("no built site: run `make fast-book` or `make book`")
    return SITE


@pytest.fixture(scope="session")
def pages(site) -> list[str]:
    """The site's pages (paths from its folder), Sphinx's empty index and
    ``_static`` left out."""
    return PAGES


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(site):
    """The site's base URL, served from localhost."""
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    """Chromium, offline and quiet."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


def _wait(page, predicate, timeout_s: float, what: str):
    """Poll ``predicate`` until it returns something true, and return it;
    fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        page.wait_for_timeout(300)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


@pytest.fixture
def wait():
    """``wait(page, predicate, timeout_s, what)``: see :func:`_wait`."""
    return _wait


# ----------------------------------------------------------- JupyterLab
#: Lab settings for the tests: every cell stays in the page (no windowing),
#: so that the checks see all of them; no news, no update checks.
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
def lab(request, tmp_path_factory):
    """The base URL of a JupyterLab serving a copy of the module's
    ``CHAPTER`` (the cells its ``keep_cell`` keeps, if it has one)."""
    pytest.importorskip("jupyterlab", reason="JupyterLab is not installed")
    chapter = request.module.CHAPTER
    keep = getattr(request.module, "keep_cell", None)
    base = tmp_path_factory.mktemp("lab")
    notebooks, config = base / "notebooks", base / "config"
    notebooks.mkdir()
    notebook = json.loads(chapter.read_text(encoding="utf-8"))
    if keep is not None:
        notebook["cells"] = [c for c in notebook["cells"] if keep(c)]
    (notebooks / chapter.name).write_text(
        json.dumps(notebook, indent=1, ensure_ascii=False), encoding="utf-8"
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
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
        log.close()


# The status of the open notebook's kernel (needs
# --LabApp.expose_app_in_browser), null before there is one.
_KERNEL = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const session = panel && panel.sessionContext
    ? panel.sessionContext.session : null;
  return session && session.kernel ? session.kernel.status : null;
}"""


@pytest.fixture
def lab_page(lab, browser, request):
    """A page showing the module's ``CHAPTER`` in ``lab``, its kernel
    started and idle."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{lab}/lab/tree/{request.module.CHAPTER.name}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        _wait(
            page,
            lambda: page.evaluate(_KERNEL) == "idle",
            90,
            "the kernel to start",
        )
        yield page
    finally:
        page.close()
