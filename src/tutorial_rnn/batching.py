"""Mini-batches of sentences for every model: length buckets, padding, and a training history.

Sentences differ in length. Sorting them by length before cutting batches keeps the padding
small; shuffling the *batches* (not the sentences) keeps training stochastic. Padded inputs get
id 0 and padded targets :data:`IGNORE_INDEX`, which every loss in the book skips.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
from tqdm.auto import tqdm

from .models import History
from .validation import check_pair

__all__ = ["IGNORE_INDEX", "make_batches", "pad_ids", "train_loop"]

#: Target id of padded positions (PyTorch's ``cross_entropy`` default ``ignore_index``).
IGNORE_INDEX = -100


def make_batches(
    lengths: Sequence[int], batch_size: int, seed: int | None = 0
) -> list[np.ndarray]:
    """Group sentence indices into batches of similar length (little padding), in random order.

    Indices are sorted by length, cut into batches of ``batch_size``, and the batches shuffled
    with ``seed`` (``None`` keeps them sorted).
    """
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int | np.integer)
        or batch_size < 1
    ):
        raise ValueError(
            f"batch_size must be a positive integer, got {batch_size!r}"
        )
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

    Inputs are padded with id 0 and targets with :data:`IGNORE_INDEX`. The networks read left to
    right, so padding after the end of a sentence never changes its real outputs: masking the
    targets is enough.
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
) -> History:
    """The training loop every ``fit`` in the book shares: batches, progress, records.

    Parameters
    ----------
    train_batch : callable
        ``train_batch(indices)`` trains on the sentences ``indices`` and returns (summed loss,
        number of targets).
    lengths : sequence of int
        Sentence lengths (for the length buckets of :func:`make_batches`).
    epochs : float
        Passes over the data; a fraction trains on that share of the batches. Each epoch
        reshuffles the batch order (seed ``seed + epoch``).
    evaluations : int
        How many evenly spaced records to make: the mean training loss since the last record,
        and ``evaluate()`` (a validation loss) when given.

    Raises
    ------
    FloatingPointError
        As soon as a batch's loss is not finite.
    """
    if not (math.isfinite(epochs) and epochs > 0):
        raise ValueError(f"epochs must be positive, got {epochs!r}")
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
    start = time.perf_counter()
    total_tokens = sum(lengths[i] for b in schedule for i in b)
    bar = tqdm(
        total=total_tokens,
        desc=desc,
        unit="tok",
        unit_scale=True,
        disable=not progress,
    )
    for step, idx in enumerate(schedule, start=1):
        total, count = train_batch(idx)
        if not math.isfinite(total):
            raise FloatingPointError(
                f"the loss became {total} after {seen} tokens: lower the learning rate or clip"
            )
        seen += count
        run_total += total
        run_count += count
        bar.update(count)
        if step in marks:
            history.tokens_seen.append(seen)
            history.train_loss.append(run_total / run_count)
            run_total, run_count = 0.0, 0
            if evaluate is not None:
                history.valid_loss.append(evaluate())
            bar.set_postfix(loss=f"{history.train_loss[-1]:.3f}")
    bar.close()
    history.seconds = time.perf_counter() - start
    return history
