"""tutorial_rnn.gated_torch: parity of hand cells and nn.GRU/nn.LSTM with NumPy, training, sampling."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tutorial_rnn import checkpoint, data
from tutorial_rnn.batching import pad_ids
from tutorial_rnn.gated_numpy import GatedLMNumpy
from tutorial_rnn.gated_torch import GatedLMTorch, RecurrentTorch

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
CASES = [
    ("rnn", "pytorch", "cudnn"),
    ("rnn", "pytorch", "hand"),
    ("gru", "cho", "hand"),
    ("gru", "pytorch", "hand"),
    ("gru", "pytorch", "cudnn"),
    ("lstm", "pytorch", "hand"),
    ("lstm", "pytorch", "cudnn"),
]


def padded(seed=0, vocab_size=30, lengths=(6, 2, 5)):
    rng = np.random.default_rng(seed)
    X = [rng.integers(0, vocab_size, n) for n in lengths]
    Y = [rng.integers(0, vocab_size, n) for n in lengths]
    return pad_ids(X, Y, vocab_size)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("cell,convention,impl", CASES)
def test_parity_with_numpy_in_float64(cell, convention, impl, device):
    """Shared weights, two layers: loss to 1e-10 relative, every gradient to 1e-8."""
    numpy_model = GatedLMNumpy(30, 6, cell, 2, embed_size=5, convention=convention, seed=3)
    torch_model = GatedLMTorch.from_numpy(numpy_model, impl=impl, device=device, dtype=torch.float64)
    xb, yb = padded()
    total, count, grads = numpy_model.loss_and_gradients(xb, yb)
    loss, n, _ = torch_model.batch_loss(torch.from_numpy(xb).to(device), torch.from_numpy(yb).to(device))
    loss.backward()
    assert n == count == 13
    assert loss.item() == pytest.approx(total, rel=1e-10)
    for name, p in torch_model._named().items():
        np.testing.assert_allclose(p.grad.cpu().numpy(), grads[name], rtol=1e-8, atol=1e-12, err_msg=name)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_cuda_float32_agrees_with_numpy_float64(cell):
    """float32 on the GPU (cuDNN, TF32 off): loss to 1e-5 relative — float32 round-off over T steps."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    numpy_model = GatedLMNumpy(30, 6, cell, 2, embed_size=5, seed=3)
    torch_model = GatedLMTorch.from_numpy(numpy_model, device="cuda", dtype=torch.float32)
    xb, yb = padded()
    loss, _, _ = torch_model.batch_loss(torch.from_numpy(xb).cuda(), torch.from_numpy(yb).cuda())
    assert loss.item() == pytest.approx(numpy_model.loss_and_gradients(xb, yb)[0], rel=1e-5)


def test_same_seed_same_initial_weights_as_numpy():
    numpy_model = GatedLMNumpy(40, 8, "lstm", 2, seed=11)
    for impl in ("cudnn", "hand"):
        twin = GatedLMTorch(40, 8, "lstm", 2, impl=impl, seed=11, device="cpu", dtype=torch.float64)
        for name, value in twin.numpy_parameters().items():
            np.testing.assert_array_equal(value, numpy_model.parameters()[name], err_msg=name)
        assert twin.param_names == numpy_model.param_names


def test_hand_cells_match_nn_gru_output_and_state():
    torch.manual_seed(0)
    reference = torch.nn.GRU(4, 5, num_layers=2, batch_first=True).double()
    hand = RecurrentTorch("gru", 4, 5, num_layers=2, dtype=torch.float64)
    with torch.no_grad():
        for layer in range(2):
            for ours, theirs in (
                ("U", "weight_ih"),
                ("W", "weight_hh"),
                ("bU", "bias_ih"),
                ("bW", "bias_hh"),
            ):
                getattr(hand, f"{ours}{layer}").copy_(getattr(reference, f"{theirs}_l{layer}"))
    X = torch.randn(3, 7, 4, dtype=torch.float64)
    out, h = hand(X)
    ref_out, ref_h = reference(X)
    torch.testing.assert_close(out, ref_out, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(h, ref_h, rtol=1e-12, atol=1e-12)


def test_implementation_choice_and_errors():
    assert GatedLMTorch(10, 4, "gru", convention="cho", device="cpu").impl == "hand"
    assert GatedLMTorch(10, 4, "gru", device="cpu").impl == "cudnn"
    with pytest.raises(ValueError, match="use impl='hand'"):
        GatedLMTorch(10, 4, "gru", convention="cho", impl="cudnn", device="cpu")
    with pytest.raises(ValueError, match="unknown impl"):
        GatedLMTorch(10, 4, "gru", impl="fast", device="cpu")
    with pytest.raises(ValueError, match="unknown cell"):
        GatedLMTorch(10, 4, "elman", device="cpu")
    with pytest.raises(ValueError, match="V has shape"):
        GatedLMTorch(10, 4, device="cpu").load_numpy(
            GatedLMNumpy(11, 4).parameters() | {"E": np.zeros((10, 4))}
        )


def tiny_corpus():
    text = "the cat sat on the mat. the dog sat on the log. a cat and a dog. the mat and the log."
    sentences = [data.tokenize(s) for s in data.split_sentences(text)]
    vocab = data.Vocabulary.build(sentences, size=20)
    return (vocab, *data.training_pairs(sentences, vocab))


@pytest.mark.parametrize("cell,truncate", [("gru", None), ("lstm", 3)])
def test_fit_overfits_with_full_or_chunked_bptt_and_samples_like_numpy(cell, truncate):
    vocab, X, Y = tiny_corpus()
    model = GatedLMTorch(len(vocab), 16, cell, num_layers=2, device="cpu")
    history = model.fit(
        X,
        Y,
        X,
        Y,
        epochs=150,
        batch_size=2,
        learning_rate=0.01,
        truncate=truncate,
        evaluations=3,
        progress=False,
    )
    assert history.valid_loss[0] > history.valid_loss[-1] and history.train_loss[-1] < 1.2
    words = model.generate(vocab, seed=1)
    assert words == model.to_numpy().generate(vocab, seed=1)
    assert all(w in vocab and w not in data.SPECIAL_TOKENS for w in words)


def test_checkpoints_move_between_torch_and_numpy(tmp_path):
    model = GatedLMTorch(20, 5, "gru", 2, device="cpu", dtype=torch.float64)
    with torch.no_grad():
        model.output.bias.add_(0.5)
    path = checkpoint.save(tmp_path / "gru.npz", model)
    as_numpy = checkpoint.load(path, GatedLMNumpy)
    back = checkpoint.load(path, device="cpu", dtype=torch.float64)
    assert isinstance(back, GatedLMTorch) and isinstance(as_numpy, GatedLMNumpy)
    xb, yb = padded(vocab_size=20)
    expected = model.batch_loss(torch.from_numpy(xb), torch.from_numpy(yb))[0].item()
    assert back.batch_loss(torch.from_numpy(xb), torch.from_numpy(yb))[0].item() == pytest.approx(
        expected, rel=1e-12
    )
    assert as_numpy.loss_and_gradients(xb, yb)[0] == pytest.approx(expected, rel=1e-12)
