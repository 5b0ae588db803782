"""Mini-batches of sentences for every model: length buckets, padding,
and the training loop every ``fit`` shares.

Sentences differ in length. Sorting them by length before cutting
batches keeps the padding small; shuffling the *batches* (not the
sentences) keeps training stochastic. Padded inputs get id 0 and padded
targets :data:`IGNORE_INDEX`, which every loss in the book skips.

Training never goes silently wrong: :func:`check_fit_arguments` checks
every option of a ``fit`` before any work, and :func:`train_loop` stops
with a :class:`FloatingPointError` naming the step as soon as a loss or
gradient is not finite, or the loss per word grows by
:data:`DIVERGENCE_FACTOR` over its first value.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
from tqdm.auto import tqdm

from .models import History
from .validation import (
    check_learning_rate,
    check_pair,
    check_pairs,
    check_scalar,
)

__all__ = [
    "DIVERGENCE_FACTOR",
    "IGNORE_INDEX",
    "check_fit_arguments",
    "make_batches",
    "pad_ids",
    "train_loop",
]

#: Target id of padded positions (PyTorch's ``cross_entropy`` default
#: ``ignore_index``).
IGNORE_INDEX = -100

#: :func:`train_loop` stops when a batch's loss per word exceeds this
#: many times the first batch's (at least 1 nat): two orders of magnitude
#: is divergence, not noise.
DIVERGENCE_FACTOR = 100.0


def make_batches(
    lengths: Sequence[int], batch_size: int, seed: int | None = 0
) -> list[np.ndarray]:
    """Group sentence indices into batches of similar length (little
    padding), in random order.

    Indices are sorted by length, cut into batches of ``batch_size``, and
    the batches shuffled with ``seed`` (``None`` keeps them sorted).
    """
    batch_size = check_scalar(batch_size, "batch_size", int, min_val=1)
    order = np.argsort(np.asarray(lengths), kind="stable")
    batches = [
        order[i : i + batch_size] for i in range(0, len(order), batch_size)
    ]
    if seed is not None:
        perm = np.random.default_rng(seed).permutation(len(batches))
        batches = [batches[i] for i in perm]
    return batches


def pad_ids(
    X: Sequence[np.ndarray], Y: Sequence[np.ndarray], vocab_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stack variable-length pairs into ``(B, T_max)`` int64 arrays.

    Inputs are padded with id 0 and targets with :data:`IGNORE_INDEX`.
    The networks read left to right, so padding after the end of a
    sentence never changes its real outputs: masking the targets is
    enough.
    """
    pairs = [check_pair(x, y, vocab_size) for x, y in zip(X, Y, strict=True)]
    if not pairs:
        raise ValueError("cannot pad an empty batch")
    T = max(len(x) for x, _ in pairs)
    xb = np.zeros((len(pairs), T), np.int64)
    yb = np.full((len(pairs), T), IGNORE_INDEX, np.int64)
    for i, (x, y) in enumerate(pairs):
        xb[i, : len(x)] = x
        yb[i, : len(y)] = y
    return xb, yb


def check_fit_arguments(
    X: object,
    Y: object,
    X_valid: object = None,
    Y_valid: object = None,
    epochs: object = 1.0,
    batch_size: object = 64,
    learning_rate: object = 1e-3,
    clip: object = None,
    evaluations: object = 10,
) -> tuple[float, int, float, float | None, int]:
    """Check what every ``fit`` takes, before any work.

    Returns
    -------
    epochs, batch_size, learning_rate, clip, evaluations
        As plain Python numbers.

    Raises
    ------
    TypeError, ValueError
        Naming the argument, the value and what is allowed: empty or
        unequal ``X, Y``; ``X_valid`` without ``Y_valid`` (or the
        reverse); ``epochs`` not finite and positive; ``batch_size`` or
        ``evaluations`` not a positive integer; a bad learning rate;
        ``clip`` neither None nor finite and positive.
    """
    check_pairs(X, Y)
    if (X_valid is None) != (Y_valid is None):
        given, missing = (
            ("X_valid", "Y_valid")
            if Y_valid is None
            else ("Y_valid", "X_valid")
        )
        raise ValueError(
            f"{given} was given without {missing}: validation needs both "
            f"(or neither)"
        )
    if X_valid is not None:
        check_pairs(X_valid, Y_valid, ("X_valid", "Y_valid"))
    return (
        check_scalar(
            epochs, "epochs", float, min_val=0, include_boundaries="neither"
        ),
        check_scalar(batch_size, "batch_size", int, min_val=1),
        check_learning_rate(learning_rate),
        check_scalar(
            clip,
            "clip",
            float,
            min_val=0,
            include_boundaries="neither",
            allow_none=True,
        ),
        check_scalar(evaluations, "evaluations", int, min_val=1),
    )


def train_loop(
    train_batch: Callable[[np.ndarray], tuple[float, int]],
    lengths: Sequence[int],
    epochs: float,
    batch_size: int,
    evaluations: int = 10,
    evaluate: Callable[[], float] | None = None,
    seed: int = 0,
    desc: str = "training",
    progress: bool = True,
    learning_rate: float | Callable[[], float] = math.nan,
) -> History:
    """The training loop every ``fit`` in the book shares: batches,
    progress, records, and the checks that keep training honest.

    Parameters
    ----------
    train_batch : callable
        ``train_batch(indices)`` trains on the sentences ``indices`` and
        returns (summed loss, number of targets). It raises
        :class:`FloatingPointError` when its gradient is not finite (before
        updating anything).
    lengths : sequence of int
        Sentence lengths (for the length buckets of :func:`make_batches`).
    epochs : float
        Passes over the data; a fraction trains on that share of the
        batches. Each epoch reshuffles the batch order (seed
        ``seed + epoch``).
    evaluations : int
        How many evenly spaced records to make (at least 1): the mean
        training loss since the last record, and ``evaluate()`` (a
        validation loss) when given.
    learning_rate : float or callable
        The learning rate to record (a callable is asked at each record).

    Raises
    ------
    FloatingPointError
        Naming the step, as soon as a batch's loss or gradient is not
        finite, a validation loss is not finite, or the loss per word
        exceeds :data:`DIVERGENCE_FACTOR` times the first batch's (at
        least 1 nat): the last step included.
    """
    epochs = check_scalar(
        epochs, "epochs", float, min_val=0, include_boundaries="neither"
    )
    batch_size = check_scalar(batch_size, "batch_size", int, min_val=1)
    evaluations = check_scalar(evaluations, "evaluations", int, min_val=1)
    if len(lengths) == 0:
        raise ValueError("there are no sentences to train on")
    n_batches = math.ceil(epochs * math.ceil(len(lengths) / batch_size))
    schedule = [
        b
        for e in range(math.ceil(epochs))
        for b in make_batches(lengths, batch_size, seed + e)
    ]
    schedule = schedule[:n_batches]
    marks = set(
        np.linspace(0, len(schedule), evaluations + 1, dtype=int)[1:].tolist()
    )
    history = History()
    seen, run_total, run_count = 0, 0.0, 0
    first: float | None = None
    start = time.perf_counter()
    total_tokens = sum(lengths[i] for b in schedule for i in b)
    bar = tqdm(
        total=total_tokens,
        desc=desc,
        unit="tok",
        unit_scale=True,
        disable=not progress,
    )
    try:
        for step, idx in enumerate(schedule, start=1):
            where = f"step {step} of {len(schedule)} ({seen} tokens seen)"
            try:
                total, count = train_batch(idx)
            except FloatingPointError as err:
                raise FloatingPointError(f"{where}: {err}") from err
            mean = total / max(count, 1)
            if not math.isfinite(total):
                raise FloatingPointError(
                    f"{where}: the loss became {total}; lower the learning "
                    f"rate or clip the gradient"
                )
            first = mean if first is None else first
            if mean > DIVERGENCE_FACTOR * max(first, 1.0):
                raise FloatingPointError(
                    f"{where}: the loss per word grew from {first:.3g} to "
                    f"{mean:.3g}, training diverged; lower the learning "
                    f"rate or clip the gradient"
                )
            seen += count
            run_total += total
            run_count += count
            bar.update(count)
            if step in marks:
                history.tokens_seen.append(seen)
                history.train_loss.append(run_total / run_count)
                history.learning_rate.append(
                    float(
                        learning_rate()
                        if callable(learning_rate)
                        else learning_rate
                    )
                )
                run_total, run_count = 0.0, 0
                if evaluate is not None:
                    valid = evaluate()
                    if not math.isfinite(valid):
                        raise FloatingPointError(
                            f"{where}: the validation loss is {valid}"
                        )
                    history.valid_loss.append(valid)
                bar.set_postfix(loss=f"{history.train_loss[-1]:.3f}")
    finally:
        bar.close()
    history.seconds = time.perf_counter() - start
    return history
