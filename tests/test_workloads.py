"""benchmarks/workloads.py: measurements, the table and the JSON round trip.

No timing is asserted: speed targets live in the benchmarks.
"""

from __future__ import annotations

import pytest

import workloads as speed


def test_median_seconds_runs_warmup_plus_repeats():
    calls = []
    seconds = speed.median_seconds(
        lambda: calls.append(1), repeats=5, warmup=2
    )
    assert len(calls) == 7 and seconds >= 0
    with pytest.raises(ValueError, match="repeats"):
        speed.median_seconds(lambda: None, repeats=0)


def test_lm_throughput_row_and_results_round_trip(tmp_path):
    row = speed.lm_throughput(
        "gru", "numpy", batch_size=2, seq_len=3, V=50, H=4, repeats=1
    )
    assert (
        row.tokens == 6
        and row.tokens_per_second > 0
        and "GRU LM training, NumPy" in row.workload
    )
    with pytest.raises(ValueError, match="CPU only"):
        speed.lm_throughput("gru", "numpy", device="cuda", V=50, H=4)
    table = speed.format_table([row, speed.Measurement("floor", 0.5)])
    assert "GRU LM training" in table and "500.00" in table
    env, rows = speed.load_results(
        speed.save_results(tmp_path / "r" / "x.json", [row])
    )
    assert rows == [row] and env["cpu_cores"] and env["torch"]


def test_rnn_loss_rows_pair_each_fast_loss_with_its_floor():
    import numpy as np

    rng = np.random.default_rng(0)
    X = [rng.integers(0, 50, n) for n in (3, 7, 1)]
    Y = [rng.integers(0, 50, len(x)) for x in X]
    rows = speed.rnn_loss(X, Y, repeats=1, V=50, H=4)
    assert [r.workload.split(" (")[0].split(",")[:2] for r in rows] == [
        ["NumPy RNN loss", " plain"],
        ["GEMM floor of the loss"],
        ["NumPy RNN loss", " fast twin"],
        ["GEMM floor of the loss"],
        ["NumPy RNN loss", " fast twin"],
    ]
    for floor, loss in (rows[1:3], rows[3:]):
        assert "11 words" in loss.workload and loss.tokens == 11
        assert loss.ratios["÷ GEMM floor"] == pytest.approx(
            loss.seconds / floor.seconds
        )
        assert loss.ratios["plain ÷ this"] == pytest.approx(
            rows[0].seconds / loss.seconds
        )


def test_the_ab_ladders_time_variants_that_compute_the_same_thing():
    """Each rung of the appendix's A/B tables is a correct implementation:
    a step from the same weights gives the same parameters, a loss the
    same value."""
    import numpy as np

    from tutorial_rnn.rnn_numpy import RNNNumpy
    from tutorial_rnn.rnn_numpy_fast import FastRNNNumpy

    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 60, 9), rng.integers(0, 60, 9)
    reference = RNNNumpy(60, 5, seed=2)
    reference.sgd_step(x, y, 0.1)
    for variant in (
        speed._vectorised_step,
        speed._dense_update,
        speed._sparse_update,
    ):
        model = FastRNNNumpy(60, 5, seed=2)
        variant(model, x, y, 0.1)
        for name in "UVW":
            np.testing.assert_allclose(
                getattr(model, name), getattr(reference, name), rtol=1e-12
            )
    X = [rng.integers(0, 60, n) for n in (4, 1, 7, 4)]
    Y = [rng.integers(0, 60, len(x)) for x in X]
    assert speed._bucketed_loss(FastRNNNumpy(60, 5), X, Y) == pytest.approx(
        RNNNumpy(60, 5).total_loss(X, Y), rel=1e-12
    )
    step_rows = speed.step_ab(repeats=1, T=6, V=60, H=5)
    loss_rows = speed.loss_ab(X, Y, repeats=1, V=60, H=5)
    assert len(step_rows) == 5 and len(loss_rows) == 5
    assert all(r.ratios["gain"] > 0 for r in step_rows + loss_rows)


def test_lm_throughput_refuses_unknown_or_cpu_precisions():
    with pytest.raises(ValueError, match="'fp8'"):
        speed.lm_throughput("gru", "cudnn", precision="fp8", V=50, H=4)
    with pytest.raises(ValueError, match="'bf16' is for CUDA"):
        speed.lm_throughput(
            "gru", "cudnn", device="cpu", precision="bf16", V=50, H=4
        )


def test_recorded_runs_and_batch_size(tmp_path):
    assert speed.recorded_runs(tmp_path / "missing") == []
    row = speed.Measurement(
        "GRU LM training, PyTorch nn.GRU (V=8000, H=128, batch 512×20)",
        0.01,
        10240,
    )
    speed.save_results(tmp_path / "b.json", [row])
    speed.save_results(tmp_path / "a.json", [])
    runs = speed.recorded_runs(tmp_path)
    assert [name for name, _, _ in runs] == ["a.json", "b.json"] and runs[1][
        2
    ] == [row]
    assert speed.batch_size_of(row) == 512
    with pytest.raises(ValueError, match="no 'batch N×T'"):
        speed.batch_size_of(speed.Measurement("floor", 1.0))
    # the committed runs load, and every language-model row names its batch
    for _, env, rows in speed.recorded_runs():
        assert env["date"] and all(
            speed.batch_size_of(r) > 0
            for r in rows
            if "LM training" in r.workload
        )
