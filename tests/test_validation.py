"""tutorial_rnn.validation: one validator, clear messages."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tutorial_rnn.validation import (
    as_ids,
    check_array,
    check_clip,
    check_fit_arguments,
    check_learning_rate,
    check_pairs,
    check_parameters,
    check_scalar,
    check_seed,
    check_sgd_arguments,
    check_tokens,
)


@pytest.mark.parametrize(
    "value,kwargs,expected",
    [
        (3, {"target_type": int, "min_val": 1}, 3),
        (np.int32(3), {"target_type": int, "min_val": 1}, 3),
        (2, {"target_type": float}, 2.0),
        (np.float32(0.5), {"target_type": float, "max_val": 1}, 0.5),
        (None, {"target_type": float, "allow_none": True}, None),
        (
            1.0,
            {
                "target_type": float,
                "min_val": 0,
                "max_val": 1,
                "include_boundaries": "right",
            },
            1.0,
        ),
    ],
)
def test_check_scalar_returns_plain_numbers(value, kwargs, expected):
    out = check_scalar(value, "x", **kwargs)
    assert out == expected and type(out) is type(expected)


@pytest.mark.parametrize(
    "value,kwargs,error,message",
    [
        (
            True,
            {"target_type": int},
            TypeError,
            "x must be an integer, got bool",
        ),
        ("3", {"target_type": int}, TypeError, "got str '3'"),
        (
            2.5,
            {"target_type": int, "min_val": 1},
            TypeError,
            "positive integer",
        ),
        (None, {"target_type": float}, TypeError, "got NoneType"),
        (
            0,
            {"target_type": int, "min_val": 1},
            ValueError,
            "positive integer, got 0",
        ),
        (
            math.nan,
            {"target_type": float},
            ValueError,
            "finite number, got nan",
        ),
        (
            math.inf,
            {
                "target_type": float,
                "min_val": 0,
                "include_boundaries": "neither",
            },
            ValueError,
            "finite and positive, got inf",
        ),
        (
            1.0,
            {
                "target_type": float,
                "min_val": 0,
                "max_val": 1,
                "include_boundaries": "left",
            },
            ValueError,
            r"in \[0, 1\), got 1.0",
        ),
        (
            -1,
            {"target_type": int, "min_val": 0},
            ValueError,
            "non-negative integer",
        ),
        (
            0.0,
            {
                "target_type": float,
                "min_val": 0,
                "include_boundaries": "neither",
                "allow_none": True,
            },
            ValueError,
            "None or finite and positive, got 0.0",
        ),
        (10**400, {"target_type": float}, ValueError, "finite number"),
    ],
)
def test_check_scalar_names_the_argument_value_and_range(
    value, kwargs, error, message
):
    with pytest.raises(error, match=message):
        check_scalar(value, "x", **kwargs)


def test_check_scalar_refuses_a_bad_boundary_option():
    with pytest.raises(ValueError, match="include_boundaries"):
        check_scalar(1, "x", int, include_boundaries="open")


def test_learning_rate_keeps_its_message():
    assert check_learning_rate(np.float64(0.1)) == 0.1
    with pytest.raises(ValueError, match="learning_rate must be finite and"):
        check_learning_rate(0)
    with pytest.raises(TypeError, match="learning_rate"):
        check_learning_rate("0.1")


def test_check_array_tokens_and_pairs():
    np.testing.assert_array_equal(check_array([1.0, 2.0], "a", (2,)), [1, 2])
    with pytest.raises(TypeError, match="complex"):
        check_array(np.zeros(2, complex), "a")
    with pytest.raises(ValueError, match="a must have shape"):
        check_array(np.zeros(3), "a", (2,))
    with pytest.raises(ValueError, match="1 non-finite"):
        check_array([1.0, math.inf], "a")
    assert check_tokens(["a"]) == ["a"]
    with pytest.raises(TypeError, match="bare str"):
        check_tokens("a")
    with pytest.raises(ValueError, match="empty"):
        check_pairs([], [])
    with pytest.raises(ValueError, match="same length, got 1 and 2"):
        check_pairs([1], [1, 2])
    with pytest.raises(TypeError, match="sequence of id arrays"):
        check_pairs("ab", "cd")


def test_as_ids_in_two_dimensions_and_for_tensors():
    import torch

    ids = as_ids([[1, 2], [3, 0]], 4, ndim=2)
    assert ids.dtype == np.int64 and ids.shape == (2, 2)
    with pytest.raises(ValueError, match=r"a \(B, T\) batch"):
        as_ids([1, 2], 4, ndim=2)
    with pytest.raises(ValueError, match="x holds id 4"):
        as_ids(torch.tensor([[1, 4]]), 4, ndim=2)
    with pytest.raises(TypeError, match="integer word ids"):
        as_ids(torch.tensor([[True]]), 4, ndim=2)


def test_check_parameters_checks_names_shapes_and_values():
    expected = {"W": np.zeros((2, 2)), "b": np.zeros(2)}
    good = check_parameters({"W": np.eye(2), "b": [1, 2]}, expected)
    assert good["b"].dtype == np.float64
    with pytest.raises(TypeError, match="dict"):
        check_parameters([np.eye(2)], expected)
    with pytest.raises(ValueError, match="must hold"):
        check_parameters({"W": np.eye(2)}, expected)
    with pytest.raises(ValueError, match="shape"):
        check_parameters({"W": np.eye(3), "b": [1, 2]}, expected)
    with pytest.raises(ValueError, match="non-finite"):
        check_parameters({"W": np.eye(2), "b": [1, np.nan]}, expected)
    with pytest.raises(TypeError, match="real numbers"):
        check_parameters({"W": np.eye(2), "b": ["a", "b"]}, expected)


@pytest.mark.parametrize("seed", [-1, 2**63, 0.5, "1", None, True])
def test_check_seed_refuses_what_no_rng_takes(seed):
    with pytest.raises((TypeError, ValueError), match="seed"):
        check_seed(seed)


@pytest.mark.parametrize("clip", [0, -1.0, math.nan, math.inf, "5"])
def test_check_clip_refuses_a_bad_cap(clip):
    with pytest.raises((TypeError, ValueError), match="clip"):
        check_clip(clip)
    assert check_clip(None) is None and check_clip(2) == 2.0


def test_check_fit_arguments_checks_every_sentence_first():
    X = [np.array([1, 2]), np.array([1, 9])]
    Y = [np.array([2, 3]), np.array([2, 3])]
    with pytest.raises(ValueError, match=r"X\[1\], Y\[1\]: x holds id 9"):
        check_fit_arguments(X, Y, vocab_size=5)
    with pytest.raises(ValueError, match="Y_valid was given without"):
        check_fit_arguments(X[:1], Y[:1], vocab_size=5, Y_valid=Y)
    with pytest.raises(ValueError, match=r"X_valid\[0\]"):
        check_fit_arguments(
            X[:1], Y[:1], vocab_size=5, X_valid=X[1:], Y_valid=Y[1:]
        )
    out = check_fit_arguments(X[:1], Y[:1], vocab_size=5, epochs=2)
    assert out["epochs"] == 2.0 and out["X"][0].dtype == np.int64
    with pytest.raises(ValueError, match="lower epochs"):
        check_fit_arguments(X[:1], Y[:1], vocab_size=5, epochs=1e12)


def test_check_sgd_arguments():
    X, Y = [np.array([1, 2])], [np.array([2, 3])]
    _, _, lr, epochs, every = check_sgd_arguments(X, Y, 5, 0.1, 3, 1)
    assert (lr, epochs, every) == (0.1, 3, 1)
    with pytest.raises(TypeError, match="epochs"):
        check_sgd_arguments(X, Y, 5, 0.1, 2.5, 1)
    with pytest.raises(ValueError, match="lower epochs"):
        check_sgd_arguments(X, Y, 5, 0.1, 10**11, 1)
    with pytest.raises(ValueError, match="y holds id 7"):
        check_sgd_arguments(X, [np.array([2, 7])], 5, 0.1, 1, 1)


def test_check_parameters_names_what_it_checks():
    """gradient_check checks its analytic gradients with check_parameters,
    under their own name."""
    from tutorial_rnn.gradcheck import gradient_check

    w = np.ones((2, 3))
    out = check_parameters({"w": np.ones((2, 3), np.float32)}, {"w": w})
    assert out["w"].dtype == np.float64
    with pytest.raises(TypeError, match="params must be a dict"):
        check_parameters([w], {"w": w})
    cases = [
        ({"v": w}, ValueError, r"analytic must hold \['w'\], got \['v'\]"),
        ({"w": w.T}, ValueError, r"analytic\['w'\] must have shape \(2, 3\)"),
        ({"w": w * np.nan}, ValueError, r"analytic\['w'\] holds 6 non-fin"),
        ({"w": w.astype(complex)}, TypeError, "analytic.*real numbers"),
    ]
    for analytic, error, message in cases:
        with pytest.raises(error, match=message):
            gradient_check(lambda: float(w.sum()), {"w": w}, analytic)
    assert gradient_check(lambda: float(w.sum()), {"w": w}, {"w": w}).passed
