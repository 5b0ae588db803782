"""Chapter 6's exercise: one step of beam search.

``beam_step(beam, log_p, width, end_id)`` takes

- ``beam``: the partial sentences, a list of ``(log_prob, words)`` with
  ``words`` a list of word ids (all of the same length);
- ``log_p`` (len(beam), V): each one's log-probabilities of the next word,
  ``-inf`` for words that may not come next (masked);
- ``width`` (k) and ``end_id`` (the id of SENTENCE_END);

extends each partial sentence by its ``k`` best allowed next words, keeps
the ``k`` best of all these candidates, and returns ``(new_beam,
finished)``: the survivors that did not choose END, each with its new word
appended, and those that chose END (their words without it), both as
``(log_prob, words)``. This is the body of the loop of
:func:`tutorial_rnn.decoding.beam_search`::

    from tutorial_rnn.exercises import ch6
    ch6.beam_step.check(my_beam_step)
"""

from __future__ import annotations

import numpy as np

from .. import decoding
from ..activations import log_softmax
from .core import CheckFailed, Exercise, fixed, table

__all__ = ["beam_step"]

END = 2  # the id of SENTENCE_END in the cases


def reference_beam_step(
    beam,
    log_p,
    width,
    end_id,
    *,
    grow=0,
    add_prefix=True,
    per_hyp=False,
    skip_masked=True,
    reverse_ties=False,
):
    """One pass of the loop of ``decoding.beam_search``, on given
    log-probabilities (the tests prove that repeating it reproduces
    ``beam_search``); each switch makes one catalogued mistake."""
    candidates = []
    for (log_prob, words), row in zip(beam, log_p, strict=True):
        order = (
            np.argsort(row, kind="stable")[::-1]
            if reverse_ties
            else np.argsort(-row, kind="stable")
        )
        for x in order[:width]:
            if row[x] > -np.inf or not skip_masked:
                total = (log_prob if add_prefix else 0.0) + row[x]
                candidates.append((total, words, int(x)))
    candidates.sort(key=lambda c: -c[0])  # stable: ties keep their order
    new_beam, finished = [], []
    for log_prob, words, x in candidates if per_hyp else candidates[:width]:
        if x == end_id and grow != 1:
            finished.append((log_prob, list(words)))
            if grow == 2:  # finished, and still on the beam
                new_beam.append((log_prob, [*words, x]))
        else:
            new_beam.append((log_prob, [*words, x]))
    return new_beam, finished


def _canonical(hyps, what: str) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(hyps, list | tuple):
        raise CheckFailed(
            f"{what} must be a list of (log_prob, words) pairs, got "
            f"{type(hyps).__name__}"
        )
    rows = []
    for h in hyps:
        if not isinstance(h, tuple | list) or len(h) != 2:
            raise CheckFailed(
                f"each entry of {what} must be a pair (log_prob, words), "
                f"got {h!r}"
            )
        try:
            rows.append((float(h[0]), [int(w) for w in h[1]]))
        except (TypeError, ValueError):
            raise CheckFailed(
                f"each entry of {what} must be (a number, a list of word "
                f"ids), got {h!r}"
            ) from None
    rows.sort(key=lambda r: (-r[0], r[1]))
    longest = max((len(w) for _, w in rows), default=0)
    words = np.full((len(rows), longest), -1.0)
    for i, (_, w) in enumerate(rows):
        words[i, : len(w)] = w
    return np.array([lp for lp, _ in rows]), words


def _outputs(result) -> tuple:
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise CheckFailed(
            "beam_step must return two lists, `new_beam, finished`"
        )
    beam_lp, beam_words = _canonical(result[0], "new_beam")
    done_lp, done_words = _canonical(result[1], "finished")
    return beam_lp, beam_words, done_lp, done_words


def _args(n_beam, V, width, seed, end_boost=0.0, masked=()):
    rng = np.random.default_rng(seed)
    beam = [
        (
            float(-rng.uniform(0.5, 6.0)),
            [int(w) for w in rng.integers(3, V, 2)],
        )
        for _ in range(n_beam)
    ]
    scores = rng.standard_normal((n_beam, V)) * 2.0
    scores[:, END] += end_boost
    log_p = log_softmax(scores)
    log_p[:, list(masked)] = -np.inf
    return beam, log_p, width, END


beam_step = Exercise(
    name="beam_step",
    reference=reference_beam_step,
    wrong=reference_beam_step,
    cases=[
        *table(
            _args,
            ("random: 3 partial sentences, V=10, width 3", 3, 10, 3, 1),
            ("random: 4 partial sentences, V=15, width 4", 4, 15, 4, 2),
            ("random: 2 partial sentences, V=8, width 2", 2, 8, 2, 3),
        ),
        fixed(
            "the first step (one empty sentence)",
            [(0.0, [])],
            log_softmax(np.random.default_rng(4).standard_normal((1, 9))),
            3,
            END,
        ),
        *table(
            _args,
            ("a beam of width 1 (greedy)", 1, 9, 1, 5),
            ("sentences ending (END among the best words)", 3, 10, 3, 6, 3.0),
            (
                "masked tokens (UNKNOWN and START at -inf)",
                3,
                10,
                3,
                7,
                0,
                (0, 1),
            ),
            (
                "fewer allowed words than the width",
                1,
                6,
                4,
                8,
                0,
                (0, 1, 3, 4),
            ),
        ),
    ],
    outputs=(
        ("new_beam's log-probabilities (best first)", ("hypothesis",)),
        ("new_beam's words", ("hypothesis", "position")),
        ("finished's log-probabilities (best first)", ("hypothesis",)),
        ("finished's words", ("hypothesis", "position")),
    ),
    solution_of=decoding.beam_search,
    normalise=_outputs,
)
