"""The gradient-decay explorer: ipywidgets in Jupyter, a static twin online.

:func:`gradient_decay_explorer` builds live controls (cell, largest singular
value λ₁ of ``W``, initialisation, sequence length, hidden size, gate bias)
over :func:`tutorial_rnn.gradients.gradient_flow` and redraws a log-scale plot
of ``‖∂L_T/∂s_k‖`` against steps back, beside the Pascanu bound for the
plain cells. The GRU and LSTM (Chapter 4) use the same controls: λ₁ applies
to each of their recurrent blocks, and the gate bias sets the bias of the
GRU's update gate or the LSTM's forget gate, the gate that decides how much
of the old state is kept.

λ₁'s range depends on the cell (:data:`SCALE_RANGES`): a sigmoid, whose
derivative is at most 1/4, needs λ₁ up to about 16 before its gradient
survives 50 steps, while the tanh and ReLU cells go from vanishing to
exploding between 0.1 and 3.

A static page has no Python kernel, so :func:`static_gradient_explorer`
computes the same curves over a grid of settings with the same package
functions and returns one self-contained HTML block (data as JSON, a small SVG
plot drawn by inline JavaScript, no CDN): dragging its slider redraws the
curve in any browser.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from .gated_numpy import GRUNumpy, LSTMNumpy
from .gradients import GradientFlow, RNNCell, gradient_flow, recurrent_matrix
from .validation import POSITIVE, check_scalar

__all__ = [
    "SCALE_RANGES",
    "Explorer",
    "flow_for",
    "gradient_decay_explorer",
    "scale_grid",
    "static_gradient_explorer",
    "static_template",
]

CELLS = ("tanh", "sigmoid", "relu", "gru", "lstm")
GATED = {"gru": GRUNumpy, "lstm": LSTMNumpy}
INITS = ("random", "orthogonal", "identity")
#: Gate biases of the static explorer (the live one has a slider).
GATE_BIASES = (0.0, 2.0, 4.0)
#: λ₁ per cell: (smallest, largest, step of the static grid). The live
#: slider moves in half steps over the same range.
SCALE_RANGES = {
    "tanh": (0.1, 3.0, 0.1),
    "sigmoid": (0.5, 16.0, 0.5),
    "relu": (0.1, 2.0, 0.1),
    "gru": (0.1, 2.0, 0.1),
    "lstm": (0.1, 2.0, 0.1),
}


def scale_grid(cell: str) -> tuple[float, ...]:
    """The λ₁ values of the static explorer for ``cell`` (ends included)."""
    _labels("cells", [cell], known=CELLS)
    lo, hi, step = SCALE_RANGES[cell]
    n = round((hi - lo) / step)
    return tuple(round(lo + i * step, 2) for i in range(n + 1))


def _gated_cell(
    cell: str,
    hidden_size: int,
    scale: float,
    init: str = "random",
    gate_bias: float = 0.0,
    seed: int = 0,
) -> GRUNumpy | LSTMNumpy:
    """A one-layer GRU or LSTM, each recurrent block of largest singular
    value ``scale``.

    Input weights keep their default initialisation, biases are zero except
    block 1 (the GRU's update gate ``z``, the LSTM's forget gate ``f``), which
    is ``gate_bias``: a large value keeps the gate near 1, so the state, and
    the gradient, are carried over almost unchanged.
    """
    stack = GATED[cell](hidden_size, hidden_size, seed=seed)
    H = hidden_size
    for block in range(stack.gates):
        stack.W[0][block * H : (block + 1) * H] = recurrent_matrix(
            H, scale, init=init, seed=seed + block
        )
    stack.bU[0][:] = 0.0
    stack.bW[0][:] = 0.0
    stack.bU[0][H : 2 * H] = gate_bias
    return stack


def flow_for(
    cell: str = "tanh",
    scale: float = 1.0,
    init: str = "random",
    length: int = 100,
    hidden_size: int = 64,
    seed: int = 0,
    gate_bias: float = 0.0,
) -> GradientFlow:
    """Gradient flow over ``length`` steps of Gaussian inputs (standard
    deviation 0.5).

    ``cell`` is an activation of the plain RNN (``W`` scaled to largest
    singular value ``scale``), or ``"gru"``/``"lstm"`` (see
    :func:`_gated_cell`; ``gate_bias`` applies to them).

    Raises
    ------
    ValueError
        For an unknown ``cell`` or ``init``, and for settings whose
        gradient overflows float64 (then no curve could be drawn and
        ``decay_after`` would be NaN).
    """
    _labels("cells", [cell], known=CELLS)
    _labels("inits", [init], known=INITS)
    gate_bias = check_scalar(gate_bias, "gate_bias", float)
    length = check_scalar(length, "length", int, min_val=1)
    inputs = 0.5 * np.random.default_rng(seed + 1).standard_normal(
        (length, hidden_size)
    )
    with np.errstate(over="ignore", invalid="ignore"):  # checked below
        if cell in GATED:
            net = _gated_cell(cell, hidden_size, scale, init, gate_bias, seed)
        else:
            W = recurrent_matrix(hidden_size, scale, init=init, seed=seed)
            net = RNNCell(W, cell)
        flow = gradient_flow(net, inputs, seed=seed, jacobian_norms=False)
    if not np.isfinite(flow.loss_grad_norm).all():
        raise ValueError(
            f"the gradient of cell={cell!r}, scale={scale}, init={init!r}, "
            f"gate_bias={gate_bias} overflows float64 within length={length}"
            " steps: choose a smaller scale or a shorter length"
        )
    return flow


def _labels(
    name: str,
    values: Sequence[Any],
    fmt: str = "",
    known: Sequence[str] | None = None,
    **bounds: Any,
) -> list[str]:
    """The labels of a non-empty axis of the grid (``name`` in the
    plural), all different: each value one of ``known``, or else a number
    (:func:`check_scalar`'s ``bounds``)."""
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise TypeError(
            f"{name} must be a sequence, got {type(values).__name__}"
        )
    if len(values) == 0:
        raise ValueError(f"{name} must hold at least one value, got none")
    for v in values:
        if known is None:
            check_scalar(v, name, float, **bounds)
        elif v not in known:
            raise ValueError(
                f"{name.removesuffix('s')} must be one of {list(known)}, "
                f"got {v!r}"
            )
    labels = [format(v, fmt) for v in values]
    if len(set(labels)) < len(labels):
        raise ValueError(
            f"{name} must differ when shown as labels ({fmt!r}), got "
            f"{list(values)!r} -> {labels}"
        )
    return labels


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _decade_label(value: float, _position: object = None) -> str:
    """``10⁻⁵`` for 1e-5, in plain Unicode; empty between decades."""
    exponent = np.log10(value) if value > 0 else np.nan
    if not np.isfinite(exponent) or abs(exponent - round(exponent)) > 1e-6:
        return ""
    return "10" + str(round(exponent)).translate(_SUPERSCRIPT)


def _readout(flow: GradientFlow, steps: int = 50) -> str:
    k = min(steps, len(flow.steps_back) - 1)
    kept = flow.decay_after(k)
    return f"after {k} steps the gradient is {kept:.1e} of its size"


@dataclass
class Explorer:
    """The live explorer: ``widget`` to display, ``redraw()`` to recompute,
    ``flow`` the last result."""

    widget: Any
    controls: dict[str, Any]
    image: Any
    readout: Any
    flow: GradientFlow | None = None
    _figure: Any = field(default=None, repr=False)
    _quiet: bool = field(default=False, repr=False)

    def set_cell(self, change: dict[str, Any]) -> None:
        """Fit λ₁'s slider to the new cell's range, then redraw once."""
        lo, hi, step = SCALE_RANGES[change["new"]]
        slider = self.controls["scale"]
        value = min(max(slider.value, lo), hi)
        self._quiet = True  # one redraw, not one per changed bound
        try:
            if lo > slider.max:  # never let min pass max on the way
                slider.max, slider.min = hi, lo
            else:
                slider.min, slider.max = lo, hi
            slider.step, slider.value = step / 2, value
        finally:
            self._quiet = False
        self.redraw()

    def redraw(self, *_: object) -> None:
        if self._quiet:
            return
        # the controls are named for flow_for's arguments
        c = {name: w.value for name, w in self.controls.items()}
        self.flow = flow_for(**c)
        self.controls["gate_bias"].disabled = c["cell"] not in GATED
        fig, ax, measured, bound = self._figure
        steps = self.flow.steps_back
        norm = np.maximum(self.flow.loss_grad_norm, 1e-300)
        measured.set_data(steps, norm)
        if self.flow.bound is None:  # no Pascanu bound for the gated cells
            bound.set_data([], [])
        else:
            bound.set_data(steps, np.maximum(self.flow.bound, 1e-300))
        ax.set_xlim(0, steps[-1])
        ax.set_ylim(
            max(1e-30, norm.min() / 10), max(10.0, min(1e30, norm.max() * 10))
        )
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
        self.image.value = buffer.getvalue()
        self.readout.value = f"<b>{_readout(self.flow)}</b>"


def gradient_decay_explorer(hidden_size: int = 64) -> Explorer:
    """Live controls over the gradient flow (ipywidgets; display
    ``.widget``)."""
    import ipywidgets as widgets
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, NullFormatter

    controls = {
        "cell": widgets.Dropdown(
            options=list(CELLS), value="tanh", description="cell"
        ),
        "scale": widgets.FloatSlider(value=1.0, description="λ₁ of W"),
        "init": widgets.Dropdown(
            options=list(INITS), value="random", description="W init"
        ),
        "length": widgets.IntSlider(
            value=100, min=10, max=200, step=10, description="length"
        ),
        "hidden_size": widgets.IntSlider(
            value=hidden_size, min=8, max=128, step=8, description="hidden"
        ),
        "gate_bias": widgets.FloatSlider(
            value=0.0, min=0.0, max=5.0, step=0.5, description="gate bias"
        ),
    }
    image = widgets.Image(format="png")
    readout = widgets.HTML()
    figure = Figure(figsize=(7, 3.6))
    # fixed: no layout pass per redraw
    figure.subplots_adjust(left=0.11, right=0.98, bottom=0.14, top=0.97)
    ax = figure.subplots()
    ax.set_yscale("log")
    # Plain Unicode text everywhere (10⁻⁵, λ₁): matplotlib's mathtext
    # was parsed again at every redraw and took half of its time.
    ax.yaxis.set_major_formatter(FuncFormatter(_decade_label))
    ax.yaxis.set_minor_formatter(NullFormatter())
    (measured,) = ax.plot(
        [],
        [],
        color="#e08a00",
        linewidth=2,
        label="measured ‖∂L/∂sₜ₋ₖ‖",
    )
    (bound,) = ax.plot(
        [], [], "--", color="#333333", linewidth=1, label="bound (λ₁γ)ᵏ"
    )
    ax.set_xlabel("steps back k")
    ax.set_ylabel("gradient norm")
    ax.legend(loc="lower left", fontsize=9)
    c = list(controls.values())
    rows = [widgets.HBox(c[:3]), widgets.HBox(c[3:5]), widgets.HBox(c[5:])]
    explorer = Explorer(
        widget=widgets.VBox([*rows, readout, image]),
        controls=controls,
        image=image,
        readout=readout,
        _figure=(figure, ax, measured, bound),
    )
    for name, w in controls.items():
        w.observe(
            explorer.set_cell if name == "cell" else explorer.redraw,
            names="value",
        )
    explorer.set_cell({"new": "tanh"})  # λ₁'s range, then the first plot
    return explorer


def static_gradient_explorer(
    scales: Sequence[float] | Mapping[str, Sequence[float]] | None = None,
    cells: Sequence[str] = CELLS,
    inits: Sequence[str] = INITS,
    gate_biases: Sequence[float] = GATE_BIASES,
    length: int = 200,
    hidden_size: int = 64,
    stride: int = 4,
) -> str:
    """A self-contained HTML explorer over a precomputed grid (every
    ``cell × init × scale``, and every gate bias for the gated cells).

    Parameters
    ----------
    scales : sequence of float, or mapping cell -> sequence, optional
        The λ₁ values; by default :func:`scale_grid` of each cell (its own
        range). One sequence serves every cell.
    cells, inits, gate_biases : sequences
        The other axes of the grid.
    length, hidden_size, stride : int
        Each curve holds ``log10 ‖∂L_T/∂s_{T-k}‖`` and ``log10`` of the
        bound (plain cells only) for
        ``k = 0, stride, 2·stride, .., length`` (``1 <= stride <=
        length``).

    Returns
    -------
    str
        One ``<div>`` and its ``<script>`` (:func:`static_template` filled
        in): no kernel, no CDN; the plot is an SVG drawn by a few lines of
        inline JavaScript.

    Raises
    ------
    ValueError
        Before any curve is computed: an empty axis, unknown cells or
        inits, values that would show the same label (scales to two
        decimals, gate biases to one), a stride outside ``[1, length]``;
        then for settings whose gradient overflows (see :func:`flow_for`).
    """
    length = check_scalar(length, "length", int, min_val=1)
    hidden_size = check_scalar(hidden_size, "hidden_size", int, min_val=1)
    stride = check_scalar(stride, "stride", int, min_val=1, max_val=length)
    _labels("cells", cells, known=CELLS)
    _labels("inits", inits, known=INITS)
    bias_labels = _labels("gate_biases", gate_biases, ".1f")
    if scales is None:
        scales = {cell: scale_grid(cell) for cell in cells}
    elif not isinstance(scales, Mapping):
        scales = dict.fromkeys(cells, scales)
    missing = [cell for cell in cells if cell not in scales]
    if missing:
        raise ValueError(
            f"scales has no λ₁ values for the cells {missing}; it has "
            f"{sorted(scales)}"
        )
    scale_labels = {
        cell: _labels(f"scales for {cell!r}", scales[cell], ".2f", **POSITIVE)
        for cell in cells
    }
    steps = list(range(0, length + 1, stride))
    curves: dict[str, dict[str, Any]] = {}

    def log10(values: np.ndarray) -> list[float]:
        return np.round(
            np.clip(np.log10(np.maximum(values[steps], 1e-300)), -60, 60), 3
        ).tolist()

    for cell in cells:
        for init in inits:
            for scale in scales[cell]:
                for bias in gate_biases if cell in GATED else (0.0,):
                    flow = flow_for(
                        cell,
                        float(scale),
                        init,
                        length,
                        hidden_size,
                        gate_bias=float(bias),
                    )
                    curves[f"{cell}|{init}|{scale:.2f}|{bias:.1f}"] = {
                        "measured": log10(flow.loss_grad_norm),
                        "bound": None
                        if flow.bound is None
                        else log10(flow.bound),
                        "readout": _readout(flow),
                    }
    data = {
        "steps": steps,
        "scales": scale_labels,
        "cells": list(cells),
        "gated": [c for c in cells if c in GATED],
        "inits": list(inits),
        "biases": bias_labels,
        "curves": curves,
    }
    uid = "gde-" + uuid.uuid4().hex[:8]
    return (
        static_template()
        .replace("__UID__", uid)
        .replace("__DATA__", json.dumps(data, separators=(",", ":")))
    )


def static_template() -> str:
    """The static explorer's page: HTML and its JavaScript, with the
    placeholders ``__UID__`` (the root element's id) and ``__DATA__`` (the
    grid as JSON). It is the package data file ``explorer.html``."""
    page = resources.files(__package__).joinpath("explorer.html")
    return page.read_text(encoding="utf-8")
