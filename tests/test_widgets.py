"""tutorial_rnn.widgets: the live explorer updates, the static twin holds
every grid point, and λ₁'s range per cell reaches the exercises' answers."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tutorial_rnn.widgets import (
    CELLS,
    SCALE_RANGES,
    flow_for,
    gradient_decay_explorer,
    scale_grid,
    static_gradient_explorer,
    static_template,
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
        flow = flow_for(cell, 1.0, "random", 20, 6, gate_bias=3.0)
        expected = np.log10(flow.loss_grad_norm[::2])
        np.testing.assert_allclose(curve["measured"], expected, atol=1e-3)


def test_a_larger_gate_bias_keeps_more_gradient_in_gated_cells():
    """The update (GRU) or forget (LSTM) gate near 1 carries the state, and
    its gradient, over."""
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
    """Mathtext was re-parsed on every redraw (half its time): every label is
    plain Unicode."""
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


def test_scale_grid_covers_each_cells_range_ends_included():
    assert scale_grid("sigmoid")[0] == 0.5 and scale_grid("sigmoid")[-1] == 16
    assert len(scale_grid("sigmoid")) == 32
    assert scale_grid("tanh") == tuple(round(0.1 * i, 2) for i in range(1, 31))
    assert set(SCALE_RANGES) == set(CELLS)
    with pytest.raises(ValueError, match="cell must be one of"):
        scale_grid("gelu")


def test_sigmoid_range_reaches_where_its_gradient_survives_50_steps():
    """Exercise 3.1's answer (orthogonal W, λ₁ about 12-16) lies inside the
    sigmoid's range, and the range's low end (λ₁ = 4 = 1/γ) does not get
    there: the exercise needs the extended range."""
    assert SCALE_RANGES["sigmoid"][1] >= 16

    def kept(lam):
        flow = flow_for("sigmoid", lam, "orthogonal", 60, 64)
        return flow.decay_after(50)

    assert kept(16.0) > 1e-2 > 1e-8 > kept(4.0)


def test_live_slider_follows_the_cell_and_redraws_once():
    explorer = gradient_decay_explorer(hidden_size=8)
    slider = explorer.controls["scale"]
    assert (slider.min, slider.max) == (0.1, 3.0)
    calls = []
    original = explorer.redraw

    def counting(*args):
        calls.append(1)
        original(*args)

    explorer.redraw = counting
    explorer.controls["cell"].value = "sigmoid"
    assert (slider.min, slider.max, slider.step) == (0.5, 16.0, 0.25)
    assert len(calls) == 1 and slider.value == 1.0
    png, kept = bytes(explorer.image.value), explorer.flow.decay_after(50)
    slider.value = 14.0
    assert bytes(explorer.image.value) != png
    assert explorer.flow.decay_after(50) > 1e6 * kept
    explorer.controls["cell"].value = "tanh"
    assert slider.max == 3.0 and slider.value == 3.0  # clamped to the range


def test_static_twin_defaults_to_each_cells_own_range():
    html = static_gradient_explorer(
        inits=("orthogonal",), gate_biases=(0.0,), length=8, hidden_size=4
    )
    data = _data(html)
    for cell in CELLS:
        assert data["scales"][cell] == [f"{s:.2f}" for s in scale_grid(cell)]
        for scale in data["scales"][cell]:
            assert f"{cell}|orthogonal|{scale}|0.0" in data["curves"]
    assert data["scales"]["sigmoid"][-1] == "16.00"
    with pytest.raises(ValueError, match="scales for 'tanh'"):
        static_gradient_explorer(scales=(0.0, 1.0), cells=("tanh",))
    with pytest.raises(ValueError, match="no λ₁ values for the cells"):
        static_gradient_explorer(scales={"tanh": (1.0,)}, cells=("relu",))


def test_the_page_is_a_package_data_file_filled_in():
    from importlib import resources

    page = resources.files("tutorial_rnn").joinpath("explorer.html")
    assert page.is_file()
    template = static_template()
    assert template == page.read_text(encoding="utf-8")
    assert "__UID__" in template and template.count("__DATA__") == 1
    html = static_gradient_explorer(
        scales=(1.0,), cells=("tanh",), inits=("random",), length=4
    )
    assert "__UID__" not in html and "__DATA__" not in html
    uid = re.search(r'id="(gde-[0-9a-f]{8})"', html).group(1)
    assert html.count(uid) == template.count("__UID__")


def test_static_twin_takes_scales_as_numpy_arrays():
    """Regression: a NumPy array of λ₁ values (as np.linspace gives) was
    refused as "not a sequence" after the axis checks were merged."""
    html = static_gradient_explorer(
        cells=("tanh",),
        scales={"tanh": np.array([0.5, 1.0])},
        gate_biases=(0.0,),
        length=6,
        hidden_size=3,
    )
    assert "0.50" in html and "1.00" in html
