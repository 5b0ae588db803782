"""Diagrams of the networks the chapters draw (matplotlib).

Boxes are values (inputs blue, states yellow, outputs green, the LSTM's
cell and a backward chain pink: :data:`tutorial_rnn.plots.COLORS`), arrows
the weights between them, circles point-wise operations. Every function
draws a new figure and returns it, so a notebook cell is one call.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from .plots import COLORS, INK, _figure

__all__ = [
    "draw_bidirectional_rnn",
    "draw_deep_rnn",
    "draw_gru_cell",
    "draw_lstm_cell",
    "draw_rnn_shapes",
    "draw_unrolled_rnn",
]

#: Text styles: labels centred on a point; italic names beside a shape.
_CENTRED = {"ha": "center", "va": "center"}
_ITALIC = {"style": "italic", "va": "center"}


def _shape(ax: Axes, patch: Patch, x: float, y: float, label: str) -> None:
    """``patch``, outlined, with ``label`` centred on ``(x, y)``."""
    patch.set(edgecolor=INK, linewidth=1.2, zorder=2)
    ax.add_patch(patch)
    ax.text(x, y, label, fontsize=12, zorder=3, color="#111111", **_CENTRED)


def _node(
    ax: Axes,
    x: float,
    y: float,
    label: str,
    kind: str,
    w: float = 0.8,
    h: float = 0.55,
) -> None:
    """A rounded box of ``COLORS[kind]`` centred on ``(x, y)``."""
    box = FancyBboxPatch(
        (x - w / 2, y - h / 2),
        w,
        h,
        boxstyle="round,pad=0.02,rounding_size=0.12",
        facecolor=COLORS[kind],
    )
    _shape(ax, box, x, y, label)


def _op(ax: Axes, x: float, y: float, label: str) -> None:
    """A point-wise operation (×, +, 1−) drawn as a small circle."""
    _shape(ax, plt.Circle((x, y), 0.22, facecolor="white"), x, y, label)


def _arrow(
    ax: Axes,
    a: tuple[float, float],
    b: tuple[float, float],
    label: str = "",
    rad: float = 0.0,
    offset: tuple[float, float] = (0.12, 0.0),
    shrink: float = 0.0,
) -> None:
    """An arrow from ``a`` to ``b`` (bent by ``rad``), with an italic
    ``label`` beside its middle."""
    ax.add_patch(
        FancyArrowPatch(
            a,
            b,
            arrowstyle="-|>",
            mutation_scale=14,
            linewidth=1.3,
            color=INK,
            connectionstyle=f"arc3,rad={rad}",
            zorder=1,
            shrinkA=shrink,
            shrinkB=shrink,
        )
    )
    if label:
        mx, my = (a[0] + b[0]) / 2 + offset[0], (a[1] + b[1]) / 2 + offset[1]
        ax.text(mx, my, label, fontsize=11, color=INK, **_ITALIC)


def _line(
    ax: Axes, points: Sequence[tuple[float, float]], arrow: bool = True
) -> None:
    """A path through ``points``, with an arrow head at the end (unless
    ``arrow=False``)."""
    xs, ys = zip(*points, strict=True)
    end = -1 if arrow else None
    ax.plot(
        xs[:end],
        ys[:end],
        color=INK,
        linewidth=1.3,
        zorder=1,
        solid_capstyle="round",
    )
    if arrow:
        _arrow(ax, points[-2], points[-1])


def _finish(
    ax: Axes, xlim: tuple[float, float], ylim: tuple[float, float]
) -> None:
    """Equal scales, no axes: a diagram."""
    ax.set(xlim=xlim, ylim=ylim, aspect="equal")
    ax.axis("off")


def _column(ax: Axes, x: float, t: str) -> None:
    """One time step: input below, state in the middle, output above."""
    _node(ax, x, 0, f"$x_{{{t}}}$", "x")
    _arrow(ax, (x, 0.28), (x, 0.97), "U")
    _node(ax, x, 1.25, f"$s_{{{t}}}$", "s")
    _arrow(ax, (x, 1.53), (x, 2.22), "V")
    _node(ax, x, 2.5, f"$o_{{{t}}}$", "o")


def draw_unrolled_rnn(steps: Sequence[str] = ("t-1", "t", "t+1")) -> Figure:
    """The RNN folded (a loop through ``W``) and unrolled over ``steps``.

    Parameters
    ----------
    steps : sequence of str
        Subscripts of the unrolled time steps.
    """
    fig, ax = _figure((2.2 + 1.6 * len(steps), 3.4))
    _column(ax, 0, "t")
    _arrow(ax, (0.4, 1.38), (0.4, 1.12), rad=-1.9, shrink=2)
    ax.text(0.78, 1.25, "W", fontsize=11, **_ITALIC)
    ax.text(1.45, 1.25, "=", fontsize=24, **_CENTRED)
    x0 = 3.1
    ax.text(x0 - 1.0, 1.25, "···", ha="right", va="center", fontsize=14)
    _arrow(ax, (x0 - 0.95, 1.25), (x0 - 0.4, 1.25))
    for i, t in enumerate(steps):
        x = x0 + 1.6 * i
        _column(ax, x, t)
        if i + 1 < len(steps):
            _arrow(
                ax, (x + 0.4, 1.25), (x + 1.2, 1.25), "W", offset=(-0.12, 0.18)
            )
    x_last = x0 + 1.6 * (len(steps) - 1)
    _arrow(ax, (x_last + 0.4, 1.25), (x_last + 0.95, 1.25))
    ax.text(x_last + 1.0, 1.25, "···", ha="left", va="center", fontsize=14)
    _finish(ax, (-0.6, x_last + 1.5), (-0.45, 2.95))
    return fig


def _chain(
    ax: Axes, x0: float, inputs: str, outputs: str, title: str
) -> float:
    """One shape of :func:`draw_rnn_shapes` from ``x0``: a step per
    character, an input where ``inputs`` has ``x``, an output where
    ``outputs`` has ``o``; returns where the next shape starts."""
    n = len(inputs)
    for i in range(n):
        x = x0 + 1.1 * i
        if inputs[i] == "x":
            _node(ax, x, 0, "", "x", w=0.6, h=0.45)
            _arrow(ax, (x, 0.23), (x, 0.99))
        _node(ax, x, 1.25, "", "s", w=0.6, h=0.45)
        if outputs[i] == "o":
            _arrow(ax, (x, 1.48), (x, 2.27))
            _node(ax, x, 2.5, "", "o", w=0.6, h=0.45)
        if i + 1 < n:
            _arrow(ax, (x + 0.3, 1.25), (x + 0.8, 1.25))
    middle = x0 + 1.1 * (n - 1) / 2
    ax.text(middle, -0.75, title, fontsize=11, **_CENTRED)
    return x0 + 1.1 * n + 0.6


def draw_rnn_shapes() -> Figure:
    """The input/output shapes an RNN can take: one-to-many, many-to-one and
    two many-to-many.

    Blue boxes are inputs, yellow the hidden state, green outputs.
    """
    fig, ax = _figure((11, 3.0))
    x = 0.0
    for inputs, outputs, title in (
        ("x..", "ooo", "one to many\n(captioning)"),
        ("xxx", "..o", "many to one\n(sentiment)"),
        ("xxx..", "...oo", "many to many, delayed\n(translation)"),
        ("xxxx", "oooo", "many to many, in step\n(language model, tagging)"),
    ):
        x = _chain(ax, x, inputs, outputs, title)
    _finish(ax, (-0.6, x - 0.6), (-1.2, 2.9))
    return fig


def draw_bidirectional_rnn(steps: int = 4) -> Figure:
    """A bidirectional RNN: a forward chain and a backward chain both feed each
    output."""
    fig, ax = _figure((1.1 * steps + 0.8, 3.0))
    for i in range(steps):
        x = 1.6 * i
        _node(ax, x, 0, f"$x_{{{i}}}$", "x")
        _node(ax, x, 1.1, rf"$\overrightarrow{{s}}_{{{i}}}$", "s", w=0.6)
        _node(ax, x, 2.1, rf"$\overleftarrow{{s}}_{{{i}}}$", "back", w=0.6)
        _node(ax, x, 3.3, f"$o_{{{i}}}$", "o")
        _arrow(ax, (x, 0.28), (x, 0.82))
        _arrow(ax, (x - 0.25, 0.28), (x - 0.45, 2.1), rad=-0.25)
        _arrow(ax, (x + 0.45, 1.1), (x + 0.25, 3.02), rad=0.25)
        _arrow(ax, (x, 2.38), (x, 3.02))
        if i + 1 < steps:
            _arrow(ax, (x + 0.3, 1.1), (x + 1.3, 1.1))
            _arrow(ax, (x + 1.3, 2.1), (x + 0.3, 2.1))
    _finish(ax, (-0.7, 1.6 * (steps - 1) + 0.7), (-0.45, 3.75))
    return fig


def draw_deep_rnn(steps: int = 4, layers: int = 3) -> Figure:
    """A deep (stacked) RNN: each layer's states are the next layer's
    inputs."""
    fig, ax = _figure((1.1 * steps + 0.8, 0.8 * layers + 1.6))
    top = 1.1 * (layers + 1)
    for i in range(steps):
        x = 1.6 * i
        _node(ax, x, 0, f"$x_{{{i}}}$", "x")
        for layer in range(1, layers + 1):
            y = 1.1 * layer
            _node(ax, x, y, f"$s^{{({layer})}}_{{{i}}}$", "s")
            _arrow(ax, (x, y - 0.82), (x, y - 0.28))
            if i + 1 < steps:
                _arrow(ax, (x + 0.4, y), (x + 1.2, y))
        _node(ax, x, top, f"$o_{{{i}}}$", "o")
        _arrow(ax, (x, top - 0.82), (x, top - 0.28))
    _finish(ax, (-0.7, 1.6 * (steps - 1) + 0.7), (-0.45, top + 0.45))
    return fig


def _gates(
    ax: Axes, y: float, gates: Sequence[tuple[float, str]], tanh_width: float
) -> None:
    """The gates' boxes at height ``y``: ``(x, name)`` each, ``σ`` boxes
    and ``tanh`` boxes ``tanh_width`` wide for the candidate (named ``n`` or
    ``g``), each name in italics beside its box."""
    for x, name in gates:
        tanh = name in ("n", "g")  # the candidate
        w = tanh_width if tanh else 0.8
        _node(ax, x, y, "tanh" if tanh else "$σ$", "o", w=w)
        ax.text(x + w / 2 + 0.05, y + 0.35, name, fontsize=12, **_ITALIC)


def _carried(ax: Axes, y: float, name: str, times: float, plus: float) -> None:
    """What a cell carries along the top at height ``y``: ``name_{t-1}``
    in on the left, through a product at ``times`` and a sum at ``plus``,
    ``name_t`` out on the right (the LSTM's cell ``c`` in pink)."""
    kind = "back" if name == "c" else "s"
    _node(ax, -0.2, y, f"${name}_{{t-1}}$", kind, w=0.9)
    _node(ax, 8.2, y, f"${name}_t$", kind, w=0.9)
    _line(ax, [(0.25, y), (times - 0.22, y)])
    _op(ax, times, y, "×")
    _line(ax, [(times + 0.22, y), (plus - 0.22, y)])
    _op(ax, plus, y, "+")
    _line(ax, [(plus + 0.22, y), (7.75, y)])


def draw_gru_cell() -> Figure:
    """One GRU step (Cho et al.'s convention): reset gate r, update gate z,
    candidate n.

    The state ``s_{t-1}`` runs along the top;
    ``s_t = z ⊙ s_{t-1} + (1 - z) ⊙ n`` is a blend of the old state and the
    candidate.
    """
    fig, ax = _figure((7.2, 4.0))
    top, gates = 3.2, 0.9
    _carried(ax, top, "s", times=3.8, plus=6.4)
    _node(ax, 0.9, -0.5, "$x_t$", "x", w=0.8)
    labels = ((1.8, "r"), (3.2, "z"), (5.2, "n"))
    _gates(ax, gates, labels, tanh_width=1.0)
    for x, _ in labels:
        _line(ax, [(x, 0.3), (x, gates - 0.275)])
    # x_t to every box
    _line(ax, [(0.9, -0.225), (0.9, 0.3), (5.2, 0.3)], arrow=False)
    for x in (1.2, 2.6):  # s_{t-1} into the gates
        _line(ax, [(x, top), (x, gates), (x + 0.2, gates)])
    _op(ax, 1.8, 2.2, "×")  # r ⊙ s_{t-1}
    _line(ax, [(1.8, gates + 0.275), (1.8, 1.98)])
    _line(ax, [(1.8, top), (1.8, 2.42)])
    _line(ax, [(2.02, 2.2), (4.9, 2.2), (4.9, gates + 0.275)])
    _line(
        ax, [(3.2, gates + 0.275), (3.2, 1.6), (3.8, 1.6), (3.8, top - 0.22)]
    )  # z ⊙ s_{t-1}
    _op(ax, 5.6, 1.6, "1−")
    _line(ax, [(3.8, 1.6), (5.38, 1.6)])
    _op(ax, 6.4, 1.6, "×")  # (1 - z) ⊙ n
    _line(ax, [(5.82, 1.6), (6.18, 1.6)])
    _line(ax, [(5.7, gates), (6.4, gates), (6.4, 1.38)])
    _line(ax, [(6.4, 1.82), (6.4, top - 0.22)])
    _line(ax, [(7.2, top), (7.2, 4.1)])
    ax.text(7.3, 4.0, "output layer,\nlayer above", fontsize=9, va="center")
    _finish(ax, (-0.8, 9.0), (-1.0, 4.4))
    return fig


def draw_lstm_cell() -> Figure:
    """One LSTM step: forget, input and output gates around the memory cell
    ``c``.

    The cell ``c_{t-1}`` runs along the top and is changed only by a product
    (forget) and a sum (write): ``c_t = f ⊙ c_{t-1} + i ⊙ g``; the state
    ``s_t = o ⊙ tanh(c_t)`` is read from it.
    """
    fig, ax = _figure((7.2, 4.2))
    top, mid, gates = 3.4, 2.0, 0.8
    _carried(ax, top, "c", times=2.2, plus=4.5)
    _node(ax, -0.2, gates - 0.3, "$s_{t-1}$", "s", w=0.9)
    _node(ax, 8.2, gates - 0.3, "$s_t$", "s", w=0.9)
    _node(ax, 0.9, -0.9, "$x_t$", "x", w=0.8)
    labels = ((2.2, "f"), (3.5, "i"), (4.5, "g"), (6.0, "o"))
    _gates(ax, gates, labels, tanh_width=0.95)
    _line(ax, [(0.25, gates - 0.3), (6.0, gates - 0.3)], arrow=False)
    _line(ax, [(0.9, -0.62), (0.9, gates - 0.3)], arrow=False)
    for x, _ in labels:
        _line(ax, [(x, gates - 0.3), (x, gates - 0.28)])
    _line(ax, [(2.2, gates + 0.28), (2.2, top - 0.22)])  # forget
    _op(ax, 4.0, mid, "×")  # write: i ⊙ g
    _line(ax, [(3.5, gates + 0.28), (3.5, mid), (3.78, mid)])
    _line(ax, [(4.5, gates + 0.28), (4.5, 1.5), (4.0, 1.5), (4.0, mid - 0.22)])
    _line(ax, [(4.0, mid + 0.22), (4.0, 2.8), (4.5, 2.8), (4.5, top - 0.22)])
    # read: s_t = o ⊙ tanh(c_t)
    _node(ax, 6.9, 2.6, "tanh", "o", w=0.95, h=0.45)
    _line(ax, [(6.9, top), (6.9, 2.83)])
    _op(ax, 6.9, 1.6, "×")
    _line(ax, [(6.9, 2.37), (6.9, 1.82)])
    _line(ax, [(6.0, gates + 0.28), (6.0, 1.6), (6.68, 1.6)])
    _line(ax, [(6.9, 1.38), (6.9, gates - 0.3), (7.75, gates - 0.3)])
    _finish(ax, (-0.8, 9.0), (-1.3, 4.0))
    return fig
