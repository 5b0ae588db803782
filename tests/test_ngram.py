"""The Kneser–Ney trigram baseline: hand-computed probabilities on a toy
corpus, normalisation, the networks' targets, and clear errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorial_rnn.ngram import KneserNeyTrigram

# ids: 0 START, 1 END, 2 "a", 3 "b", 4 "c"; sentences "a b", "a c", "b"
X_TOY = [np.array([0, 2, 3]), np.array([0, 2, 4]), np.array([0, 3])]
Y_TOY = [np.array([2, 3, 1]), np.array([2, 4, 1]), np.array([3, 1])]


@pytest.fixture
def toy() -> KneserNeyTrigram:
    return KneserNeyTrigram.fit(X_TOY, Y_TOY, vocab_size=5, discount=0.5)


def p(model: KneserNeyTrigram, u: int, v: int, w: int) -> float:
    return float(model.probabilities([u], [v], [w])[0])


def test_toy_probabilities_match_hand_computation(toy):
    # Worked by hand with D = 1/2. Bigram types (v, w) and how many
    # distinct words precede them: (0,2) 1, (0,3) 1, (2,3) 1, (2,4) 1,
    # (3,1) 2, (4,1) 1; six types in all. Words preceded by something:
    # 1 (by 3, 4), 2 (by 0), 3 (by 2, 0), 4 (by 2): four words.
    # P1(w) = (max(N(.w) - 1/2, 0) + 1/2 * 4/5) / 6
    assert p(toy, 4, 1, 0) == pytest.approx(1 / 15)  # unseen context, v=1
    assert p(toy, 4, 1, 1) == pytest.approx(19 / 60)
    assert p(toy, 4, 1, 2) == pytest.approx(3 / 20)
    # P2(3 | 2) = (1/2 + 1/2 * 2 * 19/60) / 2; context (4, 2) never seen
    assert p(toy, 4, 2, 3) == pytest.approx(49 / 120)
    assert p(toy, 4, 2, 1) == pytest.approx(19 / 120)
    # (0, 0) was followed by 2 twice and by 3 once: c = 3, two types
    # P3(2 | 0 0) = (2 - 1/2 + 1/2 * 2 * P2(2 | 0)), P2(2 | 0) = 13/40
    assert p(toy, 0, 0, 2) == pytest.approx(73 / 120)
    assert p(toy, 0, 0, 3) == pytest.approx(109 / 360)
    # P3(1 | 2 3) = 1/2 + 1/2 * P2(1 | 3), P2(1 | 3) = 199/240
    assert p(toy, 2, 3, 1) == pytest.approx(439 / 480)
    assert p(toy, 4, 4, 1) == pytest.approx(79 / 120)
    assert p(toy, 4, 4, 2) == pytest.approx(3 / 40)


def test_loss_is_nats_per_target_including_end(toy):
    # targets 3 after (START, START) and END after (START, 3)
    expected = -(math.log(109 / 360) + math.log(439 / 480)) / 2
    got = toy.loss([np.array([0, 3])], [np.array([3, 1])])
    assert got == pytest.approx(expected)


def test_every_context_gives_a_distribution(toy):
    for u in range(5):
        for v in range(5):
            dist = toy.distribution(u, v)
            assert dist.shape == (5,)
            assert dist.min() > 0
            assert dist.sum() == pytest.approx(1.0)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(2, 6), min_size=1, max_size=8),
        min_size=1,
        max_size=12,
    ),
    st.floats(0.05, 0.95),
)
def test_normalised_on_any_corpus(sentences, discount):
    X = [np.array([0, *s]) for s in sentences]
    Y = [np.array([*s, 1]) for s in sentences]
    model = KneserNeyTrigram.fit(X, Y, vocab_size=7, discount=discount)
    for u in range(7):
        for v in range(7):
            assert model.distribution(u, v).sum() == pytest.approx(1.0)


def test_repeated_text_is_learned():
    # a corpus of one sentence repeated: the trigram predicts it well
    X = [np.array([0, 2, 3, 4])] * 20
    Y = [np.array([2, 3, 4, 1])] * 20
    model = KneserNeyTrigram.fit(X, Y, vocab_size=6)
    assert model.loss(X, Y) < 0.1
    assert model.loss(X, Y) < -math.log(1 / 6)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"vocab_size": 1}, ValueError, "vocab_size"),
        ({"vocab_size": 5.0}, TypeError, "vocab_size"),
        ({"vocab_size": True}, TypeError, "vocab_size"),
        ({"vocab_size": 5, "discount": 0.0}, ValueError, "discount"),
        ({"vocab_size": 5, "discount": 1.0}, ValueError, "discount"),
        ({"vocab_size": 5, "discount": float("nan")}, ValueError, "discount"),
        ({"vocab_size": 5, "discount": "0.5"}, TypeError, "discount"),
    ],
)
def test_bad_settings_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        KneserNeyTrigram.fit(X_TOY, Y_TOY, **kwargs)


@pytest.mark.parametrize(
    ("X", "Y", "error", "match"),
    [
        ([], [], ValueError, "empty"),
        ("abc", "abc", TypeError, "X must be"),
        (X_TOY, Y_TOY[:2], ValueError, "same length"),
        ([np.array([0, 9])], [np.array([2, 1])], ValueError, "x holds id 9"),
        ([np.array([0, 2])], [np.array([2, -1])], ValueError, "y holds id"),
        ([np.array([0, 2])], [np.array([2])], ValueError, "len"),
        ([np.array([0.0, 2.0])], [np.array([2, 1])], TypeError, "integer"),
        ([np.array([], int)], [np.array([], int)], ValueError, "empty"),
    ],
)
def test_bad_pairs_name_the_argument(X, Y, error, match):
    with pytest.raises(error, match=match):
        KneserNeyTrigram.fit(X, Y, vocab_size=5)


def test_bad_queries_name_the_argument(toy):
    with pytest.raises(ValueError, match="w holds id 5"):
        toy.probabilities([0], [0], [5])
    with pytest.raises(ValueError, match="same length"):
        toy.probabilities([0, 0], [0], [1])
    with pytest.raises(ValueError, match="u holds id"):
        toy.distribution(-1, 0)
    with pytest.raises(ValueError, match="x holds id 7"):
        toy.loss([np.array([0, 7])], [np.array([2, 1])])


def test_an_unfitted_model_says_so():
    model = KneserNeyTrigram(5)
    with pytest.raises(ValueError, match="fit"):
        model.loss(X_TOY, Y_TOY)
    with pytest.raises(ValueError, match="fit"):
        model.probabilities([0], [0], [1])
