"""One checkpoint format for every model in the book: ``safetensors``.

`safetensors <https://huggingface.co/docs/safetensors>`_ is the standard
pickle-free weights format, read by NumPy and PyTorch alike: a bounded
JSON header (names, dtypes, shapes, offsets, string metadata) followed by
the raw bytes. The ``safetensors`` library reads and checks the header;
this module adds what a tutorial_rnn checkpoint promises. A file holds
each parameter under its name (``U``, ``V``, ``W``; ``E``, ``U0``, ...,
``c``) and these metadata strings::

    format   "tutorial-rnn"
    version  "3"
    model    "GatedLMTorch"
    config   '{"vocab_size": 8000, "hidden_size": 128, ...}'   (JSON)
    vocab    '["UNKNOWN_TOKEN", "SENTENCE_START", ...]'         (JSON;
             the words in id order; absent when saved without one)
    extra    '{"command": "...", "seed": 0, ...}'               (JSON)
    sha256   SHA-256 of model, config, vocab and the weights' bytes

Nothing is lost and nothing is silent:

- :func:`save` refuses weights that are not finite *in the stored dtype*,
  writes a temporary file beside the target, reads it back, and only then
  renames it over the target: an interrupted or failed save leaves the
  previous file as it was.
- :func:`load` checks, before any weight is read: the format, the
  version, a known model, a configuration of known keys only, and the
  shape of every tensor against the shape that configuration implies,
  exactly (so a model is never built larger than the file's own
  tensors); then the SHA-256. Anything else is "not a tutorial_rnn
  checkpoint".

The NumPy and PyTorch twins take each other's ``config()``, so a model
trained in PyTorch loads into NumPy and back (``model_class=``).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save as safetensors_bytes

from .data import Vocabulary
from .models import LanguageModel
from .validation import check_array

__all__ = [
    "MODELS",
    "Loaded",
    "check_target",
    "load",
    "load_arrays",
    "load_with_vocab",
    "save",
]

FORMAT, VERSION, SUFFIX = "tutorial-rnn", 3, ".safetensors"
#: Largest checkpoint file :func:`load` reads: 1 GiB (the shipped one: 9 MB).
MAX_BYTES = 2**30
#: Largest ``extra`` (as JSON) :func:`save` stores.
MAX_EXTRA_BYTES = 100_000

_FLOATS = {"F16": np.float16, "F32": np.float32, "F64": np.float64}
_GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # blocks of H rows per cell
_RNN = ("vocab_size", "hidden_size", "bptt_truncate")
_GATED = (*_RNN[:2], "cell", "num_layers", "embed_size", "convention")
#: The models a checkpoint holds: name -> (module, config keys).
MODELS = {
    "RNNNumpy": ("rnn_numpy", _RNN),
    "FastRNNNumpy": ("rnn_numpy_fast", _RNN),
    "RNNTorch": ("rnn_torch", _RNN[:2]),  # full BPTT: no bptt_truncate
    "GatedLMNumpy": ("gated_lm", _GATED),
    "GatedLMTorch": ("gated_torch", _GATED),
}


class Loaded(NamedTuple):
    """What :func:`load_with_vocab` returns."""

    model: Any
    #: The words the model was trained on (None if saved without).
    vocab: Vocabulary | None


def _class(name: str) -> type:
    return getattr(import_module(f"{__package__}.{MODELS[name][0]}"), name)


def _refuse(path: Path, why: str) -> ValueError:
    return ValueError(f"{str(path)!r} is not a tutorial_rnn checkpoint: {why}")


def _shapes(path: Path, model: Any, c: Any, n: int) -> dict[str, tuple]:
    """The parameter shapes config ``c`` implies, after checking it holds
    exactly ``model``'s keys with values of the right kind."""
    if model not in MODELS:
        raise _refuse(path, f"unknown model {model!r}; known: {[*MODELS]}")
    keys = MODELS[model][1]
    if model == "RNNTorch" and isinstance(c, dict):
        c.pop("bptt_truncate", None)  # written before torch dropped it
    if not isinstance(c, dict) or set(c) != set(keys):
        got = sorted(c) if isinstance(c, dict) else c
        raise _refuse(path, f"its config has keys {got}, not {sorted(keys)}")
    for key, v in c.items():
        if key in ("cell", "convention"):
            ok = isinstance(v, str) and (key == "convention" or v in _GATES)
        else:  # sizes: positive ints; bptt_truncate >= 0; two may be None
            ok = (v is None and key in ("bptt_truncate", "embed_size")) or (
                type(v) is int and v >= (key != "bptt_truncate")
            )
        if not ok:
            raise _refuse(path, f"its config says {key}={v!r}")
    V, H = c["vocab_size"], c["hidden_size"]
    if "cell" not in keys:
        return {"U": (H, V), "V": (V, H), "W": (H, H)}
    layers, GH = c["num_layers"], _GATES[c["cell"]] * H
    D = c["embed_size"] or H
    if 4 * layers + 3 != n:
        raise _refuse(path, f"num_layers={layers}, but {n} tensors")
    shapes = {"E": (V, D), "V": (V, H), "c": (V,)}
    for i in range(layers):
        shapes |= {f"U{i}": (GH, D if i == 0 else H), f"W{i}": (GH, H)}
        shapes |= {f"bU{i}": (GH,), f"bW{i}": (GH,)}
    return shapes


# ----------------------------------------------------------------- writing
def _dumps(value: Any, name: str) -> str:
    def plain(v: Any) -> Any:
        if isinstance(v, np.generic | np.ndarray):
            return v.tolist()
        raise TypeError(f"{type(v).__name__} {v!r} is not JSON")

    try:
        return json.dumps(value, allow_nan=False, default=plain)
    except (TypeError, ValueError) as err:
        raise type(err)(
            f"{name} must hold JSON values (str, finite numbers, bools, None, "
            f"lists, dicts with str keys; NumPy scalars are fine): {err}"
        ) from None


def check_target(path: str | Path) -> Path:
    """The file :func:`save` would write for ``path`` (``.safetensors``
    added when missing), after checking its folder exists and is
    writable: call it before long work whose result will be saved.

    Raises
    ------
    ValueError
        For a name that is no file (``''``, ``'.'``, ``'dir/'``) or a
        ``.npz`` name.
    FileNotFoundError, PermissionError, IsADirectoryError
        For a missing or read-only folder, or a target that is a folder.
    """
    text = os.fspath(path)
    if text.endswith(("/", os.sep)) or Path(text).name in ("", ".", ".."):
        raise ValueError(f"{text!r} names a folder, not a file to write")
    path = Path(text)
    if path.suffix == ".npz":
        raise ValueError(f"{text!r}: name it {path.stem + SUFFIX!r}")
    if path.suffix != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a folder; name a file")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"no folder {str(path.parent)!r} to save into")
    try:  # the one sure test of writability: write
        with tempfile.TemporaryFile(dir=path.parent, prefix=".write-test-"):
            pass
    except OSError as err:
        raise PermissionError(
            f"cannot write in the folder {str(path.parent)!r}: {err.strerror}"
        ) from None
    return path


def _digest(meta: dict[str, str], data: Any) -> str:
    """The SHA-256 of model, config, vocab and the chunks of ``data`` (the
    bytes after the header)."""
    h = hashlib.sha256()
    for key in ("model", "config", "vocab"):
        h.update(meta.get(key, "").encode() + b"\0")
    for chunk in data:
        h.update(chunk)
    return h.hexdigest()


def _words(vocab: Any, size: int) -> list[str]:
    if not isinstance(vocab, list | tuple | Vocabulary):
        raise TypeError(f"vocab must list words, got {type(vocab).__name__}")
    words = list(getattr(vocab, "index_to_word", vocab))
    Vocabulary(words)  # checks: special tokens first, no repeats
    if len(words) != size:
        raise ValueError(
            f"vocab has {len(words)} entries, but the model has "
            f"vocab_size={size}"
        )
    return words


def save(
    path: str | Path,
    model: LanguageModel,
    vocab: Vocabulary | Sequence[str] | None = None,
    *,
    extra: dict[str, Any] | None = None,
    dtype: Any = None,
) -> Path:
    """Write ``model``'s parameters, configuration and vocabulary to
    ``path``, verified.

    Parameters
    ----------
    path : str or Path
        The file to write; ``.safetensors`` is added when the name has
        another ending. Its folder must exist. An existing file is
        replaced only once the new one has been read back and loads.
    model : LanguageModel
        Any model of the book (:data:`MODELS`).
    vocab : Vocabulary or sequence of str, optional
        The words the model was trained on, in id order
        (``len(vocab) == model.vocab_size``).
    extra : dict, optional
        Notes stored beside the weights (command, seed, losses): JSON
        values with ``str`` keys, at most :data:`MAX_EXTRA_BYTES` as JSON;
        NumPy scalars and arrays are converted; NaN is refused.
    dtype : numpy float dtype, optional
        Store the weights in this type (``np.float32`` halves the file);
        loading converts back to the model's own type.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    TypeError
        For a model the book does not know, a non-float ``dtype``, or
        ``extra`` that is not JSON.
    ValueError
        For weights not finite in ``dtype`` (``7e4`` in float16), an
        oversized ``extra``, or a vocabulary of another size; the target
        is not touched.
    """
    name = type(model).__name__
    if name not in MODELS or _class(name) is not type(model):
        raise TypeError(
            f"{name} is not one of the book's models "
            f"{[*MODELS]}: checkpoints hold those only"
        )
    if dtype is not None and np.dtype(dtype) not in _FLOATS.values():
        raise TypeError(
            f"dtype must be float16, float32 or float64, got {np.dtype(dtype)}"
        )
    if not isinstance(extra, dict | None):
        raise TypeError(f"extra must be a dict, got {type(extra).__name__}")
    meta = {"format": FORMAT, "version": str(VERSION), "model": name}
    meta["config"] = _dumps(model.config(), "the model's config()")
    meta["extra"] = _dumps(extra or {}, "extra")
    if len(meta["extra"]) > MAX_EXTRA_BYTES:
        raise ValueError(
            f"extra takes {len(meta['extra']):,} bytes as JSON;"
            f" at most {MAX_EXTRA_BYTES:,} are stored"
        )
    if vocab is not None:
        meta["vocab"] = json.dumps(_words(vocab, model.vocab_size))
    target = check_target(path)
    arrays = {}
    for key, value in model.numpy_parameters().items():
        with np.errstate(over="ignore"):  # refused just below
            a = np.ascontiguousarray(value, dtype)
        arrays[key] = check_array(a, f"parameter {key!r} as {a.dtype}")
    first = safetensors_bytes(arrays, metadata=meta)
    (n,) = struct.unpack("<Q", first[:8])
    meta["sha256"] = _digest(meta, [first[8 + n :]])
    # written beside the target, flushed, read back and loaded, and only
    # then renamed over it
    temp = tempfile.NamedTemporaryFile(
        dir=target.parent, prefix=f".{target.name}.", delete=False
    )
    try:
        with temp:
            temp.write(safetensors_bytes(arrays, metadata=meta))
            temp.flush()
            os.fsync(temp.fileno())
        _, back = load_arrays(temp.name)
        if not all(np.array_equal(back.get(k), a) for k, a in arrays.items()):
            raise ValueError(f"{str(target)!r}: the file read back differs")
        load(temp.name)
        os.replace(temp.name, target)
    except BaseException:
        Path(temp.name).unlink(missing_ok=True)
        raise
    return target


# ----------------------------------------------------------------- reading
def _json(path: Path, meta: dict[str, str], key: str) -> Any:
    try:
        return json.loads(meta[key]) if key in meta else None
    except (ValueError, RecursionError):
        raise _refuse(path, f"its {key!r} metadata is not JSON") from None


def load_arrays(
    path: str | Path, max_bytes: int = MAX_BYTES
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A checkpoint's metadata and parameter arrays, checked as
    :func:`load` checks them.

    Returns
    -------
    meta : dict
        ``{"format", "version", "model", "config": dict, "extra": dict,
        "vocab": list of str or None}``.
    arrays : dict of str to numpy.ndarray
        The parameters, in the stored dtype.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    size = path.stat().st_size
    if size > max_bytes:
        raise ValueError(f"{str(path)!r} takes {size:,} bytes; {max_bytes=}")
    try:  # safetensors checks the header; tensors are read at the end
        with safe_open(path, framework="np") as f:
            raw = f.metadata() or {}
            stamp = raw.get("format"), raw.get("version")
            if stamp != (FORMAT, str(VERSION)):
                raise _refuse(path, f"format {stamp}, not {FORMAT} {VERSION}")
            model, config = raw.get("model"), _json(path, raw, "config")
            shapes = _shapes(path, model, config, len(f.keys()))
            got = {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
            if got != shapes:
                raise _refuse(path, f"{got}, but {model}{config} has {shapes}")
            dtypes = {f.get_slice(k).get_dtype() for k in f.keys()}
            if not dtypes <= _FLOATS.keys():
                raise _refuse(path, f"tensors of types {sorted(dtypes)}")
            words = _json(path, raw, "vocab")
            try:
                if words is not None:
                    _words(words, shapes["V"][0])
            except (TypeError, ValueError) as err:
                raise _refuse(path, f"its vocabulary: {err}") from None
            with open(path, "rb") as data:
                data.seek(8 + struct.unpack("<Q", data.read(8))[0])
                digest = _digest(raw, iter(lambda: data.read(2**20), b""))
            if raw.get("sha256") != digest:
                raise _refuse(path, "its bytes do not match their SHA-256")
            arrays = {k: f.get_tensor(k) for k in f.keys()}
    except SafetensorError as err:
        raise _refuse(path, str(err)) from None
    for key, arr in arrays.items():
        if not np.isfinite(arr).all():
            raise _refuse(path, f"tensor {key!r} holds non-finite values")
    extra = _json(path, raw, "extra")
    meta = {"format": FORMAT, "version": VERSION, "model": model}
    return meta | {"config": config, "extra": extra, "vocab": words}, arrays


def load_with_vocab(
    path: str | Path,
    model_class: type | None = None,
    *,
    vocab: Vocabulary | Sequence[str] | None = None,
    max_bytes: int = MAX_BYTES,
    **kwargs: Any,
) -> Loaded:
    """Rebuild a model and its vocabulary from a checkpoint.

    Parameters
    ----------
    path : str or Path
        A ``.safetensors`` checkpoint written by :func:`save`.
    model_class : type, optional
        Load into this class instead of the one recorded (a twin: a NumPy
        model's weights into ``RNNTorch``, or the reverse). It is built as
        ``model_class(**config, **kwargs)``.
    vocab : Vocabulary or sequence of str, optional
        The vocabulary you will use the model with: refused unless it is
        the one stored (or, for a file without one, of the model's size).
    max_bytes : int
        Refuse checkpoints whose weights take more bytes.
    **kwargs
        Constructor options a file never chooses (``device=``,
        ``dtype=``).

    Returns
    -------
    Loaded
        ``(model, vocab)``; ``vocab`` is None when the file has none.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        "... is not a tutorial_rnn checkpoint: ..." for a foreign,
        corrupt, truncated or inconsistent file; also for weights over
        ``max_bytes`` or a ``vocab`` that differs from the stored one.
    """
    meta, arrays = load_arrays(path, max_bytes)
    words = meta["vocab"]
    if vocab is not None:
        mine = _words(vocab, len(arrays["V"]))
        for i, theirs in enumerate(words or ()):
            if theirs != mine[i]:
                raise ValueError(
                    f"{str(path)!r} was trained with another vocabulary: id "
                    f"{i} is {theirs!r} there but {mine[i]!r} in the vocab "
                    f"passed; its word ids would be scrambled"
                )
    config, name = meta["config"], getattr(model_class, "__name__", None)
    if name in MODELS and _class(name) is model_class:  # a twin: its keys
        config = {k: v for k, v in config.items() if k in MODELS[name][1]}
    model_class = model_class or _class(meta["model"])
    try:
        model = model_class(**config, **kwargs)
    except (TypeError, ValueError) as err:
        raise type(err)(
            f"{model_class.__name__} cannot be built from the "
            f"config of {str(path)!r} ({meta['config']}) and "
            f"{kwargs}: {err}"
        ) from None
    if not isinstance(model, LanguageModel):
        raise TypeError(f"{model_class.__name__} is no LanguageModel")
    model.load_numpy(arrays)
    return Loaded(model, None if words is None else Vocabulary(words))


def load(path: str | Path, model_class: type | None = None, **kw: Any) -> Any:
    """The model of a checkpoint: :func:`load_with_vocab` without the
    vocabulary (same parameters, same checks)."""
    return load_with_vocab(path, model_class, **kw).model
