"""Deliberate mutations of the package: does some test notice each one?

    .venv/bin/python tests/mutations.py             # every mutation
    .venv/bin/python tests/mutations.py --tests-from main   # main's tests
    .venv/bin/python tests/mutations.py NAME ...    # some of them

Each mutation replaces one exact piece of one source file (a sign flipped
in a gradient, a mask dropped, a check removed ...) in a temporary copy of
the repository, then runs the few test files that should notice, with the
copy's ``src`` first on ``PYTHONPATH``. A mutation is *killed* when those
tests fail, *survived* when they pass. The unmutated copy is run first with
the same test files: a failing baseline is reported, not counted.

``--tests-from REV`` takes ``tests/`` from a git revision instead of the
working tree, to compare the kill rate before and after a change to the
tests. Not part of ``make test`` (a few minutes on 2 cores): run it after
changing a test that guards one of these lines. A mutation whose text is no
longer in its file is reported as stale: update it with the code.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str  # relative to src/tutorial_rnn
    old: str
    new: str
    tests: tuple[str, ...]


MUTATIONS = [
    Mutation(
        "bptt: output error sign flipped (e_y - o instead of o - e_y)",
        "rnn_numpy.py",
        "delta_o[np.arange(T), y] -= 1.0  # o_t - e_{y_t}",
        "delta_o[np.arange(T), y] += 1.0  # o_t - e_{y_t}",
        ("tests/test_rnn_numpy.py",),
    ),
    Mutation(
        "bptt: the recursion through W dropped",
        "rnn_numpy.py",
        "delta = (self.W.T @ delta) * (1 - s_prev**2)  # one step back",
        "delta = delta * (1 - s_prev**2)  # one step back",
        ("tests/test_rnn_numpy.py",),
    ),
    Mutation(
        "bptt: truncation one step short",
        "rnn_numpy.py",
        "for step in reversed(range(max(0, t - k), t + 1)):",
        "for step in reversed(range(max(0, t - k + 1), t + 1)):",
        ("tests/test_rnn_numpy.py",),
    ),
    Mutation(
        "loss: mean instead of sum over a sentence",
        "rnn_numpy.py",
        "L -= log_o[np.arange(len(y)), y].sum()",
        "L -= log_o[np.arange(len(y)), y].mean()",
        ("tests/test_rnn_numpy.py",),
    ),
    Mutation(
        "sgd_step: the non-finite gradient check removed",
        "rnn_numpy.py",
        "raise FloatingPointError(NOT_FINITE)  # NaN weights: no change",
        "pass  # NaN weights: no change",
        (
            "tests/test_rnn_numpy.py",
            "tests/test_regressions.py",
            "tests/test_mutation_kills.py",
        ),
    ),
    Mutation(
        "softmax: the row maximum not subtracted",
        "activations.py",
        "e = np.exp(z - z.max(axis=-1, keepdims=True))",
        "e = np.exp(z)",
        ("tests/test_regressions.py",),
    ),
    Mutation(
        "Adam: bias correction of the first moment dropped",
        "optim.py",
        "m_hat = m / (1.0 - b1**self.t)",
        "m_hat = m",
        ("tests/test_optim.py",),
    ),
    Mutation(
        "Momentum: velocity not accumulated",
        "optim.py",
        "        v += g\n",
        "        v[...] = g\n",
        ("tests/test_optim.py",),
    ),
    Mutation(
        "clip_by_norm: clips every gradient, even short ones",
        "optim.py",
        "factor = theta / norm if norm > theta else 1.0",
        "factor = theta / norm",
        ("tests/test_optim.py",),
    ),
    Mutation(
        "clip_by_norm: the non-finite norm check removed",
        "optim.py",
        "    if not np.isfinite(norm):\n        raise FloatingPointError(",
        "    if False:\n        raise FloatingPointError(",
        ("tests/test_optim.py",),
    ),
    Mutation(
        "torch batch_loss: padding counted as targets",
        "torch_lm.py",
        "return total, int((y != IGNORE_INDEX).sum()), final",
        "return total, int(y.numel()), final",
        ("tests/test_rnn_torch.py",),
    ),
    Mutation(
        "torch train_batch: the non-finite gradient check removed",
        "torch_lm.py",
        "            if not torch.isfinite(norm):\n",
        "            if False:\n",
        (
            "tests/test_rnn_torch.py",
            "tests/test_regressions.py",
            "tests/test_mutation_kills.py",
        ),
    ),
    Mutation(
        "torch train_batch: clip ignored",
        "torch_lm.py",
        "            if clip is not None:\n",
        "            if False:\n",
        (
            "tests/test_rnn_torch.py",
            "tests/test_regressions.py",
            "tests/test_mutation_kills.py",
        ),
    ),
    Mutation(
        "pad_batch: targets padded with word 0 instead of IGNORE_INDEX",
        "batching.py",
        "yb = np.full((len(pairs), T), IGNORE_INDEX, np.int64)",
        "yb = np.zeros((len(pairs), T), np.int64)",
        ("tests/test_rnn_torch.py",),
    ),
    Mutation(
        "check_pair: x and y of different lengths accepted",
        "validation.py",
        "    if len(x_ids) != len(y_ids):\n",
        "    if False:\n",
        ("tests/test_validation.py", "tests/test_rnn_numpy.py"),
    ),
]


def _copy(tests_from: str | None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="mutations-"))
    ignore = shutil.ignore_patterns(
        ".venv", "_build", ".git", "__pycache__", "*.pyc", "book"
    )
    for name in ("src", "tests", "benchmarks"):
        shutil.copytree(ROOT / name, folder / name, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", folder)
    if tests_from:
        shutil.rmtree(folder / "tests")
        archive = subprocess.run(
            ["git", "archive", tests_from, "tests"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(
            ["tar", "-x", "-C", str(folder)], input=archive, check=True
        )
    return folder


def _run(folder: Path, tests: tuple[str, ...]) -> tuple[bool, float]:
    env = dict(os.environ, PYTHONPATH=str(folder / "src"))
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p",
         "no:cacheprovider", *tests],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
    )
    return run.returncode == 0, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--tests-from", default=None)
    args = parser.parse_args(argv)
    chosen = [
        m for m in MUTATIONS
        if not args.names or any(n in m.name for n in args.names)
    ]
    folder = _copy(args.tests_from)
    try:
        baseline = {}
        for tests in sorted({m.tests for m in chosen}):
            baseline[tests] = _run(folder, tests)[0]
            if not baseline[tests]:
                print(f"baseline FAILS (not counted): {' '.join(tests)}")
        rows = []
        for m in chosen:
            source = folder / "src/tutorial_rnn" / m.path
            text = source.read_text()
            if text.count(m.old) != 1:
                rows.append((m, "stale", 0.0))
                continue
            if not baseline[m.tests]:
                rows.append((m, "baseline fails", 0.0))
                continue
            source.write_text(text.replace(m.old, m.new))
            try:
                passed, seconds = _run(folder, m.tests)
            finally:
                source.write_text(text)
            rows.append((m, "SURVIVED" if passed else "killed", seconds))
            print(f"{rows[-1][1]:>8}  {m.name}", flush=True)
    finally:
        shutil.rmtree(folder)
    killed = sum(r[1] == "killed" for r in rows)
    counted = sum(r[1] in ("killed", "SURVIVED") for r in rows)
    print(f"\n{'result':>14}  {'s':>5}  mutation (file: tests)")
    for m, result, seconds in rows:
        print(
            f"{result:>14}  {seconds:5.0f}  {m.name} "
            f"({m.path}: {', '.join(t.split('/')[-1] for t in m.tests)})"
        )
    print(f"\n{killed} of {counted} mutations killed "
          f"({len(rows) - counted} not counted)")
    return 0 if killed == counted else 1


if __name__ == "__main__":
    sys.exit(main())
