"""Issue 17: one regression test per problem found by the hostile-call
survey (numbered as in the issue), then the "unclear ones".

Problem 7 (``RNNNumpy.sgd_step`` spreading a NaN) belongs to the plain
model's rewrite (issue 15); its test goes with it, in
``test_rnn_numpy.py``.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from tutorial_rnn import checkpoint, data, pretrained
from tutorial_rnn.__main__ import main
from tutorial_rnn.gated_lm import GatedLMNumpy
from tutorial_rnn.gated_torch import GatedLMTorch
from tutorial_rnn.gradients import GradientFlow
from tutorial_rnn.widgets import flow_for


def _placeholder_vocab(size: int) -> data.Vocabulary:
    words = [f"w{i}" for i in range(size - 3)]
    return data.Vocabulary([*data.SPECIAL_TOKENS, *words])


# 1 ---------------------------------------------------------------------
def test_p01_shipped_model_samples_at_temperature_001():
    model = pretrained.load("gru2", GatedLMNumpy).model
    vocab = _placeholder_vocab(model.vocab_size)
    for seed in range(3):
        words = model.generate(
            vocab, temperature=0.01, min_length=10, seed=seed
        )
        assert len(words) >= 10
        assert not set(words) & set(data.SPECIAL_TOKENS)


def test_p01_a_vocabulary_of_special_tokens_only_is_a_clear_error():
    model = GatedLMNumpy(3, 4, seed=0)
    vocab = data.Vocabulary(list(data.SPECIAL_TOKENS))
    with pytest.raises(ValueError, match="no word"):
        model.generate(vocab, temperature=0.5, seed=0)


# 2 ---------------------------------------------------------------------
@pytest.mark.parametrize("clip", [-5.0, 0.0, math.nan, math.inf])
def test_p02_torch_fit_checks_clip(rnn_torch, tiny_corpus, clip):
    _, X, Y = tiny_corpus
    before = [p.detach().clone() for p in rnn_torch.parameters()]
    with pytest.raises(ValueError, match="clip"):
        rnn_torch.fit(X, Y, clip=clip, progress=False)
    for p, old in zip(rnn_torch.parameters(), before, strict=True):
        torch.testing.assert_close(p.detach(), old, rtol=0, atol=0)


def test_p02_a_nan_gradient_on_the_last_step_stops_training(
    rnn_torch, tiny_corpus
):
    _, X, Y = tiny_corpus
    rnn_torch.W.register_hook(lambda g: g * math.nan)
    with pytest.raises(FloatingPointError, match="step 1"):
        rnn_torch.fit(
            X, Y, epochs=1, batch_size=len(X), evaluations=1, progress=False
        )


# 3 ---------------------------------------------------------------------
class _Interrupted(RuntimeError):
    pass


class _Exploding:
    """An array stand-in that fails when the save converts it."""

    shape = (6, 6)
    dtype = np.dtype(np.float64)

    def __array__(self, *args, **kwargs):
        raise _Interrupted("power cut")

    def astype(self, *args, **kwargs):
        raise _Interrupted("power cut")


def test_p03_an_interrupted_save_leaves_the_old_checkpoint(
    gated_numpy, checkpoint_dir, monkeypatch
):
    path = checkpoint.save(checkpoint_dir / "model.safetensors", gated_numpy)
    good = gated_numpy.numpy_parameters()
    params = dict(good)
    params["V"] = _Exploding()  # the third array of the file, say
    monkeypatch.setattr(gated_numpy, "numpy_parameters", lambda: params)
    with pytest.raises(_Interrupted):
        checkpoint.save(path, gated_numpy)
    loaded = checkpoint.load(path)
    for name, value in good.items():
        np.testing.assert_array_equal(loaded.numpy_parameters()[name], value)


def test_p03_a_nan_model_never_overwrites_a_good_file(
    gated_numpy, checkpoint_dir
):
    path = checkpoint.save(checkpoint_dir / "model.safetensors", gated_numpy)
    before = path.read_bytes()
    gated_numpy.E[0, 0] = math.nan
    with pytest.raises(ValueError, match="non-finite"):
        checkpoint.save(path, gated_numpy)
    assert path.read_bytes() == before


# 4 ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "options,named",
    [
        (["--out", "/nonexistent/x.safetensors"], "--out"),
        (["--evaluations", "0"], "--evaluations"),
        (["--tokens", "-5"], "--tokens"),
        (["--clip", "nan"], "--clip"),
        (["--learning-rate", "-1"], "--learning-rate"),
        (["--batch-size", "0"], "--batch-size"),
    ],
)
def test_p04_train_checks_its_options_before_loading_data(
    options, named, tmp_path, no_data, capsys
):
    argv = ["train", "--out", str(tmp_path / "m.safetensors"), *options]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert named in capsys.readouterr().err


def test_p04_the_command_line_refuses_a_bad_out_before_the_corpus(tmp_path):
    """``python -m tutorial_rnn train`` (the real entry point, in a fresh
    interpreter) with a corpus loader that fails loudly: exit status 2
    naming ``--out`` proves the check comes before the data (no clock)."""
    env = dict(os.environ, PYTHONPATH=str(Path(data.__file__).parents[1]))
    spy = (
        "import runpy, sys\n"
        "from tutorial_rnn import data\n"
        "def refuse(*a, **k):\n"
        "    sys.exit('the corpus was loaded before the checks')\n"
        "data.load_shakespeare = refuse\n"
        "sys.argv = ['tutorial_rnn', 'train', '--out',"
        " '/nonexistent/x.safetensors']\n"
        "runpy.run_module('tutorial_rnn', run_name='__main__')\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", spy],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert "corpus was loaded" not in run.stderr
    assert run.returncode == 2 and "--out" in run.stderr, run.stderr


# 5 ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.int32, np.bool_, np.complex64])
def test_p05_save_takes_float_dtypes_only(gated_numpy, checkpoint_dir, dtype):
    with pytest.raises(TypeError, match="dtype"):
        checkpoint.save(
            checkpoint_dir / "m.safetensors", gated_numpy, dtype=dtype
        )
    assert not any(checkpoint_dir.iterdir())


# 6 ---------------------------------------------------------------------
def test_p06_float_targets_are_refused_before_any_cast(gated_numpy):
    x = np.array([[1, 4, 5]])
    with pytest.raises(TypeError, match="y"):
        gated_numpy.loss_and_gradients(x, np.array([[4.0, 1.7, 2.0]]))
    with pytest.raises(TypeError, match="y"):
        gated_numpy.loss_and_gradients(x, np.array([[4.0, -100.9, 2.0]]))


def test_p06_targets_of_another_shape_are_refused(gated_numpy):
    x = np.array([[1, 4], [5, 6]])
    with pytest.raises(ValueError, match="shape"):
        gated_numpy.loss_and_gradients(x, np.array([4, 1, 2, 3]))


# 8 ---------------------------------------------------------------------
# The book has one softmax, tutorial_rnn.activations.softmax; every model
# imports it (the house check counts the definitions).
def test_p08_softmax_of_a_wide_row_near_the_overflow_limit():
    from tutorial_rnn.activations import softmax

    with np.errstate(all="raise"):
        p = softmax(np.full((1, 50_000), 699.0))
    np.testing.assert_allclose(p, 1 / 50_000, rtol=1e-12)


# 9 ---------------------------------------------------------------------
def test_p09_unigram_cross_entropy_refuses_a_negative_id():
    Y = [np.array([3, 4, 2])]
    with pytest.raises(ValueError, match="-1"):
        data.unigram_cross_entropy(Y, [np.array([3, -1, 2])], size=5)
    with pytest.raises(ValueError, match="-2"):
        data.unigram_cross_entropy([np.array([-2])], Y, size=5)


# 10 --------------------------------------------------------------------
def test_p10_torch_forward_refuses_id_minus_one(rnn_torch):
    with pytest.raises(ValueError, match="-1"):
        rnn_torch(torch.tensor([[1, -1, 2]]))
    with pytest.raises(ValueError, match="20"):
        rnn_torch(torch.tensor([[1, 20]]))


# 11 --------------------------------------------------------------------
def test_p11_a_bare_string_is_not_a_list_of_tokens():
    with pytest.raises(TypeError, match="str"):
        data.Vocabulary.build(["hi you"], 10)
    vocab = data.Vocabulary.build([["the", "cat"]], 10)
    with pytest.raises(TypeError, match="str"):
        vocab.encode("the")
    with pytest.raises(TypeError, match="str"):
        data.training_pairs(["the cat"], vocab)
    with pytest.raises(TypeError, match="str"):
        vocab.coverage(["the cat"])


# 12 --------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["tanh", "gru"])
@pytest.mark.parametrize("option", ["gate_bias", "scale"])
def test_p12_gradient_flow_tools_refuse_nan(cell, option):
    with pytest.raises(ValueError, match=option):
        flow_for(cell, length=5, hidden_size=4, **{option: math.nan})


def test_p12_decay_after_refuses_steps_out_of_range():
    flow = flow_for("tanh", length=5, hidden_size=4)
    assert flow.decay_after(0) == 1.0
    for steps in (-1, 6):
        with pytest.raises(ValueError, match="steps"):
            flow.decay_after(steps)
    assert isinstance(flow, GradientFlow)


# The unclear ones ------------------------------------------------------
def test_the_cached_corpus_cannot_be_emptied_by_a_caller():
    corpus = data.load_shakespeare(["hamlet"])
    n = len(corpus)
    corpus.documents.clear()
    corpus.documents.append("mine")
    assert len(data.load_shakespeare(["hamlet"])) == n > 1
    assert data.load_shakespeare(["hamlet"]).documents[0] != "mine"


@pytest.mark.parametrize(
    "kwargs,named",
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": math.nan}, "epochs"),
        ({"evaluations": 0}, "evaluations"),
        ({"learning_rate": math.inf}, "learning_rate"),
        ({"clip": -1.0}, "clip"),
    ],
)
@pytest.mark.parametrize("which", ["numpy", "torch"])
def test_fit_checks_every_option_first(
    which, kwargs, named, tiny_corpus, gated_numpy, gated_torch
):
    _, X, Y = tiny_corpus
    model = gated_numpy if which == "numpy" else gated_torch
    with pytest.raises((TypeError, ValueError), match=named):
        model.fit(X, Y, progress=False, **kwargs)


@pytest.mark.parametrize("which", ["numpy", "torch"])
def test_fit_refuses_empty_data_and_half_given_validation(
    which, tiny_corpus, gated_numpy, gated_torch
):
    _, X, Y = tiny_corpus
    model = gated_numpy if which == "numpy" else gated_torch
    with pytest.raises(ValueError, match="empty"):
        model.fit([], [], progress=False)
    with pytest.raises(ValueError, match="Y_valid"):
        model.fit(X, Y, X_valid=X, progress=False)
    with pytest.raises(ValueError, match="same length"):
        model.fit(X, Y[:-1], progress=False)


def test_a_diverging_loss_is_an_error_not_a_warning(tiny_corpus):
    _, X, Y = tiny_corpus
    model = GatedLMNumpy(20, 6, "rnn", seed=0)
    with (
        np.errstate(all="ignore"),
        pytest.raises(FloatingPointError, match="step"),
    ):
        model.fit(
            X,
            Y,
            optimizer="sgd",
            learning_rate=1e6,
            clip=None,
            epochs=20,
            batch_size=1,
            progress=False,
        )


@pytest.mark.parametrize(
    "model_fixture", ["gated_numpy", "gated_torch", "rnn_torch"]
)
def test_load_numpy_refuses_nan_and_complex_weights(model_fixture, request):
    model = request.getfixturevalue(model_fixture)
    params = model.numpy_parameters()
    before = {k: v.copy() for k, v in params.items()}
    name = next(iter(params))
    with pytest.raises(ValueError, match="non-finite"):
        model.load_numpy(params | {name: np.full_like(params[name], math.nan)})
    with pytest.raises(TypeError, match="complex"):
        model.load_numpy(params | {name: params[name] + 0j})
    for key, value in model.numpy_parameters().items():
        np.testing.assert_array_equal(value, before[key])


def test_building_a_gated_torch_model_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    GatedLMTorch(30, 8, "lstm", num_layers=2, device="cpu")
    GatedLMTorch(30, 8, "gru", impl="hand", device="cpu")
    torch.testing.assert_close(torch.rand(3), expected)


def test_extra_takes_numpy_scalars_and_refuses_nan(
    gated_numpy, checkpoint_dir
):
    path = checkpoint_dir / "m.safetensors"
    extra = {"loss": np.float32(1.5), "steps": np.int64(7), "ok": True}
    checkpoint.save(path, gated_numpy, extra=extra)
    meta = checkpoint.load_arrays(path)[0]
    assert meta["extra"] == {"loss": 1.5, "steps": 7, "ok": True}
    with pytest.raises(ValueError, match="extra"):
        checkpoint.save(path, gated_numpy, extra={"loss": math.nan})
