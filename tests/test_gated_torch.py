"""tutorial_rnn.gated_torch: parity of hand cells and nn.GRU/nn.LSTM with
NumPy, training, sampling."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tutorial_rnn import checkpoint
from tutorial_rnn.batching import pad_ids
from tutorial_rnn.gated_lm import GatedLMNumpy
from tutorial_rnn.gated_numpy import GRUNumpy, make_stack
from tutorial_rnn.gated_torch import (
    TORCH_CELLS,
    GatedLMTorch,
    GRUTorch,
    LSTMTorch,
)

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
    """Shared weights, two layers: loss to 1e-10 relative, every gradient to
    1e-8."""
    numpy_model = GatedLMNumpy(
        30, 6, cell, 2, embed_size=5, convention=convention, seed=3
    )
    torch_model = GatedLMTorch.from_numpy(
        numpy_model, impl=impl, device=device, dtype=torch.float64
    )
    xb, yb = padded()
    total, count, grads = numpy_model.loss_and_gradients(xb, yb)
    loss, n, _ = torch_model.batch_loss(
        torch.from_numpy(xb).to(device), torch.from_numpy(yb).to(device)
    )
    loss.backward()
    assert n == count == 13
    assert loss.item() == pytest.approx(total, rel=1e-10)
    for name, p in torch_model._named().items():
        np.testing.assert_allclose(
            p.grad.cpu().numpy(),
            grads[name],
            rtol=1e-8,
            atol=1e-12,
            err_msg=name,
        )


# Tolerances of the GPU in lower precision, as relative errors against NumPy
# float64 (the loss, and the norm of each gradient's error over the gradient's
# norm). Unit round-off u is 6e-8 for float32, 4.9e-4 for TF32's 10-bit
# mantissa and 3.9e-3 for bfloat16; a loss or gradient is the sum of O(10)
# rounded stages (embedding, T steps, output layer, log-softmax), so errors of
# a few u to 10 u are expected, and a wrong kernel or a lost gradient is off by
# order 1.
CUDA_PRECISIONS = {
    "float32": (1e-5, 1e-4),
    "tf32": (5e-3, 1e-2),
    "bf16": (3e-2, 5e-2),
}


@pytest.fixture
def restore_tf32():
    flags = (
        torch.backends.cuda.matmul.allow_tf32,
        torch.backends.cudnn.allow_tf32,
    )
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = (
        flags
    )


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("precision", sorted(CUDA_PRECISIONS))
@pytest.mark.parametrize(
    "cell,impl",
    [("rnn", "cudnn"), ("gru", "cudnn"), ("lstm", "cudnn"), ("gru", "hand")],
)
def test_cuda_lower_precision_agrees_with_numpy_float64(
    cell, impl, precision, restore_tf32
):
    """float32 weights on the GPU in float32, TF32 or bf16 autocast, against
    NumPy in float64."""
    loss_tol, grad_tol = CUDA_PRECISIONS[precision]
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = (
        precision == "tf32"
    )
    numpy_model = GatedLMNumpy(300, 64, cell, 2, seed=3)
    torch_model = GatedLMTorch.from_numpy(
        numpy_model, impl=impl, device="cuda", dtype=torch.float32
    )
    xb, yb = padded(vocab_size=300, lengths=tuple(range(5, 21)))
    total, _, grads = numpy_model.loss_and_gradients(xb, yb)
    with torch.autocast("cuda", torch.bfloat16, enabled=precision == "bf16"):
        loss, _, _ = torch_model.batch_loss(
            torch.from_numpy(xb).cuda(), torch.from_numpy(yb).cuda()
        )
    loss.backward()
    errors = {"loss": abs(loss.item() - total) / abs(total)}
    for name, p in torch_model._named().items():
        assert p.grad.dtype == torch.float32
        errors[name] = float(
            np.linalg.norm(p.grad.cpu().double().numpy() - grads[name])
            / np.linalg.norm(grads[name])
        )
    print(
        f"{cell}/{impl}/{precision}: loss {errors['loss']:.1e}, worst "
        "gradient "
        f"{max(v for k, v in errors.items() if k != 'loss'):.1e}"
    )
    assert errors["loss"] < loss_tol, errors
    assert all(v < grad_tol for k, v in errors.items() if k != "loss"), errors


def test_same_seed_same_initial_weights_as_numpy():
    numpy_model = GatedLMNumpy(40, 8, "lstm", 2, seed=11)
    for impl in ("cudnn", "hand"):
        twin = GatedLMTorch(
            40,
            8,
            "lstm",
            2,
            impl=impl,
            seed=11,
            device="cpu",
            dtype=torch.float64,
        )
        for name, value in twin.numpy_parameters().items():
            np.testing.assert_array_equal(
                value, numpy_model.parameters()[name], err_msg=name
            )
        assert twin.param_names == numpy_model.param_names


@pytest.mark.parametrize(
    "cell,convention",
    [
        ("rnn", "pytorch"),
        ("gru", "cho"),
        ("gru", "pytorch"),
        ("lstm", "pytorch"),
    ],
)
def test_each_torch_cell_steps_like_its_numpy_twin(cell, convention):
    """One step of layer 1, same weights, gx and state: equal in float64."""
    ours = make_stack(cell, 3, 4, 2, convention, seed=7)
    gru = {"convention": convention} if cell == "gru" else {}
    twin = TORCH_CELLS[cell](3, 4, 2, dtype=torch.float64, **gru)
    params = ours.parameters()
    assert [n for n, _ in twin.named_parameters()] == list(params)
    with torch.no_grad():
        for name, p in twin.named_parameters():
            p.copy_(torch.from_numpy(params[name]))
    rng = np.random.default_rng(0)
    gx = rng.standard_normal((2, ours.gates * 4))
    state = tuple(rng.standard_normal((2, 4)) for _ in range(ours.state_parts))
    want, _ = ours.step(1, gx, state)
    got = twin.step(
        1, torch.from_numpy(gx), tuple(map(torch.from_numpy, state))
    )
    assert len(got) == len(want) == twin.state_parts
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g.detach().numpy(), w, rtol=1e-12)
    assert torch.equal(twin.W[1], twin.W1) and len(twin.U) == 2


def test_torch_cells_refuse_bad_arguments():
    with pytest.raises(ValueError, match="unknown GRU convention"):
        GRUTorch(3, 4, convention="keras")
    with pytest.raises(ValueError, match="hidden_size"):
        LSTMTorch(3, 0)


@pytest.mark.parametrize(
    "args,kwargs",
    [
        ((0, 4), {}),
        ((3, 0), {}),
        ((3, 4, 0), {}),
        ((3.5, 4), {}),
        ((3, 4, True), {}),
        ((3, 4), {"convention": "keras"}),
        ((3, 4), {"convention": ["cho"]}),
        ((3, 4), {"convention": None}),
    ],
)
def test_numpy_and_torch_stacks_refuse_the_same_sizes_alike(args, kwargs):
    errors = []
    for stack in (GRUNumpy, GRUTorch):
        with pytest.raises((TypeError, ValueError)) as info:
            stack(*args, **kwargs)
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1]


def test_hand_cells_match_nn_gru_output_and_state():
    torch.manual_seed(0)
    reference = torch.nn.GRU(4, 5, num_layers=2, batch_first=True).double()
    hand = GRUTorch(4, 5, num_layers=2, dtype=torch.float64)
    with torch.no_grad():
        for layer in range(2):
            for ours, theirs in (
                ("U", "weight_ih"),
                ("W", "weight_hh"),
                ("bU", "bias_ih"),
                ("bW", "bias_hh"),
            ):
                getattr(hand, f"{ours}{layer}").copy_(
                    getattr(reference, f"{theirs}_l{layer}")
                )
    X = torch.randn(3, 7, 4, dtype=torch.float64)
    out, h = hand(X)
    ref_out, ref_h = reference(X)
    torch.testing.assert_close(out, ref_out, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(h, ref_h, rtol=1e-12, atol=1e-12)


def test_implementation_choice_and_errors():
    assert (
        GatedLMTorch(10, 4, "gru", convention="cho", device="cpu").impl
        == "hand"
    )
    assert GatedLMTorch(10, 4, "gru", device="cpu").impl == "cudnn"
    with pytest.raises(ValueError, match="use impl='hand'"):
        GatedLMTorch(
            10, 4, "gru", convention="cho", impl="cudnn", device="cpu"
        )
    with pytest.raises(ValueError, match="unknown impl"):
        GatedLMTorch(10, 4, "gru", impl="fast", device="cpu")
    with pytest.raises(ValueError, match="unknown cell"):
        GatedLMTorch(10, 4, "elman", device="cpu")
    with pytest.raises(ValueError, match=r"params\[.V.\] must have shape"):
        GatedLMTorch(10, 4, device="cpu").load_numpy(
            GatedLMNumpy(11, 4).parameters() | {"E": np.zeros((10, 4))}
        )


@pytest.mark.parametrize("cell,truncate", [("gru", None), ("lstm", 3)])
def test_fit_overfits_with_full_or_chunked_bptt_and_samples_like_numpy(
    cell, truncate, tiny_corpus, walks_known_pairs
):
    vocab, X, Y = tiny_corpus
    model = GatedLMTorch(len(vocab), 16, cell, num_layers=2, device="cpu")
    history = model.fit(
        X,
        Y,
        X_valid=X,
        Y_valid=Y,
        epochs=150,
        batch_size=2,
        learning_rate=0.01,
        truncate=truncate,
        evaluations=3,
        progress=False,
    )
    assert (
        history.valid_loss[0] > history.valid_loss[-1]
        and history.train_loss[-1] < 1.2
    )
    # sampled cold, a model this well fitted walks the corpus
    pairs = {
        (vocab.decode([a])[0], vocab.decode([b])[0])
        for x, y in zip(X, Y, strict=True)
        for a, b in zip(x, y, strict=True)
    }
    walks_known_pairs(model, vocab, pairs)


def test_checkpoints_move_between_torch_and_numpy(tmp_path):
    model = GatedLMTorch(20, 5, "gru", 2, device="cpu", dtype=torch.float64)
    with torch.no_grad():
        model.output.bias.add_(0.5)
    path = checkpoint.save(tmp_path / "gru.safetensors", model)
    as_numpy = checkpoint.load(path, GatedLMNumpy)
    back = checkpoint.load(path, device="cpu", dtype=torch.float64)
    assert isinstance(back, GatedLMTorch) and isinstance(
        as_numpy, GatedLMNumpy
    )
    xb, yb = padded(vocab_size=20)
    expected = model.batch_loss(torch.from_numpy(xb), torch.from_numpy(yb))[
        0
    ].item()
    assert back.batch_loss(torch.from_numpy(xb), torch.from_numpy(yb))[
        0
    ].item() == pytest.approx(expected, rel=1e-12)
    assert as_numpy.loss_and_gradients(xb, yb)[0] == pytest.approx(
        expected, rel=1e-12
    )


def test_loss_over_pairs_equals_numpy_in_float64():
    """The held-out loss every batched model shares (BatchedModel):
    torch and NumPy agree over pairs of mixed lengths."""
    rng = np.random.default_rng(6)
    X = [rng.integers(0, 30, n) for n in (4, 9, 1, 6, 3)]
    Y = [rng.integers(0, 30, n) for n in (4, 9, 1, 6, 3)]
    numpy_model = GatedLMNumpy(30, 5, "lstm", 2, seed=2)
    twin = GatedLMTorch.from_numpy(
        numpy_model, impl="hand", device="cpu", dtype=torch.float64
    )
    for batch_size in (1, 2, 64):
        assert twin.total_loss(X, Y, batch_size) == pytest.approx(
            numpy_model.total_loss(X, Y, batch_size), rel=1e-12
        )
    assert twin.loss(X, Y) == pytest.approx(numpy_model.loss(X, Y), rel=1e-12)


@pytest.mark.parametrize("name", ["GatedLMNumpy", "GatedLMTorch", "RNNTorch"])
def test_batch_total_refuses_targets_of_another_shape_or_outside_the_vocab(
    name,
):
    """Regression: GatedLMNumpy.batch_total raised an IndexError from
    inside NumPy for a y of another shape, the torch models PyTorch's own
    error."""
    from tutorial_rnn.rnn_torch import RNNTorch

    model = {
        "GatedLMNumpy": lambda: GatedLMNumpy(10, 4),
        "GatedLMTorch": lambda: GatedLMTorch(10, 4, device="cpu"),
        "RNNTorch": lambda: RNNTorch(10, 4, device="cpu"),
    }[name]()
    x = np.array([[1, 2]])
    with pytest.raises(ValueError, match=r"x and y must have the same shape"):
        model.batch_total(x, np.array([[2]]))
    with pytest.raises(ValueError, match="y holds id 30, outside"):
        model.batch_total(x, np.array([[2, 30]]))
    assert np.isfinite(model.batch_total(x, np.array([[2, -100]])))
