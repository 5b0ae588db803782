"""Synthetic long-range tasks: the adding problem, as seeded batch generators.

In the adding problem (Hochreiter & Schmidhuber, 1997) each time step carries
two numbers: a value drawn uniformly from [0, 1] and a marker. Exactly two
steps are marked, one in the first half of the sequence and one in the second;
the target is the sum of the two marked values. A model must carry the first
marked value from where it appears to the end of the sequence, where the
answer is read: between T/2 and T steps. (The distance between the two markers
does not matter.)

Predicting the mean target, 1, without looking at the input scores the variance
of the sum of two independent uniform values, 2 × 1/12 = 1/6 ≈ 0.167: the
chance-level mean squared error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .batching import train_loop
from .validation import (
    check_clip,
    check_learning_rate,
    check_scalar,
    check_seed,
)

__all__ = [
    "ADDING_CHANCE_MSE",
    "AddingResult",
    "adding_batch",
    "train_adding",
]

#: Mean squared error of the best constant prediction (the mean, 1.0):
#: Var(u1 + u2) = 1/6.
ADDING_CHANCE_MSE = 1.0 / 6.0


def adding_batch(
    batch_size: int, length: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One batch of the adding problem.

    Parameters
    ----------
    batch_size : int
    length : int
        Sequence length T (at least 2: one marker in each half).
    rng : numpy.random.Generator

    Returns
    -------
    x : numpy.ndarray, shape (batch_size, T, 2)
        Channel 0: values in [0, 1); channel 1: the two markers (1.0), zero
        elsewhere.
    y : numpy.ndarray, shape (batch_size,)
        The sum of the two marked values.
    """
    batch_size = check_scalar(batch_size, "batch_size", int, min_val=1)
    length = check_scalar(length, "length", int, min_val=2)
    half = length // 2
    x = np.zeros((batch_size, length, 2))
    x[:, :, 0] = rng.random((batch_size, length))
    rows = np.arange(batch_size)
    first = rng.integers(0, half, batch_size)
    second = rng.integers(half, length, batch_size)
    x[rows, first, 1] = 1.0
    x[rows, second, 1] = 1.0
    y = x[rows, first, 0] + x[rows, second, 0]
    return x, y


@dataclass
class AddingResult:
    """What :func:`train_adding` returns: test MSE (on fresh sequences) during
    training."""

    steps: list[int]
    test_mse: list[float]
    seconds: float

    @property
    def final_mse(self) -> float:
        """The test MSE at the end of training."""
        return self.test_mse[-1]


def train_adding(
    length: int,
    cell: str = "rnn",
    hidden_size: int = 64,
    steps: int = 600,
    batch_size: int = 64,
    learning_rate: float = 2e-3,
    clip: float | None = 1.0,
    evaluations: int = 6,
    seed: int = 0,
    device: str = "auto",
) -> AddingResult:
    """Train a recurrent regressor on the adding problem and measure its test
    MSE.

    The model reads the (T, 2) sequence with ``torch.nn.RNN`` (tanh),
    ``nn.GRU`` or ``nn.LSTM`` and predicts the target from its last state with
    a linear layer. Training batches come from :func:`adding_batch` with a
    generator seeded by ``seed``, test batches (1,024 sequences) from a
    different seed, so the test MSE is measured on sequences
    never trained on. Compare it with :data:`ADDING_CHANCE_MSE`.
    """
    import torch
    from torch import nn

    from .torch_lm import resolve_device

    layers = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
    if cell not in layers:
        raise ValueError(f"unknown cell {cell!r}; use one of {sorted(layers)}")
    hidden_size = check_scalar(hidden_size, "hidden_size", int, min_val=1)
    steps = check_scalar(steps, "steps", int, min_val=1)
    evaluations = check_scalar(evaluations, "evaluations", int, min_val=1)
    learning_rate = check_learning_rate(learning_rate)
    clip = check_clip(clip)
    seed = check_seed(seed)
    dev = resolve_device(device)
    # torch's global RNG seeds the initial weights, and is restored after
    with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        torch.manual_seed(seed)
        recurrent = layers[cell](2, hidden_size, batch_first=True).to(dev)
        readout = nn.Linear(hidden_size, 1).to(dev)
    params = [*recurrent.parameters(), *readout.parameters()]
    opt = torch.optim.Adam(params, lr=learning_rate)

    def tensors(size: int, rng: np.random.Generator) -> list[torch.Tensor]:
        """One batch of :func:`adding_batch` as float32 tensors on dev."""
        return [
            torch.tensor(a, dtype=torch.float32, device=dev)
            for a in adding_batch(size, length, rng)
        ]

    test_x, test_y = tensors(1024, np.random.default_rng(seed + 10_000))

    def predict(x: torch.Tensor) -> torch.Tensor:
        out, _ = recurrent(x)
        return readout(out[:, -1]).squeeze(-1)

    @torch.no_grad()
    def test_mse() -> float:
        return float(((predict(test_x) - test_y) ** 2).mean())

    rng = np.random.default_rng(seed)

    def train_batch(idx: np.ndarray) -> tuple[float, int]:
        x, y = tensors(batch_size, rng)
        opt.zero_grad(set_to_none=True)
        loss = ((predict(x) - y) ** 2).mean()
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        return loss.item(), 1  # the batch's MSE, one step

    # On a CPU the products here are tiny ((64, 2) @ (2, 3H), (64, H) @ (H,
    # 3H)): a second thread costs more in hand-offs than it saves (nn.GRU ran
    # twice as slowly on 2 threads as on 1). The caller's count is restored.
    threads = torch.get_num_threads()
    if dev.type == "cpu":
        torch.set_num_threads(1)
    try:
        first = test_mse()
        history = train_loop(  # one "sentence" of one target per step
            train_batch,
            [1] * steps,
            epochs=1.0,
            batch_size=1,
            evaluations=evaluations,
            evaluate=test_mse,
            progress=False,
        )
    finally:
        torch.set_num_threads(threads)
    return AddingResult(
        [0, *history.tokens_seen],
        [first, *history.valid_loss],
        history.seconds,
    )
