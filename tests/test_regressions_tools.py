"""Issue 23: regression tests for the explorer (12), the gradient checker
(13, 16) and the Zipf plot (16), each written before its fix and seen
failing."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tutorial_rnn import plots
from tutorial_rnn.gradcheck import gradient_check, numerical_gradient
from tutorial_rnn.widgets import flow_for, static_gradient_explorer

SMALL = {"length": 8, "hidden_size": 4, "stride": 2}


# 12 --------------------------------------------------------------------
@pytest.mark.parametrize("stride", [-1, 0, 9, 10**6, 2.0])
def test_p12_a_bad_stride_is_refused(stride):
    error = TypeError if isinstance(stride, float) else ValueError
    with pytest.raises(error, match="stride must be"):
        static_gradient_explorer(
            scales=(1.0,), cells=("tanh",), length=8, stride=stride
        )


@pytest.mark.parametrize("axis", ["cells", "inits", "gate_biases"])
def test_p12_an_empty_axis_is_refused(axis):
    with pytest.raises(ValueError, match=f"{axis} must"):
        static_gradient_explorer(
            scales=(1.0,), **{"cells": ("gru",), **SMALL, axis: ()}
        )


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"scales": (0.101, 0.104)}, "scales"),
        ({"scales": {"tanh": (1.0, 1.0)}}, "scales"),
        ({"gate_biases": (1.01, 1.04)}, "gate_biases"),
        ({"cells": ("tanh", "tanh")}, "cells"),
        ({"inits": ("random", "random")}, "inits"),
    ],
)
def test_p12_values_with_the_same_label_are_refused(kwargs, name):
    args = {"scales": (1.0,), "cells": ("tanh", "gru"), **SMALL, **kwargs}
    if isinstance(args["scales"], dict):
        args["cells"] = tuple(args["scales"])
    with pytest.raises(ValueError, match=f"{name} "):
        static_gradient_explorer(**args)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"cells": ("gelu",)}, "cell"), ({"inits": ("eye",)}, "init")],
)
def test_p12_unknown_names_are_refused_before_any_work(kwargs, name):
    with pytest.raises(ValueError, match=f"{name} must be one of"):
        static_gradient_explorer(scales=(1.0,), **{**SMALL, **kwargs})


def test_p12_curves_that_overflow_are_refused():
    # relu with lambda_1 = 8 over 500 steps: the gradient passes 1e308 (and
    # decay_after(500) was NaN)
    with pytest.raises(ValueError, match="overflows float64"):
        static_gradient_explorer(
            scales=(8.0,),
            cells=("relu",),
            inits=("orthogonal",),
            length=500,
            hidden_size=4,
            stride=50,
        )
    with pytest.raises(ValueError, match="overflows float64"):
        flow_for("relu", 8.0, "orthogonal", 500, 4)


# 13 --------------------------------------------------------------------
def test_p13_an_interrupted_numerical_gradient_restores_the_weight():
    w = np.array([1.0, 2.0, 3.0])
    calls = []

    def f():
        calls.append(1)
        if len(calls) == 6:  # second entry, shifted by h
            raise KeyboardInterrupt
        return float((w**2).sum())

    with pytest.raises(KeyboardInterrupt):
        numerical_gradient(f, w)
    np.testing.assert_array_equal(w, [1.0, 2.0, 3.0])


# 16 --------------------------------------------------------------------
def test_p16_gradient_check_refuses_max_entries_zero():
    w = np.ones(3)
    for bad, error in ((0, ValueError), (-2, ValueError), (1.5, TypeError)):
        with pytest.raises(error, match="max_entries must be"):
            gradient_check(
                lambda: float(w.sum()), {"w": w}, {"w": w}, max_entries=bad
            )


@pytest.mark.parametrize("plot", [plots.plot_zipf, plots.plot_coverage])
@pytest.mark.parametrize("counts", [[], [0, 0], np.zeros(0)])
def test_p16_plot_zipf_of_no_counts_is_a_clear_error(plot, counts):
    with pytest.raises(ValueError, match="counts must hold"):
        plot(counts)


@pytest.mark.parametrize("plot", [plots.plot_zipf, plots.plot_coverage])
def test_p16_plot_zipf_refuses_negative_or_non_finite_counts(plot):
    for bad, named in (
        ([3, -1], r"counts must be non-negative, got \[-1.0\]"),
        ([3, np.nan], "counts holds 1 non-finite"),
        ([np.inf, 1], "counts holds 1 non-finite"),
    ):
        with pytest.raises(ValueError, match=named):
            plot(bad)
    with pytest.raises(TypeError, match="counts must hold real numbers"):
        plot(["3", "1"])


def test_every_curve_baseline_and_flow_is_drawn_however_many():
    """Colours and line styles cycle: a 17th curve, a 13th baseline or a
    17th gradient flow was silently dropped."""
    curves = {f"c{i}": ([0, 1], [2.0, 1.0]) for i in range(17)}
    baselines = {f"b{i}": float(i) for i in range(13)}
    fig = plots.plot_loss_curves(curves, baselines)
    assert len(fig.axes[0].get_legend_handles_labels()[1]) == 17 + 13
    flow = SimpleNamespace(
        steps_back=np.arange(3), loss_grad_norm=np.ones(3), bound=None
    )
    fig = plots.plot_gradient_decay({f"f{i}": flow for i in range(17)})
    assert len(fig.axes[0].lines) == 17
