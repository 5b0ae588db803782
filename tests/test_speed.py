"""tutorial_rnn.speed: measurements, the table and the JSON round trip (no timing is asserted)."""

from __future__ import annotations

import pytest

from tutorial_rnn import speed


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


def test_rnn_loss_rows_pair_each_loss_with_its_floor():
    import numpy as np

    rng = np.random.default_rng(0)
    X = [rng.integers(0, 50, n) for n in (3, 7, 1)]
    Y = [rng.integers(0, 50, len(x)) for x in X]
    rows = speed.rnn_loss(X, Y, repeats=1, V=50, H=4)
    assert [r.workload.split(" (")[0].split(",")[0] for r in rows] == [
        "GEMM floor of the loss",
        "NumPy RNN loss",
        "GEMM floor of the loss",
        "NumPy RNN loss",
    ]
    for floor, loss in (rows[:2], rows[2:]):
        assert "11 words" in loss.workload and loss.tokens == 11
        assert loss.ratios["÷ GEMM floor"] == pytest.approx(
            loss.seconds / floor.seconds
        )


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
