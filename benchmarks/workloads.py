"""Speed measurements behind ``make bench`` and the appendix "How fast is it?".

Every workload is a function that returns :class:`Measurement` rows: a
median time over repeated runs after a warm-up, with the workload's shapes
written out. The same functions are used by ``benchmarks/suite.py`` (which
prints one table and can save JSON) and by the appendix notebook, so the
book's figures come from the code the benchmarks run.

The reference figures of the 2015 tutorial (``REFERENCE.md``) are kept in
:data:`REFERENCE_2015`.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

__all__ = [
    "PRECISIONS",
    "REFERENCE_2015",
    "RESULTS_DIR",
    "Measurement",
    "batch_size_of",
    "environment",
    "format_table",
    "lm_throughput",
    "load_results",
    "median_seconds",
    "recorded_runs",
    "rnn_loss",
    "rnn_step",
    "save_results",
    "throughput_vs_batch",
    "widget_redraw",
]

#: Figures of the 2015 tutorial and of its algorithm re-run on this
#: project's 2-core machine.
REFERENCE_2015 = {
    # one SGD step, NumPy, 2015 laptop
    "numpy_step_ms": 350.0,
    # one SGD step, Theano on an AWS g2.2xlarge GPU
    "theano_gpu_step_ms": 23.0,
    # the 2015 NumPy algorithm, 45 tokens, on this project's machine
    "numpy_step_here_ms": 54.7,
    # the 2015 loss over 1,000 sentences on this project's machine
    "loss_1000_here_s": 2.06,
    # a 45-token sentence per 23 ms step: about 2,000 tokens/s
    "gpu_tokens_per_s": 45 / 0.023,
}


@dataclass
class Measurement:
    """One row of the benchmark table.

    Attributes
    ----------
    workload : str
        What was timed, with its shapes.
    seconds : float
        Median time of one run.
    tokens : int or None
        Tokens processed per run (then ``tokens_per_second`` is defined).
    device : str
        ``"cpu"`` or the GPU's name.
    ratios : dict of str to float
        Named comparisons printed beside the time (``"÷ GEMM floor"``,
        ``"2015 ÷ this"``...).
    """

    workload: str
    seconds: float
    tokens: int | None = None
    device: str = "cpu"
    ratios: dict[str, float] = field(default_factory=dict)

    @property
    def tokens_per_second(self) -> float | None:
        return None if not self.tokens else self.tokens / self.seconds


def median_seconds(
    fn: Callable[[], object], repeats: int = 10, warmup: int = 2
) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs, after ``warmup``
    untimed runs."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _device_name(device: str) -> str:
    if device == "cuda":
        import torch

        return torch.cuda.get_device_name()
    return "cpu"


def environment() -> dict[str, str]:
    """Where the figures were measured: machine, cores, versions, GPU, date."""
    import torch

    return {
        "date": datetime.date.today().isoformat(),
        "machine": platform.processor() or platform.machine(),
        "cpu_cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "torch_threads": str(torch.get_num_threads()),
        "gpu": (
            torch.cuda.get_device_name()
            if torch.cuda.is_available()
            else "none"
        ),
    }


# ------------------------------------------------------------ Chapter 2's RNN
def _step_floor(model, s, repeats: int) -> float:
    """The three large products of a step, timed alone (the faster way).

    Scores ``s Vᵀ``, the error sent back ``δ V`` and the update
    ``V - η δᵀ s``: as the fast step calls them (``dgemm``, the update
    accumulated into a copy of ``V``) and as plain NumPy products.
    """
    from scipy.linalg.blas import dgemm

    T, V = len(s), model.vocab_size
    delta_o = np.random.default_rng(0).random((T, V))
    E, V_copy = np.empty((T, V)), model.V.copy(order="F")

    def step_products() -> None:
        dgemm(1.0, model.V, s.T, c=E.T, overwrite_c=True)
        dgemm(1.0, model.V, delta_o.T, trans_a=1)
        dgemm(-1e-12, delta_o.T, s, beta=1.0, c=V_copy, overwrite_c=True)

    def numpy_products() -> None:
        s @ model.V.T, s.T @ delta_o, delta_o @ model.V

    return min(
        median_seconds(step_products, repeats),
        median_seconds(numpy_products, repeats),
    )


def rnn_step(
    repeats: int = 30,
    T: int = 45,
    V: int = 8000,
    H: int = 100,
    truncate: int = 4,
    plain_repeats: int | None = None,
) -> list[Measurement]:
    """One SGD step of the Chapter 2 model: plain, fast twin, floor, torch.

    Rows: the GEMM floor (the three large products a step cannot avoid,
    timed alone), the plain :class:`~tutorial_rnn.rnn_numpy.RNNNumpy` step
    (the 2015 algorithm), the fast twin's step, and the PyTorch twin's
    step on the CPU (and CUDA when present).
    """
    import torch

    from tutorial_rnn.rnn_numpy import RNNNumpy
    from tutorial_rnn.rnn_numpy_fast import FastRNNNumpy
    from tutorial_rnn.rnn_torch import RNNTorch
    from tutorial_rnn.torch_lm import pad_batch

    rng = np.random.default_rng(0)
    x, y = rng.integers(0, V, T), rng.integers(0, V, T)
    plain = RNNNumpy(V, H, bptt_truncate=truncate)
    fast = FastRNNNumpy(V, H, bptt_truncate=truncate)
    fast.sgd_step(x, y, 1e-12)  # V now in the fast step's layout
    shape = f"V={V}, H={H}, T={T}"
    floor = _step_floor(fast, fast.states(x), repeats)
    plain_s = median_seconds(
        lambda: plain.sgd_step(x, y, 1e-12),
        plain_repeats or max(3, repeats // 5),
        warmup=1,
    )
    fast_s = median_seconds(lambda: fast.sgd_step(x, y, 1e-12), repeats)
    ms_2015 = REFERENCE_2015["numpy_step_ms"]
    rows = [
        Measurement(f"GEMM floor of one step (3 products; {shape})", floor),
        Measurement(
            f"NumPy RNN SGD step, plain (truncate {truncate}; {shape})",
            plain_s,
            T,
            ratios={"2015 ÷ this": ms_2015 / (1e3 * plain_s)},
        ),
        Measurement(
            f"NumPy RNN SGD step, fast twin (truncate {truncate}; {shape})",
            fast_s,
            T,
            ratios={
                "÷ GEMM floor": fast_s / floor,
                "plain ÷ this": plain_s / fast_s,
                "2015 ÷ this": ms_2015 / (1e3 * fast_s),
            },
        ),
    ]
    for device in ["cpu"] + (["cuda"] if torch.cuda.is_available() else []):
        twin = RNNTorch(V, H, device=device)
        opt = torch.optim.SGD(twin.parameters(), lr=1e-12)
        xb, yb = (t.to(device) for t in pad_batch([x], [y], V))

        def step(twin=twin, opt=opt, xb=xb, yb=yb, device=device) -> None:
            twin.train_batch(xb, yb, opt)
            if device == "cuda":
                torch.cuda.synchronize()

        seconds = median_seconds(step, repeats)
        rows.append(
            Measurement(
                f"PyTorch RNN SGD step (float32, full BPTT; {shape})",
                seconds,
                T,
                device=_device_name(device),
                ratios={"2015 ÷ this": ms_2015 / (1e3 * seconds)},
            )
        )
    return rows


def _loss_floor(model, X, dtype: type, repeats: int) -> float:
    """The loss's output-layer products ``S Vᵀ``, in its tiles and
    threads."""
    from tutorial_rnn import rnn_numpy_fast as fast_module

    n, w = fast_module.LOSS_TILE
    threads = fast_module.LOSS_THREADS
    S = np.concatenate([model.states(x) for x in X]).astype(dtype)
    Vt = np.ascontiguousarray(model.V.T, dtype=dtype)
    blocks = fast_module.column_blocks(Vt, w)

    def part(S: np.ndarray) -> None:
        out = np.empty(n * w, dtype=dtype)
        for i in range(0, len(S), n):
            for block in blocks:
                fast_module.tile_scores(S[i : i + n], block, out)

    def products() -> None:
        with (
            threadpool_limits(limits=1, user_api="blas"),
            ThreadPoolExecutor(threads) as pool,
        ):
            list(pool.map(part, np.array_split(S, threads)))

    return median_seconds(products, repeats, warmup=1)


def rnn_loss(
    X: Sequence[np.ndarray],
    Y: Sequence[np.ndarray],
    repeats: int = 5,
    V: int = 8000,
    H: int = 100,
) -> list[Measurement]:
    """The mean loss of the Chapter 2 model over the given sentences.

    Rows: the plain model's loss, then for float64 and float32 sums the
    fast twin's loss beside its floor, the output layer's products
    ``S Vᵀ`` for all the words in the loss's tiles and threads, timed
    alone (work no exact loss can skip).
    """
    from tutorial_rnn.rnn_numpy import RNNNumpy
    from tutorial_rnn.rnn_numpy_fast import FastRNNNumpy

    plain, fast = RNNNumpy(V, H), FastRNNNumpy(V, H)
    words = sum(len(y) for y in Y)
    what = f"{len(X):,} sentences ({words:,} words)"
    plain_s = median_seconds(
        lambda: plain.loss(X, Y), max(2, repeats // 2), warmup=0
    )
    s_2015 = REFERENCE_2015["loss_1000_here_s"]
    rows = [
        Measurement(
            f"NumPy RNN loss, plain, {what}",
            plain_s,
            words,
            ratios={"2015 algorithm here ÷ this": s_2015 / plain_s},
        )
    ]
    for dtype in (np.float64, np.float32):
        name = np.dtype(dtype).name
        floor = _loss_floor(fast, X, dtype, repeats)
        seconds = median_seconds(
            lambda dtype=dtype: fast.total_loss(X, Y, dtype=dtype),
            repeats,
            warmup=1,
        )
        rows.append(
            Measurement(
                f"GEMM floor of the loss ({words:,} × {H} × {V}, {name})",
                floor,
            )
        )
        rows.append(
            Measurement(
                f"NumPy RNN loss, fast twin, {what}, sums in {name}",
                seconds,
                words,
                ratios={
                    "÷ GEMM floor": seconds / floor,
                    "plain ÷ this": plain_s / seconds,
                },
            )
        )
    return rows


# ------------------------------------- the appendix: one trick at a time
def _vectorised_step(model, x, y, lr: float) -> None:
    """The 2015 step with the output layer's products done once for all t.

    The per-output backward loops stay as in the plain ``bptt``, but
    ``dV`` is one product ``δ_oᵀ s`` instead of T outer products.
    """
    T, k = len(x), model.bptt_truncate
    o, s = model.forward(x)
    delta_o = o
    delta_o[np.arange(T), y] -= 1.0
    dV = delta_o.T @ s
    ds = delta_o @ model.V  # every output's error at its own state
    dU, dW = np.zeros_like(model.U), np.zeros_like(model.W)
    for t in reversed(range(T)):
        delta = ds[t] * (1 - s[t] ** 2)
        for step in reversed(range(max(0, t - k), t + 1)):
            s_prev = s[step - 1] if step > 0 else np.zeros_like(s[0])
            dW += np.outer(delta, s_prev)
            dU[:, x[step]] += delta
            delta = (model.W.T @ delta) * (1 - s_prev**2)
    model.U -= lr * dU
    model.V -= lr * dV
    model.W -= lr * dW


def _dense_update(model, x, y, lr: float) -> None:
    """The fast twin's lag-by-lag ``bptt``, then θ ← θ - η g for all
    θ."""
    for p, g in zip(
        model.parameters().values(), model.bptt(x, y), strict=True
    ):
        p -= lr * g


def _sparse_update(model, x, y, lr: float) -> None:
    """Lag by lag, and only the columns ``x_t`` of ``U`` are touched."""
    o, s = model.forward(x)
    delta_o = o
    delta_o[np.arange(len(y)), y] -= 1.0
    delta = model.state_errors(s, delta_o @ model.V)
    s_prev = np.vstack([np.zeros(model.hidden_size), s[:-1]])
    model.V -= lr * (delta_o.T @ s)
    model.W -= lr * (delta.T @ s_prev)
    np.subtract.at(model.U.T, x, lr * delta)


def step_ab(
    repeats: int = 20, T: int = 45, V: int = 8000, H: int = 100
) -> list[Measurement]:
    """The SGD step from the 2015 algorithm to the fast twin, one trick at
    a time, all measured in this run (truncation 4)."""
    from tutorial_rnn.rnn_numpy import RNNNumpy
    from tutorial_rnn.rnn_numpy_fast import FastRNNNumpy

    rng = np.random.default_rng(0)
    x, y = rng.integers(0, V, T), rng.integers(0, V, T)
    plain, fast = RNNNumpy(V, H), FastRNNNumpy(V, H)
    few = max(3, repeats // 5)
    steps = [
        ("the 2015 algorithm (plain RNNNumpy.sgd_step)", plain.sgd_step, few),
        (
            "+ output layer as one product per sentence",
            lambda *a: _vectorised_step(plain, *a),
            few,
        ),
        (
            "+ truncated BPTT lag by lag (k + 1 products)",
            lambda *a: _dense_update(fast, *a),
            repeats,
        ),
        (
            "+ update only U's columns x_t",
            lambda *a: _sparse_update(fast, *a),
            repeats,
        ),
        (
            "+ unnormalised softmax, V updated in place by dgemm, exp2",
            fast.sgd_step,
            repeats,
        ),
    ]
    rows: list[Measurement] = []
    for label, step, n in steps:
        seconds = median_seconds(lambda step=step: step(x, y, 1e-12), n)
        before = rows[-1].seconds if rows else seconds
        first = rows[0].seconds if rows else seconds
        rows.append(
            Measurement(
                f"step: {label}",
                seconds,
                T,
                ratios={
                    "gain": before / seconds,
                    "2015 algorithm ÷ this": first / seconds,
                },
            )
        )
    return rows


def _bucketed_loss(model, X, Y) -> float:
    """Buckets of sentences side by side; the whole output layer of a bucket
    as one product, then the textbook log-softmax (shifted by the max)."""
    from tutorial_rnn.activations import log_softmax

    pairs = sorted(zip(X, Y, strict=True), key=lambda p: len(p[0]))
    total = 0.0
    for b in range(0, len(pairs), 32):
        bucket = pairs[b : b + 32]
        S, mask = model.padded_states([np.asarray(x) for x, _ in bucket])
        y = np.concatenate([y for _, y in bucket])
        log_o = log_softmax(S[mask] @ model.V.T)
        total -= log_o[np.arange(len(y)), y].sum()
    return total


def loss_ab(
    X: Sequence[np.ndarray],
    Y: Sequence[np.ndarray],
    repeats: int = 5,
    V: int = 8000,
    H: int = 100,
) -> list[Measurement]:
    """The loss from the textbook code to the fast twin, one trick at a
    time, all measured in this run."""
    import tutorial_rnn.rnn_numpy_fast as fast_module
    from tutorial_rnn.rnn_numpy import RNNNumpy
    from tutorial_rnn.rnn_numpy_fast import FastRNNNumpy

    plain, fast = RNNNumpy(V, H), FastRNNNumpy(V, H)
    threads = fast_module.LOSS_THREADS

    def one_thread(dtype: type = np.float64) -> float:
        fast_module.LOSS_THREADS = 1
        try:
            return fast.total_loss(X, Y, dtype=dtype)
        finally:
            fast_module.LOSS_THREADS = threads

    words = sum(len(y) for y in Y)
    steps = [
        ("the textbook loss, sentence by sentence (plain)", plain.total_loss),
        (
            "+ buckets of 32 sentences side by side",
            lambda X, Y: _bucketed_loss(fast, X, Y),
        ),
        (
            "+ tiles kept in cache, exp as exp2, no shift",
            lambda X, Y: one_thread(),
        ),
        (f"+ {threads} threads share the buckets", fast.total_loss),
        (
            "+ sums over the vocabulary in float32",
            lambda X, Y: fast.total_loss(X, Y, dtype=np.float32),
        ),
    ]
    rows: list[Measurement] = []
    for label, loss in steps:
        n = max(2, repeats // 2) if not rows else repeats
        seconds = median_seconds(lambda loss=loss: loss(X, Y), n, warmup=1)
        before = rows[-1].seconds if rows else seconds
        first = rows[0].seconds if rows else seconds
        rows.append(
            Measurement(
                f"loss: {label}",
                seconds,
                words,
                ratios={
                    "gain": before / seconds,
                    "textbook ÷ this": first / seconds,
                },
            )
        )
    return rows


# ------------------------------------------------ Chapter 4's language models
#: The CUDA precisions of :func:`lm_throughput`, with the words its rows use
#: for them.
PRECISIONS = {
    "float32": "float32",
    "tf32": "TF32 matmuls",
    "bf16": "bf16 autocast",
}


@contextlib.contextmanager
def _matmul_precision(precision: str) -> Iterator[None]:
    """Allow TF32 in cuBLAS and cuDNN for ``"tf32"`` only; restore the
    previous flags after."""
    import torch

    flags = (
        torch.backends.cuda.matmul.allow_tf32,
        torch.backends.cudnn.allow_tf32,
    )
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = (
        precision == "tf32"
    )
    try:
        yield
    finally:
        (
            torch.backends.cuda.matmul.allow_tf32,
            torch.backends.cudnn.allow_tf32,
        ) = flags


def _batch(
    batch_size: int, seq_len: int, V: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    from tutorial_rnn.batching import pad_ids

    rng = np.random.default_rng(seed)
    X = [rng.integers(3, V, seq_len) for _ in range(batch_size)]
    return pad_ids(X, X, V)


def lm_throughput(
    cell: str,
    impl: str,
    device: str = "cpu",
    batch_size: int = 64,
    seq_len: int = 20,
    V: int = 8000,
    H: int = 128,
    repeats: int = 5,
    precision: str = "float32",
) -> Measurement:
    """Training throughput of a language model: one batch, forward +
    backward + Adam update.

    Parameters
    ----------
    cell : {"rnn", "gru", "lstm"}
    impl : {"numpy", "hand", "cudnn"}
        :class:`~tutorial_rnn.gated_lm.GatedLMNumpy` with
        :class:`~tutorial_rnn.optim.Adam`, or
        :class:`~tutorial_rnn.gated_torch.GatedLMTorch` with hand-written
        cells or ``nn.GRU``/``nn.LSTM``, with ``torch.optim.Adam``.
    precision : {"float32", "tf32", "bf16"}
        How a CUDA model multiplies: plain float32 (PyTorch's default for
        matrix products), TensorFloat-32 matrix products, or
        ``torch.autocast`` to bfloat16 (weights and the optimizer stay
        float32). The CPU and the NumPy model take ``"float32"`` only.
    """
    if precision not in PRECISIONS:
        raise ValueError(
            f"precision must be one of {sorted(PRECISIONS)}, got {precision!r}"
        )
    if precision != "float32" and device == "cpu":
        raise ValueError(
            f"precision {precision!r} is for CUDA devices; "
            "the CPU runs float32"
        )
    xb, yb = _batch(batch_size, seq_len, V)
    tokens = int(xb.size)
    if impl == "numpy":
        if device != "cpu":
            raise ValueError("the NumPy models run on the CPU only")
        from tutorial_rnn.gated_lm import GatedLMNumpy
        from tutorial_rnn.optim import Adam

        model = GatedLMNumpy(V, H, cell)
        opt = Adam(model.parameters())

        def step() -> None:
            _, count, grads = model.loss_and_gradients(xb, yb)
            opt.step({k: g / count for k, g in grads.items()})

    else:
        import torch

        from tutorial_rnn.gated_torch import GatedLMTorch

        model = GatedLMTorch(V, H, cell, impl=impl, device=device)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x_t, y_t = (
            torch.from_numpy(xb).to(device),
            torch.from_numpy(yb).to(device),
        )

        def step() -> None:
            with torch.autocast(
                "cuda", torch.bfloat16, enabled=precision == "bf16"
            ):
                model.train_batch(x_t, y_t, opt)
            if device == "cuda":
                torch.cuda.synchronize()

    with _matmul_precision(precision):
        seconds = median_seconds(step, repeats, warmup=2)
    torch_module = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}[cell]
    label = {
        "numpy": "NumPy, hand-written BPTT",
        "hand": "PyTorch hand cells",
        "cudnn": "PyTorch nn." + torch_module,
    }[impl]
    if precision != "float32":
        label += f", {PRECISIONS[precision]}"
    gpu_2015 = REFERENCE_2015["gpu_tokens_per_s"]
    return Measurement(
        f"{cell.upper()} LM training, {label} "
        f"(V={V}, H={H}, batch {batch_size}×{seq_len})",
        seconds,
        tokens,
        device=_device_name(device),
        ratios={"this ÷ 2015 GPU tokens/s": tokens / seconds / gpu_2015},
    )


def throughput_vs_batch(
    cell: str = "gru",
    impl: str = "cudnn",
    device: str = "cpu",
    batch_sizes: Iterable[int] = (8, 16, 32, 64, 128, 256),
    repeats: int = 3,
    **kwargs: int | str,
) -> list[Measurement]:
    """:func:`lm_throughput` at several batch sizes (the appendix's plot)."""
    return [
        lm_throughput(
            cell, impl, device, batch_size=b, repeats=repeats, **kwargs
        )
        for b in batch_sizes
    ]


# ------------------------------------------------------- Chapter 3's explorer
def widget_redraw(
    cell: str = "tanh",
    length: int = 200,
    hidden_size: int = 64,
    moves: int = 12,
) -> Measurement:
    """One redraw of the live gradient-decay explorer (recompute + render),
    moving the λ₁ slider."""
    from tutorial_rnn.widgets import gradient_decay_explorer

    explorer = gradient_decay_explorer(hidden_size=hidden_size)
    explorer.controls["cell"].value = cell
    explorer.controls["length"].value = length
    values = iter(np.tile(np.linspace(0.2, 1.9, 8), moves))
    seconds = median_seconds(
        lambda: setattr(
            explorer.controls["scale"], "value", float(round(next(values), 2))
        ),
        moves,
    )
    return Measurement(
        f"explorer redraw ({cell}, length {length}, hidden {hidden_size})",
        seconds,
    )


# ----------------------------------------------------------- tables and files
def format_table(rows: Sequence[Measurement]) -> str:
    """One plain-text table: workload, device, median ms, tokens/s and the
    ratios."""
    lines = [
        f"{'workload':<86} {'device':<24} "
        f"{'median ms':>10} {'tokens/s':>11}  ratios"
    ]
    for r in rows:
        tps = f"{r.tokens_per_second:,.0f}" if r.tokens_per_second else ""
        ratios = ", ".join(f"{k} {v:.2f}" for k, v in r.ratios.items())
        lines.append(
            f"{r.workload:<86} {r.device:<24} "
            f"{1e3 * r.seconds:>10.2f} {tps:>11}  {ratios}"
        )
    return "\n".join(lines)


def save_results(
    path: str | Path, rows: Sequence[Measurement], extra: dict | None = None
) -> Path:
    """Write the rows and :func:`environment` to a JSON file (what the
    appendix reads)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "environment": environment(),
        "rows": [asdict(r) for r in rows],
        **(extra or {}),
    }
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return path


def load_results(path: str | Path) -> tuple[dict, list[Measurement]]:
    """Read a file written by :func:`save_results`: (environment, rows)."""
    payload = json.loads(Path(path).read_text(encoding="utf-8"))
    return payload["environment"], [Measurement(**r) for r in payload["rows"]]


#: Where ``make bench`` saves its runs, in a checkout of the repository.
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def recorded_runs(
    directory: str | Path | None = None,
) -> list[tuple[str, dict, list[Measurement]]]:
    """Every run saved under ``directory`` (default :data:`RESULTS_DIR`):
    (file name, environment, rows).

    Sorted by file name; empty where the directory does not exist (an
    installed package has no ``benchmarks/``).
    """
    directory = RESULTS_DIR if directory is None else Path(directory)
    return [
        (p.name, *load_results(p)) for p in sorted(directory.glob("*.json"))
    ]


def batch_size_of(row: Measurement) -> int:
    """The batch size written in a language-model row's workload
    (``"... batch 64×20)"`` → 64)."""
    try:
        return int(row.workload.split("batch ")[1].split("×")[0])
    except (IndexError, ValueError):
        raise ValueError(
            f"no 'batch N×T' in workload {row.workload!r}"
        ) from None
