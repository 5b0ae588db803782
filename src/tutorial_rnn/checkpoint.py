"""One ``.npz`` checkpoint format for every model in the book, loaded without pickle.

A checkpoint holds each parameter as a plain array named ``param/<name>`` and one JSON string,
``meta``, that names the model class and its constructor arguments::

    {"format": "tutorial-rnn", "version": 1, "model": "RNNNumpy",
     "config": {"vocab_size": 8000, "hidden_size": 100, "bptt_truncate": 4},
     "extra": {...anything JSON...}}

Files are read with ``np.load(allow_pickle=False)``: a checkpoint can never run code.
NumPy and PyTorch twins share the format, so a model trained in PyTorch loads into NumPy and
back.
"""

from __future__ import annotations

import inspect
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FORMAT", "VERSION", "load", "load_arrays", "save"]

FORMAT = "tutorial-rnn"
VERSION = 1


def _config(model: Any) -> dict[str, Any]:
    if hasattr(model, "config"):
        return dict(model.config())
    config = {"vocab_size": model.vocab_size, "hidden_size": model.hidden_size}
    if hasattr(model, "bptt_truncate"):
        config["bptt_truncate"] = model.bptt_truncate
    return config


def _arrays(model: Any) -> dict[str, np.ndarray]:
    if hasattr(model, "numpy_parameters"):
        return model.numpy_parameters()
    out = {}
    for name in model.param_names:
        value = getattr(model, name)
        if hasattr(value, "detach"):  # a torch tensor
            value = value.detach().cpu().numpy()
        out[name] = np.asarray(value)
    return out


def save(
    path: str | Path,
    model: Any,
    extra: dict[str, Any] | None = None,
    dtype: Any = None,
) -> Path:
    """Write ``model``'s parameters and configuration to ``path`` (``.npz``, compressed).

    Parameters
    ----------
    model
        Any model of the book (it has ``param_names``, ``vocab_size``, ``hidden_size``).
    extra : dict, optional
        JSON-serialisable notes stored beside the weights: training command, data, seed, losses.
    dtype : numpy dtype, optional
        Store the weights in this type (``np.float32`` halves the file); loading converts back.
    """
    path = Path(path)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "model": type(model).__name__,
        "config": _config(model),
        "extra": extra or {},
    }
    arrays = {
        f"param/{k}": v if dtype is None else v.astype(dtype)
        for k, v in _arrays(model).items()
    }
    np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)
    return (
        path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
    )


def load_arrays(
    path: str | Path,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a checkpoint's metadata and parameter arrays, checking the format.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not a readable tutorial-rnn checkpoint (corrupt, truncated, not ``.npz``,
        pickled content, or missing metadata).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            files = dict(npz.items())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        raise ValueError(
            f"{str(path)!r} is not a readable checkpoint (.npz): {err}"
        ) from None
    if "meta" not in files:
        raise ValueError(
            f"{str(path)!r} has no 'meta' entry: it is not a tutorial-rnn checkpoint"
        )
    try:
        meta = json.loads(str(files.pop("meta")))
    except json.JSONDecodeError as err:
        raise ValueError(
            f"{str(path)!r} has unreadable metadata: {err}"
        ) from None
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise ValueError(
            f"{str(path)!r} is format {meta.get('format')!r} version {meta.get('version')!r}; "
            f"expected {FORMAT!r} version {VERSION}"
        )
    arrays = {
        k.removeprefix("param/"): v
        for k, v in files.items()
        if k.startswith("param/")
    }
    return meta, arrays


def load(
    path: str | Path, model_class: type | None = None, **kwargs: Any
) -> Any:
    """Rebuild a model from a checkpoint.

    Parameters
    ----------
    path : str or Path
    model_class : type, optional
        Load into this class instead of the one recorded (a twin: a NumPy model's weights into
        ``RNNTorch``, or the reverse). Extra ``kwargs`` go to its constructor (``device=...``).

    Raises
    ------
    ValueError
        For an unreadable file, an unknown model class, or weights whose names or shapes do not
        fit the model.
    """
    meta, arrays = load_arrays(path)
    if model_class is None:
        model_class = _registry().get(meta["model"])
        if model_class is None:
            raise ValueError(
                f"{str(path)!r} holds an unknown model {meta['model']!r}"
            )
    config = dict(meta["config"])
    if "bptt_truncate" not in inspect.signature(model_class).parameters:
        config.pop(
            "bptt_truncate", None
        )  # a Torch twin truncates by chunks, chosen when training
    model = model_class(**config, **kwargs)
    expected = _arrays(model)
    if set(arrays) != set(expected):
        raise ValueError(
            f"{str(path)!r} holds parameters {sorted(arrays)}, "
            f"but {model_class.__name__} needs {sorted(expected)}"
        )
    for name, target in expected.items():
        if tuple(arrays[name].shape) != tuple(target.shape):
            raise ValueError(
                f"{str(path)!r}: parameter {name!r} has shape {arrays[name].shape}, "
                f"but {model_class.__name__}({config}) needs {tuple(target.shape)}"
            )
        if not np.all(np.isfinite(arrays[name])):
            raise ValueError(
                f"{str(path)!r}: parameter {name!r} holds non-finite values"
            )
    if hasattr(model, "load_numpy"):
        model.load_numpy(arrays)
    else:
        for name in model.param_names:
            setattr(model, name, arrays[name].astype(np.float64, copy=True))
    return model


def _registry() -> dict[str, type]:
    from .gated_numpy import GatedLMNumpy
    from .rnn_numpy import RNNNumpy

    classes: dict[str, type] = {
        "RNNNumpy": RNNNumpy,
        "GatedLMNumpy": GatedLMNumpy,
    }
    try:
        from .gated_torch import GatedLMTorch
        from .rnn_torch import RNNTorch
    except ImportError:  # torch not installed: NumPy models still load
        pass
    else:
        classes.update(RNNTorch=RNNTorch, GatedLMTorch=GatedLMTorch)
    return classes
