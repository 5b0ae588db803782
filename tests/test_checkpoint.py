"""tutorial_rnn.checkpoint: exact round trips, twins, and clear errors for bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from tutorial_rnn import checkpoint
from tutorial_rnn.rnn_numpy import RNNNumpy
from tutorial_rnn.rnn_torch import RNNTorch


def test_numpy_round_trip_is_exact(tmp_path):
    model = RNNNumpy(30, 5, bptt_truncate=3, seed=2)
    model.W += 0.123  # not the seed's weights
    path = checkpoint.save(
        tmp_path / "rnn.npz", model, extra={"seed": 2, "command": "test"}
    )
    loaded = checkpoint.load(path)
    assert type(loaded) is RNNNumpy and loaded.bptt_truncate == 3
    for name in "UVW":
        np.testing.assert_array_equal(
            getattr(loaded, name), getattr(model, name)
        )
    meta, _ = checkpoint.load_arrays(path)
    assert (
        meta["extra"] == {"seed": 2, "command": "test"}
        and meta["model"] == "RNNNumpy"
    )


def test_twins_share_the_format(tmp_path):
    torch_model = RNNTorch(30, 5, seed=4, device="cpu", dtype=torch.float64)
    path = checkpoint.save(tmp_path / "t.npz", torch_model)
    as_numpy = checkpoint.load(path, RNNNumpy)
    again = checkpoint.load(path)
    assert isinstance(
        again, RNNTorch
    )  # on the default device: CUDA when present (found on an H100)
    assert again.U.device.type == (
        "cuda" if torch.cuda.is_available() else "cpu"
    )
    for name in "UVW":
        np.testing.assert_array_equal(
            getattr(as_numpy, name),
            getattr(torch_model, name).detach().numpy(),
        )
        torch.testing.assert_close(
            getattr(again, name).detach().cpu().double(),
            getattr(torch_model, name),
        )


def test_no_pickle_is_ever_loaded(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(
        path,
        meta=np.array(json.dumps({"format": "tutorial-rnn", "version": 1})),
        **{"param/U": np.array([object()], dtype=object)},
    )
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        checkpoint.load(path)


def test_bad_files_get_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        checkpoint.load(tmp_path / "missing.npz")
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK\x03\x04 this is not a zip file")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        checkpoint.load(corrupt)
    good = checkpoint.save(tmp_path / "good.npz", RNNNumpy(30, 5))
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        checkpoint.load(truncated)
    no_meta = tmp_path / "nometa.npz"
    np.savez(no_meta, U=np.zeros(3))
    with pytest.raises(ValueError, match="no 'meta' entry"):
        checkpoint.load(no_meta)


def test_wrong_shapes_are_refused(tmp_path):
    model = RNNNumpy(30, 5)
    path = checkpoint.save(tmp_path / "m.npz", model)
    meta, arrays = checkpoint.load_arrays(path)
    arrays["W"] = np.zeros((4, 4))
    bad = tmp_path / "bad.npz"
    np.savez(
        bad,
        meta=np.array(json.dumps(meta)),
        **{f"param/{k}": v for k, v in arrays.items()},
    )
    with pytest.raises(
        ValueError, match=r"parameter 'W' has shape \(4, 4\).*needs \(5, 5\)"
    ):
        checkpoint.load(bad)
    arrays["W"] = np.full((5, 5), np.nan)
    np.savez(
        bad,
        meta=np.array(json.dumps(meta)),
        **{f"param/{k}": v for k, v in arrays.items()},
    )
    with pytest.raises(ValueError, match="non-finite"):
        checkpoint.load(bad)
