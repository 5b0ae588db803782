"""Where one training step of a Chapter 4 language model spends its time
(torch.profiler).

Prints the step's median time and tokens/s, then the operators that took
the most time on the device (CUDA kernels on a GPU, CPU operators
otherwise). This is the profile behind the appendix's remarks on what
bounds the GPU and the CPU.

Run: ``python benchmarks/profile_lm.py [--cell gru] [--impl cudnn]
[--device cuda] [--batch 64] [--precision float32|tf32|bf16] [--rows 15]``.
"""

from __future__ import annotations

import argparse

import torch
from torch.profiler import ProfilerActivity, profile

import workloads
from tutorial_rnn.gated_torch import GatedLMTorch


def main() -> None:
    # the docstring's summary, wrapped over two lines
    summary = " ".join(__doc__.split("\n\n")[0].split())
    parser = argparse.ArgumentParser(description=summary)
    parser.add_argument(
        "--cell", default="gru", choices=["rnn", "gru", "lstm"]
    )
    parser.add_argument("--impl", default="cudnn", choices=["hand", "cudnn"])
    parser.add_argument(
        "--device", default="cuda" if torch.cuda.is_available() else "cpu"
    )
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seq-len", type=int, default=20)
    parser.add_argument(
        "--precision", default="float32", choices=sorted(workloads.PRECISIONS)
    )
    parser.add_argument("--rows", type=int, default=15)
    args = parser.parse_args()

    row = workloads.lm_throughput(
        args.cell,
        args.impl,
        args.device,
        args.batch,
        args.seq_len,
        repeats=10,
        precision=args.precision,
    )
    print(workloads.format_table([row]))

    cuda = args.device == "cuda"
    model = GatedLMTorch(
        8000, 128, args.cell, impl=args.impl, device=args.device
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xb, yb = (
        torch.from_numpy(a).to(args.device)
        for a in workloads._batch(args.batch, args.seq_len, 8000)
    )
    activities = [ProfilerActivity.CPU] + (
        [ProfilerActivity.CUDA] if cuda else []
    )
    with workloads._matmul_precision(args.precision):
        for _ in range(3):  # warm-up: cuDNN plans, allocator
            with torch.autocast(
                "cuda", torch.bfloat16, enabled=args.precision == "bf16"
            ):
                model.train_batch(xb, yb, opt)
        with profile(activities=activities) as prof:
            for _ in range(5):
                with torch.autocast(
                    "cuda", torch.bfloat16, enabled=args.precision == "bf16"
                ):
                    model.train_batch(xb, yb, opt)
            if cuda:
                torch.cuda.synchronize()
    sort = "self_cuda_time_total" if cuda else "self_cpu_time_total"
    print(f"# 5 steps; operators by {sort}")
    print(
        prof.key_averages().table(
            sort_by=sort, row_limit=args.rows, max_name_column_width=60
        )
    )


if __name__ == "__main__":
    main()
