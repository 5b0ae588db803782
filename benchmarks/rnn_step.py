"""One SGD step of the Chapter 2 RNN, NumPy against PyTorch and against the GEMM floor.

Workload (the 2015 tutorial's): one sentence of T = 45 tokens, V = 8000, H = 100, BPTT
truncated to 4 steps for NumPy. PyTorch does full BPTT on the sentence (its truncation works by
chunks, see Chapter 2), with ``torch.optim.SGD``. The GEMM floor is the three large matrix
products one step cannot avoid (scores, dV, the error sent back into the states), timed alone.
Also: the mean loss over 1,000 Shakespeare sentences.

Times are medians over repeated runs after a warm-up. Run: ``python benchmarks/rnn_step.py``.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

import numpy as np
import torch

from tutorial_rnn import data
from tutorial_rnn.rnn_numpy import RNNNumpy
from tutorial_rnn.rnn_torch import RNNTorch, pad_batch

V, H, T, TRUNCATE = 8000, 100, 45, 4
NUMPY_2015_MS = 350.0  # the 2015 tutorial's NumPy step on a laptop (REFERENCE.md)
THEANO_GPU_2015_MS = 23.0


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def torch_step_fn(device: str, x: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    model = RNNTorch(V, H, device=device)
    opt = torch.optim.SGD(model.parameters(), lr=0.005)
    xb, yb = (t.to(device) for t in pad_batch([x], [y], V))

    def step() -> None:
        model.train_batch(xb, yb, opt)
        if device == "cuda":
            torch.cuda.synchronize()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x, y = rng.integers(0, V, T), rng.integers(0, V, T)
    model = RNNNumpy(V, H, bptt_truncate=TRUNCATE)
    s = model.states(x)
    delta_o = rng.random((T, V))

    rows: list[tuple[str, float]] = []
    floor = median_seconds(lambda: (s @ model.V.T, delta_o.T @ s, delta_o @ model.V), args.repeats)
    rows.append(("GEMM floor (3 products, float64)", floor))
    rows.append(
        (
            "NumPy SGD step (float64, truncate 4)",
            median_seconds(lambda: model.sgd_step(x, y, 1e-12), args.repeats),
        )
    )
    rows.append(("NumPy bptt only (dense gradients)", median_seconds(lambda: model.bptt(x, y), args.repeats)))
    rows.append(
        (
            "PyTorch CPU SGD step (float32, full BPTT)",
            median_seconds(torch_step_fn("cpu", x, y), args.repeats),
        )
    )
    if torch.cuda.is_available():
        rows.append(
            (
                "PyTorch CUDA SGD step (float32, full BPTT)",
                median_seconds(torch_step_fn("cuda", x, y), args.repeats),
            )
        )

    corpus = data.load_shakespeare()
    sentences = data.tokenize_corpus(corpus)
    vocab = data.Vocabulary.build(sentences, V)
    X, Y = data.training_pairs(sentences[:1000], vocab)
    words = sum(len(t) for t in Y)
    loss64 = median_seconds(lambda: model.loss(X, Y), repeats=max(3, args.repeats // 10), warmup=1)
    loss32 = median_seconds(
        lambda: model.loss(X, Y, dtype=np.float32), repeats=max(3, args.repeats // 10), warmup=1
    )

    print(f"# RNN language model step: V={V}, H={H}, T={T}")
    print(
        f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"numpy {np.__version__}, torch threads {torch.get_num_threads()}"
    )
    print(f"{'workload':<46}{'median ms':>11}{'÷ floor':>9}{'2015 NumPy ÷ this':>19}")
    for name, seconds in rows:
        ms = seconds * 1e3
        print(f"{name:<46}{ms:>11.2f}{seconds / floor:>9.2f}{NUMPY_2015_MS / ms:>19.1f}")
    print(f"{f'loss, 1,000 sentences ({words:,} words), float64':<46}{loss64 * 1e3:>11.1f}")
    print(f"{f'loss, 1,000 sentences ({words:,} words), float32':<46}{loss32 * 1e3:>11.1f}")
    print("# 2015 algorithm on this project's machine (REFERENCE.md): 54.7 ms per step, 2.06 s for the loss")
    print(f"# 2015 figures: NumPy {NUMPY_2015_MS:.0f} ms, Theano GPU {THEANO_GPU_2015_MS:.0f} ms per step")


if __name__ == "__main__":
    main()
