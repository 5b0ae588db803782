"""Mini-batches of sentences for every model: length buckets, padding, and a training history.

Sentences differ in length. Sorting them by length before cutting batches keeps the padding
small; shuffling the *batches* (not the sentences) keeps training stochastic. Padded inputs get
id 0 and padded targets :data:`IGNORE_INDEX`, which every loss in the book skips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .validation import check_pair

__all__ = ["IGNORE_INDEX", "History", "make_batches", "pad_ids"]

#: Target id of padded positions (PyTorch's ``cross_entropy`` default ``ignore_index``).
IGNORE_INDEX = -100


def make_batches(lengths: Sequence[int], batch_size: int, seed: int | None = 0) -> list[np.ndarray]:
    """Group sentence indices into batches of similar length (little padding), in random order.

    Indices are sorted by length, cut into batches of ``batch_size``, and the batches shuffled
    with ``seed`` (``None`` keeps them sorted).
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    order = np.argsort(np.asarray(lengths), kind="stable")
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
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


@dataclass
class History:
    """What a ``fit`` records: per evaluation, tokens seen and mean losses (nats per word)."""

    tokens_seen: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    valid_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def tokens_per_second(self) -> float:
        """Training throughput (the evaluations' time included)."""
        return self.tokens_seen[-1] / self.seconds if self.tokens_seen and self.seconds else float("nan")
