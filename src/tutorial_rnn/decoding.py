"""Decoding: turning a language model into text by search, not by chance.

A language model gives, after each prefix, a distribution ``o_t`` over the
next word. Three ways to turn it into a sentence:

- :func:`sample` draws each word at random from ``o_t`` (Chapter 2's way);
- :func:`greedy` takes the most probable word at every step;
- :func:`beam_search` keeps the ``beam_width`` most probable partial
  sentences at every step and returns the best complete one.

All three can continue a reader's ``prompt``: the prompt is tokenized like
the corpus, fed to the model after ``SENTENCE_START``, and the search starts
from the state it leaves. Each returns a :class:`Decoded`, which holds the
words and their log-probability under the model,
``ln P(w_1 .. w_n, END | START, prompt) = sum_t ln o_t[w_t]``.

The searches need to branch: one state per partial sentence. They talk to a
model through a :class:`Stepper`, two methods that any model of the book
meets through :func:`stepper`::

    state = initial_state()
    scores, state = step(state, x)   # feed word id x; scores of the next word
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from . import data as _data
from .activations import log_softmax
from .gated_lm import GatedLMNumpy
from .rnn_numpy import RNNNumpy

__all__ = [
    "Decoded",
    "GatedStepper",
    "RNNStepper",
    "Stepper",
    "beam_search",
    "greedy",
    "log_probability",
    "log_softmax",
    "prompt_tokens",
    "sample",
    "stepper",
]


# ---------------------------------------------------------------- stepping
@runtime_checkable
class Stepper(Protocol):
    """A language model seen one word at a time, with its state in the open.

    ``step`` must not change the state it is given: beam search feeds the
    same state to several words.
    """

    vocab_size: int

    def initial_state(self) -> Any:
        """The state before any word is read."""
        ...

    def step(self, state: Any, x: int) -> tuple[np.ndarray, Any]:
        """Read word id ``x``: the scores (V,) of the next word, new state."""
        ...


class GatedStepper:
    """:class:`~tutorial_rnn.gated_lm.GatedLMNumpy`, one word at a time.

    ``e = E[x]``, the stack of layers reads ``e`` from ``state`` (every
    layer's state; ``None`` means zeros), and the scores are ``V s + c``.
    """

    def __init__(self, model: GatedLMNumpy):
        self.model = model
        self.vocab_size = model.vocab_size

    def initial_state(self) -> Any:
        return None

    def step(self, state: Any, x: int) -> tuple[np.ndarray, Any]:
        m = self.model
        top, state = m.rnn.forward(m.E[[[x]]], state)  # one step, batch 1
        return m.V @ top[0, 0] + m.c, state


class RNNStepper:
    """Chapter 2's :class:`~tutorial_rnn.rnn_numpy.RNNNumpy`, one word at a
    time: ``s = tanh(U[:, x] + W s)``, scores ``V s``."""

    def __init__(self, model: RNNNumpy):
        self.model = model
        self.vocab_size = model.vocab_size

    def initial_state(self) -> np.ndarray:
        return np.zeros(self.model.hidden_size)

    def step(self, s: np.ndarray, x: int) -> tuple[np.ndarray, np.ndarray]:
        m = self.model
        s = np.tanh(m.U[:, x] + m.W @ s)
        return m.V @ s, s


def stepper(model: Any) -> Stepper:
    """A :class:`Stepper` for any language model of the book.

    NumPy models are wrapped as they are; a PyTorch twin (it has
    ``to_numpy``) is first copied to its NumPy twin; an object that already
    has ``initial_state``, ``step`` and ``vocab_size`` is used as it is.
    """
    if isinstance(model, Stepper):
        return model
    if not isinstance(model, GatedLMNumpy | RNNNumpy) and hasattr(
        model, "to_numpy"
    ):
        model = model.to_numpy()
    if isinstance(model, GatedLMNumpy):
        return GatedStepper(model)
    if isinstance(model, RNNNumpy):
        return RNNStepper(model)
    raise TypeError(
        "model must be one of the book's language models (GatedLMNumpy, "
        "RNNNumpy, or a PyTorch twin with to_numpy) or have initial_state, "
        f"step and vocab_size; got {type(model).__name__}"
    )


# ---------------------------------------------------------------- results
@dataclass(frozen=True)
class Decoded:
    """A continuation and its log-probability under the model.

    Attributes
    ----------
    prompt : list of str
        The prompt as the model read it (unknown words as UNKNOWN_TOKEN).
    words : list of str
        The words chosen after the prompt, without special tokens.
    log_prob : float
        ``ln P(words, END | START, prompt)`` in nats; the END term is
        included only when the sentence ended (``ended``).
    ended : bool
        True if the model chose SENTENCE_END; False if ``max_length`` was
        reached first.
    """

    prompt: list[str]
    words: list[str]
    log_prob: float
    ended: bool

    @property
    def length(self) -> int:
        """Words predicted: ``len(words)``, plus one for END if it ended."""
        return len(self.words) + int(self.ended)

    @property
    def log_prob_per_word(self) -> float:
        """``log_prob / length``: the average over the predicted words."""
        return self.log_prob / max(self.length, 1)

    @property
    def text(self) -> str:
        """Prompt and continuation as one string."""
        return " ".join([*self.prompt, *self.words])


# ---------------------------------------------------------------- checks
def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(
            f"{name} must be an int, got {type(value).__name__} {value!r}"
        )
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _check_real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a number, got {type(value).__name__} {value!r}"
        )
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def _check_lengths(max_length: object, min_length: object) -> None:
    _check_int("max_length", max_length, 1)
    _check_int("min_length", min_length, 0)
    if min_length > max_length:  # type: ignore[operator]
        raise ValueError(
            f"min_length={min_length} must not exceed max_length={max_length}"
        )


def prompt_tokens(
    vocab: _data.Vocabulary, prompt: str | Sequence[str] | None
) -> list[str]:
    """The prompt as the model will read it.

    A string is split by :func:`tutorial_rnn.data.tokenize` (lower-cased,
    like the corpus); a list is taken as tokens already. Words outside the
    vocabulary become UNKNOWN_TOKEN. ``None`` or a blank string is the
    empty prompt: the sentence starts from scratch.

    Raises
    ------
    TypeError
        For a prompt that is neither a string nor a sequence of strings.
    ValueError
        For a non-blank string with no token in it, or a prompt holding
        SENTENCE_START or SENTENCE_END.
    """
    if prompt is None:
        return []
    if isinstance(prompt, str):
        tokens = _data.tokenize(prompt)
        if not tokens and prompt.strip():
            raise ValueError(
                f"prompt {prompt!r} holds no word or punctuation the "
                "tokenizer keeps"
            )
    elif isinstance(prompt, Sequence) and all(
        isinstance(t, str) for t in prompt
    ):
        tokens = list(prompt)
    else:
        raise TypeError(
            "prompt must be a string, a sequence of token strings or None; "
            f"got {type(prompt).__name__} {prompt!r}"
        )
    special = {_data.SENTENCE_START, _data.SENTENCE_END} & set(tokens)
    if special:
        raise ValueError(
            f"prompt must not hold {sorted(special)}: the decoder adds "
            "SENTENCE_START itself and ends at SENTENCE_END"
        )
    return vocab.decode(vocab.encode(tokens))  # unknown -> UNKNOWN_TOKEN


def _begin(
    model: Any,
    vocab: _data.Vocabulary,
    prompt: str | Sequence[str] | None,
) -> tuple[Stepper, list[str], np.ndarray, Any]:
    """Check the model and vocabulary; feed START and the prompt.

    Returns the stepper, the prompt's tokens, the scores of the first word
    to choose and the state the prompt leaves.
    """
    model = stepper(model)
    if not isinstance(vocab, _data.Vocabulary):
        raise TypeError(
            f"vocab must be a Vocabulary, got {type(vocab).__name__}"
        )
    if len(vocab) != model.vocab_size:
        raise ValueError(
            f"vocab has {len(vocab)} entries but the model has "
            f"vocab_size={model.vocab_size}"
        )
    tokens = prompt_tokens(vocab, prompt)
    state = model.initial_state()
    for x in [vocab.start_id, *vocab.encode(tokens)]:
        scores, state = model.step(state, int(x))
    return model, tokens, scores, state


def _allowed(
    log_p: np.ndarray, vocab: _data.Vocabulary, may_end: bool
) -> np.ndarray:
    """``log_p`` with the words that may not come next set to ``-inf``."""
    out = log_p.copy()
    out[[vocab.unknown_id, vocab.start_id]] = -np.inf
    if not may_end:
        out[vocab.end_id] = -np.inf
    return out


# ---------------------------------------------------------------- decoders
def greedy(
    model: Any,
    vocab: _data.Vocabulary,
    prompt: str | Sequence[str] | None = None,
    max_length: int = 50,
    min_length: int = 1,
) -> Decoded:
    """Always take the most probable next word.

    Parameters
    ----------
    model
        A language model of the book (see :func:`stepper`).
    vocab : Vocabulary
        The model's vocabulary (``len(vocab) == model.vocab_size``).
    prompt : str, list of str or None
        Text to continue (see :func:`prompt_tokens`); None starts afresh.
    max_length : int
        At most this many words after the prompt.
    min_length : int
        SENTENCE_END is not chosen before this many words.

    Returns
    -------
    Decoded
        UNKNOWN_TOKEN and SENTENCE_START are never chosen.
    """
    _check_lengths(max_length, min_length)
    model, tokens, z, state = _begin(model, vocab, prompt)
    words: list[int] = []
    log_prob = 0.0
    while len(words) < max_length:
        log_p = log_softmax(z)
        x = int(np.argmax(_allowed(log_p, vocab, len(words) >= min_length)))
        log_prob += log_p[x]
        if x == vocab.end_id:
            return Decoded(tokens, vocab.decode(words), float(log_prob), True)
        words.append(x)
        z, state = model.step(state, x)
    return Decoded(tokens, vocab.decode(words), float(log_prob), False)


def beam_search(
    model: Any,
    vocab: _data.Vocabulary,
    prompt: str | Sequence[str] | None = None,
    beam_width: int = 5,
    max_length: int = 50,
    min_length: int = 1,
    length_normalisation: float = 0.0,
) -> Decoded:
    """Keep the ``beam_width`` most probable partial sentences at each step.

    Every partial sentence on the beam is extended by each of its
    ``beam_width`` best next words; of all these candidates the best
    ``beam_width`` survive. A survivor that chose SENTENCE_END is finished
    and leaves the beam. The search stops when no partial sentence can
    still overtake the best finished one, or at ``max_length`` words.

    Finished sentences are ranked by ``log_prob / length ** alpha`` with
    ``alpha = length_normalisation``: 0 ranks by probability (which favours
    short sentences), 1 by the average log-probability per word.

    Parameters
    ----------
    model, vocab, prompt, max_length, min_length
        As in :func:`greedy`.
    beam_width : int
        Partial sentences kept (at least 1; 1 is :func:`greedy`).
    length_normalisation : float
        ``alpha >= 0`` above.

    Returns
    -------
    Decoded
        The best finished sentence; if none finished within
        ``max_length`` words, the best unfinished one.
    """
    width = _check_int("beam_width", beam_width, 1)
    _check_lengths(max_length, min_length)
    alpha = _check_real("length_normalisation", length_normalisation)
    if alpha < 0:
        raise ValueError(f"length_normalisation must be >= 0, got {alpha}")
    model, tokens, z, state = _begin(model, vocab, prompt)

    def rank(log_prob: float, length: int) -> float:
        return log_prob / length**alpha

    # a partial sentence: (log-probability, word ids, next scores, state)
    beam = [(0.0, [], z, state)]
    finished: list[tuple[float, list[int]]] = []
    for t in range(max_length):  # every partial sentence has t words
        candidates = []
        for log_prob, words, z, state in beam:
            log_p = log_softmax(z)
            allowed = _allowed(log_p, vocab, t >= min_length)
            for x in np.argsort(-allowed, kind="stable")[:width]:
                if allowed[x] > -np.inf:
                    candidates.append((log_prob + log_p[x], words, x, state))
        candidates.sort(key=lambda c: -c[0])  # stable: ties keep order
        beam = []
        for log_prob, words, x, state in candidates[:width]:
            if x == vocab.end_id:
                finished.append((log_prob, words))
            else:
                z, new_state = model.step(state, int(x))
                beam.append((log_prob, [*words, int(x)], z, new_state))
        if not beam:
            break
        if finished:
            # Log-probabilities only fall as words are added, so a partial
            # sentence can at best keep its log-probability, at the
            # greatest length (which helps when alpha > 0).
            best_done = max(rank(lp, len(w) + 1) for lp, w in finished)
            best_open = max(rank(lp, max_length + 1) for lp, *_ in beam)
            if best_done >= best_open:
                break
    if finished:
        log_prob, words = max(
            finished, key=lambda f: rank(f[0], len(f[1]) + 1)
        )
        return Decoded(tokens, vocab.decode(words), float(log_prob), True)
    log_prob, words, *_ = beam[0]  # best unfinished (the beam is sorted)
    return Decoded(tokens, vocab.decode(words), float(log_prob), False)


def sample(
    model: Any,
    vocab: _data.Vocabulary,
    prompt: str | Sequence[str] | None = None,
    temperature: float = 1.0,
    seed: int | None = None,
    max_length: int = 50,
    min_length: int = 1,
) -> Decoded:
    """Draw each next word at random from ``softmax(z / temperature)``.

    The log-probability returned is the model's own (temperature 1), so it
    compares with :func:`greedy` and :func:`beam_search`. Other arguments as
    in :func:`greedy`.
    """
    if _check_real("temperature", temperature) <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    _check_lengths(max_length, min_length)
    model, tokens, z, state = _begin(model, vocab, prompt)
    rng = np.random.default_rng(seed)
    words: list[int] = []
    log_prob = 0.0
    while len(words) < max_length:
        may_end = len(words) >= min_length
        p = np.exp(_allowed(log_softmax(z / temperature), vocab, may_end))
        x = int(rng.choice(len(p), p=p / p.sum()))
        log_prob += log_softmax(z)[x]
        if x == vocab.end_id:
            return Decoded(tokens, vocab.decode(words), float(log_prob), True)
        words.append(x)
        z, state = model.step(state, x)
    return Decoded(tokens, vocab.decode(words), float(log_prob), False)


def log_probability(
    model: Any,
    vocab: _data.Vocabulary,
    words: str | Sequence[str],
    prompt: str | Sequence[str] | None = None,
    ended: bool = True,
) -> float:
    """``ln P(words [, END] | START, prompt)``: how likely the model finds a
    continuation, for instance a line Shakespeare wrote.

    ``words`` is read like a prompt (a string is tokenized; unknown words
    count as UNKNOWN_TOKEN); with ``ended`` the END that closes the sentence
    is scored too.
    """
    model, _, z, state = _begin(model, vocab, prompt)
    ids = [int(i) for i in vocab.encode(prompt_tokens(vocab, words))]
    if ended:
        ids.append(vocab.end_id)
    total = 0.0
    for i, x in enumerate(ids):
        total += log_softmax(z)[x]
        if i + 1 < len(ids):
            z, state = model.step(state, x)
    return float(total)
