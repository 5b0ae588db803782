"""tutorial_rnn.validation: one validator, clear messages."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tutorial_rnn.validation import (
    check_array,
    check_learning_rate,
    check_pairs,
    check_scalar,
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
    with pytest.raises(ValueError, match="a has shape"):
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
