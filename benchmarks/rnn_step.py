"""One SGD step of the Chapter 2 RNN, NumPy against PyTorch and against
the GEMM floor.

Workload (the 2015 tutorial's): one sentence of T = 45 tokens, V = 8000,
H = 100, BPTT truncated to 4 steps for NumPy; PyTorch does full BPTT (its
truncation works by chunks, see Chapter 2) with ``torch.optim.SGD``, on
the CPU and on CUDA when present. The GEMM floor is the three large matrix
products one step cannot avoid, timed alone. Also: the mean loss over
1,000 Shakespeare sentences. The measuring code is
``benchmarks/workloads.py`` (``make bench`` runs the whole suite,
``benchmarks/suite.py``).

Run: ``python benchmarks/rnn_step.py [--repeats N]``.
"""

from __future__ import annotations

import argparse

import workloads
from tutorial_rnn import data


def main() -> None:
    # the docstring's summary, wrapped over two lines
    summary = " ".join(__doc__.split("\n\n")[0].split())
    parser = argparse.ArgumentParser(description=summary)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    book = data.book_data()
    X, Y = book.X[:1000], book.Y[:1000]  # the first 1,000 sentences
    loss_rows = workloads.rnn_loss(X, Y, repeats=max(3, args.repeats // 6))
    rows = workloads.rnn_step(repeats=args.repeats) + loss_rows
    print(
        "# "
        + ", ".join(f"{k} {v}" for k, v in workloads.environment().items())
    )
    print(workloads.format_table(rows))


if __name__ == "__main__":
    main()
