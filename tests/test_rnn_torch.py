"""tutorial_rnn.rnn_torch: parity with the NumPy model, batching, masking,
training, devices."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tutorial_rnn import data
from tutorial_rnn.batching import IGNORE_INDEX, make_batches
from tutorial_rnn.rnn_numpy import RNNNumpy
from tutorial_rnn.rnn_torch import RNNTorch
from tutorial_rnn.torch_lm import pad_batch, resolve_device

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def random_pairs(rng, vocab_size, lengths):
    X = [rng.integers(0, vocab_size, n) for n in lengths]
    return X, [rng.integers(0, vocab_size, n) for n in lengths]


def test_same_seed_same_initial_weights_and_shapes():
    numpy_model, torch_model = (
        RNNNumpy(30, 5, seed=7),
        RNNTorch(30, 5, seed=7, device="cpu"),
    )
    for name in "UVW":
        p = getattr(torch_model, name)
        assert tuple(p.shape) == getattr(numpy_model, name).shape
        np.testing.assert_allclose(
            p.detach().numpy(), getattr(numpy_model, name), rtol=1e-6
        )


@pytest.mark.parametrize("device", DEVICES)
def test_parity_with_numpy_in_float64(device):
    """Shared weights: losses agree to 1e-10 relative, full-BPTT gradients to
    1e-8."""
    rng = np.random.default_rng(0)
    numpy_model = RNNNumpy(40, 8, bptt_truncate=None, seed=1)
    torch_model = RNNTorch.from_numpy(
        numpy_model, device=device, dtype=torch.float64
    )
    X, Y = random_pairs(rng, 40, [7, 3, 12, 1])
    assert torch_model.loss(X, Y) == pytest.approx(
        numpy_model.loss(X, Y), rel=1e-10
    )
    # gradients of the summed loss over a padded batch equal the sum of
    # per-sentence gradients
    xb, yb = pad_batch(X, Y, 40)
    total, count, _ = torch_model.batch_loss(xb.to(device), yb.to(device))
    total.backward()
    assert count == 23
    expected = [
        sum(g)
        for g in zip(
            *(numpy_model.bptt(x, y) for x, y in zip(X, Y, strict=True)),
            strict=True,
        )
    ]
    for name, g in zip("UVW", expected, strict=True):
        got = getattr(torch_model, name).grad.cpu().numpy()
        np.testing.assert_allclose(got, g, rtol=1e-8, atol=1e-12)


def test_padding_does_not_change_real_outputs():
    rng = np.random.default_rng(1)
    model = RNNTorch(20, 4, device="cpu", dtype=torch.float64)
    X, Y = random_pairs(rng, 20, [3, 9])
    xb, yb = pad_batch(X, Y, 20)
    assert (
        xb.shape == (2, 9)
        and (yb[0, 3:] == IGNORE_INDEX).all()
        and (xb[0, 3:] == 0).all()
    )
    z_batch, _ = model(xb)
    z_alone, _ = model(torch.as_tensor(X[0])[None])
    torch.testing.assert_close(z_batch[0, :3], z_alone[0])


def test_weights_move_both_ways():
    numpy_model = RNNNumpy(25, 6, seed=3)
    back = RNNTorch.from_numpy(
        numpy_model, device="cpu", dtype=torch.float64
    ).to_numpy()
    for name in "UVW":
        np.testing.assert_array_equal(
            getattr(back, name), getattr(numpy_model, name)
        )
    with pytest.raises(
        ValueError, match=r"params\['U'\] must have shape \(6, 26\), got"
    ):
        RNNTorch(26, 6, device="cpu").load_numpy(numpy_model.parameters())


def test_truncated_bptt_chunks_and_steps():
    """truncate=k makes ceil(T/k) optimizer steps on one batch; full BPTT makes
    one."""
    rng = np.random.default_rng(2)
    X, Y = random_pairs(rng, 15, [10, 10])
    xb, yb = pad_batch(X, Y, 15)
    for truncate, steps in [(None, 1), (4, 3), (10, 1), (1, 10)]:
        model = RNNTorch(15, 4, device="cpu")
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        calls = []
        opt.register_step_post_hook(lambda *args, calls=calls: calls.append(1))
        total, count = model.train_batch(xb, yb, opt, truncate=truncate)
        assert count == 20 and len(calls) == steps and math.isfinite(total)


def test_make_batches_groups_similar_lengths():
    lengths = [5, 1, 9, 3, 7, 2]
    batches = make_batches(lengths, 2, seed=None)
    assert [sorted(lengths[i] for i in b) for b in batches] == [
        [1, 2],
        [3, 5],
        [7, 9],
    ]
    shuffled = make_batches(lengths, 2, seed=0)
    assert sorted(map(tuple, (sorted(b) for b in shuffled))) == sorted(
        map(tuple, (sorted(b) for b in batches))
    )


def test_fit_learns_a_tiny_corpus_and_generates_like_numpy(
    walks_known_pairs,
):
    text = "the cat sat on the mat. the dog sat on the log. a cat and a dog."
    sentences = [data.tokenize(s) for s in data.split_sentences(text)]
    vocab = data.Vocabulary.build(sentences, size=20)
    X, Y = data.training_pairs(sentences, vocab)
    model = RNNTorch(len(vocab), 16, device="cpu")
    assert model.loss(X, Y) > 2.5  # about ln 20 before training
    history = model.fit(
        X,
        Y,
        X_valid=X,
        Y_valid=Y,
        epochs=150,
        batch_size=2,
        learning_rate=0.02,
        evaluations=3,
        progress=False,
    )
    assert history.valid_loss[-1] < 1.0
    assert history.tokens_seen[-1] == 150 * sum(len(y) for y in Y)
    # a model this well fitted, sampled cold, walks the corpus
    starts = [[data.SENTENCE_START, *s] for s in sentences]
    pairs = {(s[i], s[i + 1]) for s in starts for i in range(len(s) - 1)}
    walks_known_pairs(model, vocab, pairs)


def test_clear_errors():
    model = RNNTorch(10, 3, device="cpu")
    with pytest.raises(ValueError, match="x holds id 10"):
        pad_batch([np.array([1, 10])], [np.array([1, 2])], 10)
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        model.fit(
            [np.array([1, 2])],
            [np.array([2, 3])],
            optimizer="rmsprop",
            progress=False,
        )
    with pytest.raises(
        ValueError, match="learning_rate must be finite and positive"
    ):
        model.fit(
            [np.array([1, 2])],
            [np.array([2, 3])],
            learning_rate=float("nan"),
            progress=False,
        )
    with pytest.raises(
        ValueError, match="truncate must be None or a positive"
    ):
        xb, yb = pad_batch([np.array([1, 2])], [np.array([2, 3])], 10)
        model.train_batch(
            xb, yb, torch.optim.SGD(model.parameters(), lr=0.1), truncate=0
        )


def test_resolve_device():
    assert resolve_device("auto").type == (
        "cuda" if torch.cuda.is_available() else "cpu"
    )
    assert resolve_device("cpu") == torch.device("cpu")


def test_rnn_torch_meets_the_language_model_interface(rnn_torch, tiny_corpus):
    from tutorial_rnn.models import History, LanguageModel

    assert isinstance(rnn_torch, LanguageModel)
    config = rnn_torch.config()
    assert config == {"vocab_size": 20, "hidden_size": 5}  # full BPTT
    with pytest.raises(TypeError, match="bptt_truncate"):  # issue 22.8
        RNNTorch(20, 5, bptt_truncate=4)
    twin = RNNNumpy(**config)  # the twin takes the same config
    twin.load_numpy(rnn_torch.numpy_parameters())
    for name, value in rnn_torch.numpy_parameters().items():
        assert value.dtype == np.float64
        np.testing.assert_array_equal(getattr(twin, name), value)
    _, X, Y = tiny_corpus
    history = rnn_torch.fit(
        X,
        Y,
        X_valid=X,
        Y_valid=Y,
        learning_rate=0.01,
        evaluations=3,
        progress=False,
    )
    assert isinstance(history, History)
    assert history.learning_rate == [0.01] * len(history.tokens_seen)
    assert len(history.valid_loss) == len(history.train_loss) >= 1


def test_detach_state_cuts_the_graph_and_refuses_other_things():
    import torch

    from tutorial_rnn.torch_lm import detach_state

    h = torch.ones(2, requires_grad=True) * 2
    c = torch.zeros(2, requires_grad=True) + 1
    out = detach_state((h, c))
    assert isinstance(out, tuple) and not any(t.requires_grad for t in out)
    assert not detach_state(h).requires_grad
    with pytest.raises(TypeError, match=r"state must be a tensor .* got list"):
        detach_state([h, c])
    with pytest.raises(TypeError, match="got NoneType"):
        detach_state((h, None))
