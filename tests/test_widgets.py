"""tutorial_rnn.widgets: the live explorer updates, the static twin holds every grid point."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tutorial_rnn.widgets import (
    flow_for,
    gradient_decay_explorer,
    static_gradient_explorer,
)


def test_explorer_builds_and_its_update_changes_the_figure():
    explorer = gradient_decay_explorer(hidden_size=16)
    first_png, first_flow = bytes(explorer.image.value), explorer.flow
    assert (
        first_png.startswith(b"\x89PNG")
        and "after 50 steps" in explorer.readout.value
    )
    explorer.controls["scale"].value = 1.8
    assert bytes(explorer.image.value) != first_png
    assert not np.allclose(
        explorer.flow.loss_grad_norm, first_flow.loss_grad_norm
    )
    explorer.controls["length"].value = 30
    assert (
        len(explorer.flow.steps_back) == 31
        and "after 30 steps" in explorer.readout.value
    )


def _data(html: str) -> dict:
    return json.loads(re.search(r"var data = (\{.*?\});\n", html).group(1))


def test_static_twin_holds_every_grid_point_computed_by_the_package():
    scales, cells, inits = (
        (0.5, 1.0, 1.5),
        ("tanh", "sigmoid"),
        ("random", "orthogonal"),
    )
    html = static_gradient_explorer(
        scales=scales,
        cells=cells,
        inits=inits,
        length=40,
        hidden_size=8,
        stride=4,
    )
    data = _data(html)
    assert data["steps"] == list(range(0, 41, 4))
    assert len(data["curves"]) == len(scales) * len(cells) * len(inits)
    for cell in cells:
        for init in inits:
            for scale in scales:
                curve = data["curves"][f"{cell}|{init}|{scale:.2f}|0.0"]
                flow = flow_for(cell, scale, init, 40, 8)
                expected = np.log10(flow.loss_grad_norm[::4])
                np.testing.assert_allclose(
                    curve["measured"], expected, atol=1e-3
                )
                assert len(curve["bound"]) == len(data["steps"])
    assert "<script" in html and "http" not in html.replace(
        "http://www.w3.org/2000/svg", ""
    )


def test_static_twin_has_a_curve_per_gate_bias_for_gated_cells_and_no_bound():
    html = static_gradient_explorer(
        scales=(1.0,),
        cells=("tanh", "gru", "lstm"),
        inits=("random",),
        gate_biases=(0.0, 3.0),
        length=20,
        hidden_size=6,
        stride=2,
    )
    data = _data(html)
    assert sorted(data["curves"]) == [
        "gru|random|1.00|0.0",
        "gru|random|1.00|3.0",
        "lstm|random|1.00|0.0",
        "lstm|random|1.00|3.0",
        "tanh|random|1.00|0.0",
    ]
    assert data["gated"] == ["gru", "lstm"]
    for cell in ("gru", "lstm"):
        curve = data["curves"][f"{cell}|random|1.00|3.0"]
        assert curve["bound"] is None
        expected = np.log10(
            flow_for(cell, 1.0, "random", 20, 6, gate_bias=3.0).loss_grad_norm[
                ::2
            ]
        )
        np.testing.assert_allclose(curve["measured"], expected, atol=1e-3)


def test_a_larger_gate_bias_keeps_more_gradient_in_gated_cells():
    """The update (GRU) or forget (LSTM) gate near 1 carries the state, and its gradient, over."""
    for cell in ("gru", "lstm"):
        kept = [
            flow_for(cell, 1.0, "random", 60, 16, gate_bias=b).decay_after(50)
            for b in (0.0, 2.0, 4.0)
        ]
        assert kept[0] < 1e-6 < kept[1] < kept[2], (cell, kept)
        assert flow_for(cell, 1.0, "random", 60, 16).bound is None


def test_explorer_switches_to_a_gated_cell_and_enables_the_gate_bias():
    explorer = gradient_decay_explorer(hidden_size=8)
    assert explorer.controls["gate_bias"].disabled
    explorer.controls["cell"].value = "lstm"
    assert (
        not explorer.controls["gate_bias"].disabled
        and explorer.flow.bound is None
    )
    before = explorer.flow.decay_after(50)
    explorer.controls["gate_bias"].value = 4.0
    assert explorer.flow.decay_after(50) > before


@pytest.mark.parametrize(
    "bad", [{"cell": "gelu"}, {"init": "eye"}, {"scale": -1.0}]
)
def test_flow_for_rejects_bad_settings(bad):
    with pytest.raises(ValueError):
        flow_for(**{"cell": "tanh", "scale": 1.0, "init": "random", **bad})


def test_explorer_draws_no_mathtext():
    """Mathtext was re-parsed on every redraw (half its time): every label is plain Unicode."""
    from tutorial_rnn.widgets import _decade_label

    assert [_decade_label(v) for v in (1e-5, 1.0, 1e12, 3e-5, 0.0)] == [
        "10⁻⁵",
        "10⁰",
        "10¹²",
        "",
        "",
    ]
    explorer = gradient_decay_explorer(hidden_size=8)
    _, ax, _, _ = explorer._figure
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    texts += [ax.yaxis.get_major_formatter()(v) for v in ax.get_yticks()]
    assert texts and not any("$" in t for t in texts), texts
