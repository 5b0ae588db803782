"""The chapters' quizzes: every file is well formed, has 4–6 questions with
feedback on every answer, and renders to HTML that needs nothing from
outside the page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tutorial_rnn.exercises import quiz

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "book" / "chapters"


NOTEBOOKS = sorted(p.stem for p in CHAPTERS.glob("*.ipynb"))


def test_every_chapter_has_a_quiz():
    assert NOTEBOOKS and set(NOTEBOOKS) <= set(quiz.chapters())


@pytest.mark.parametrize("name", quiz.chapters())
def test_each_quiz_has_four_to_six_questions_with_feedback(name):
    data = quiz.load(name)
    questions = data["questions"]
    assert 4 <= len(questions) <= 6
    kinds = {q["type"] for q in questions}
    assert kinds <= {"multiple_choice", "numeric"}
    for q in questions:
        correct = [a for a in q["answers"] if a.get("correct")]
        assert correct, q["question"]
        assert all(a["feedback"] for a in q["answers"])
        if q["type"] == "multiple_choice":
            assert len(q["answers"]) >= 2
            assert len(correct) == 1, q["question"]
        else:
            assert any(a["type"] == "default" for a in q["answers"])


@pytest.mark.parametrize("name", quiz.chapters())
def test_the_quiz_html_is_self_contained(name):
    page = quiz.show(name)._repr_html_()
    assert 'class="rnn-quiz"' in page and "<script>" in page
    # no request can leave the page: no URL, no src, no import, no fetch
    assert not re.search(r"https?:|src=|@import|fetch\(|XMLHttpRequest", page)
    payload = re.search(r'data-quiz="([^"]*)"', page).group(1)
    import html

    assert json.loads(html.unescape(payload)) == quiz.load(name)


def test_two_quizzes_on_one_page_get_different_ids():
    a, b = quiz.show("02_rnn_numpy"), quiz.show("02_rnn_numpy")
    assert a.id != b.id
    assert "6 questions" in repr(a)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_each_chapter_notebook_shows_its_own_quiz(name):
    nb = json.loads((CHAPTERS / f"{name}.ipynb").read_text("utf-8"))
    calls = [
        (found, c.get("metadata", {}).get("tags", []))
        for c in nb["cells"]
        if c["cell_type"] == "code"
        for found in re.findall(
            r'quiz\.show\("([^"]*)"\)', "".join(c["source"])
        )
    ]
    assert calls == [(name, ["remove-input"])], (
        f"{name} must show its quiz once, in a remove-input cell: "
        f"quiz.show({name!r})"
    )


@pytest.mark.parametrize(
    ("chapter", "error", "match"),
    [
        (None, TypeError, "chapter must be a notebook name"),
        (2, TypeError, "chapter must be a notebook name"),
        ("02", ValueError, "no quiz for chapter '02'"),
        ("../../setup", ValueError, "no quiz for chapter"),
    ],
)
def test_hostile_chapter_names_get_clear_errors(chapter, error, match):
    with pytest.raises(error, match=match):
        quiz.show(chapter)


@pytest.mark.parametrize(
    ("question", "match"),
    [
        ({"type": "essay", "question": "q", "answers": []}, "type must be"),
        ({"type": "numeric", "question": " ", "answers": []}, "question text"),
        ({"type": "numeric", "question": "q", "answers": []}, "non-empty"),
        (
            {
                "type": "multiple_choice",
                "question": "q",
                "answers": [{"answer": "a", "feedback": "f"}],
            },
            "no answer is marked correct",
        ),
        (
            {
                "type": "multiple_choice",
                "question": "q",
                "answers": [{"answer": "a", "correct": True, "feedback": ""}],
            },
            "needs its feedback",
        ),
        (
            {
                "type": "numeric",
                "question": "q",
                "answers": [
                    {"type": "exact", "correct": True, "feedback": "f"}
                ],
            },
            "numeric answers are",
        ),
    ],
)
def test_malformed_questions_are_refused(question, match):
    from tutorial_rnn.exercises.quiz import _check_question

    with pytest.raises(ValueError, match=match):
        _check_question(question, "q1")
