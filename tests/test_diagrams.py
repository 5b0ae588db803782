"""tutorial_rnn.diagrams: each diagram draws the parts its chapter names."""

from __future__ import annotations

from collections import Counter

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import FancyBboxPatch

from tutorial_rnn import diagrams, plots

matplotlib.use("Agg")


def labels(fig) -> list[str]:
    """Every text on the figure's axes, in drawing order."""
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    plt.close(fig)
    return texts


def test_the_unrolled_rnn_shows_its_weights_and_steps():
    texts = labels(diagrams.draw_unrolled_rnn(("1", "2")))
    assert {"U", "V", "W", "$x_{1}$", "$s_{2}$", "$o_{2}$"} <= set(texts)
    assert texts.count("W") == 2  # the loop, and the one step between


def test_the_shapes_are_four_with_inputs_and_outputs_where_they_say():
    fig = diagrams.draw_rnn_shapes()
    (ax,) = fig.axes
    titles = [t.get_text().split("\n")[0] for t in ax.texts if t.get_text()]
    assert titles == [
        "one to many",
        "many to one",
        "many to many, delayed",
        "many to many, in step",
    ]
    boxes = Counter(
        to_hex(p.get_facecolor())
        for p in ax.patches
        if isinstance(p, FancyBboxPatch)
    )
    plt.close(fig)
    # states 3 + 3 + 5 + 4, inputs 1 + 3 + 3 + 4, outputs 3 + 1 + 2 + 4
    assert boxes == {
        plots.COLORS["s"]: 15,
        plots.COLORS["x"]: 11,
        plots.COLORS["o"]: 10,
    }


@pytest.mark.parametrize(
    "draw, names",
    [
        (diagrams.draw_gru_cell, ["r", "z", "n"]),
        (diagrams.draw_lstm_cell, ["f", "i", "g", "o"]),
    ],
)
def test_a_cell_names_its_gates_beside_sigma_and_tanh_boxes(draw, names):
    texts = labels(draw())
    for name in names:
        assert texts.count(name) == 1
        box = texts[texts.index(name) - 1]  # drawn just before its name
        assert box == ("tanh" if name in "ng" else "$σ$")
    assert texts.count("×") + texts.count("+") >= 3
