"""One checkpoint format for every model in the book: ``safetensors``.

`safetensors <https://huggingface.co/docs/safetensors>`_ is the standard
pickle-free weights format, read by NumPy and PyTorch alike: a bounded
JSON header (names, dtypes, shapes, offsets, string metadata) followed by
the raw bytes. A checkpoint holds each parameter under its name (``U``,
``V``, ``W``; ``E``, ``U0``, ..., ``c``) and four metadata strings::

    format   "tutorial-rnn"
    version  "2"
    model    "GatedLMTorch"
    config   '{"vocab_size": 8000, "hidden_size": 128, ...}'   (JSON)
    extra    '{"command": "...", "seed": 0, ...}'               (JSON)

Every model meets :class:`~tutorial_rnn.models.LanguageModel`, and this
module uses that interface alone: ``type(model).__name__``,
``model.config()`` (the constructor's keyword arguments),
``model.numpy_parameters()`` and ``model.load_numpy()``. The NumPy and
PyTorch twins take each other's ``config()``, so a model trained in
PyTorch loads into NumPy and back.

Nothing is lost and nothing is silent:

- :func:`save` writes a temporary file in the target folder and renames it
  over the target (``os.replace``): an interrupted save leaves the previous
  file as it was. Non-finite weights and non-float dtypes are refused.
- :func:`load_arrays` reads the header first and checks it (format,
  dtypes, shapes, a size cap) before anything is allocated; a foreign file
  is "not a tutorial_rnn checkpoint". Weights must be finite.
- Checkpoints of the first format (``.npz`` with a JSON ``meta`` entry)
  still load, with ``allow_pickle=False`` and the same checks; nothing
  writes them any more.
"""

from __future__ import annotations

import json
import math
import os
import struct
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save as safetensors_bytes

from .models import LanguageModel

__all__ = [
    "FORMAT",
    "MAX_BYTES",
    "SUFFIX",
    "VERSION",
    "check_target",
    "load",
    "load_arrays",
    "save",
]

FORMAT = "tutorial-rnn"
#: 2: safetensors. (1 was ``.npz`` + JSON; still read.)
VERSION = 2
SUFFIX = ".safetensors"
#: Largest checkpoint :func:`load_arrays` reads (the weights' bytes):
#: 1 GiB, a hundred times the shipped model.
MAX_BYTES = 2**30
#: Largest JSON header read (the shipped model's is under 2 KB).
MAX_HEADER_BYTES = 1_000_000

_FLOATS = {"F16": np.float16, "F32": np.float32, "F64": np.float64}


def _refuse(path: Path, why: str) -> ValueError:
    return ValueError(f"{str(path)!r} is not a tutorial_rnn checkpoint: {why}")


# --------------------------------------------------------------- writing
def _json_value(value: Any) -> Any:
    """NumPy scalars and arrays as plain Python values, for ``json``."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON")


def _dumps(value: Any, name: str) -> str:
    try:
        return json.dumps(value, allow_nan=False, default=_json_value)
    except ValueError as err:  # NaN or infinity somewhere
        raise ValueError(
            f"{name} must hold finite numbers only (JSON has no NaN): {err}"
        ) from None
    except TypeError as err:
        raise TypeError(
            f"{name} must hold JSON values (str, numbers, bools, None, "
            f"lists, dicts with str keys; NumPy scalars are fine): {err}"
        ) from None


def _float_dtype(dtype: Any) -> np.dtype | None:
    if dtype is None:
        return None
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"dtype must be a NumPy float type, got {dtype!r}"
        ) from None
    if dt.kind != "f" or dt.itemsize not in (2, 4, 8):
        raise TypeError(
            f"dtype must be float16, float32 or float64, got {dt}: weights "
            f"are real numbers (an integer type would round them to zero)"
        )
    return dt


def _target(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix == ".npz":
        raise ValueError(
            f"checkpoints are written as {SUFFIX} files now, got "
            f"{str(path)!r}; name it {path.with_suffix(SUFFIX).name!r} "
            f"(.npz checkpoints still load)"
        )
    if path.suffix != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    if path.is_dir():
        raise IsADirectoryError(
            f"{str(path)!r} is a folder; name a file to write"
        )
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {str(folder)!r} to save into")
    try:  # the one sure test of writability: write
        with tempfile.TemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as err:
        raise PermissionError(
            f"cannot write in the folder {str(folder)!r}: {err.strerror}"
        ) from None
    return path


def check_target(path: str | Path) -> Path:
    """The file :func:`save` would write for ``path`` (``.safetensors``
    added when missing), after checking its folder exists and is
    writable: call it before long work whose result will be saved.

    Raises
    ------
    ValueError
        For a ``.npz`` name (no longer written).
    FileNotFoundError, PermissionError, IsADirectoryError
        For a missing or read-only folder, or a target that is a folder.
    """
    return _target(path)


def _write_atomically(path: Path, payload: bytes) -> None:
    """Write ``payload`` to a temporary file beside ``path``, flush it to
    disk, then rename it over ``path``: readers see the old file or the
    new one, never a part."""
    handle = tempfile.NamedTemporaryFile(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def save(
    path: str | Path,
    model: LanguageModel,
    extra: dict[str, Any] | None = None,
    dtype: Any = None,
) -> Path:
    """Write ``model``'s parameters and configuration to ``path``.

    Parameters
    ----------
    path : str or Path
        The file to write; ``.safetensors`` is added when the name has
        another ending. Its folder must exist. An existing file is
        replaced only once the new one is complete.
    model : LanguageModel
        Any model of the book.
    extra : dict, optional
        Notes stored beside the weights (training command, data, seed,
        losses): JSON values with ``str`` keys; NumPy scalars and arrays
        are converted; NaN and infinity are refused.
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
        For a model without the :class:`~tutorial_rnn.models.LanguageModel`
        interface, a non-float ``dtype``, or ``extra`` that is not JSON.
    ValueError
        For non-finite weights (the file is not touched), or NaN in
        ``extra``.
    """
    if not isinstance(model, LanguageModel):
        raise TypeError(
            f"{type(model).__name__} does not have the LanguageModel "
            f"interface (config, numpy_parameters, load_numpy, ...)"
        )
    dt = _float_dtype(dtype)
    if extra is not None and not isinstance(extra, dict):
        raise TypeError(f"extra must be a dict, got {type(extra).__name__}")
    metadata = {
        "format": FORMAT,
        "version": str(VERSION),
        "model": type(model).__name__,
        "config": _dumps(model.config(), "the model's config()"),
        "extra": _dumps(extra or {}, "extra"),
    }
    target = _target(path)
    arrays = {}
    for name, value in model.numpy_parameters().items():
        arr = np.asarray(value)
        if arr.dtype.kind != "f":
            raise TypeError(f"parameter {name!r} has dtype {arr.dtype}")
        if not np.isfinite(arr).all():
            raise ValueError(
                f"parameter {name!r} holds non-finite values: the model is "
                f"broken, and {str(target)!r} was left as it was"
            )
        arrays[name] = np.ascontiguousarray(
            arr if dt is None else arr.astype(dt)
        )
    _write_atomically(target, safetensors_bytes(arrays, metadata=metadata))
    return target


# --------------------------------------------------------------- reading
def _read_header(path: Path, max_bytes: int) -> tuple[dict, dict]:
    """The safetensors header, checked: (metadata, name → dtype/shape)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise _refuse(path, "the file is too short")
        (n,) = struct.unpack("<Q", head)
        if n > min(MAX_HEADER_BYTES, size - 8):
            raise _refuse(path, "no safetensors header")
        try:
            header = json.loads(f.read(n))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _refuse(path, "the header is not JSON") from None
    if not isinstance(header, dict):
        raise _refuse(path, "the header is not a JSON object")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _refuse(path, f"its metadata has no format {FORMAT!r}")
    if meta.get("version") != str(VERSION):
        raise ValueError(
            f"{str(path)!r} is {FORMAT} version {meta.get('version')!r}; "
            f"this package reads version {VERSION} (and 1, .npz)"
        )
    total = 0
    specs = {}
    for name, spec in header.items():
        if not isinstance(spec, dict) or spec.get("dtype") not in _FLOATS:
            raise ValueError(
                f"{str(path)!r}: parameter {name!r} is not a float tensor "
                "(dtype "
                f"{spec.get('dtype') if isinstance(spec, dict) else spec!r})"
            )
        shape = spec.get("shape")
        if not (
            isinstance(shape, list)
            and all(isinstance(d, int) and d >= 0 for d in shape)
        ):
            raise _refuse(path, f"bad shape {shape!r} for {name!r}")
        dtype = np.dtype(_FLOATS[spec["dtype"]])
        total += math.prod(shape) * dtype.itemsize
        specs[name] = (dtype, tuple(shape))
    if total > max_bytes:
        raise ValueError(
            f"{str(path)!r} holds {total / 2**20:.0f} MiB of weights, more "
            f"than max_bytes={max_bytes} allows"
        )
    if total + 8 + n != size:
        raise _refuse(path, "the file is truncated or padded")
    return meta, specs


def _parse_meta(path: Path, meta: dict) -> dict[str, Any]:
    try:
        config = json.loads(meta["config"])
        extra = json.loads(meta.get("extra", "{}"))
        model = meta["model"]
    except (KeyError, TypeError, json.JSONDecodeError) as err:
        raise _refuse(path, f"unreadable metadata ({err})") from None
    if not (isinstance(config, dict) and isinstance(model, str)):
        raise _refuse(path, "its config is not a JSON object")
    return {
        "format": FORMAT,
        "version": int(meta.get("version", 1)),
        "model": model,
        "config": config,
        "extra": extra,
    }


def _check_finite(path: Path, name: str, arr: np.ndarray) -> np.ndarray:
    if not np.isfinite(arr).all():
        raise ValueError(
            f"{str(path)!r}: parameter {name!r} holds non-finite values"
        )
    return arr


def _load_safetensors(
    path: Path, max_bytes: int
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    raw_meta, specs = _read_header(path, max_bytes)
    meta = _parse_meta(path, raw_meta)
    arrays = {}
    try:
        with safe_open(path, framework="np") as f:
            for name in specs:
                arrays[name] = _check_finite(path, name, f.get_tensor(name))
    except SafetensorError as err:
        raise _refuse(path, str(err)) from None
    meta["_shapes"] = {k: v[1] for k, v in specs.items()}
    return meta, arrays


def _npy_header(
    zf: zipfile.ZipFile, entry: str
) -> tuple[np.dtype, tuple[int, ...]]:
    """dtype and shape of one ``.npy`` member, reading only its header."""
    with zf.open(entry) as f:
        version = np.lib.format.read_magic(f)
        read = {
            (1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0,
        }.get(version)
        if read is None:
            raise ValueError(f"unknown .npy version {version}")
        shape, _, dtype = read(f)
    return dtype, shape


def _load_npz(
    path: Path, max_bytes: int
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The first format: ``.npz`` with ``meta`` (JSON) and ``param/*``."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "meta.npy" not in names:
                raise _refuse(path, "a .npz file without a 'meta' entry")
            dtype, shape = _npy_header(zf, "meta.npy")
            if dtype.kind != "U" or shape != () or dtype.itemsize > 10**6:
                raise _refuse(path, "its 'meta' entry is not a string")
            with zf.open("meta.npy") as f:
                text = str(np.lib.format.read_array(f, allow_pickle=False))
            entries = sorted(
                n for n in names if n.startswith("param/") and n[-4:] == ".npy"
            )
            specs, total = {}, 0
            for entry in entries:
                dtype, shape = _npy_header(zf, entry)
                if dtype.kind != "f":
                    raise ValueError(
                        f"{str(path)!r}: parameter {entry[6:-4]!r} is not a "
                        f"float array (dtype {dtype})"
                    )
                specs[entry] = shape
                total += math.prod(shape) * dtype.itemsize
            if total > max_bytes:
                raise ValueError(
                    f"{str(path)!r} holds {total / 2**20:.0f} MiB of "
                    f"weights, more than max_bytes={max_bytes} allows"
                )
            arrays = {}
            for entry in entries:
                with zf.open(entry) as f:
                    arr = np.lib.format.read_array(f, allow_pickle=False)
                name = entry[len("param/") : -len(".npy")]
                arrays[name] = _check_finite(path, name, arr)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise _refuse(path, f"an unreadable .npz file ({err})") from None
    except ValueError as err:
        if str(path) in str(err):
            raise
        raise _refuse(path, str(err)) from None
    try:
        meta = json.loads(text)
    except json.JSONDecodeError:
        raise _refuse(path, "its 'meta' entry is not JSON") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _refuse(path, f"its metadata has no format {FORMAT!r}")
    if meta.get("version") != 1:
        raise ValueError(
            f"{str(path)!r} is a .npz checkpoint of version "
            f"{meta.get('version')!r}; only version 1 was written as .npz"
        )
    meta = _parse_meta(
        path,
        {
            "model": meta.get("model"),
            "config": json.dumps(meta.get("config")),
            "extra": json.dumps(meta.get("extra", {})),
            "version": "1",
        },
    )
    meta["_shapes"] = {k: v.shape for k, v in arrays.items()}
    return meta, arrays


def _read(
    path: str | Path, max_bytes: int
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    with open(path, "rb") as f:
        zipped = f.read(4) == b"PK\x03\x04"
    if zipped:
        return _load_npz(path, max_bytes)
    return _load_safetensors(path, max_bytes)


def load_arrays(
    path: str | Path, max_bytes: int = MAX_BYTES
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a checkpoint's metadata and parameter arrays, checked.

    The header (names, dtypes, shapes) is checked before any array is
    read: float dtypes only, at most ``max_bytes`` of weights, a file of
    exactly the size the header announces. Then every array must be
    finite.

    Returns
    -------
    meta : dict
        ``{"format", "version", "model", "config": dict, "extra": dict}``.
    arrays : dict of str to numpy.ndarray
        The parameters, in the stored dtype.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not a tutorial_rnn checkpoint (foreign, corrupt,
        truncated), is too large, or holds non-float or non-finite weights.
    """
    meta, arrays = _read(path, max_bytes)
    meta.pop("_shapes")
    return meta, arrays


def _registry() -> dict[str, type]:
    from .gated_lm import GatedLMNumpy
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


def _check_sizes(
    path: Path, config: dict[str, Any], shapes: dict[str, tuple]
) -> None:
    """Refuse a config that claims sizes the stored arrays do not have,
    before the model is built (a config claiming a huge model would
    otherwise allocate it)."""
    dims = {d for shape in shapes.values() for d in shape}
    for key, value in config.items():
        if key.endswith("_size") and value is not None and value not in dims:
            raise ValueError(
                f"{str(path)!r}: its config says {key}={value!r}, but no "
                f"stored array has that size (shapes: {shapes})"
            )
    layers = config.get("num_layers")
    if isinstance(layers, int) and layers > len(shapes):
        raise ValueError(
            f"{str(path)!r}: its config says num_layers={layers}, but it "
            f"stores only {len(shapes)} arrays"
        )


def load(
    path: str | Path,
    model_class: type | None = None,
    max_bytes: int = MAX_BYTES,
    **kwargs: Any,
) -> Any:
    """Rebuild a model from a checkpoint.

    Parameters
    ----------
    path : str or Path
        A ``.safetensors`` checkpoint (or a ``.npz`` one of the first
        format).
    model_class : type, optional
        Load into this class instead of the one recorded (a twin: a NumPy
        model's weights into ``RNNTorch``, or the reverse). It is built as
        ``model_class(**config, **kwargs)`` (``device=...``, ``dtype=...``)
        and must meet :class:`~tutorial_rnn.models.LanguageModel`.
    max_bytes : int
        Refuse checkpoints whose weights take more bytes.

    Raises
    ------
    ValueError
        For an unreadable file, an unknown model class, or weights whose
        names or shapes do not fit the model.
    TypeError
        If ``model_class`` does not meet the interface or cannot be built
        from the recorded configuration.
    """
    path = Path(path)
    meta, arrays = _read(path, max_bytes)
    shapes = meta.pop("_shapes")
    if model_class is None:
        model_class = _registry().get(meta["model"])
        if model_class is None:
            raise ValueError(
                f"{str(path)!r} holds an unknown model {meta['model']!r}; "
                f"known: {sorted(_registry())}"
            )
    config = meta["config"]
    _check_sizes(path, config, shapes)
    try:
        model = model_class(**config, **kwargs)
    except TypeError as err:
        raise TypeError(
            f"{model_class.__name__} cannot be built from the config of "
            f"{str(path)!r} ({config}): {err}"
        ) from None
    if not isinstance(model, LanguageModel):
        raise TypeError(
            f"{model_class.__name__} does not have the LanguageModel "
            f"interface (config, numpy_parameters, load_numpy, ...)"
        )
    expected = model.numpy_parameters()
    if set(arrays) != set(expected):
        raise ValueError(
            f"{str(path)!r} holds parameters {sorted(arrays)}, "
            f"but {model_class.__name__} needs {sorted(expected)}"
        )
    for name, target in expected.items():
        if tuple(arrays[name].shape) != tuple(target.shape):
            raise ValueError(
                f"{str(path)!r}: parameter {name!r} has shape "
                f"{arrays[name].shape}, but {model_class.__name__}"
                f"({config}) needs {tuple(target.shape)}"
            )
    model.load_numpy(arrays)
    return model
