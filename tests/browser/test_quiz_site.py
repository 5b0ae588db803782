"""The chapters' quizzes on the built website, in a real browser, offline.

On every chapter page that has a quiz, Debian's Chromium (driven by
Python ``playwright``) answers a multiple-choice question wrongly and then
rightly, and a numeric question wrongly and then rightly, and checks that
the feedback changes each time; every request the page makes must go to
the site itself. The site, its server, the browser and ``chapter_page``
(every chapter's page) are ``conftest.py``'s.
"""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from tutorial_rnn.exercises import quiz


def _inside(url: str, server: str) -> bool:
    """A request stays on the site: its own address, a ``blob:`` URL the
    page made from its own data (same origin), or inline ``data:``."""
    return (
        url.startswith(server)
        or url.startswith("blob:" + server.rstrip("/"))
        or url.startswith("data:")
    )


def test_every_chapter_page_has_a_quiz(site):
    chapters = sorted(p.stem for p in (site / "chapters").glob("*.html"))
    assert chapters, "the site has no chapter pages"
    missing = [p for p in chapters if p not in quiz.chapters()]
    assert not missing, f"chapter pages without a quiz: {missing}"


def _feedback(question):
    box = question.locator(".rnn-quiz-feedback")
    return box.get_attribute("class"), box.inner_text()


def test_a_quiz_question_answered_wrongly_then_rightly(
    browser, server, chapter_page
):
    if chapter_page not in quiz.chapters():
        pytest.fail(f"{chapter_page} has no quiz")
    data = quiz.load(chapter_page)
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
            urljoin(server, f"chapters/{chapter_page}.html"),
            wait_until="networkidle",
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
