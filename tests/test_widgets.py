"""tutorial_rnn.widgets: the live explorer updates, the static twin holds every grid point."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tutorial_rnn.widgets import flow_for, gradient_decay_explorer, static_gradient_explorer


def test_explorer_builds_and_its_update_changes_the_figure():
    explorer = gradient_decay_explorer(hidden_size=16)
    first_png, first_flow = bytes(explorer.image.value), explorer.flow
    assert first_png.startswith(b"\x89PNG") and "after 50 steps" in explorer.readout.value
    explorer.controls["scale"].value = 1.8
    assert bytes(explorer.image.value) != first_png
    assert not np.allclose(explorer.flow.loss_grad_norm, first_flow.loss_grad_norm)
    explorer.controls["length"].value = 30
    assert len(explorer.flow.steps_back) == 31 and "after 30 steps" in explorer.readout.value


def _data(html: str) -> dict:
    return json.loads(re.search(r"var data = (\{.*?\});\n", html).group(1))


def test_static_twin_holds_every_grid_point_computed_by_the_package():
    scales, cells, inits = (0.5, 1.0, 1.5), ("tanh", "sigmoid"), ("random", "orthogonal")
    html = static_gradient_explorer(
        scales=scales, cells=cells, inits=inits, length=40, hidden_size=8, stride=4
    )
    data = _data(html)
    assert data["steps"] == list(range(0, 41, 4))
    assert len(data["curves"]) == len(scales) * len(cells) * len(inits)
    for cell in cells:
        for init in inits:
            for scale in scales:
                curve = data["curves"][f"{cell}|{init}|{scale:.2f}"]
                flow = flow_for(cell, scale, init, 40, 8)
                expected = np.log10(flow.loss_grad_norm[::4])
                np.testing.assert_allclose(curve["measured"], expected, atol=1e-3)
                assert len(curve["bound"]) == len(data["steps"])
    assert "<script" in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")


@pytest.mark.parametrize("bad", [{"cell": "gelu"}, {"init": "eye"}, {"scale": -1.0}])
def test_flow_for_rejects_bad_settings(bad):
    with pytest.raises(ValueError):
        flow_for(**{"cell": "tanh", "scale": 1.0, "init": "random", **bad})
