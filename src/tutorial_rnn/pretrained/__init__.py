"""Checkpoints shipped with the package, trained by
``python -m tutorial_rnn train``.

``gru2``: the final model of the 2015 tutorial's Part 4 — embedding 128,
two GRU layers of 128 units (PyTorch convention), V = 8000 — trained on
the book's Shakespeare training split. The exact command, data, seed and
losses are stored in the file; :func:`info` returns them. The file is a
``.safetensors`` checkpoint (see :mod:`tutorial_rnn.checkpoint`), weights
in float32.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from .. import checkpoint

__all__ = ["available", "info", "load", "path"]


def available() -> list[str]:
    """Names of the shipped checkpoints."""
    return sorted(
        p.name.removesuffix(checkpoint.SUFFIX)
        for p in resources.files(__name__).iterdir()
        if p.name.endswith(checkpoint.SUFFIX)
    )


def path(name: str = "gru2") -> Path:
    """The file of checkpoint ``name``."""
    if name not in available():
        raise ValueError(
            f"no shipped checkpoint named {name!r}; available: {available()}"
        )
    return Path(str(resources.files(__name__) / f"{name}{checkpoint.SUFFIX}"))


def info(name: str = "gru2") -> dict[str, Any]:
    """The checkpoint's metadata: model, configuration, and how it was
    trained (``extra``)."""
    meta, _ = checkpoint.load_arrays(path(name))
    return meta


def load(
    name: str = "gru2", model_class: type | None = None, **kwargs: Any
) -> Any:
    """The shipped model (a :class:`~tutorial_rnn.gated_torch.GatedLMTorch`
    by default; pass ``model_class=GatedLMNumpy`` for the NumPy twin). No
    pickle is involved."""
    return checkpoint.load(path(name), model_class, **kwargs)
