"""Property-based tests (hypothesis) of decoding: any small model, any
prompt, any options. Valid options give words (never a special token,
never NaN); an invalid option gives a ``TypeError`` or ``ValueError``
whose message names it; a model with a NaN weight gives a
``FloatingPointError``.

Which options are valid is judged here independently, by plain rules
written from the docstrings (the oracle), not by calling the package's
validators. The number of examples comes from the hypothesis profile in
``conftest.py`` (``ci`` by default).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from hypothesis import event, given
from hypothesis import strategies as st

from tutorial_rnn import data, decoding
from tutorial_rnn.gated_lm import GatedLMNumpy
from tutorial_rnn.rnn_numpy import RNNNumpy

SPECIAL = set(data.SPECIAL_TOKENS)
OPTIONS = {
    "sample": ("temperature", "seed", "max_length", "min_length"),
    "greedy": ("max_length", "min_length"),
    "beam_search": (
        "beam_width",
        "max_length",
        "min_length",
        "length_normalisation",
    ),
}


@st.composite
def models(draw):
    """A small random model, its vocabulary, and whether it was poisoned
    with a NaN weight."""
    words = draw(st.integers(1, 8))
    vocab = data.Vocabulary(
        [*data.SPECIAL_TOKENS, *(f"w{i}" for i in range(words))]
    )
    V, H = len(vocab), draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**16))
    kind = draw(st.sampled_from(["elman", "rnn", "gru", "lstm"]))
    if kind == "elman":  # Chapter 2's model
        model = RNNNumpy(V, H, seed=seed)
    else:
        layers = draw(st.integers(1, 2))
        model = GatedLMNumpy(V, H, kind, layers, embed_size=3, seed=seed)
    model.V *= draw(st.sampled_from([0.0, 1.0, 10.0, 1000.0]))
    poisoned = draw(st.booleans()) and draw(st.booleans())  # 1 in 4
    if poisoned:
        model.V[draw(st.integers(0, V - 1)), 0] = np.nan
    return model, vocab, poisoned


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**70), 2**70),
)
PROMPTS = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.lists(
        st.one_of(
            st.sampled_from(["w0", "w1", "w7", "zounds", *SPECIAL]),
            st.text(max_size=4),
        ),
        max_size=6,
    ),
    st.integers(),
)
VALID = {
    "temperature": st.one_of(
        st.floats(1e-300, 1e300), st.sampled_from([5e-324, 1.7e308, 1])
    ),
    "seed": st.one_of(st.none(), st.integers(0, 2**64)),
    "max_length": st.integers(1, 25),
    "min_length": st.integers(0, 4),
    "beam_width": st.integers(1, 12),
    "length_normalisation": st.one_of(
        st.floats(0, decoding.MAX_LENGTH_NORMALISATION),
        st.sampled_from([0, 1]),
    ),
}
#: Mostly invalid values (the oracle decides)
INVALID = {
    "temperature": ANYTHING,
    "seed": ANYTHING,
    "max_length": st.one_of(
        st.integers(-2, 0),
        st.sampled_from([decoding.MAX_LENGTH + 1, 10**9]),
        ANYTHING,
    ),
    "min_length": st.one_of(st.integers(-2, 30), ANYTHING),
    "beam_width": st.one_of(
        st.integers(-1, 0), st.just(decoding.MAX_BEAM_WIDTH + 1), ANYTHING
    ),
    "length_normalisation": st.one_of(st.floats(-1, 1e308), ANYTHING),
}


def _integer(v: object, lo: int, hi: float = math.inf) -> bool:
    return (
        isinstance(v, Integral) and not isinstance(v, bool) and lo <= v <= hi
    )


def _real(v: object) -> bool:
    return (
        isinstance(v, Real)
        and not isinstance(v, bool)
        and math.isfinite(float(v))
    )


def _bad_options(options: dict) -> set[str]:
    """The options the docstrings do not allow (the oracle)."""
    ok = {
        "temperature": lambda v: _real(v) and v > 0,
        "seed": lambda v: v is None or _integer(v, 0),
        "max_length": lambda v: _integer(v, 1, decoding.MAX_LENGTH),
        "min_length": lambda v: _integer(v, 0),
        "beam_width": lambda v: _integer(v, 1, decoding.MAX_BEAM_WIDTH),
        "length_normalisation": lambda v: (
            _real(v) and 0 <= v <= decoding.MAX_LENGTH_NORMALISATION
        ),
    }
    bad = {name for name, v in options.items() if not ok[name](v)}
    lengths = options["max_length"], options["min_length"]
    if not bad & {"max_length", "min_length"} and lengths[1] > lengths[0]:
        bad.add("min_length")
    return bad


def _bad_prompt(prompt: object) -> bool:
    if prompt is None:
        return False
    if isinstance(prompt, str):
        return not data.tokenize(prompt) and bool(prompt.strip())
    if not isinstance(prompt, list) or not all(
        isinstance(t, str) for t in prompt
    ):
        return True
    return bool({data.SENTENCE_START, data.SENTENCE_END} & set(prompt))


@st.composite
def calls(draw):
    name = draw(st.sampled_from(sorted(OPTIONS)))
    options = {}
    for option in OPTIONS[name]:  # each option invalid one time in eight
        spoil = draw(st.integers(0, 7)) == 0
        options[option] = draw((INVALID if spoil else VALID)[option])
    return name, options


@given(models(), PROMPTS, calls())
def test_any_call_gives_words_or_an_error_naming_the_option(
    model_vocab, prompt, call
):
    model, vocab, poisoned = model_vocab
    name, options = call
    bad = _bad_options(options) | (
        {"prompt"} if _bad_prompt(prompt) else set()
    )
    decoder = getattr(decoding, name)
    try:
        r = decoder(model, vocab, prompt, **options)
    except (TypeError, ValueError) as err:
        assert bad, f"refused a valid call: {err}"
        assert any(option in str(err) for option in bad), (bad, str(err))
        event("refused, naming the option")
        return
    except FloatingPointError as err:
        assert poisoned and not bad, err
        assert "not finite" in str(err)
        event("NaN weight: FloatingPointError")
        return
    assert not bad and not poisoned, (bad, poisoned, r)
    event(f"{name}: words")
    assert not set(r.words) & SPECIAL
    assert set(r.words) <= set(vocab.index_to_word)
    assert len(r.words) <= options["max_length"]
    if r.ended:
        assert len(r.words) >= options["min_length"]
    else:
        assert len(r.words) == options["max_length"]
    assert math.isfinite(r.log_prob) and r.log_prob <= 1e-9
    if name == "sample" and options["seed"] is not None:
        assert decoder(model, vocab, prompt, **options) == r


@given(models(), PROMPTS, PROMPTS, st.booleans())
def test_log_probability_is_finite_or_a_clear_error(
    model_vocab, words, prompt, ended
):
    model, vocab, poisoned = model_vocab
    bad = {
        name
        for name, value in (("words", words), ("prompt", prompt))
        if _bad_prompt(value)
    }
    try:
        lp = decoding.log_probability(model, vocab, words, prompt, ended=ended)
    except (TypeError, ValueError) as err:
        assert any(name in str(err) for name in bad), (bad, str(err))
        event("refused, naming the argument")
        return
    except FloatingPointError:
        assert poisoned and not bad
        event("NaN weight: FloatingPointError")
        return
    assert not bad and not poisoned
    event("a finite log-probability")
    assert math.isfinite(lp) and lp <= 1e-9
