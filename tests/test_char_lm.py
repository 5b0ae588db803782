"""The character-level model: streams, windows, training, bits, samples."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tutorial_rnn import char_lm, data
from tutorial_rnn.corpus import Corpus
from tutorial_rnn.gated_torch import GatedLMTorch

TEXT = (
    "To be, or not to be, that is the question:\nWhether 'tis nobler",
    "in the mind to suffer\nThe slings and arrows of outrageous fortune,",
    "Or to take arms against a sea of troubles\nAnd by opposing end them.",
)


@pytest.fixture(scope="module")
def corpus():
    return Corpus("test", list(TEXT), 1)


@pytest.fixture(scope="module")
def chars(corpus):
    return char_lm.char_data(corpus, valid_fraction=0.2)


def small_model(vocab_size, cell="gru", seed=0):
    return GatedLMTorch(
        vocab_size,
        16,
        cell,
        1,
        embed_size=8,
        seed=seed,
        device="cpu",
        dtype=torch.float64,
    )


def test_the_stream_is_the_speeches_joined_and_split_at_the_end(chars):
    text = char_lm.SPEECH_BREAK.join(TEXT)
    whole = np.concatenate([chars.train, chars.valid])
    assert "".join(chars.vocab.decode(whole)) == text
    assert len(chars.valid) == round(0.2 * len(text))
    assert set(chars.vocab.index_to_word[3:]) == set(text)


@pytest.mark.parametrize("fraction", [0.0, 0.6, -1, float("nan")])
def test_a_held_out_share_outside_its_range_is_refused(corpus, fraction):
    with pytest.raises(ValueError, match="valid_fraction"):
        char_lm.char_data(corpus, valid_fraction=fraction)


def test_an_empty_corpus_is_refused():
    with pytest.raises(ValueError, match="characters"):
        char_lm.char_data(Corpus("empty", ["a"], 1))


def test_each_window_continues_the_last_and_y_is_x_shifted():
    ids = np.arange(23)
    got = list(char_lm.windows(ids, batch_size=2, length=4))
    x = np.concatenate([w[0] for w in got], axis=1)
    y = np.concatenate([w[1] for w in got], axis=1)
    np.testing.assert_array_equal(x, [np.arange(11), np.arange(11, 22)])
    np.testing.assert_array_equal(y, x + 1)
    assert [w[0].shape[1] for w in got] == [4, 4, 3]


def test_the_listing_the_book_shows_names_nothing_private():
    import inspect
    import re

    source = inspect.getsource(char_lm.windows)
    assert not re.findall(r"(?<![\w.])_[a-z]\w*\(", source)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"length": 0}, "length"),
        ({"batch_size": 30}, "batch_size"),
    ],
)
def test_bad_window_options_are_refused(kwargs, name):
    args = {"batch_size": 2, "length": 4} | kwargs
    with pytest.raises(ValueError, match=name):
        list(char_lm.windows(np.arange(23), **args))


def test_float_ids_are_refused():
    with pytest.raises(TypeError, match="integer"):
        list(char_lm.windows(np.zeros(10), 1, 2))


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_carried_bits_equal_one_long_forward_pass(chars, cell):
    model = small_model(len(chars.vocab), cell)
    ids = chars.train
    got = char_lm.stream_loss(model, ids, batch_size=1, length=7)
    with torch.no_grad():
        z, _ = model(torch.as_tensor(ids[None, :-1]))
        want = torch.nn.functional.cross_entropy(
            z[0], torch.as_tensor(ids[1:])
        ).item()
    assert got == pytest.approx(want, rel=1e-12)


def test_reset_bits_read_every_line_from_a_zero_state(chars):
    model = small_model(len(chars.vocab))
    newline = int(chars.vocab.encode(["\n"])[0])
    ids = chars.train
    got = char_lm.stream_loss(
        model, ids, reset_at=newline, batch_size=1, length=7
    )
    total, count = 0.0, 0
    starts = [1, *(np.flatnonzero(ids[1:-1] == newline) + 2)]
    with torch.no_grad():
        for a, b in zip(starts, [*starts[1:], len(ids)], strict=True):
            z, _ = model(torch.as_tensor(ids[None, a - 1 : b - 1]))
            total += torch.nn.functional.cross_entropy(
                z[0], torch.as_tensor(ids[a:b]), reduction="sum"
            ).item()
            count += b - a
    assert count == len(ids) - 1
    assert got == pytest.approx(total / count, rel=1e-12)
    carried = char_lm.stream_loss(model, ids, batch_size=1, length=7)
    assert got != pytest.approx(carried, rel=1e-6)


def test_reset_at_an_id_outside_the_vocabulary_is_refused(chars):
    model = small_model(len(chars.vocab))
    with pytest.raises(ValueError, match="reset_at"):
        char_lm.stream_loss(model, chars.train, reset_at=10**6)


def test_training_lowers_the_loss_and_stays_finite(chars):
    torch.manual_seed(0)
    model = small_model(len(chars.vocab))
    before = char_lm.stream_loss(model, chars.train, batch_size=2)
    losses = char_lm.fit_stream(
        model,
        chars.train,
        steps=60,
        batch_size=2,
        length=20,
        learning_rate=1e-2,
        progress=False,
    )
    after = char_lm.stream_loss(model, chars.train, batch_size=2)
    assert len(losses) == 60 and np.isfinite(losses).all()
    assert after < before - 0.3


def test_a_non_finite_weight_stops_training_with_an_error(chars):
    model = small_model(len(chars.vocab))
    with torch.no_grad():
        model.output.weight[0, 0] = float("nan")
    with pytest.raises(FloatingPointError, match="step 1 of 3 "):
        char_lm.fit_stream(
            model, chars.train, steps=3, batch_size=2, length=5, progress=False
        )


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"steps": 0}, "steps"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"clip": -1.0}, "clip"),
    ],
)
def test_bad_training_options_are_refused(chars, kwargs, name):
    model = small_model(len(chars.vocab))
    args = {"steps": 1, "progress": False} | kwargs
    with pytest.raises(ValueError, match=name):
        char_lm.fit_stream(model, chars.train, **args)


def test_samples_continue_the_prompt_reproducibly(chars):
    model = small_model(len(chars.vocab))
    a = char_lm.sample_text(model, chars.vocab, "To be", 40, seed=3)
    b = char_lm.sample_text(model, chars.vocab, "To be", 40, seed=3)
    assert a == b and a.startswith("To be") and len(a) == 45
    assert not set(a) & set(data.SPECIAL_TOKENS)
    assert set(a) <= set("".join(TEXT))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "Zq#"}, "never saw"),
        ({"length": 0}, "length"),
        ({"temperature": 0.0}, "temperature"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_sampling_options_are_refused(chars, kwargs, name):
    model = small_model(len(chars.vocab))
    with pytest.raises(ValueError, match=name):
        char_lm.sample_text(model, chars.vocab, **kwargs)


WORDS = (
    "Good morrow, sir. How now?",
    "Well met. I thank you.",
    "Farewell.",
    "Adieu, good friend. Adieu!",
)


def test_the_word_stream_ends_every_sentence_and_holds_out_the_end():
    words = char_lm.word_data(Corpus("w", list(WORDS)), 50, 0.25)
    end = words.vocab.end_id
    train = words.vocab.decode(words.train)
    assert train[0] == data.SENTENCE_END
    assert train.count(data.SENTENCE_END) == 1 + 5  # 5 sentences
    assert train[1:5] == ["good", "morrow", ",", "sir"]
    valid = words.vocab.decode(words.valid)
    unk = data.UNKNOWN_TOKEN  # tokens only the held-out speech has
    assert valid == [
        data.SENTENCE_END,
        unk,
        ",",
        "good",
        unk,
        ".",
        data.SENTENCE_END,
        unk,
        unk,
        data.SENTENCE_END,
    ]
    assert words.train[-1] == end and "adieu" not in words.vocab


def test_reading_words_with_the_state_reset_after_end_is_sentence_level():
    words = char_lm.word_data(Corpus("w", list(WORDS)), 50, 0.25)
    model = small_model(len(words.vocab))
    X, Y = [], []
    for sentence in data.tokenize_corpus(Corpus("w", list(WORDS[:3]))):
        ids = words.vocab.encode(sentence)
        X.append(np.concatenate([[words.vocab.end_id], ids]))
        Y.append(np.concatenate([ids, [words.vocab.end_id]]))
    total = count = 0
    with torch.no_grad():
        for x, y in zip(X, Y, strict=True):
            z, _ = model(torch.as_tensor(x[None]))
            total += torch.nn.functional.cross_entropy(
                z[0], torch.as_tensor(y), reduction="sum"
            ).item()
            count += len(y)
    got = char_lm.stream_loss(
        model, words.train, reset_at=words.vocab.end_id, batch_size=1
    )
    assert got == pytest.approx(total / count, rel=1e-12)


def test_a_word_stream_of_one_speech_is_refused():
    with pytest.raises(ValueError, match="speech"):
        char_lm.word_data(Corpus("w", ["Alone."]))
