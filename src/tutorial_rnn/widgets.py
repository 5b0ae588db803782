"""The gradient-decay explorer: ipywidgets in Jupyter, and a static twin for the website.

:func:`gradient_decay_explorer` builds live controls (cell, largest singular value λ₁ of ``W``,
initialisation, sequence length, hidden size) over :func:`tutorial_rnn.gradients.gradient_flow`
and redraws a log-scale plot of ``‖∂L_T/∂s_k‖`` against steps back, beside the Pascanu bound.

A static page has no Python kernel, so :func:`static_gradient_explorer` computes the same curves
over a grid of settings with the same package functions and returns one self-contained HTML
block (data as JSON, a small SVG plot drawn by inline JavaScript, no CDN): dragging its slider
redraws the curve in any browser.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .gradients import GradientFlow, RNNCell, gradient_flow, recurrent_matrix

__all__ = ["Explorer", "flow_for", "gradient_decay_explorer", "static_gradient_explorer"]

CELLS = ("tanh", "sigmoid", "relu")
INITS = ("random", "orthogonal", "identity")


def flow_for(
    cell: str = "tanh",
    scale: float = 1.0,
    init: str = "random",
    length: int = 100,
    hidden_size: int = 64,
    input_std: float = 0.5,
    seed: int = 0,
) -> GradientFlow:
    """Gradient flow of a plain RNN with ``W`` scaled to largest singular value ``scale``, over
    ``length`` steps of Gaussian inputs (standard deviation ``input_std``)."""
    W = recurrent_matrix(hidden_size, scale, init=init, seed=seed)
    inputs = input_std * np.random.default_rng(seed + 1).standard_normal((length, hidden_size))
    return gradient_flow(RNNCell(W, cell), inputs, seed=seed, jacobian_norms=False)


def _readout(flow: GradientFlow, steps: int = 50) -> str:
    k = min(steps, len(flow.steps_back) - 1)
    return f"after {k} steps the gradient is {flow.decay_after(k):.1e} of its size"


@dataclass
class Explorer:
    """The live explorer: ``widget`` to display, ``redraw()`` to recompute, ``flow`` the last result."""

    widget: Any
    controls: dict[str, Any]
    image: Any
    readout: Any
    flow: GradientFlow | None = None
    _figure: Any = field(default=None, repr=False)

    def redraw(self, *_: object) -> None:
        c = {name: w.value for name, w in self.controls.items()}
        self.flow = flow_for(c["cell"], c["scale"], c["init"], c["length"], c["hidden_size"])
        fig, ax, measured, bound = self._figure
        steps, norm = self.flow.steps_back, np.maximum(self.flow.loss_grad_norm, 1e-300)
        measured.set_data(steps, norm)
        bound.set_data(steps, np.maximum(self.flow.bound, 1e-300))
        ax.set_xlim(0, steps[-1])
        ax.set_ylim(max(1e-30, norm.min() / 10), max(10.0, min(1e30, norm.max() * 10)))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
        self.image.value = buffer.getvalue()
        self.readout.value = f"<b>{_readout(self.flow)}</b>"


def gradient_decay_explorer(hidden_size: int = 64) -> Explorer:
    """Live controls over the plain RNN's gradient flow (ipywidgets; display ``.widget``)."""
    import ipywidgets as widgets
    from matplotlib.figure import Figure

    controls = {
        "cell": widgets.Dropdown(options=list(CELLS), value="tanh", description="cell"),
        "scale": widgets.FloatSlider(value=1.0, min=0.1, max=2.0, step=0.05, description="λ₁ of W"),
        "init": widgets.Dropdown(options=list(INITS), value="random", description="W init"),
        "length": widgets.IntSlider(value=100, min=10, max=200, step=10, description="length"),
        "hidden_size": widgets.IntSlider(value=hidden_size, min=8, max=128, step=8, description="hidden"),
    }
    image = widgets.Image(format="png")
    readout = widgets.HTML()
    figure = Figure(figsize=(7, 3.6))
    figure.subplots_adjust(left=0.11, right=0.98, bottom=0.14, top=0.97)  # fixed: no layout pass per redraw
    ax = figure.subplots()
    ax.set_yscale("log")
    (measured,) = ax.plot(
        [], [], color="#e08a00", linewidth=2, label=r"measured $\|\partial L_T/\partial s_{T-k}\|$"
    )
    (bound,) = ax.plot([], [], "--", color="#333333", linewidth=1, label=r"bound $(\lambda_1\gamma)^k$")
    ax.set_xlabel("steps back k")
    ax.set_ylabel("gradient norm")
    ax.legend(loc="lower left", fontsize=9)
    explorer = Explorer(
        widget=widgets.VBox(
            [
                widgets.HBox(list(controls.values())[:3]),
                widgets.HBox(list(controls.values())[3:]),
                readout,
                image,
            ]
        ),
        controls=controls,
        image=image,
        readout=readout,
        _figure=(figure, ax, measured, bound),
    )
    for w in controls.values():
        w.observe(explorer.redraw, names="value")
    explorer.redraw()
    return explorer


def static_gradient_explorer(
    scales: Sequence[float] = tuple(np.round(np.arange(0.1, 2.001, 0.1), 2)),
    cells: Sequence[str] = CELLS,
    inits: Sequence[str] = INITS,
    length: int = 200,
    hidden_size: int = 64,
    stride: int = 2,
) -> str:
    """A self-contained HTML explorer over a precomputed grid (every ``cell × init × scale``).

    Each curve holds ``log10 ‖∂L_T/∂s_{T-k}‖`` and ``log10`` of the bound for ``k = 0, stride,
    2·stride, .., length``. The page needs no kernel and no CDN: the plot is an SVG drawn by a
    few lines of inline JavaScript.
    """
    steps = list(range(0, length + 1, stride))
    curves: dict[str, dict[str, list[float]]] = {}
    for cell in cells:
        for init in inits:
            for scale in scales:
                flow = flow_for(cell, float(scale), init, length, hidden_size)
                log_norm = np.log10(np.maximum(flow.loss_grad_norm[steps], 1e-300))
                log_bound = np.log10(np.maximum(flow.bound[steps], 1e-300))
                curves[f"{cell}|{init}|{scale:.2f}"] = {
                    "measured": np.round(np.clip(log_norm, -60, 60), 3).tolist(),
                    "bound": np.round(np.clip(log_bound, -60, 60), 3).tolist(),
                    "readout": _readout(flow),
                }
    data = {
        "steps": steps,
        "scales": [f"{s:.2f}" for s in scales],
        "cells": list(cells),
        "inits": list(inits),
        "curves": curves,
    }
    uid = "gde-" + uuid.uuid4().hex[:8]
    return _STATIC_TEMPLATE.replace("__UID__", uid).replace(
        "__DATA__", json.dumps(data, separators=(",", ":"))
    )


_STATIC_TEMPLATE = """
<div id="__UID__" class="gradient-explorer" style="font-family: sans-serif; max-width: 720px;">
  <div style="display: flex; flex-wrap: wrap; gap: 1em; align-items: center; margin-bottom: 0.5em;">
    <label>cell <select data-role="cell"></select></label>
    <label>W init <select data-role="init"></select></label>
    <label>λ₁ of W <input data-role="scale" type="range" min="0" step="1" style="vertical-align: middle;">
      <output data-role="scale-value"></output></label>
  </div>
  <div data-role="readout" style="font-weight: bold; margin-bottom: 0.3em;"></div>
  <svg data-role="plot" viewBox="0 0 700 330" style="width: 100%; background: white; border: 1px solid #ccc;"
       role="img" aria-label="Gradient norm against steps back, log scale"></svg>
</div>
<script type="text/javascript">
(function () {
  var data = __DATA__;
  var root = document.getElementById("__UID__");
  var q = function (role) { return root.querySelector('[data-role="' + role + '"]'); };
  var svgNS = "http://www.w3.org/2000/svg";
  data.cells.forEach(function (c) { q("cell").add(new Option(c, c)); });
  data.inits.forEach(function (c) { q("init").add(new Option(c, c)); });
  var slider = q("scale");
  slider.max = data.scales.length - 1;
  slider.value = data.scales.indexOf("1.00") >= 0 ? data.scales.indexOf("1.00") : 0;
  var L = 60, R = 690, T = 10, B = 290;
  function el(name, attrs, text) {
    var e = document.createElementNS(svgNS, name);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function draw() {
    var scale = data.scales[slider.value];
    q("scale-value").textContent = scale;
    var curve = data.curves[q("cell").value + "|" + q("init").value + "|" + scale];
    q("readout").textContent = curve.readout;
    var lo = Math.floor(Math.min.apply(null, curve.measured)) - 1;
    var hi = Math.ceil(Math.max.apply(null, curve.measured.concat([0]))) + 1;
    lo = Math.max(lo, -60); hi = Math.min(Math.max(hi, lo + 2), 60);
    var xmax = data.steps[data.steps.length - 1];
    var x = function (k) { return L + (R - L) * k / xmax; };
    var y = function (v) { return B - (B - T) * (Math.min(Math.max(v, lo), hi) - lo) / (hi - lo); };
    var svg = q("plot");
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var every = Math.max(1, Math.ceil((hi - lo) / 8));
    for (var e = lo; e <= hi; e += every) {
      svg.appendChild(el("line", {x1: L, x2: R, y1: y(e), y2: y(e), stroke: "#e5e5e5"}));
      svg.appendChild(el("text", {x: L - 6, y: y(e) + 4, "text-anchor": "end", "font-size": 11}, "1e" + e));
    }
    for (var k = 0; k <= xmax; k += Math.max(10, Math.round(xmax / 10 / 10) * 10)) {
      svg.appendChild(el("text", {x: x(k), y: B + 16, "text-anchor": "middle", "font-size": 11}, String(k)));
    }
    svg.appendChild(el("text", {x: (L + R) / 2, y: B + 34, "text-anchor": "middle", "font-size": 12},
                       "steps back k"));
    function path(values) {
      return values.map(function (v, i) {
        return (i ? "L" : "M") + x(data.steps[i]).toFixed(1) + "," + y(v).toFixed(1);
      }).join(" ");
    }
    svg.appendChild(el("path", {d: path(curve.bound), fill: "none", stroke: "#333", "stroke-dasharray": "5,4",
                                "data-role": "bound"}));
    svg.appendChild(el("path", {d: path(curve.measured), fill: "none", stroke: "#e08a00", "stroke-width": 2.5,
                                "data-role": "measured"}));
    svg.appendChild(el("text", {x: R - 4, y: T + 14, "text-anchor": "end", "font-size": 12, fill: "#e08a00"},
                       "measured ‖∂L/∂s‖ (log scale)"));
    svg.appendChild(el("text", {x: R - 4, y: T + 30, "text-anchor": "end", "font-size": 12, fill: "#333"},
                       "bound (λ₁γ)^k, dashed"));
  }
  slider.addEventListener("input", draw);
  q("cell").addEventListener("change", draw);
  q("init").addEventListener("change", draw);
  draw();
})();
</script>
"""
