"""Each chapter's quiz, answered in the browser: no kernel, no network.

The questions of a chapter live in ``quizzes/<chapter>.json`` beside this
module, in the question format of the ``jupyterquiz`` package
(``multiple_choice`` questions with per-answer feedback, ``numeric`` ones
with values, ranges and a default). :func:`show` returns an object whose
HTML is the questions and a small script (``quiz.js``) that draws them:
the built website serves it inline with the page, and JupyterLab runs it
in the (trusted) output of the cell, so the quiz works in both.

Why not ``jupyterquiz`` (2.9.6.4) itself: the script it injects into every
quiz looks at MathJax 500 ms after drawing the questions and, when
``window.MathJax`` exists without ``MathJax.typeset``, appends
``<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-svg.js">``.
This book's pages set ``window.MathJax`` (Sphinx's configuration object)
before loading the site's own MathJax with ``defer``, so whether a quiz
page asks a CDN for MathJax (or throws a TypeError, when MathJax has not
loaded yet) would depend on timing. The site must never request anything
from elsewhere, so the quizzes are drawn by the few lines of ``quiz.js``,
which use no MathJax (the questions are plain Unicode text).
"""

from __future__ import annotations

import html
import itertools
import json
from importlib import resources
from typing import Any

__all__ = ["Quiz", "chapters", "load", "show"]

_counter = itertools.count(1)
_KINDS = ("multiple_choice", "numeric")


def _files():
    return resources.files(__package__)


def chapters() -> list[str]:
    """The chapters that have a quiz: ``["01_introduction", ...]``."""
    folder = _files().joinpath("quizzes")
    return sorted(
        p.name.removesuffix(".json")
        for p in folder.iterdir()
        if p.name.endswith(".json")
    )


def _check_question(q: Any, where: str) -> None:
    if not isinstance(q, dict) or q.get("type") not in _KINDS:
        raise ValueError(f"{where}: type must be one of {_KINDS}")
    if not isinstance(q.get("question"), str) or not q["question"].strip():
        raise ValueError(f"{where}: needs a question text")
    answers = q.get("answers")
    if not isinstance(answers, list) or not answers:
        raise ValueError(f"{where}: needs a non-empty list of answers")
    if not any(a.get("correct") for a in answers):
        raise ValueError(f"{where}: no answer is marked correct")
    for a in answers:
        if not isinstance(a.get("feedback"), str) or not a["feedback"]:
            raise ValueError(f"{where}: every answer needs its feedback")
        if q["type"] == "multiple_choice" and not isinstance(
            a.get("answer"), str
        ):
            raise ValueError(f"{where}: every choice needs its text")
        if q["type"] == "numeric" and a.get("type") not in (
            "value",
            "range",
            "default",
        ):
            raise ValueError(
                f"{where}: numeric answers are 'value', 'range' or 'default'"
            )


def load(chapter: str) -> dict[str, Any]:
    """The quiz of ``chapter`` (its notebook's name, without ``.ipynb``),
    checked.

    Raises
    ------
    TypeError
        If ``chapter`` is not a string.
    ValueError
        If the chapter has no quiz, or its file is malformed.
    """
    if not isinstance(chapter, str):
        raise TypeError(
            f"chapter must be a notebook name such as '02_rnn_numpy', got "
            f"{type(chapter).__name__} {chapter!r}"
        )
    known = chapters()
    if chapter not in known:
        raise ValueError(
            f"no quiz for chapter {chapter!r}; the quizzes are {known}"
        )
    text = (
        _files()
        .joinpath("quizzes", f"{chapter}.json")
        .read_text(encoding="utf-8")
    )
    quiz = json.loads(text)
    questions = quiz.get("questions") if isinstance(quiz, dict) else None
    if not isinstance(questions, list) or not questions:
        raise ValueError(f"quiz {chapter!r} has no questions")
    for i, q in enumerate(questions, start=1):
        _check_question(q, f"quiz {chapter!r}, question {i}")
    return quiz


class Quiz:
    """A quiz as HTML (questions + drawing script), shown by Jupyter."""

    def __init__(self, chapter: str):
        self.chapter = chapter
        self.data = load(chapter)
        self.id = f"rnn-quiz-{chapter}-{next(_counter)}"

    def __repr__(self) -> str:
        n = len(self.data["questions"])
        return f"<quiz of {self.chapter}: {n} questions>"

    def _repr_html_(self) -> str:
        folder = _files()
        script = folder.joinpath("quiz.js").read_text(encoding="utf-8")
        style = folder.joinpath("quiz.css").read_text(encoding="utf-8")
        payload = html.escape(json.dumps(self.data, ensure_ascii=False))
        fallback = "The quiz needs JavaScript: open the page in a browser."
        return (
            f"<style>{style}</style>\n"
            f'<div class="rnn-quiz" id="{self.id}" data-quiz="{payload}">'
            f"<p>{fallback}</p></div>\n"
            f"<script>{script}</script>"
        )


def show(chapter: str) -> Quiz:
    """The quiz of ``chapter``, for a notebook cell's output:
    ``quiz.show("02_rnn_numpy")``."""
    return Quiz(chapter)
