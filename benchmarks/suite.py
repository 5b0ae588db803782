"""The whole benchmark suite as one table: ``make bench`` runs this.

Rows: the Chapter 2 NumPy SGD step beside its GEMM floor, PyTorch on CPU
(and CUDA when present); the loss over 1,000 Shakespeare sentences;
training throughput of the RNN, GRU and LSTM language models (V = 8000,
H = 128, batch 64) in NumPy, PyTorch hand cells and PyTorch
nn.RNN/GRU/LSTM, on the CPU and on CUDA when present; throughput against
batch size; the explorer's redraw; and, with ``--book``, the book build,
clean and cached.

Times are medians over repeated runs after a warm-up. The measuring code
lives in ``benchmarks/workloads.py``, shared with the book's appendix.

Run: ``python benchmarks/suite.py [--quick] [--book]
[--json benchmarks/results/NAME.json]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time
from pathlib import Path

import torch

import workloads
from tutorial_rnn import data

ROOT = Path(__file__).resolve().parent.parent


def book_build_rows() -> list[workloads.Measurement]:
    """``make book`` from a clean ``_build`` (every notebook executed),
    then again (cached)."""
    rows = []
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    for label in (
        "book build, clean (every notebook executed)",
        "book build, cached (nothing changed)",
    ):
        start = time.perf_counter()
        subprocess.run(
            ["make", "book"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL
        )
        rows.append(workloads.Measurement(label, time.perf_counter() - start))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats, fewer batch sizes"
    )
    parser.add_argument(
        "--book",
        action="store_true",
        help="also time `make book`, clean and cached",
    )
    parser.add_argument(
        "--json",
        type=Path,
        help="save the rows and the environment to this file",
    )
    args = parser.parse_args()
    repeats = 3 if args.quick else 10

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    book = data.book_data()
    X, Y = book.X[:1000], book.Y[:1000]  # the first 1,000 sentences
    # first: NumPy alone on the cores
    loss_rows = workloads.rnn_loss(X, Y, repeats=max(3, repeats // 2))
    rows = workloads.rnn_step(repeats=3 * repeats) + loss_rows
    rows += workloads.step_ab(repeats=2 * repeats)
    rows += workloads.loss_ab(X, Y, repeats=max(3, repeats // 2))
    for cell in ("rnn", "gru", "lstm"):
        rows.append(
            workloads.lm_throughput(
                cell, "numpy", repeats=max(2, repeats // 3)
            )
        )
        for device in devices:
            for impl in ("hand", "cudnn"):
                rows.append(
                    workloads.lm_throughput(
                        cell, impl, device, repeats=repeats
                    )
                )
    batches = (16, 64, 256) if args.quick else (8, 16, 32, 64, 128, 256, 512)
    rows += workloads.throughput_vs_batch(
        "gru",
        "cudnn",
        "cpu",
        batch_sizes=batches,
        repeats=max(2, repeats // 2),
    )
    if "cuda" in devices:
        # a GPU fills up only at large batches; try each precision
        gpu_batches = batches + (
            (1024, 4096) if args.quick else (1024, 2048, 4096)
        )
        for precision in workloads.PRECISIONS:
            rows += workloads.throughput_vs_batch(
                "gru",
                "cudnn",
                "cuda",
                gpu_batches,
                max(2, repeats // 2),
                precision=precision,
            )
    cpu_by_workload = {r.workload: r for r in rows if r.device == "cpu"}
    for r in rows:  # GPU ÷ CPU beside every GPU row
        if r.device != "cpu" and r.workload in cpu_by_workload:
            r.ratios["GPU ÷ CPU speed"] = (
                cpu_by_workload[r.workload].seconds / r.seconds
            )
    for cell in ("tanh", "gru", "lstm"):
        rows.append(workloads.widget_redraw(cell, moves=repeats))
    if args.book:
        rows += book_build_rows()

    env = workloads.environment()
    print("# " + ", ".join(f"{k} {v}" for k, v in env.items()))
    print(workloads.format_table(rows))
    if args.json:
        print(f"# saved to {workloads.save_results(args.json, rows)}")


if __name__ == "__main__":
    main()
