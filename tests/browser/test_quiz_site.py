"""The chapters' quizzes on the built website, in a real browser, offline.

On every chapter page that has a quiz, Debian's Chromium (driven by
Python ``playwright``) answers a multiple-choice question wrongly and then
rightly, and a numeric question wrongly and then rightly, and checks that
the feedback changes each time; every request the page makes must go to
the site itself. The site is the one ``tests/browser/test_site.py`` uses
(``$TUTORIAL_RNN_SITE``, ``_build/fast/_build/html`` or ``_build/html``).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin

import pytest

from tutorial_rnn.exercises import quiz

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TUTORIAL_RNN_CHROMIUM", "/usr/bin/chromium")


def _site() -> Path | None:
    for c in (
        os.environ.get("TUTORIAL_RNN_SITE"),
        ROOT / "_build/fast/_build/html",
        ROOT / "_build/html",
    ):
        if c and (Path(c) / "index.html").is_file():
            return Path(c).resolve()
    return None


SITE = _site()
playwright_api = pytest.importorskip(
    "playwright.sync_api",
    reason="pip install playwright to run the browser tests",
)
pytestmark = [
    pytest.mark.skipif(
        SITE is None,
        reason="no built site: run `make fast-book` or `make book` first",
    ),
    pytest.mark.skipif(
        not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()),
        reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium`",
    ),
]
CHAPTER_PAGES = (
    sorted(p.stem for p in (SITE / "chapters").glob("*.html") if SITE)
    if SITE and (SITE / "chapters").is_dir()
    else []
)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_Quiet, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
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


def _inside(url: str, server: str) -> bool:
    """A request stays on the site: its own address, a ``blob:`` URL the
    page made from its own data (same origin), or inline ``data:``."""
    return (
        url.startswith(server)
        or url.startswith("blob:" + server.rstrip("/"))
        or url.startswith("data:")
    )


def test_every_chapter_page_has_a_quiz():
    assert CHAPTER_PAGES, "the site has no chapter pages"
    missing = [p for p in CHAPTER_PAGES if p not in quiz.chapters()]
    assert not missing, f"chapter pages without a quiz: {missing}"


def _feedback(question):
    box = question.locator(".rnn-quiz-feedback")
    return box.get_attribute("class"), box.inner_text()


@pytest.mark.parametrize("name", CHAPTER_PAGES)
def test_a_quiz_question_answered_wrongly_then_rightly(browser, server, name):
    if name not in quiz.chapters():
        pytest.fail(f"{name} has no quiz")
    data = quiz.load(name)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside, problems = [], []
    page.on(
        "request",
        lambda r: None if _inside(r.url, server) else outside.append(r.url),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "requestfailed",
        lambda r: problems.append(f"request failed: {r.url}"),
    )
    try:
        page.goto(
            urljoin(server, f"chapters/{name}.html"), wait_until="networkidle"
        )
        root = page.locator(".rnn-quiz[data-drawn]")
        assert root.count() == 1, "the quiz was not drawn (or drawn twice)"
        questions = root.locator(".rnn-quiz-question")
        assert questions.count() == len(data["questions"])

        for index, q in enumerate(data["questions"]):
            item = questions.nth(index)
            item.scroll_into_view_if_needed()
            if q["type"] == "multiple_choice":
                wrong = next(a for a in q["answers"] if not a["correct"])
                right = next(a for a in q["answers"] if a["correct"])
                item.get_by_role(
                    "button", name=wrong["answer"], exact=True
                ).click()
                cls, text = _feedback(item)
                assert "rnn-quiz-wrong" in cls
                assert text.startswith("✗") and wrong["feedback"] in text
                item.get_by_role(
                    "button", name=right["answer"], exact=True
                ).click()
            else:
                right = next(a for a in q["answers"] if a.get("correct"))
                value = right.get("value", (right.get("range") or [0])[0])
                item.locator("input").fill("123456789")
                item.get_by_role("button", name="Check").click()
                cls, text = _feedback(item)
                assert "rnn-quiz-wrong" in cls and text.startswith("✗")
                item.locator("input").fill(str(value))
                item.locator("input").press("Enter")
            cls, text = _feedback(item)
            assert "rnn-quiz-right" in cls, (q["question"], text)
            assert text.startswith("✓") and right["feedback"] in text
        page.wait_for_timeout(200)
        assert not outside, f"requests that left the site: {outside}"
        assert not problems, "\n".join(problems)
    finally:
        page.close()
