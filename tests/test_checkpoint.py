"""tutorial_rnn.checkpoint: exact round trips, twins, atomic saves, and
clear errors for bad or foreign files."""

from __future__ import annotations

import json
import os
import struct

import numpy as np
import pytest
import torch

from tutorial_rnn import checkpoint, data
from tutorial_rnn.gated_lm import GatedLMNumpy
from tutorial_rnn.gated_torch import GatedLMTorch
from tutorial_rnn.rnn_numpy import RNNNumpy
from tutorial_rnn.rnn_torch import RNNTorch


def _assert_same_weights(a, b):
    pa, pb = a.numpy_parameters(), b.numpy_parameters()
    assert set(pa) == set(pb)
    for name in pa:
        np.testing.assert_array_equal(pa[name], pb[name])


def _meta(model="GatedLMNumpy", config=None, version=None):
    return {
        "format": "tutorial-rnn",
        "version": version or str(checkpoint.VERSION),
        "model": model,
        "config": json.dumps(config or GatedLMNumpy(20, 6).config()),
        "extra": "{}",
    }


def test_numpy_round_trip_is_exact(checkpoint_dir):
    model = RNNNumpy(30, 5, bptt_truncate=3, seed=2)
    model.W += 0.123  # not the seed's weights
    path = checkpoint.save(
        checkpoint_dir / "rnn", model, extra={"seed": 2, "command": "test"}
    )
    assert path.name == "rnn.safetensors"
    loaded = checkpoint.load(path)
    assert type(loaded) is RNNNumpy
    assert loaded.bptt_truncate == 3
    _assert_same_weights(loaded, model)
    meta, arrays = checkpoint.load_arrays(path)
    assert meta["extra"] == {"seed": 2, "command": "test"}
    assert meta["model"] == "RNNNumpy" and meta["version"] == 3
    assert meta["vocab"] is None
    assert {k: v.dtype for k, v in arrays.items()} == dict.fromkeys(
        "UVW", np.dtype(np.float64)
    )


def test_gated_round_trip_in_float32(gated_numpy, checkpoint_dir):
    path = checkpoint.save(
        checkpoint_dir / "g.safetensors", gated_numpy, dtype=np.float32
    )
    loaded = checkpoint.load(path)
    assert loaded.config() == gated_numpy.config()
    for name, value in gated_numpy.numpy_parameters().items():
        got = loaded.numpy_parameters()[name]
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, value.astype(np.float32))


def test_twins_share_the_format(checkpoint_dir):
    torch_model = RNNTorch(30, 5, seed=4, device="cpu", dtype=torch.float64)
    path = checkpoint.save(checkpoint_dir / "t.safetensors", torch_model)
    as_numpy = checkpoint.load(path, RNNNumpy)
    assert as_numpy.bptt_truncate == 4  # RNNNumpy's default
    again = checkpoint.load(path)
    assert isinstance(again, RNNTorch)
    # on the default device: CUDA when present (found on an H100)
    assert again.U.device.type == (
        "cuda" if torch.cuda.is_available() else "cpu"
    )
    _assert_same_weights(as_numpy, torch_model)
    back = checkpoint.load(
        checkpoint.save(checkpoint_dir / "n.safetensors", as_numpy),
        RNNTorch,
        device="cpu",
        dtype=torch.float64,
    )
    assert back.config() == torch_model.config()
    _assert_same_weights(back, torch_model)


def test_gated_twins_share_the_format(gated_torch, checkpoint_dir):
    path = checkpoint.save(checkpoint_dir / "g.safetensors", gated_torch)
    as_numpy = checkpoint.load(path, GatedLMNumpy)
    _assert_same_weights(as_numpy, gated_torch)
    again = checkpoint.load(path, device="cpu", dtype=torch.float64)
    assert isinstance(again, GatedLMTorch)
    _assert_same_weights(again, gated_torch)


def test_an_interrupted_write_leaves_the_old_file_and_no_litter(
    gated_numpy, checkpoint_dir, monkeypatch
):
    path = checkpoint.save(checkpoint_dir / "m.safetensors", gated_numpy)
    before = path.read_bytes()
    gated_numpy.E += 1.0

    def power_cut(fd):
        raise OSError("power cut while writing")

    monkeypatch.setattr(os, "fsync", power_cut)
    with pytest.raises(OSError, match="power cut"):
        checkpoint.save(path, gated_numpy)
    assert path.read_bytes() == before
    assert [p.name for p in checkpoint_dir.iterdir()] == ["m.safetensors"]
    checkpoint.load(path)


def test_save_checks_the_target_before_writing(gated_numpy, tmp_path):
    with pytest.raises(FileNotFoundError, match="no folder"):
        checkpoint.save(tmp_path / "missing" / "m.safetensors", gated_numpy)
    with pytest.raises(ValueError, match=r"m\.safetensors"):
        checkpoint.save(tmp_path / "m.npz", gated_numpy)
    with pytest.raises(TypeError, match="object is not one of the book's"):
        checkpoint.save(tmp_path / "m.safetensors", object())
    with pytest.raises(TypeError, match="extra"):
        checkpoint.save(tmp_path / "m", gated_numpy, extra={"f": print})
    assert not any(tmp_path.iterdir())
    (tmp_path / "d.safetensors").mkdir()
    with pytest.raises(IsADirectoryError, match="is a folder"):
        checkpoint.check_target(tmp_path / "d.safetensors")
    assert checkpoint.check_target(tmp_path / "m") == tmp_path / (
        "m.safetensors"
    )


def test_npz_files_are_not_checkpoints_and_never_unpickled(
    gated_numpy, checkpoint_dir
):
    path = checkpoint_dir / "old.npz"
    np.savez(path, meta=np.array("{}"), U=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="not a tutorial_rnn checkpoint") as e:
        checkpoint.load(path)
    assert "allow_pickle" not in str(e.value)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"hello",
        bytes(range(256)) * 40,
        b"PK\x03\x04 this is not a zip file",
        struct.pack("<Q", 2) + b"{}",
        struct.pack("<Q", 2**40) + b"{}",
    ],
    ids=["empty", "short", "random", "fake-zip", "empty-header", "huge-n"],
)
def test_foreign_files_are_not_checkpoints(content, checkpoint_dir):
    path = checkpoint_dir / "foreign.safetensors"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a tutorial_rnn checkpoint") as e:
        checkpoint.load(path)
    assert "allow_pickle" not in str(e.value)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        checkpoint.load(checkpoint_dir / "missing.safetensors")


def test_a_truncated_file_is_refused(gated_numpy, checkpoint_dir):
    good = checkpoint.save(checkpoint_dir / "good", gated_numpy)
    cut = checkpoint_dir / "cut.safetensors"
    cut.write_bytes(good.read_bytes()[:-10])
    with pytest.raises(ValueError, match="not a tutorial_rnn checkpoint"):
        checkpoint.load(cut)


def test_sizes_are_checked_from_the_header_before_allocating(
    checkpoint_dir, write_checkpoint
):
    # a header that claims 200,000 x 10,000 float32 weights (7.5 GiB)
    header = {
        "__metadata__": _meta(),
        "E": {"dtype": "F32", "shape": [200_000, 10_000], "data_offsets": []},
    }
    text = json.dumps(header).encode()
    path = checkpoint_dir / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text)
    with pytest.raises(ValueError, match="not a tutorial_rnn checkpoint"):
        checkpoint.load(path)
    # a config that claims a huge model over small arrays
    small = GatedLMNumpy(20, 6)
    config = small.config() | {"vocab_size": 200_000}
    write_checkpoint(path, small.numpy_parameters(), _meta(config=config))
    with pytest.raises(ValueError, match=r"'E': \(200000, 6\)"):
        checkpoint.load(path)
    # more layers than tensors
    config = small.config() | {"num_layers": 10**9}
    write_checkpoint(path, small.numpy_parameters(), _meta(config=config))
    with pytest.raises(ValueError, match="num_layers=1000000000"):
        checkpoint.load(path)
    # a cap the caller chooses
    good = checkpoint.save(checkpoint_dir / "good", small)
    with pytest.raises(ValueError, match="max_bytes=1000"):
        checkpoint.load(good, max_bytes=1000)


def test_wrong_shapes_and_non_finite_weights_are_refused(
    checkpoint_dir, write_checkpoint
):
    model = GatedLMNumpy(20, 6)
    params = model.numpy_parameters()
    path = checkpoint_dir / "bad.safetensors"
    cases = [
        (params | {"V": np.zeros((20, 5))}, _meta(), r"'V': \(20, 5\)"),
        (params | {"c": np.full(20, np.nan)}, _meta(), "'c' holds non-finite"),
        (
            params | {"c": np.zeros(20, np.int32)},
            _meta(),
            r"types \['F64', 'I32'\]",
        ),
        (params, _meta(model="Transformer"), "unknown model 'Transformer'"),
        (params, _meta(version="2"), "format .*'2'"),
        (
            params,
            _meta(config=model.config() | {"cell": ["gru"]}),
            r"cell=\['gru'\]",
        ),
    ]
    for arrays, meta, message in cases:
        write_checkpoint(path, arrays, meta)
        with pytest.raises(ValueError, match=message) as e:
            checkpoint.load(path)
        assert "not a tutorial_rnn checkpoint" in str(e.value)


def test_the_vocabulary_travels_with_the_weights(small_vocab, checkpoint_dir):
    gated_numpy = GatedLMNumpy(len(small_vocab), 4, seed=2)
    path = checkpoint.save(checkpoint_dir / "m", gated_numpy, small_vocab)
    model, vocab = checkpoint.load_with_vocab(path, vocab=small_vocab)
    assert vocab.index_to_word == small_vocab.index_to_word
    _assert_same_weights(model, gated_numpy)
    assert checkpoint.load_arrays(path)[0]["vocab"] == vocab.index_to_word
    words = small_vocab.index_to_word
    other = data.Vocabulary([*words[:3], *reversed(words[3:])])
    with pytest.raises(ValueError, match="another vocabulary: id 3 is"):
        checkpoint.load(path, vocab=other)
    with pytest.raises(ValueError, match="vocab has 5 entries"):
        checkpoint.load(path, vocab=small_vocab.index_to_word[:5])
    with pytest.raises(ValueError, match=r"has 4 entries.*vocab_size=13"):
        checkpoint.save(path, gated_numpy, small_vocab.index_to_word[:4])
    # a file saved without a vocabulary checks the size only
    bare = checkpoint.save(checkpoint_dir / "bare", gated_numpy)
    assert checkpoint.load_with_vocab(bare, vocab=other).vocab is None


@pytest.mark.parametrize("name", ["", ".", "folder/", ".."])
def test_save_paths_that_name_no_file_are_refused(
    gated_numpy, checkpoint_dir, monkeypatch, name
):
    monkeypatch.chdir(checkpoint_dir)
    with pytest.raises(ValueError, match="not a file"):
        checkpoint.save(name, gated_numpy)
    assert not any(checkpoint_dir.iterdir())


def test_only_the_books_models_are_saved(gated_numpy, checkpoint_dir):
    class Mine(GatedLMNumpy):
        pass

    with pytest.raises(TypeError, match="Mine is not one of the book's"):
        checkpoint.save(checkpoint_dir / "m", Mine(5, 2))


def test_an_rnn_torch_file_written_with_bptt_truncate_still_loads(
    tmp_path, monkeypatch
):
    """RNNTorch's config had bptt_truncate until the torch model dropped
    it (it trains with full BPTT): such files keep loading."""
    from tutorial_rnn.rnn_torch import RNNTorch

    model = RNNTorch(10, 4, device="cpu")
    old = {"vocab_size": 10, "hidden_size": 4, "bptt_truncate": 4}
    monkeypatch.setattr(RNNTorch, "config", lambda self: dict(old))
    path = tmp_path / "old.safetensors"
    checkpoint.save(path, model)
    monkeypatch.undo()
    loaded = checkpoint.load(path)
    assert isinstance(loaded, RNNTorch) and loaded.config() == {
        "vocab_size": 10,
        "hidden_size": 4,
    }
    np.testing.assert_array_equal(
        loaded.W.detach().numpy(), model.W.detach().numpy()
    )
