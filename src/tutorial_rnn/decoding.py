"""Decoding: turning a language model's scores into a sentence.

A language model gives, after each prefix, scores ``z_t`` (logits) over the
next word, and the distribution ``o_t = softmax(z_t)``. Three ways to turn
them into words:

- :func:`sample` draws each word at random from ``softmax(z / τ)``
  (Chapter 2's way; every model's ``generate`` is a call to it);
- :func:`greedy` takes the most probable word at every step;
- :func:`beam_search` keeps the ``beam_width`` most probable partial
  sentences at every step and returns the best complete one.

All continue a reader's ``prompt`` (read after ``SENTENCE_START``) and
return a :class:`Decoded`: the words and their log-probability under the
model, ``ln P(w_1 .. w_n, END | START, prompt) = sum_t ln o_t[w_t]``.

They share one loop, :func:`decode`, over a :class:`Stepper` (any model of
the book, through :func:`stepper`)::

    state = initial_state()
    scores, state = step(state, x)   # feed word id x; scores of the next word

and one masking rule, :func:`allowed`, which gives the words that may not
come next the score ``-inf`` *before* any softmax. Scores that are not
finite raise :class:`FloatingPointError`: a decoder never returns NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from . import data as _data
from .activations import log_softmax, softmax
from .validation import check_scalar

__all__ = [
    "MAX_BEAM_WIDTH",
    "MAX_LENGTH",
    "MAX_LENGTH_NORMALISATION",
    "Decoded",
    "GatedStepper",
    "RNNStepper",
    "Stepper",
    "allowed",
    "beam_search",
    "decode",
    "generate",
    "greedy",
    "log_probability",
    "prompt_tokens",
    "sample",
    "stepper",
]

#: The most words a decoder writes after the prompt.
MAX_LENGTH = 10_000
#: The largest ``alpha`` of :func:`beam_search`'s ranking ``ln P / n^alpha``
#: (0 ranks by probability, 1 by the mean per word; ``n^alpha`` stays far
#: from overflow for every ``n <= MAX_LENGTH + 1``).
MAX_LENGTH_NORMALISATION = 10.0
#: The widest beam: :func:`beam_search` weighs up to
#: ``beam_width * min(beam_width, V)`` candidates a step, about 150 bytes
#: each (600 MB at this width and the book's V = 8000).
MAX_BEAM_WIDTH = 2_000


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

    def __init__(self, model: Any):
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

    def __init__(self, model: Any):
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
    # Imported here: the models import this module for their ``generate``.
    from .gated_lm import GatedLMNumpy
    from .rnn_numpy import RNNNumpy

    if isinstance(model, Stepper):
        return model
    if hasattr(model, "to_numpy"):  # a PyTorch twin
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


def _step(model: Stepper, state: Any, x: int) -> tuple[np.ndarray, Any]:
    """``model.step``, with its scores checked: finite, shape (V,)."""
    scores, state = model.step(state, x)
    z = np.asarray(scores, dtype=np.float64)
    if z.shape != (model.vocab_size,):
        raise ValueError(
            f"the model's step returned scores of shape {z.shape}, not "
            f"({model.vocab_size},)"
        )
    if not np.isfinite(z).all():
        raise FloatingPointError(
            f"the model's scores after reading word id {x} are not finite "
            f"({np.isnan(z).sum()} NaN, {np.isinf(z).sum()} infinite): "
            "check its weights"
        )
    return z, state


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
def _check_lengths(max_length: object, min_length: object) -> None:
    max_length = check_scalar(
        max_length, "max_length", int, min_val=1, max_val=MAX_LENGTH
    )
    min_length = check_scalar(min_length, "min_length", int, min_val=0)
    if min_length > max_length:
        raise ValueError(
            f"min_length={min_length} must not exceed max_length={max_length}"
        )


def prompt_tokens(
    vocab: _data.Vocabulary,
    prompt: str | Sequence[str] | None,
    *,
    name: str = "prompt",
) -> list[str]:
    """The prompt as the model will read it.

    A string is split by :func:`tutorial_rnn.data.tokenize` (lower-cased,
    like the corpus); a list is taken as tokens already. Words outside the
    vocabulary become UNKNOWN_TOKEN. ``None`` or a blank string is the
    empty prompt: the sentence starts from scratch. Errors call the
    argument ``name``.

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
                f"{name} {prompt!r} holds no word or punctuation the "
                "tokenizer keeps"
            )
    elif isinstance(prompt, Sequence) and all(
        isinstance(t, str) for t in prompt
    ):
        tokens = list(prompt)
    else:
        raise TypeError(
            f"{name} must be a string, a sequence of token strings or None; "
            f"got {type(prompt).__name__} {prompt!r}"
        )
    special = {_data.SENTENCE_START, _data.SENTENCE_END} & set(tokens)
    if special:
        raise ValueError(
            f"{name} must not hold {sorted(special)}: the decoder adds "
            "SENTENCE_START itself and ends at SENTENCE_END"
        )
    return vocab.decode(vocab.encode(tokens))  # unknown -> UNKNOWN_TOKEN


def _check(model: Any, vocab: _data.Vocabulary) -> Stepper:
    """The model's stepper, once ``vocab`` is checked against it."""
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
    if len(vocab) <= len(_data.SPECIAL_TOKENS):
        raise ValueError(
            "vocab holds no word, only the special tokens "
            f"{list(_data.SPECIAL_TOKENS)}: there is nothing to choose"
        )
    return model


def _begin(
    model: Any,
    vocab: _data.Vocabulary,
    prompt: str | Sequence[str] | None,
) -> tuple[Stepper, list[str], np.ndarray, Any]:
    """Check the model, vocabulary and prompt; feed START and the prompt.

    Returns the stepper, the prompt's tokens, the scores of the first word
    to choose and the state the prompt leaves.
    """
    model = _check(model, vocab)
    tokens = prompt_tokens(vocab, prompt)
    state = model.initial_state()
    for x in [vocab.start_id, *vocab.encode(tokens)]:
        scores, state = _step(model, state, int(x))
    return model, tokens, scores, state


# ---------------------------------------------------------------- decoders
def allowed(
    scores: np.ndarray, vocab: _data.Vocabulary, may_end: bool
) -> np.ndarray:
    """``scores`` with the words that may not come next set to ``-inf``.

    UNKNOWN_TOKEN and SENTENCE_START may never come, SENTENCE_END only when
    ``may_end``. Masking the *scores*, before any softmax, keeps the
    largest score an allowed word's: shifted by it, that word gets
    ``e^0 = 1`` at any temperature and nothing divides 0 by 0.
    """
    out = scores.copy()
    out[[vocab.unknown_id, vocab.start_id]] = -np.inf
    if not may_end:
        out[vocab.end_id] = -np.inf
    return out


def decode(
    model: Any,
    vocab: _data.Vocabulary,
    prompt: str | Sequence[str] | None,
    choose: Callable[[np.ndarray], int],
    max_length: int = 50,
    min_length: int = 1,
) -> Decoded:
    """Write a continuation one word at a time; ``choose`` picks each word.

    ``choose(scores)`` gets the next word's scores with the words that may
    not come next at ``-inf`` (:func:`allowed`) and returns a word id:
    ``np.argmax`` is greedy decoding. The chosen word is fed back to the
    model until it is SENTENCE_END or ``max_length`` words are written.
    The ``log_prob`` returned is the model's own (temperature 1).

    Parameters
    ----------
    model
        A language model of the book (see :func:`stepper`).
    vocab : Vocabulary
        The model's vocabulary (``len(vocab) == model.vocab_size``), with
        at least one word besides the special tokens.
    prompt : str, list of str or None
        Text to continue (see :func:`prompt_tokens`); None starts afresh.
    choose : callable
        Picks a word id from the allowed scores, shape (V,).
    max_length : int
        At most this many words after the prompt (1 to :data:`MAX_LENGTH`).
    min_length : int
        SENTENCE_END is not chosen before this many words.

    Raises
    ------
    FloatingPointError
        If the model's scores are not finite.
    """
    _check_lengths(max_length, min_length)
    model, tokens, z, state = _begin(model, vocab, prompt)
    words: list[int] = []
    log_prob = 0.0
    while len(words) < max_length:
        scores = allowed(z, vocab, may_end=len(words) >= min_length)
        x = int(choose(scores))
        if not 0 <= x < len(scores) or scores[x] == -np.inf:
            raise ValueError(
                f"choose picked word id {x}, which is not allowed"
            )
        log_prob += log_softmax(z)[x]
        if x == vocab.end_id:
            return Decoded(tokens, vocab.decode(words), float(log_prob), True)
        words.append(x)
        z, state = _step(model, state, x)
    return Decoded(tokens, vocab.decode(words), float(log_prob), False)


def greedy(
    model: Any,
    vocab: _data.Vocabulary,
    prompt: str | Sequence[str] | None = None,
    *,
    max_length: int = 50,
    min_length: int = 1,
) -> Decoded:
    """Always take the most probable allowed word.

    Arguments as in :func:`decode`. UNKNOWN_TOKEN and SENTENCE_START are
    never chosen.
    """
    # np.argmax takes the first of equal best scores
    return decode(model, vocab, prompt, np.argmax, max_length, min_length)


def sample(
    model: Any,
    vocab: _data.Vocabulary,
    prompt: str | Sequence[str] | None = None,
    *,
    temperature: float = 1.0,
    seed: int | None = None,
    max_length: int = 50,
    min_length: int = 1,
) -> Decoded:
    """Draw each next word at random from ``softmax(z / temperature)``.

    Below 1 the temperature sharpens the distribution (towards
    :func:`greedy` as it goes to 0), above 1 it flattens it. The scores
    are shifted by their maximum *before* the division, so no temperature,
    however small, overflows: the best allowed word keeps ``e^0``. The
    log-probability returned is the model's own (temperature 1).

    Parameters
    ----------
    model, vocab, prompt, max_length, min_length
        As in :func:`decode`.
    temperature : float
        Finite and positive.
    seed : int, optional
        Non-negative; None draws fresh randomness.
    """
    temperature = check_scalar(
        temperature,
        "temperature",
        float,
        min_val=0,
        include_boundaries="neither",
    )
    seed = check_scalar(seed, "seed", int, min_val=0, allow_none=True)
    rng = np.random.default_rng(seed)

    def draw(scores: np.ndarray) -> int:
        with np.errstate(over="ignore"):  # -1 / 1e-320 = -inf: p = 0
            p = softmax((scores - scores.max()) / temperature)
        return int(rng.choice(len(p), p=p))

    return decode(model, vocab, prompt, draw, max_length, min_length)


def generate(
    model: Any,
    vocab: _data.Vocabulary,
    prompt: str | Sequence[str] | None = None,
    **options: Any,
) -> list[str]:
    """The words of :func:`sample`: ``sample(model, vocab, prompt,
    **options).words``, options ``temperature``, ``seed``, ``max_length``
    and ``min_length``.

    Every language model of the book has this function as its ``generate``
    method: one signature, and the same seed gives the same words for the
    NumPy and PyTorch twins.
    """
    return sample(model, vocab, prompt, **options).words


def beam_search(
    model: Any,
    vocab: _data.Vocabulary,
    prompt: str | Sequence[str] | None = None,
    *,
    beam_width: int = 5,
    max_length: int = 50,
    min_length: int = 1,
    length_normalisation: float = 0.0,
) -> Decoded:
    """Keep the ``beam_width`` most probable partial sentences at each step.

    Every partial sentence on the beam is extended by each of its
    ``beam_width`` best allowed next words; of all these candidates the
    best ``beam_width`` survive. A survivor that chose SENTENCE_END is
    finished and leaves the beam. The search stops when no partial
    sentence can still overtake the best finished one, or at
    ``max_length`` words.

    Finished sentences are ranked by ``log_prob / length ** alpha`` with
    ``alpha = length_normalisation``: 0 ranks by probability (which favours
    short sentences), 1 by the average log-probability per word.

    Parameters
    ----------
    model, vocab, prompt, max_length, min_length
        As in :func:`decode`.
    beam_width : int
        Partial sentences kept (1 is :func:`greedy`; at most
        :data:`MAX_BEAM_WIDTH`).
    length_normalisation : float
        ``alpha`` above, from 0 to :data:`MAX_LENGTH_NORMALISATION`.

    Returns
    -------
    Decoded
        The best finished sentence; if none finished within
        ``max_length`` words, the best unfinished one.
    """
    width = check_scalar(
        beam_width, "beam_width", int, min_val=1, max_val=MAX_BEAM_WIDTH
    )
    _check_lengths(max_length, min_length)
    alpha = check_scalar(
        length_normalisation,
        "length_normalisation",
        float,
        min_val=0,
        max_val=MAX_LENGTH_NORMALISATION,
    )
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
            scores = allowed(z, vocab, may_end=t >= min_length)
            for x in np.argsort(-scores, kind="stable")[:width]:
                if scores[x] > -np.inf:
                    candidates.append((log_prob + log_p[x], words, x, state))
        candidates.sort(key=lambda c: -c[0])  # stable: ties keep order
        beam = []
        for log_prob, words, x, state in candidates[:width]:
            if x == vocab.end_id:
                finished.append((log_prob, words))
            else:
                z, new_state = _step(model, state, int(x))
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


def log_probability(
    model: Any,
    vocab: _data.Vocabulary,
    words: str | Sequence[str],
    prompt: str | Sequence[str] | None = None,
    *,
    ended: bool = True,
) -> float:
    """``ln P(words [, END] | START, prompt)``: how likely the model finds a
    continuation, for instance a line Shakespeare wrote.

    ``words`` is read like a prompt (a string is tokenized; unknown words
    count as UNKNOWN_TOKEN); with ``ended`` the END that closes the sentence
    is scored too.

    Raises
    ------
    FloatingPointError
        If the model's scores are not finite.
    """
    ended = check_scalar(ended, "ended", bool)
    model = _check(model, vocab)
    tokens = prompt_tokens(vocab, words, name="words")  # before any work
    model, _, z, state = _begin(model, vocab, prompt)
    ids = [int(i) for i in vocab.encode(tokens)]
    if ended:
        ids.append(vocab.end_id)
    total = 0.0
    for i, x in enumerate(ids):
        total += log_softmax(z)[x]
        if i + 1 < len(ids):
            z, state = _step(model, state, x)
    return float(total)
