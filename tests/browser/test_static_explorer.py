"""The static gradient-decay explorer in a real browser: dragging the slider
redraws the curve, and the sigmoid's slider reaches λ₁ ≥ 12, where
Exercise 3.1's answer lies, both on a page of its own and on the built
website."""

from __future__ import annotations

import json

import pytest

from tutorial_rnn.widgets import static_gradient_explorer, static_template

CHAPTER_3 = "chapters/03_bptt_vanishing_gradients.html"


@pytest.fixture
def page(browser):
    """A page of ``conftest.py``'s browser that collects its errors."""
    page = browser.new_page()
    page.set_default_timeout(20_000)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    page.close()


def _move_slider(page, root: str, index: int) -> None:
    page.eval_on_selector(
        f'{root} [data-role="scale"]',
        f"s => {{ s.value = {index}; s.dispatchEvent(new Event('input')); }}",
    )


def test_slider_changes_the_plotted_data(tmp_path, page):
    page_file = tmp_path / "explorer.html"
    html = static_gradient_explorer(
        scales=(0.5, 1.0, 1.5), length=60, hidden_size=16, stride=2
    )
    page_file.write_text(
        f"<!doctype html><html><body>{html}</body></html>", encoding="utf-8"
    )
    page.goto(page_file.as_uri())
    path = 'path[data-role="measured"]'
    before = page.get_attribute(path, "d")
    readout_before = page.inner_text('[data-role="readout"]')
    assert page.inner_text('[data-role="scale-value"]') == "1.00"
    _move_slider(page, "", 2)
    after = page.get_attribute(path, "d")
    assert before and after and before != after
    assert page.inner_text('[data-role="scale-value"]') == "1.50"
    assert page.inner_text('[data-role="readout"]') != readout_before
    page.select_option('[data-role="cell"]', "sigmoid")
    assert page.get_attribute(path, "d") != after
    assert page.is_disabled('[data-role="bias"]')
    assert page.locator('path[data-role="bound"]').count() == 1
    page.select_option('[data-role="cell"]', "gru")
    assert not page.is_disabled('[data-role="bias"]')
    # no Pascanu bound for gated cells
    assert page.locator('path[data-role="bound"]').count() == 0
    gru_low = page.get_attribute(path, "d")
    page.select_option('[data-role="bias"]', "4.0")
    assert page.get_attribute(path, "d") != gru_low
    assert not page.errors, page.errors


def test_the_page_template_draws_a_grid_written_by_hand(tmp_path, page):
    """The package data file explorer.html on its own: its JavaScript
    draws whatever grid it is given, here two curves written by hand."""
    grid = {
        "steps": [0, 5, 10],
        "scales": {"tanh": ["0.50", "1.00"]},
        "cells": ["tanh"],
        "gated": [],
        "inits": ["random"],
        "biases": ["0.0"],
        "curves": {
            "tanh|random|0.50|0.0": {
                "measured": [0, -2, -4],
                "bound": [0, -1, -2],
                "readout": "halved",
            },
            "tanh|random|1.00|0.0": {
                "measured": [0, -1, -2],
                "bound": None,
                "readout": "kept",
            },
        },
    }
    html = static_template().replace("__UID__", "by-hand")
    html = html.replace("__DATA__", json.dumps(grid))
    page_file = tmp_path / "template.html"
    page_file.write_text(
        f"<!doctype html><html><body>{html}</body></html>", encoding="utf-8"
    )
    page.goto(page_file.as_uri())
    measured = 'path[data-role="measured"]'
    assert page.inner_text('[data-role="readout"]') == "kept"  # λ₁ = 1.00
    assert page.locator('path[data-role="bound"]').count() == 0
    kept = page.get_attribute(measured, "d")
    assert kept.count("L") == 2  # one segment per step after the first
    _move_slider(page, "#by-hand", 0)
    assert page.inner_text('[data-role="scale-value"]') == "0.50"
    assert page.inner_text('[data-role="readout"]') == "halved"
    assert page.locator('path[data-role="bound"]').count() == 1
    assert page.get_attribute(measured, "d") != kept
    assert not page.errors, page.errors


def _sigmoid_to_12_and_beyond(page, root: str) -> None:
    """Select sigmoid and orthogonal, drag λ₁ to each value from 12 up: the
    readout must report a gradient that survives 50 steps somewhere there."""
    page.select_option(f'{root} [data-role="cell"]', "sigmoid")
    page.select_option(f'{root} [data-role="init"]', "orthogonal")
    # λ₁ stays where it was (1.00) when the cell changes
    assert page.inner_text(f'{root} [data-role="scale-value"]') == "1.00"
    top = int(page.get_attribute(f'{root} [data-role="scale"]', "max"))
    values, kept = [], []
    for index in range(top + 1):
        _move_slider(page, root, index)
        value = float(page.inner_text(f'{root} [data-role="scale-value"]'))
        if value >= 12:
            readout = page.inner_text(f'{root} [data-role="readout"]')
            values.append(value)
            kept.append(float(readout.split("is ")[1].split(" ")[0]))
    assert values and max(values) >= 16, values
    assert max(kept) > 1e-3, list(zip(values, kept, strict=True))
    assert not page.errors, page.errors


def test_static_sigmoid_reaches_its_exercise_range(tmp_path, page):
    page_file = tmp_path / "explorer.html"
    html = static_gradient_explorer(
        cells=("tanh", "sigmoid"), inits=("random", "orthogonal"), length=60
    )
    page_file.write_text(
        f"<!doctype html><html><body>{html}</body></html>", encoding="utf-8"
    )
    page.goto(page_file.as_uri())
    _sigmoid_to_12_and_beyond(page, "")


def test_static_explorer_on_the_built_site_reaches_sigmoid_12(site, page):
    if not (site / CHAPTER_3).is_file():
        pytest.skip(f"the built site has no {CHAPTER_3}")
    page.goto((site / CHAPTER_3).as_uri())
    page.errors.clear()  # the theme's own load-time errors are not ours
    root = ".gradient-explorer"
    assert page.locator(root).count() == 1
    _sigmoid_to_12_and_beyond(page, root)
