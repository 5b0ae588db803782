"""Plots of data and results the chapters draw (matplotlib): the corpus,
loss curves, gradient decay, gate activations.

Every function draws a new figure (but :func:`plot_gate_activations`, on
the axes you pass) and returns it, so a notebook cell is one call. The
diagrams of the networks are in :mod:`tutorial_rnn.diagrams`; both use
:data:`COLORS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import cycle

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from .activations import sigmoid
from .validation import check_array

__all__ = [
    "plot_activation_derivatives",
    "plot_contributions",
    "plot_coverage",
    "plot_gate_activations",
    "plot_gradient_decay",
    "plot_loss_curves",
    "plot_sentence_lengths",
    "plot_truncation",
    "plot_zipf",
]

#: Colours of the kinds of node (input, state, output, backward or cell),
#: kept the same in every diagram and plot.
COLORS = {"x": "#8ecae6", "s": "#ffb703", "o": "#90be6d", "back": "#f4a3a8"}
#: Outlines, arrows and reference lines.
INK = "#333333"
_REFERENCE = {"color": INK, "linestyle": "--", "linewidth": 1}


def _figure(figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    return plt.subplots(figsize=figsize, layout="constrained")


def plot_sentence_lengths(
    sentences: Sequence[Sequence[str]], clip: int = 80
) -> Figure:
    """Histogram of sentence lengths in tokens (lengths above ``clip`` pooled
    in the last bin)."""
    fig, ax = _figure((7, 3.6))
    lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64)
    ax.hist(
        np.minimum(lengths, clip),
        bins=np.arange(1, clip + 2) - 0.5,
        color=COLORS["x"],
        edgecolor="none",
    )
    median = np.median(lengths)
    ax.axvline(median, **_REFERENCE)
    top = ax.get_ylim()[1]
    ax.text(median + 1, top * 0.9, f"median {median:.0f}", fontsize=10)
    ax.set_xlabel(f"sentence length in tokens (≥ {clip} pooled)")
    ax.set_ylabel("sentences")
    return fig


def _ranked(counts: Sequence[int]) -> np.ndarray:
    """The positive ``counts`` as floats, the largest first.

    Raises
    ------
    TypeError
        If ``counts`` does not hold real numbers.
    ValueError
        If ``counts`` holds a negative or non-finite count, or no positive
        one (there would be nothing to plot).
    """
    f = check_array(counts, "counts").astype(np.float64).reshape(-1)
    if (f < 0).any():
        raise ValueError(
            f"counts must be non-negative, got {f[f < 0][:5].tolist()} "
            "among them"
        )
    if not (f > 0).any():
        raise ValueError("counts must hold at least one positive count")
    return np.sort(f[f > 0])[::-1]


def plot_zipf(counts: Sequence[int]) -> Figure:
    """Word frequency against rank on log-log axes, with the line
    ``f ∝ 1/rank`` for reference (``counts`` as :func:`plot_coverage`
    takes them)."""
    f = _ranked(counts)
    fig, ax = _figure((6, 4))
    rank = np.arange(1, len(f) + 1)
    ax.loglog(
        rank, f, color=COLORS["s"], linewidth=2, label="Shakespeare's words"
    )
    ax.loglog(rank, f[0] / rank, label=r"$f_1 / \mathrm{rank}$", **_REFERENCE)
    ax.set(xlabel="rank", ylabel="occurrences")
    ax.legend()
    return fig


def plot_coverage(
    counts: Sequence[int], vocabulary_size: int = 8000
) -> Figure:
    """Fraction of tokens covered by the ``n`` most frequent words, with
    ``vocabulary_size`` marked.

    Raises
    ------
    ValueError
        If ``counts`` holds a negative or non-finite count, or no positive
        one.
    """
    f = _ranked(counts)
    fig, ax = _figure((6, 4))
    coverage = np.cumsum(f) / f.sum()
    ax.semilogx(
        np.arange(1, len(f) + 1), coverage, color=COLORS["o"], linewidth=2
    )
    kept = min(vocabulary_size, len(f))
    ax.axvline(kept, **_REFERENCE)
    ax.plot([kept], [coverage[kept - 1]], "o", color=INK)
    ax.annotate(
        f"{kept:,} words cover {coverage[kept - 1]:.1%}",
        (kept, coverage[kept - 1]),
        xytext=(-10, -40),
        textcoords="offset points",
        ha="right",
        fontsize=10,
    )
    ax.set_xlabel("vocabulary: the n most frequent tokens")
    ax.set_ylabel("fraction of tokens covered")
    ax.set_ylim(0, 1.01)
    return fig


def plot_truncation(T: int = 12, k: int = 3) -> Figure:
    """Which steps each output's error reaches: the 2015 rule against chunked
    truncation.

    Left, the 2015 rule: output ``t`` sends its error back to steps
    ``max(0, t-k) .. t``. Right, frameworks' chunks of ``k + 1`` steps: the
    error stops at the start of its chunk.
    """
    fig, axes = plt.subplots(
        1, 2, figsize=(9, 4.2), layout="constrained", sharey=True
    )
    t = np.arange(T)[:, None]
    j = np.arange(T)[None, :]
    sliding = (j <= t) & (j >= t - k)
    chunked = (j <= t) & (j // (k + 1) == t // (k + 1))
    for a, mask, title in (
        (axes[0], sliding, f"2015 rule: k = {k} steps back"),
        (axes[1], chunked, f"chunks of {k + 1} steps"),
    ):
        a.imshow(mask, cmap="Oranges", vmin=0, vmax=1.4, origin="upper")
        a.set_title(title, fontsize=11)
        a.set_xlabel("step j that receives gradient")
        a.set_xticks(range(0, T, 2))
        a.set_yticks(range(0, T, 2))
    axes[0].set_ylabel("output t whose error is sent back")
    return fig


def plot_loss_curves(
    curves: dict[str, tuple[Sequence[float], Sequence[float]]],
    baselines: dict[str, float] | None = None,
    xlabel: str = "tokens seen",
) -> Figure:
    """Loss curves ``{label: (x, loss)}`` with horizontal reference lines
    ``{label: value}``."""
    fig, ax = _figure((7, 4))
    palette = [COLORS["s"], COLORS["x"], COLORS["o"], COLORS["back"]]
    for (label, (x, y)), color in zip(curves.items(), cycle(palette)):
        ax.plot(
            x, y, "o-", color=color, linewidth=2, markersize=4, label=label
        )
    for (label, value), style in zip(
        (baselines or {}).items(), cycle(["--", ":", "-."])
    ):
        ax.axhline(
            value,
            color="#555555",
            linestyle=style,
            linewidth=1,
            label=f"{label} ({value:.2f})",
        )
    ax.set(xlabel=xlabel, ylabel="loss (nats per word)")
    ax.legend(fontsize=9)
    return fig


def plot_activation_derivatives() -> Figure:
    """tanh′ and sigmoid′ with their maxima γ = 1 and γ = 1/4."""
    fig, ax = _figure((6.5, 3.4))
    a = np.linspace(-6, 6, 601)
    sig = sigmoid(a)
    tanh_label = r"$\tanh'(a) = 1 - \tanh^2 a$, $\gamma = 1$"
    sigmoid_label = r"$\sigma'(a) = \sigma(a)(1-\sigma(a))$, $\gamma = 1/4$"
    for derivative, color, label in (
        (1 - np.tanh(a) ** 2, COLORS["s"], tanh_label),
        (sig * (1 - sig), COLORS["x"], sigmoid_label),
    ):
        ax.plot(a, derivative, color=color, linewidth=2, label=label)
    for gamma in (1.0, 0.25):
        ax.axhline(gamma, color="#999999", linestyle=":", linewidth=1)
    ax.set(xlabel="pre-activation $a$", ylabel="derivative")
    ax.legend(fontsize=9, loc="upper right")
    return fig


def plot_gradient_decay(flows: dict, show_bound: bool = True) -> Figure:
    """``‖∂L_T/∂s_{T-k}‖`` against steps back ``k`` (log scale) for
    ``{label: GradientFlow}``, each with its bound ``(λ₁γ)^k`` dashed in
    the same colour."""
    fig, ax = _figure((7, 4))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for (label, flow), color in zip(flows.items(), cycle(colors)):
        norms = np.maximum(flow.loss_grad_norm, 1e-300)  # 0 has no log
        ax.semilogy(
            flow.steps_back, norms, color=color, linewidth=2, label=label
        )
        if show_bound and flow.bound is not None:
            bound = np.maximum(flow.bound, 1e-300)
            ax.semilogy(flow.steps_back, bound, "--", color=color, linewidth=1)
    low = min(f.loss_grad_norm.min() for f in flows.values())
    high = max(f.loss_grad_norm.max() for f in flows.values())
    ax.set_ylim(max(low / 10, 1e-40), max(10.0, min(high * 10, 1e40)))
    ax.set_xlabel("steps back $k$")
    ax.set_ylabel(r"$\|\partial L_T / \partial s_{T-k}\|$")
    ax.legend(fontsize=9)
    return fig


def plot_contributions(C: np.ndarray) -> Figure:
    """Heatmap (log colour scale) of per-(output t, step k) contributions to
    ``∂L/∂W``."""
    fig, ax = _figure((6, 5))
    masked = np.ma.masked_where(C <= 0, C)
    image = ax.imshow(
        masked,
        cmap="viridis",
        norm=LogNorm(
            vmin=max(masked.min(), masked.max() * 1e-12), vmax=masked.max()
        ),
    )
    ax.set_xlabel("step $k$ whose weights receive the gradient")
    ax.set_ylabel("output $t$ whose error is sent back")
    fig.colorbar(image, ax=ax, label=r"$\|\delta^{(t)}_k s_{k-1}^\top\|$")
    return fig


def plot_gate_activations(
    words: Sequence[str],
    gates: dict[str, np.ndarray],
    axes: Sequence[Axes],
    units: int = 24,
) -> Figure:
    """Heatmaps of gate activations (time × unit) over a sentence, one panel
    per gate.

    Parameters
    ----------
    words : sequence of str
        The input words (x axis).
    gates : dict of name to array (T, H)
        From :meth:`tutorial_rnn.gated_lm.GatedLMNumpy.gate_activations`;
        values in [0, 1] (an entry named ``c``, the LSTM's cell, is shown on
        its own symmetric scale).
    axes : sequence of Axes
        One per gate, in the order of ``gates``.
    units : int
        Show the first ``units`` hidden units.
    """
    axes = np.atleast_1d(axes)
    fig = axes[0].figure
    for ax, (name, values) in zip(axes, gates.items(), strict=True):
        shown = values[:, :units]
        scale = {"cmap": "viridis", "vmin": 0, "vmax": 1}
        if name == "c":
            lim = float(np.abs(shown).max()) or 1.0
            scale = {"cmap": "RdBu_r", "vmin": -lim, "vmax": lim}
        im = ax.imshow(shown, aspect="auto", **scale)
        ax.set_title(f"${name}_t$", fontsize=12)
        ax.set_xlabel("hidden unit")
        fig.colorbar(im, ax=ax, shrink=0.8)
    axes[0].set_yticks(range(len(words)), words, fontsize=9)
    return fig
