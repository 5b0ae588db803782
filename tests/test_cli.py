"""python -m tutorial_rnn train: trains on the book's split, saves a
checkpoint that carries its vocabulary; costs are checked first."""

from __future__ import annotations

import re

import pytest

from tutorial_rnn import checkpoint, data
from tutorial_rnn.__main__ import main, parser, too_costly


def test_a_tiny_run_saves_its_vocabulary(tmp_path, capsys):
    out = tmp_path / "tiny.safetensors"
    main(
        [
            "train", "--cell", "rnn", "--layers", "1", "--hidden", "4",
            "--vocab", "50", "--tokens", "2000", "--evaluations", "1",
            "--out", str(out),
        ]
    )  # fmt: skip
    assert "held-out loss" in capsys.readouterr().out
    model, vocab = checkpoint.load_with_vocab(out, device="cpu")
    assert vocab.index_to_word == data.book_data(50).vocab.index_to_word
    extra = checkpoint.load_arrays(out)[0]["extra"]
    assert extra["command"].startswith("python -m tutorial_rnn")
    assert "book_data(vocabulary_size=50)" in extra["data"]
    assert model.config()["vocab_size"] == 50


def test_the_shipped_models_options_are_affordable(tmp_path):
    args = parser().parse_args(["train", "--out", str(tmp_path / "m")])
    assert too_costly(args) is None


@pytest.mark.parametrize(
    "options,named",
    [
        (["--tokens", str(10**12)], "--tokens: .* days"),
        (["--evaluations", "100000"], "--evaluations: .* training steps"),
        (["--hidden", str(10**7)], "--hidden: .* GiB"),
        (["--batch-size", str(10**10)], "--batch-size: .* GiB"),
    ],
)
def test_costs_name_the_option(tmp_path, options, named):
    args = parser().parse_args(["train", *options, "--out", str(tmp_path)])
    problem = too_costly(args)
    assert problem is not None and re.search(named, problem)
