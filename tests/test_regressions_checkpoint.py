"""Issue 23, problems 5-10, 11 and 16 (the checkpoint, CLI and data
parts): one regression test per problem, each seen failing before its fix.
"""

from __future__ import annotations

import json
import math
import struct
import tracemalloc

import numpy as np
import pytest

from tutorial_rnn import checkpoint, data
from tutorial_rnn.__main__ import main
from tutorial_rnn.rnn_numpy import RNNNumpy
from tutorial_rnn.rnn_numpy_fast import FastRNNNumpy


def _meta(model, config):
    return {
        "format": "tutorial-rnn",
        "version": str(checkpoint.VERSION),
        "model": model,
        "config": json.dumps(config),
        "extra": "{}",
    }


# 5 ---------------------------------------------------------------------
def test_p05_a_zero_size_tensor_cannot_widen_the_size_check(
    checkpoint_dir, write_checkpoint
):
    config = {
        "vocab_size": 400_000_000,
        "hidden_size": 4,
        "cell": "rnn",
        "num_layers": 1,
        "embed_size": 4,
        "convention": "pytorch",
    }
    arrays = {
        "E": np.zeros((0, 400_000_000), np.float32),
        **{k: np.zeros(4, np.float32) for k in ("U0", "W0", "bU0", "bW0")},
        "V": np.zeros((4, 4), np.float32),
        "c": np.zeros(4, np.float32),
    }
    path = write_checkpoint(
        checkpoint_dir / "crafted.safetensors",
        arrays,
        _meta("GatedLMNumpy", config),
    )
    assert path.stat().st_size < 2_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="not a tutorial_rnn checkpoint"):
            checkpoint.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


# 6 ---------------------------------------------------------------------
@pytest.mark.parametrize("where", ["header", "config"])
def test_p06_deeply_nested_json_is_not_a_checkpoint(
    checkpoint_dir, write_checkpoint, where
):
    path = checkpoint_dir / "nested.safetensors"
    deep = "[" * 200_000 + "]" * 200_000
    if where == "header":
        text = deep.encode()
        path.write_bytes(struct.pack("<Q", len(text)) + text)
    else:
        model = RNNNumpy(5, 2)
        meta = _meta("RNNNumpy", model.config()) | {"config": deep}
        write_checkpoint(path, model.numpy_parameters(), meta)
    with pytest.raises(ValueError, match="not a tutorial_rnn checkpoint"):
        checkpoint.load(path)


# 7 ---------------------------------------------------------------------
def test_p07_finiteness_is_checked_in_the_stored_dtype(checkpoint_dir):
    model = RNNNumpy(5, 2)
    good = checkpoint.save(checkpoint_dir / "m", model)
    before = good.read_bytes()
    model.V[0, 0] = 7e4  # finite in float64, inf in float16
    message = "'V' as float16 holds 1 non-finite value"
    with pytest.raises(ValueError, match=message):
        checkpoint.save(good, model, dtype=np.float16)
    assert good.read_bytes() == before


def test_p07_a_huge_extra_is_refused_before_writing(checkpoint_dir):
    model = RNNNumpy(5, 2)
    good = checkpoint.save(checkpoint_dir / "m", model)
    before = good.read_bytes()
    with pytest.raises(ValueError, match="extra takes 5,000,013 bytes"):
        checkpoint.save(good, model, extra={"notes": "x" * 5_000_000})
    assert good.read_bytes() == before
    assert [p.name for p in checkpoint_dir.iterdir()] == ["m.safetensors"]


def test_p07_save_reads_the_file_back_before_replacing(
    checkpoint_dir, monkeypatch
):
    model = RNNNumpy(5, 2)
    good = checkpoint.save(checkpoint_dir / "m", model)
    before = good.read_bytes()
    model.U += 1.0
    real = checkpoint.load_arrays

    def disk_lies(path, *args):
        meta, arrays = real(path, *args)
        return meta, arrays | {"U": arrays["U"] * 0}

    monkeypatch.setattr(checkpoint, "load_arrays", disk_lies)
    with pytest.raises(ValueError, match="read back differs"):
        checkpoint.save(good, model)
    assert good.read_bytes() == before
    assert [p.name for p in checkpoint_dir.iterdir()] == ["m.safetensors"]


# 8 ---------------------------------------------------------------------
def test_p08_a_fast_rnn_checkpoint_loads(checkpoint_dir):
    model = FastRNNNumpy(7, 3, bptt_truncate=2, seed=1)
    back = checkpoint.load(checkpoint.save(checkpoint_dir / "f", model))
    assert type(back) is FastRNNNumpy and back.config() == model.config()
    for name, value in model.numpy_parameters().items():
        np.testing.assert_array_equal(back.numpy_parameters()[name], value)


# 9 ---------------------------------------------------------------------
def test_p09_a_flipped_bit_in_the_weights_is_an_error(checkpoint_dir):
    path = checkpoint.save(checkpoint_dir / "m", RNNNumpy(5, 2))
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0x01  # a low mantissa bit of the last weight
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"m\.safetensors.*SHA-256"):
        checkpoint.load(path)


# 10 --------------------------------------------------------------------
def test_p10_a_file_cannot_choose_constructor_options(
    checkpoint_dir, write_checkpoint
):
    model = RNNNumpy(5, 2)
    config = model.config() | {"device": "cuda"}
    path = write_checkpoint(
        checkpoint_dir / "device.safetensors",
        model.numpy_parameters(),
        _meta("RNNNumpy", config),
    )
    with pytest.raises(ValueError, match=r"config has keys.*'device'"):
        checkpoint.load(path)


# 11 --------------------------------------------------------------------
@pytest.mark.parametrize(
    "option,value",
    [
        ("--seed", str(2**64)),
        ("--hidden", str(10**12)),
        ("--evaluations", str(10**10)),
        ("--tokens", str(10**15)),
        ("--layers", str(10**9)),
        ("--hidden", "1e400"),
        ("--hidden", str(10**400)),
        ("--vocab", str(10**9)),
        ("--batch-size", str(10**9)),
    ],
)
def test_p11_absurd_cli_values_exit_2_naming_the_option(
    no_data, tmp_path, capsys, option, value
):
    with pytest.raises(SystemExit) as info:
        main(["train", option, value, "--out", str(tmp_path / "m")])
    assert info.value.code == 2
    assert f"argument {option}" in capsys.readouterr().err


# 16 --------------------------------------------------------------------
def test_p16_is_word_of_an_empty_string_is_a_clear_error():
    with pytest.raises(ValueError, match="empty"):
        data.is_word("")


@pytest.mark.parametrize(
    "args,named",
    [
        ((2.5,), "n must be an integer"),  # was numpy's AxisError
        ((10, 2.5), "validation_fraction"),
        ((10, math.nan), "validation_fraction"),
        ((10, "0.1"), "validation_fraction"),
        ((10, 0.1, -1), "seed"),
    ],
)
def test_p16_train_validation_split_checks_its_arguments(args, named):
    with pytest.raises((TypeError, ValueError), match=named):
        data.train_validation_split(*args)
