"""Characters in, characters out: a language model of the plays' letters.

Karpathy's char-rnn setting on the book's corpus. The plays become one
stream of characters (each speech's lines joined by newlines, speeches by a
blank line); a :class:`~tutorial_rnn.gated_torch.GatedLMTorch` whose
vocabulary is the characters reads it in windows, and the state at the end
of one window is where the next window starts (truncated BPTT over a
stream), so the model's memory is not cut at every sentence.

::

    text  = "First Citizen...\\n\\nBefore we proceed..."
    ids   = vocab.encode(list(text))              # one id per character
    rows  = ids[: B * N].reshape(B, N)            # B parallel streams
    x, y  = rows[:, p : p + T], rows[:, p + 1 : p + T + 1]
    loss, state = model(x, state)  ->  state carried to the next window

The held-out text is the last ``valid_fraction`` of the stream (contiguous,
as in nanoGPT's character-level Shakespeare), and losses are reported in
bits per character
(:func:`stream_loss` gives nats per token).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from . import data as _data
from . import decoding
from .batching import train_loop
from .corpus import Corpus, load_shakespeare
from .torch_lm import detach_state, pad_batch
from .validation import check_learning_rate, check_scalar

__all__ = [
    "CharData",
    "char_data",
    "check_stream",
    "fit_stream",
    "sample_text",
    "stream_loss",
    "windows",
    "word_data",
]

#: Between two speeches of the stream.
SPEECH_BREAK = "\n\n"


@dataclass(frozen=True)
class CharData:
    """The plays as character ids, split into a training and a held-out
    stream.

    Attributes
    ----------
    vocab : Vocabulary
        Every character of the plays (plus the three special tokens, which
        never occur in the stream).
    train, valid : numpy.ndarray of int64, shape (N,) and (M,)
        The two streams; ``valid`` is the end of the text.
    """

    vocab: _data.Vocabulary
    train: np.ndarray
    valid: np.ndarray


def _corpus_and_fraction(
    corpus: Corpus | None, valid_fraction: float
) -> Corpus:
    """Check the held-out share (in (0, 0.5]); the plays by default."""
    check_scalar(
        valid_fraction,
        "valid_fraction",
        float,
        min_val=0,
        max_val=0.5,
        include_boundaries="right",
    )
    return load_shakespeare() if corpus is None else corpus


def char_data(
    corpus: Corpus | None = None, valid_fraction: float = 0.05
) -> CharData:
    """The character streams of ``corpus`` (all the plays by default).

    Parameters
    ----------
    corpus : Corpus, optional
        Speeches to join; :func:`~tutorial_rnn.corpus.load_shakespeare` by
        default.
    valid_fraction : float
        Share of the characters, at the end, held out; in (0, 0.5].
    """
    corpus = _corpus_and_fraction(corpus, valid_fraction)
    text = SPEECH_BREAK.join(corpus.documents)
    if len(text) < 4:
        raise ValueError(
            f"corpus {corpus.name!r} holds {len(text)} characters; "
            "at least 4 are needed"
        )
    chars = sorted(set(text))
    vocab = _data.Vocabulary.build([chars], size=len(chars) + 3)
    ids = vocab.encode(list(text))
    cut = len(ids) - max(2, round(valid_fraction * len(ids)))
    return CharData(vocab, ids[:cut], ids[cut:])


def word_data(
    corpus: Corpus | None = None,
    size: int = 8000,
    valid_fraction: float = 0.05,
) -> CharData:
    """The speeches as one stream of word ids, sentences ended by
    ``SENTENCE_END``.

    ``w1 w2 END w3 END ...``: after ``END`` comes the next sentence, of
    the same speech or the next one. Read with the state reset after every
    ``END`` (``reset_at=vocab.end_id``), a model meets each sentence as
    the book's sentence-level models do (from a zero state, its first input
    a sentence marker); read with the state carried, it keeps what came
    before.

    Parameters
    ----------
    size : int
        Vocabulary size, built on the training part of the stream.
    valid_fraction : float
        Share of the speeches, at the end, held out; in (0, 0.5].
    """
    corpus = _corpus_and_fraction(corpus, valid_fraction)
    speeches = [
        _data.tokenize_corpus(Corpus(corpus.name, [d]))
        for d in corpus.documents
    ]
    speeches = [s for s in speeches if s]
    if len(speeches) < 2:
        raise ValueError(
            f"corpus {corpus.name!r} holds {len(speeches)} speech(es) "
            "with words; at least 2 are needed"
        )
    cut = len(speeches) - max(1, round(valid_fraction * len(speeches)))
    vocab = _data.Vocabulary.build(
        [w for s in speeches[:cut] for w in s], size=size
    )

    def stream(part: list[list[list[str]]]) -> np.ndarray:
        ids = [vocab.end_id]
        for speech in part:
            for sentence in speech:
                ids.extend(vocab.encode(sentence))
                ids.append(vocab.end_id)
        return np.asarray(ids, dtype=np.int64)

    return CharData(vocab, stream(speeches[:cut]), stream(speeches[cut:]))


def windows(
    ids: np.ndarray, batch_size: int, length: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Consecutive ``(x, y)`` windows of ``batch_size`` parallel streams.

    The stream is cut into ``batch_size`` rows of ``n`` inputs each. Row
    ``b`` of one window continues row ``b`` of the previous one, so a model
    may start each window from the state the last one ended in.

    Yields
    ------
    x, y : numpy.ndarray of int64, shape (batch_size, <= length)
        Inputs and the tokens that follow them.
    """
    ids = check_stream(ids, batch_size, length)
    n = (len(ids) - 1) // batch_size  # inputs per row
    rows = np.stack([ids[b * n : (b + 1) * n + 1] for b in range(batch_size)])
    for p in range(0, n, length):
        q = min(p + length, n)
        yield rows[:, p:q], rows[:, p + 1 : q + 1]


def check_stream(ids: np.ndarray, batch_size: int, length: int) -> np.ndarray:
    """``ids`` as a 1-D integer array long enough for ``batch_size`` rows.

    Raises
    ------
    TypeError
        For ids that are not a 1-D integer array.
    ValueError
        For a ``batch_size`` or ``length`` below 1, or a stream too short.
    """
    check_scalar(batch_size, "batch_size", int, min_val=1)
    check_scalar(length, "length", int, min_val=1)
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.dtype.kind not in "iu":
        raise TypeError(
            f"ids must be a 1-D integer array, got {ids.dtype} of shape "
            f"{ids.shape}"
        )
    if len(ids) - 1 < batch_size:
        raise ValueError(
            f"a stream of {len(ids)} ids is too short for batch_size="
            f"{batch_size}"
        )
    return ids


def fit_stream(
    model: torch.nn.Module,
    ids: np.ndarray,
    *,
    steps: int,
    batch_size: int = 32,
    length: int = 100,
    learning_rate: float = 2e-3,
    clip: float = 5.0,
    progress: bool = True,
    on_step: Callable[[int, list[float]], None] | None = None,
) -> list[float]:
    """Train ``model`` on a character stream by truncated BPTT.

    Each step reads the next window of every row, starting from the state
    the previous window ended in (detached: the gradient stops at the
    window's start); at the end of the rows the state starts again from
    zero. The steps run through the book's one trainer,
    :func:`tutorial_rnn.batching.train_loop` (one window a step): its
    progress bar and its divergence rule.

    Parameters
    ----------
    model : GatedLMTorch
        Its vocabulary is the characters.
    ids : numpy.ndarray of int, shape (N,)
        The training stream.
    steps : int
        Optimiser steps (Adam).
    on_step : callable, optional
        Called as ``on_step(steps_done, losses)`` after every step (to
        save a checkpoint now and then).

    Returns
    -------
    list of float
        The training loss of every step, in bits per character.

    Raises
    ------
    FloatingPointError
        Naming the step, when a loss or a gradient is not finite (no
        update is made) or the loss diverges
        (:func:`tutorial_rnn.batching.check_divergence`).
    """
    check_scalar(steps, "steps", int, min_val=1, max_val=10**6)
    check_learning_rate(learning_rate)
    check_scalar(clip, "clip", float, min_val=0, include_boundaries="neither")
    check_stream(ids, batch_size, length)
    opt = torch.optim.Adam(model.parameters(), lr=learning_rate)
    device = next(model.parameters()).device
    stream, state, losses = iter(()), None, []

    def train_window(_: np.ndarray) -> tuple[float, int]:
        nonlocal stream, state
        window = next(stream, None)
        if window is None:  # the end of the rows: start again from zero
            stream, state = windows(ids, batch_size, length), None
            window = next(stream)
        x, y = (torch.as_tensor(a, device=device) for a in window)
        opt.zero_grad(set_to_none=True)
        total, n, final = model.batch_loss(x, y, state)
        if not torch.isfinite(total):
            raise FloatingPointError(f"the loss became {total.item()}")
        (total / n).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        if not torch.isfinite(norm):
            raise FloatingPointError(
                f"the gradient norm became {float(norm)}: no update was made"
            )
        opt.step()
        state = detach_state(final)
        losses.append(total.item() / n / math.log(2))
        if on_step is not None:
            on_step(len(losses), losses)
        return total.item(), n

    model.train()
    try:  # one "sentence" of a window's targets per step
        train_loop(
            train_window,
            [batch_size * length] * steps,
            batch_size=1,
            evaluations=1,
            desc="characters",
            progress=progress,
        )
    finally:
        model.eval()
    return losses


@torch.no_grad()
def stream_loss(
    model: torch.nn.Module,
    ids: np.ndarray,
    *,
    reset_at: int | None = None,
    batch_size: int = 8,
    length: int = 200,
) -> float:
    """Loss in nats per token (divide by ln 2 for bits per character).

    Parameters
    ----------
    ids : numpy.ndarray of int, shape (N,)
    reset_at : int, optional
        A character id (e.g. the newline's) after which the state is set
        back to zero: the model then reads each line from scratch, as a
        sentence-level model does. ``None`` carries the state through the
        whole stream.
    """
    ids = check_stream(ids, batch_size, length)
    device = next(model.parameters()).device
    total, count, state = 0.0, 0, None
    if reset_at is None:
        for window in windows(ids, batch_size, length):
            x, y = (torch.as_tensor(a, device=device) for a in window)
            s, n, state = model.batch_loss(x, y, state)
            total, count = total + float(s), count + n
        return total / count
    check_scalar(
        reset_at, "reset_at", int, min_val=0, max_val=model.vocab_size - 1
    )
    # the same targets as the windows, ids[1 : B n + 1], but every line
    # (ending with reset_at) read on its own from a zero state
    m = (len(ids) - 1) // batch_size * batch_size + 1
    starts = [1, *(np.flatnonzero(ids[1 : m - 1] == reset_at) + 2)]
    lines = sorted(
        zip(starts, [*starts[1:], m], strict=True),
        key=lambda ab: ab[1] - ab[0],
    )
    for i in range(0, len(lines), 64):
        group = lines[i : i + 64]
        x, y = pad_batch(
            [ids[a - 1 : b - 1] for a, b in group],
            [ids[a:b] for a, b in group],
            model.vocab_size,
        )
        s, n, _ = model.batch_loss(x.to(device), y.to(device))
        total, count = total + float(s), count + n
    return total / count


def sample_text(
    model: torch.nn.Module,
    vocab: _data.Vocabulary,
    prompt: str = "\n",
    length: int = 400,
    temperature: float = 0.8,
    seed: int = 0,
) -> str:
    """Continue ``prompt`` by ``length`` sampled characters.

    A call of the book's one sampler, :func:`tutorial_rnn.decoding.sample`,
    with the prompt as a list of characters and ``min_length = length``
    (the stream has no sentence end to stop at): each character is drawn
    from ``softmax(z / temperature)``, the special tokens excluded.
    """
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"prompt must be a non-empty str, got {prompt!r}")
    unknown = sorted(set(prompt) - set(vocab.index_to_word))
    if unknown:
        raise ValueError(
            f"prompt holds characters the model never saw: {unknown!r}"
        )
    decoded = decoding.sample(
        model,
        vocab,
        list(prompt),
        temperature=temperature,
        seed=seed,
        max_length=length,
        min_length=length,
    )
    return prompt + "".join(decoded.words)


def main(argv: list[str] | None = None) -> None:
    """``python -m tutorial_rnn.char_lm --out FILE``: train the shipped
    character model and save it (its command and losses in the file)."""
    import argparse
    import time

    from . import checkpoint
    from .gated_torch import GatedLMTorch

    parser = argparse.ArgumentParser(prog="python -m tutorial_rnn.char_lm")
    parser.add_argument("--out", required=True)
    parser.add_argument("--data", default="chars", choices=["chars", "words"])
    parser.add_argument("--cell", default="gru", choices=["gru", "lstm"])
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--embed", type=int, default=32)
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--length", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save-every", type=int, default=500)
    parser.add_argument("--eval-chars", type=int, default=20_000)
    args = parser.parse_args(argv)
    checkpoint.check_target(args.out)
    torch.manual_seed(args.seed)
    chars = char_data() if args.data == "chars" else word_data()
    model = GatedLMTorch(
        len(chars.vocab),
        args.hidden,
        args.cell,
        args.layers,
        embed_size=args.embed,
        seed=args.seed,
        device="cpu",
    )
    start = time.perf_counter()

    def save(done: int, losses: list[float]) -> None:
        if done % args.save_every and done != args.steps:
            return
        valid = stream_loss(model, chars.valid[: args.eval_chars]) / math.log(
            2
        )
        model.train()
        # the command that gives this file: training stopped at ``done``
        command = "python -m tutorial_rnn.char_lm " + " ".join(
            f"--{k.replace('_', '-')} {done if k == 'steps' else v}"
            for k, v in vars(args).items()
            if k not in ("save_every", "eval_chars")
        )
        checkpoint.save(
            args.out,
            model,
            chars.vocab,
            dtype=np.float32,
            extra={
                "command": command,
                "tokens": args.data,
                "steps": done,
                "train_bits_per_token": float(np.mean(losses[-100:])),
                "valid_bits_per_token": valid,
                "valid_tokens": len(chars.valid[: args.eval_chars]),
                "seconds": round(time.perf_counter() - start),
            },
        )
        print(
            f"step {done}: train {np.mean(losses[-100:]):.3f}, "
            f"held-out {valid:.3f} bits/token",
            flush=True,
        )

    fit_stream(
        model,
        chars.train,
        steps=args.steps,
        batch_size=args.batch_size,
        length=args.length,
        learning_rate=args.learning_rate,
        on_step=save,
    )


if __name__ == "__main__":
    main()
