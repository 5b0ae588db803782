"""Mini-batches of sentences for every model: length buckets, padding,
and the training loop every ``fit`` shares.

Sentences differ in length. Sorting them by length before cutting
batches keeps the padding small; shuffling the *batches* (not the
sentences) keeps training stochastic. Padded inputs get id 0 and padded
targets :data:`IGNORE_INDEX`, which every loss in the book skips.

:func:`train_loop` is the one trainer of every batched model. Training
never goes silently wrong: :func:`tutorial_rnn.validation.check_fit_arguments`
checks every option and sentence of a ``fit`` before any work, and
:func:`check_divergence`, the one divergence rule (also used by
:meth:`RNNNumpy.fit <tutorial_rnn.rnn_numpy.RNNNumpy.fit>`), stops with a
:class:`FloatingPointError` naming the step as soon as a loss is not
finite, or the loss per word grows by :data:`DIVERGENCE_FACTOR` over its
first value.
"""

from __future__ import annotations

import functools
import inspect
import math
import time
from collections.abc import Callable, Iterator, Sequence

import numpy as np
from tqdm.auto import tqdm

from .models import History
from .validation import POSITIVE, check_pair, check_scalar, check_seed

__all__ = [
    "DIVERGENCE_FACTOR",
    "IGNORE_INDEX",
    "check_divergence",
    "make_batches",
    "pad_ids",
    "schedule",
    "train_loop",
    "with_progress",
]

#: Target id of padded positions (PyTorch's ``cross_entropy`` default
#: ``ignore_index``).
IGNORE_INDEX = -100

#: :func:`check_divergence` stops training when a step's loss per word
#: exceeds this many times the first step's (at least 1 nat): two orders
#: of magnitude is divergence, not noise.
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


def check_divergence(loss: float, first: float, where: str) -> None:
    """THE divergence rule of every trainer in the book.

    Training has gone wrong when a step's loss per word is not finite, or
    exceeds :data:`DIVERGENCE_FACTOR` times the first step's (at least
    1 nat: two orders of magnitude is divergence, not noise).

    Raises
    ------
    FloatingPointError
        Naming ``where`` (the step) and both losses.
    """
    if not math.isfinite(loss):
        raise FloatingPointError(
            f"{where}: the loss became {loss}; lower the learning rate or "
            f"clip the gradient"
        )
    if loss > DIVERGENCE_FACTOR * max(first, 1.0):
        raise FloatingPointError(
            f"{where}: the loss per word grew from {first:.3g} to "
            f"{loss:.3g}, training diverged; lower the learning rate or "
            f"clip the gradient"
        )


def schedule(
    lengths: Sequence[int], epochs: float, batch_size: int, seed: int = 0
) -> Iterator[np.ndarray]:
    """The batches of ``epochs`` passes, made one epoch at a time (each
    reshuffled with seed ``seed + epoch``); a fraction of an epoch is
    that share of its batches."""
    per_epoch = math.ceil(len(lengths) / batch_size)
    left = math.ceil(epochs * per_epoch)
    epoch = 0
    while left > 0:
        batches = make_batches(lengths, batch_size, seed + epoch)
        yield from batches[:left]
        left -= len(batches)
        epoch += 1


def train_loop(
    train_batch: Callable[[np.ndarray], tuple[float, int]],
    lengths: Sequence[int],
    *,
    epochs: float = 1.0,
    batch_size: int = 64,
    evaluations: int = 10,
    evaluate: Callable[[], float] | None = None,
    seed: int = 0,
    desc: str = "training",
    progress: bool = True,
    learning_rate: float = math.nan,
) -> History:
    """THE trainer of every batched model (NumPy gated, torch, the
    adding problem): batches, progress, records, and the checks that keep
    training honest.

    Parameters
    ----------
    train_batch : callable
        ``train_batch(indices)`` trains on the sentences ``indices`` and
        returns (summed loss, number of targets). It raises
        :class:`FloatingPointError` when its gradient is not finite (before
        updating anything).
    lengths : sequence of int
        Targets per sentence (positive; for the length buckets of
        :func:`make_batches`).
    epochs : float
        Passes over the data; a fraction trains on that share of the
        batches. Each epoch reshuffles the batch order (seed
        ``seed + epoch``); the batches are made an epoch at a time.
    evaluations : int
        How many evenly spaced records to make (at most one per step);
        each fills one entry of every :class:`~tutorial_rnn.models.History`
        field, ``valid_loss`` from ``evaluate()`` when given.
    learning_rate : float
        The learning rate to record.

    Raises
    ------
    ValueError
        For a length that is not a positive integer, or a step that
        reports no targets.
    FloatingPointError
        Naming the step, by :func:`check_divergence` on every step's loss
        per word, or when a validation loss is not finite.
    """
    epochs = check_scalar(epochs, "epochs", float, **POSITIVE)
    batch_size = check_scalar(batch_size, "batch_size", int, min_val=1)
    evaluations = check_scalar(evaluations, "evaluations", int, min_val=1)
    seed = check_seed(seed)
    if len(lengths) == 0:
        raise ValueError("there are no sentences to train on")
    for i, n in enumerate(lengths):
        check_scalar(n, f"lengths[{i}]", int, min_val=1)
    steps = math.ceil(epochs * math.ceil(len(lengths) / batch_size))
    records = min(evaluations, steps)
    history = History()
    seen, run_total, run_count, made = 0, 0.0, 0, 0
    first: float | None = None
    start = time.perf_counter()
    with tqdm(
        total=round(epochs * sum(lengths)),
        desc=desc,
        unit="tok",
        unit_scale=True,
        disable=not progress,
    ) as bar:
        batches = schedule(lengths, epochs, batch_size, seed)
        for step, idx in enumerate(batches, start=1):
            where = f"step {step} of {steps} ({seen} tokens seen)"
            try:
                total, count = train_batch(idx)
            except FloatingPointError as err:
                raise FloatingPointError(f"{where}: {err}") from err
            if count <= 0:
                raise ValueError(f"{where}: the batch had no targets")
            mean = total / count
            first = mean if first is None else first
            check_divergence(mean, first, where)
            seen += count
            run_total += total
            run_count += count
            bar.update(count)
            if step == (made + 1) * steps // records:  # evenly spaced
                made += 1
                history.tokens_seen.append(seen)
                history.train_loss.append(run_total / run_count)
                history.learning_rate.append(float(learning_rate))
                run_total, run_count = 0.0, 0
                if evaluate is not None:
                    valid = evaluate()
                    if not math.isfinite(valid):
                        raise FloatingPointError(
                            f"{where}: the validation loss is {valid}"
                        )
                    history.valid_loss.append(valid)
                bar.set_postfix(loss=f"{history.train_loss[-1]:.3f}")
    history.seconds = time.perf_counter() - start
    return history


def with_progress(desc: str) -> Callable[[Callable], Callable]:
    """Progress and timing, kept out of a ``fit`` whose listing is the
    algorithm.

    The decorated ``fit(self, X, Y, *, ..., on_step)`` calls
    ``on_step(targets, loss)`` after each step. The decorator takes
    ``progress`` instead of ``on_step`` (a ``tqdm`` bar of the targets
    trained on, shown when true) and writes the call's wall-clock time
    into the returned history's ``seconds``.
    """

    def decorate(fit: Callable) -> Callable:
        @functools.wraps(fit)
        def wrapper(
            self: object, X: object, Y: object, *, progress: bool = True, **kw
        ) -> History:
            start = time.perf_counter()
            with tqdm(
                desc=desc, unit="tok", unit_scale=True, disable=not progress
            ) as bar:

                def on_step(targets: int, loss: float) -> None:
                    bar.update(targets)

                history = fit(self, X, Y, on_step=on_step, **kw)
            history.seconds = time.perf_counter() - start
            return history

        signature = inspect.signature(fit)
        *shown, on_step = signature.parameters.values()  # on_step is last
        progress = inspect.Parameter("progress", on_step.kind, default=True)
        wrapper.__signature__ = signature.replace(  # type: ignore
            parameters=[*shown, progress]
        )
        return wrapper

    return decorate
