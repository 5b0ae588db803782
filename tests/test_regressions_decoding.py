"""Issue 23: regression tests for decoding, the explorer, the gradient
checker and the Zipf plot (numbered as in the issue), each written before
its fix and seen failing; then the "weak ones" that belong to decoding.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tutorial_rnn import data, decoding, pretrained
from tutorial_rnn.gated_lm import GatedLMNumpy
from tutorial_rnn.rnn_numpy import RNNNumpy

WORDS = ["the", "king", "a", "lord", "is", "dead", ",", ".", "!", "my"]
VOCAB = data.Vocabulary([*data.SPECIAL_TOKENS, *WORDS])
V = len(VOCAB)
DECODERS = {
    "greedy": decoding.greedy,
    "beam_search": decoding.beam_search,
    "sample": decoding.sample,
}


def _placeholder_vocab(size: int) -> data.Vocabulary:
    words = [f"w{i}" for i in range(size - 3)]
    return data.Vocabulary([*data.SPECIAL_TOKENS, *words])


@pytest.fixture(scope="module")
def shipped():
    loaded = pretrained.load("gru2", GatedLMNumpy)
    if isinstance(loaded, tuple):  # checkpoints that carry their vocabulary
        return tuple(loaded)
    return loaded, _placeholder_vocab(loaded.vocab_size)


# 1 ---------------------------------------------------------------------
@pytest.mark.parametrize("temperature", [1e-3, 1e-30, 5e-324])
def test_p01_the_shipped_model_samples_at_a_tiny_temperature(
    shipped, temperature
):
    model, vocab = shipped
    for prompt in (None, "the king"):
        r = decoding.sample(
            model, vocab, prompt, temperature=temperature, seed=0
        )
        assert r.words and not set(r.words) & set(data.SPECIAL_TOKENS)
        assert math.isfinite(r.log_prob)
        # tau -> 0 is greedy decoding: the likeliest allowed word each time
        assert r == decoding.greedy(model, vocab, prompt)


def test_p01_every_generate_samples_at_a_tiny_temperature(shipped):
    model, vocab = shipped
    words = model.generate(vocab, temperature=1e-3, seed=0, min_length=5)
    assert len(words) >= 5
    assert words == decoding.greedy(model, vocab, min_length=5).words


@pytest.mark.parametrize("temperature", [1e3, 1e300, 1.7e308])
def test_p01_a_huge_temperature_is_uniform_over_the_allowed_words(
    temperature,
):
    m = GatedLMNumpy(V, 8, seed=0)
    m.c[:] = np.arange(V) * 100.0  # very peaked at temperature 1
    counts = np.zeros(V)
    for seed in range(200):
        r = decoding.sample(
            m, VOCAB, temperature=temperature, seed=seed, max_length=1
        )
        counts[VOCAB.encode(r.words)] += 1
    allowed = counts[3:]
    assert counts[:3].sum() == 0 and allowed.min() > 0


# 2 ---------------------------------------------------------------------
def _nan_models():
    g = GatedLMNumpy(V, 8, seed=0)
    g.V[4, 2] = np.nan
    r = RNNNumpy(V, 8, seed=0)
    r.W[0, 0] = np.nan
    i = GatedLMNumpy(V, 8, seed=0)
    i.c[5] = np.inf
    return {"gated-nan": g, "rnn-nan": r, "gated-inf": i}


@pytest.mark.parametrize("name", ["gated-nan", "rnn-nan", "gated-inf"])
@pytest.mark.parametrize("decoder", sorted(DECODERS))
def test_p02_non_finite_scores_raise(name, decoder):
    model = _nan_models()[name]
    with pytest.raises(FloatingPointError, match="not finite"):
        DECODERS[decoder](model, VOCAB, "the king")


@pytest.mark.parametrize("name", ["gated-nan", "rnn-nan", "gated-inf"])
def test_p02_log_probability_of_non_finite_scores_raises(name):
    model = _nan_models()[name]
    with pytest.raises(FloatingPointError, match="not finite"):
        decoding.log_probability(model, VOCAB, "the king")
    with pytest.raises(FloatingPointError, match="not finite"):
        model.generate(VOCAB, seed=0)


# 3 ---------------------------------------------------------------------
@pytest.mark.parametrize("decoder", sorted(DECODERS))
def test_p03_a_vocabulary_of_special_tokens_only_is_refused(decoder):
    specials = data.Vocabulary(list(data.SPECIAL_TOKENS))
    model = GatedLMNumpy(3, 4, seed=0)
    with pytest.raises(ValueError, match="vocab holds no word"):
        DECODERS[decoder](model, specials)
    with pytest.raises(ValueError, match="vocab holds no word"):
        decoding.log_probability(model, specials, [])


# 4 ---------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [700.0, 11.0, 1e308])
def test_p04_a_huge_length_normalisation_is_refused(alpha):
    m = GatedLMNumpy(V, 8, seed=0)
    with pytest.raises(ValueError, match="length_normalisation must be"):
        decoding.beam_search(m, VOCAB, length_normalisation=alpha)


def test_p04_the_largest_length_normalisation_ranks_without_overflow():
    m = GatedLMNumpy(V, 8, seed=0)
    m.c[VOCAB.end_id] = -3.0  # long sentences
    r = decoding.beam_search(
        m, VOCAB, length_normalisation=10.0, max_length=decoding.MAX_LENGTH
    )
    assert r.words and math.isfinite(r.log_prob)


# weak ones ---------------------------------------------------------------
def _models():
    from tutorial_rnn.rnn_torch import RNNTorch

    return [
        RNNNumpy(V, 4, seed=0),
        GatedLMNumpy(V, 4, seed=0),
        RNNTorch(V, 4, seed=0, device="cpu"),
    ]


def test_generate_refuses_min_length_above_max_length():
    for model in _models():
        with pytest.raises(ValueError, match="min_length=9 must not exceed"):
            model.generate(VOCAB, min_length=9, max_length=5)


def test_max_length_has_an_upper_bound():
    m = GatedLMNumpy(V, 8, seed=0)
    m.c[VOCAB.end_id] = 50.0  # would end at once: the check comes first
    for decoder in DECODERS.values():
        with pytest.raises(ValueError, match="max_length must be"):
            decoder(m, VOCAB, min_length=0, max_length=10**9)
    for model in _models():
        with pytest.raises(ValueError, match="max_length must be"):
            model.generate(VOCAB, max_length=decoding.MAX_LENGTH + 1)


@pytest.mark.parametrize(
    ("seed", "error"),
    [(-1, ValueError), (1.5, TypeError), ("0", TypeError), (True, TypeError)],
)
def test_seeds_are_validated(seed, error):
    m = GatedLMNumpy(V, 8, seed=0)
    with pytest.raises(error, match="seed must be"):
        decoding.sample(m, VOCAB, seed=seed)
    for model in _models():
        with pytest.raises(error, match="seed must be"):
            model.generate(VOCAB, seed=seed)


def test_every_generate_has_one_signature_and_continues_a_prompt():
    import inspect

    signatures = {str(inspect.signature(type(m).generate)) for m in _models()}
    assert len(signatures) == 1, signatures
    for model in _models():
        words = model.generate(VOCAB, "the king", seed=3, max_length=6)
        r = decoding.sample(model, VOCAB, "the king", seed=3, max_length=6)
        assert words == r.words
