"""tutorial_rnn.decoding: sampling, greedy decoding, beam search, prompts."""

from __future__ import annotations

import itertools
import math
import zlib

import numpy as np
import pytest

from tutorial_rnn import data, decoding
from tutorial_rnn.batching import IGNORE_INDEX
from tutorial_rnn.gated_lm import GatedLMNumpy
from tutorial_rnn.rnn_numpy import RNNNumpy

WORDS = ["the", "king", "a", "lord", "is", "dead", ",", ".", "!", "my"]
VOCAB = data.Vocabulary([*data.SPECIAL_TOKENS, *WORDS])
V = len(VOCAB)


def small_models() -> dict[str, object]:
    """Small random models of every kind; scores scaled up so that the
    distributions are peaked enough for sentences to end."""
    models = {}
    for cell, layers in [("gru", 1), ("gru", 2), ("lstm", 1), ("rnn", 2)]:
        for seed in range(3):
            m = GatedLMNumpy(V, 8, cell, layers, embed_size=6, seed=seed)
            m.V *= 6.0
            models[f"{cell}{layers}-{seed}"] = m
    for seed in range(3):
        m = RNNNumpy(V, 8, seed=seed)
        m.V *= 10.0
        m.U *= 8.0
        models[f"elman-{seed}"] = m
    return models


MODELS = small_models()
PROMPTS = [None, "the king is", ["my", "lord", "zounds"]]


def model_log_prob(
    model, result: decoding.Decoded, vocab: data.Vocabulary = VOCAB
) -> float:
    """``sum_t ln o_t[y_t]`` over the continuation, computed by the model's
    own forward pass over the whole sentence (not by stepping)."""
    prompt = vocab.encode(result.prompt).tolist()
    words = vocab.encode(result.words).tolist()
    x = [vocab.start_id, *prompt, *words]
    last = vocab.end_id if result.ended else IGNORE_INDEX
    y = [IGNORE_INDEX] * len(prompt) + [*words, last]
    if isinstance(model, GatedLMNumpy):
        total, _, _ = model.loss_and_gradients(np.array(x), np.array(y))
        return -total
    o, _ = model.forward(x)
    return sum(math.log(o[t, w]) for t, w in enumerate(y) if w >= 0)


# ------------------------------------------------------- greedy vs beam
@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("prompt", PROMPTS)
def test_a_beam_of_width_one_is_greedy(name, prompt):
    model = MODELS[name]
    g = decoding.greedy(model, VOCAB, prompt, max_length=15)
    b = decoding.beam_search(model, VOCAB, prompt, beam_width=1, max_length=15)
    assert b == g


class RandomTree:
    """A toy language model for testing search: every prefix gets its own
    random scores (seeded by the prefix), and END grows likelier with
    length, so that every sentence ends and no two steps look alike."""

    vocab_size = V

    def __init__(self, seed: int, spread: float = 2.0):
        self.seed, self.spread = seed, spread

    def initial_state(self) -> tuple:
        return ()

    def step(self, state: tuple, x: int) -> tuple[np.ndarray, tuple]:
        state = (*state, x)
        key = zlib.crc32(repr(state).encode())
        z = self.spread * np.random.default_rng([self.seed, key]).normal(
            size=V
        )
        z[VOCAB.end_id] += 0.5 * len(state) - 3
        return z, state


def test_the_beam_usually_scores_at_least_the_greedy_sentence():
    # Beam search is a heuristic: greedy's prefix can be pruned from the
    # beam, and then greedy may win. On these 150 searches it rarely does.
    worse = 0
    for seed in range(50):
        tree = RandomTree(seed)
        g = decoding.greedy(tree, VOCAB, max_length=40)
        assert g.ended
        for width in (2, 3, 5):
            b = decoding.beam_search(tree, VOCAB, beam_width=width)
            assert b.ended
            worse += b.log_prob < g.log_prob
    assert worse <= 15


def test_greedy_can_beat_a_narrow_beam():
    tree = RandomTree(5)  # found by the search above; kept as a reminder
    g = decoding.greedy(tree, VOCAB)
    b = decoding.beam_search(tree, VOCAB, beam_width=2)
    assert b.log_prob < g.log_prob
    # a wider beam keeps greedy's prefix and wins again
    wide = decoding.beam_search(tree, VOCAB, beam_width=10)
    assert wide.log_prob >= g.log_prob


@pytest.mark.parametrize("seed", range(4))
def test_a_beam_that_keeps_every_prefix_is_exact_search(seed):
    tree, words = RandomTree(seed, spread=1.0), range(3, V)
    best = -np.inf
    for n in (1, 2, 3):  # every sentence of 1 to 3 words that ends
        for sentence in itertools.product(words, repeat=n):
            lp = decoding.log_probability(
                tree, VOCAB, VOCAB.decode(sentence), ended=True
            )
            best = max(best, lp)
    # 1,100 candidates at the last step: 100 prefixes, 11 words each
    b = decoding.beam_search(tree, VOCAB, beam_width=1100, max_length=3)
    assert b.ended and b.log_prob == pytest.approx(best, abs=1e-12)
    g = decoding.greedy(tree, VOCAB, max_length=3)
    assert b.log_prob >= g.log_prob or not g.ended  # best of all that end


@pytest.mark.parametrize("name", sorted(MODELS))
def test_length_normalisation_trades_probability_for_length(name):
    # Both runs keep the same beams (partial sentences of equal length
    # rank the same whatever alpha); alpha = 0 stops no later than alpha = 1.
    model = MODELS[name]
    plain = decoding.beam_search(model, VOCAB, beam_width=3, max_length=30)
    normed = decoding.beam_search(
        model, VOCAB, beam_width=3, max_length=30, length_normalisation=1.0
    )
    assert plain.log_prob >= normed.log_prob - 1e-12
    assert normed.log_prob_per_word >= plain.log_prob_per_word - 1e-12


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("prompt", PROMPTS)
def test_log_prob_is_the_models_own(name, prompt):
    model = MODELS[name]
    results = [
        decoding.greedy(model, VOCAB, prompt, max_length=12),
        decoding.beam_search(
            model, VOCAB, prompt, beam_width=3, max_length=12
        ),
        decoding.beam_search(
            model,
            VOCAB,
            prompt,
            beam_width=3,
            max_length=12,
            length_normalisation=0.7,
        ),
        decoding.sample(model, VOCAB, prompt, seed=0, max_length=12),
        decoding.sample(
            model, VOCAB, prompt, temperature=0.5, seed=1, max_length=3
        ),
    ]
    for r in results:
        expected = model_log_prob(model, r)
        assert r.log_prob == pytest.approx(expected, rel=1e-10, abs=1e-10)
        assert decoding.log_probability(
            model, VOCAB, r.words, prompt, ended=r.ended
        ) == pytest.approx(expected, rel=1e-10, abs=1e-10)


def test_the_shipped_model():
    from tutorial_rnn import pretrained

    model, vocab = pretrained.load("gru2", GatedLMNumpy)
    g = decoding.greedy(model, vocab, "To be, or not to be", max_length=20)
    assert g.prompt == ["to", "be", ",", "or", "not", "to", "be"]
    assert decoding.beam_search(model, vocab, g.prompt, beam_width=1) == g
    for prompt in (None, g.prompt, "My lord, the king"):
        g = decoding.greedy(model, vocab, prompt)
        for width in (3, 5):
            b = decoding.beam_search(model, vocab, prompt, beam_width=width)
            assert b.ended and b.log_prob >= g.log_prob
            assert b.log_prob == pytest.approx(
                model_log_prob(model, b, vocab), abs=1e-9
            )


# ------------------------------------------------------- prompts
def greedy_by_hand(model, prompt_ids: list[int], max_length: int) -> list:
    """Greedy decoding with the whole sentence run again at every step."""
    words: list[int] = []
    while len(words) < max_length:
        x = [VOCAB.start_id, *prompt_ids, *words]
        if isinstance(model, GatedLMNumpy):
            z = model.scores(np.array(x))[-1]
        else:
            z = np.log(model.forward(x)[0][-1])
        z[[VOCAB.unknown_id, VOCAB.start_id]] = -np.inf
        if not words:
            z[VOCAB.end_id] = -np.inf
        best = int(np.argmax(z))
        if best == VOCAB.end_id:
            break
        words.append(best)
    return VOCAB.decode(words)


@pytest.mark.parametrize("name", ["gru2-0", "lstm1-1", "elman-2"])
def test_a_prompt_continues_from_the_state_it_leaves(name):
    model = MODELS[name]
    g = decoding.greedy(model, VOCAB, "The king, my lord!", max_length=10)
    assert g.prompt == ["the", "king", ",", "my", "lord", "!"]
    assert g.words == greedy_by_hand(model, VOCAB.encode(g.prompt), 10)
    # Moving words from the continuation into the prompt changes nothing.
    if len(g.words) >= 3:
        rest = decoding.greedy(
            model, VOCAB, g.prompt + g.words[:2], max_length=8
        )
        assert rest.words == g.words[2:]


def test_prompt_forms():
    m = MODELS["gru1-0"]
    assert decoding.prompt_tokens(VOCAB, "My LORD, zounds") == [
        "my",
        "lord",
        ",",
        data.UNKNOWN_TOKEN,
    ]
    assert decoding.prompt_tokens(VOCAB, ["King"]) == [data.UNKNOWN_TOKEN]
    assert decoding.prompt_tokens(VOCAB, ("my", "lord")) == ["my", "lord"]
    assert decoding.greedy(m, VOCAB, "") == decoding.greedy(m, VOCAB)
    assert decoding.greedy(m, VOCAB, "  \n") == decoding.greedy(m, VOCAB, [])
    assert decoding.greedy(m, VOCAB, "the king") == decoding.greedy(
        m, VOCAB, ["the", "king"]
    )


# ------------------------------------------------------- special tokens
def test_unknown_and_start_are_never_chosen():
    m = GatedLMNumpy(V, 8, seed=0)
    m.c[[VOCAB.unknown_id, VOCAB.start_id]] = 50.0  # the model wants them
    for r in [
        decoding.greedy(m, VOCAB, max_length=8),
        decoding.beam_search(m, VOCAB, beam_width=4, max_length=8),
        decoding.sample(m, VOCAB, seed=0, max_length=8),
    ]:
        assert len(r.words) >= 1
        assert not set(r.words) & set(data.SPECIAL_TOKENS)
        assert r.log_prob < -40  # the model's own probabilities are scored


def test_end_ends_the_sentence_and_max_length_caps_it():
    m = GatedLMNumpy(V, 8, seed=0)
    m.c[VOCAB.end_id] = 50.0
    for decode in (decoding.greedy, decoding.beam_search, decoding.sample):
        r = decode(m, VOCAB, min_length=0)
        assert r.words == [] and r.ended and r.length == 1
        r = decode(m, VOCAB, min_length=2)
        assert len(r.words) == 2 and r.ended
    m.c[VOCAB.end_id] = -50.0
    for decode in (decoding.greedy, decoding.beam_search, decoding.sample):
        r = decode(m, VOCAB, max_length=6)
        assert len(r.words) == 6 and not r.ended and r.length == 6


def test_the_torch_twin_decodes_like_the_numpy_model():
    torch = pytest.importorskip("torch")
    from tutorial_rnn.gated_torch import GatedLMTorch

    m = MODELS["gru2-1"]
    twin = GatedLMTorch.from_numpy(m, device="cpu", dtype=torch.float64)
    assert decoding.beam_search(twin, VOCAB, "the") == decoding.beam_search(
        m, VOCAB, "the"
    )


# ------------------------------------------------------- clear errors
WIDTH = r"beam_width must be an integer in \[1, 2000\]"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"beam_width": 0}, ValueError, WIDTH),
        ({"beam_width": 2.0}, TypeError, WIDTH),
        ({"beam_width": True}, TypeError, WIDTH),
        ({"beam_width": 2001}, ValueError, WIDTH),
        ({"max_length": 0}, ValueError, r"max_length must be .* \[1, "),
        ({"min_length": -1}, ValueError, "min_length must be a non-neg"),
        ({"min_length": 9, "max_length": 5}, ValueError, "must not exceed"),
        ({"length_normalisation": -1}, ValueError, "length_normalisation"),
        ({"length_normalisation": math.nan}, ValueError, "finite number"),
        ({"length_normalisation": "1"}, TypeError, "length_normalisation"),
        ({"prompt": 5}, TypeError, "prompt must be a string"),
        ({"prompt": [1, 2]}, TypeError, "prompt must be a string"),
        ({"prompt": "“ ”"}, ValueError, "holds no word"),
        ({"prompt": ["a", "SENTENCE_END"]}, ValueError, "must not hold"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        decoding.beam_search(MODELS["gru1-0"], VOCAB, **kwargs)


def test_bad_model_vocab_or_temperature():
    m = MODELS["gru1-0"]
    small = data.Vocabulary([*data.SPECIAL_TOKENS, "a"])
    with pytest.raises(ValueError, match=r"vocab has 4 entries .*=13"):
        decoding.greedy(m, small)
    with pytest.raises(TypeError, match="vocab must be a Vocabulary"):
        decoding.greedy(m, WORDS)
    with pytest.raises(TypeError, match="model must be one of the book's"):
        decoding.greedy("gru", VOCAB)
    for bad in (0, -1.0, math.inf):
        with pytest.raises(ValueError, match="temperature must be"):
            decoding.sample(m, VOCAB, temperature=bad)
    with pytest.raises(TypeError, match="temperature must be finite"):
        decoding.sample(m, VOCAB, temperature=True)
    r = decoding.sample(m, VOCAB, temperature=np.float32(0.5), seed=0)
    assert r == decoding.sample(m, VOCAB, temperature=0.5, seed=0)


# ------------------------------------------------------- one masking rule
def test_allowed_masks_unknown_start_and_an_early_end_in_score_space():
    z = np.arange(V, dtype=np.float64)
    late = decoding.allowed(z, VOCAB, may_end=True)
    early = decoding.allowed(z, VOCAB, may_end=False)
    masked = [VOCAB.unknown_id, VOCAB.start_id]
    assert np.isneginf(late[masked]).all() and late[VOCAB.end_id] == z[2]
    assert np.isneginf(early[[*masked, VOCAB.end_id]]).all()
    assert (early[3:] == z[3:]).all() and (z == np.arange(V)).all()


def test_decode_takes_any_rule_but_refuses_a_masked_choice():
    m = MODELS["gru1-0"]
    assert decoding.decode(m, VOCAB, "the", np.argmax) == decoding.greedy(
        m, VOCAB, "the"
    )
    with pytest.raises(ValueError, match="choose picked word id 0"):
        decoding.decode(m, VOCAB, None, lambda scores: 0)
    with pytest.raises(ValueError, match="choose picked word id 99"):
        decoding.decode(m, VOCAB, None, lambda scores: 99)


def test_a_stepper_with_scores_of_the_wrong_shape_is_named():
    class Short(RandomTree):
        def step(self, state, x):
            z, state = super().step(state, x)
            return z[:-1], state

    with pytest.raises(ValueError, match="scores of shape"):
        decoding.greedy(Short(0), VOCAB)
