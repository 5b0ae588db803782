"""The static gradient-decay explorer in a real browser: dragging the slider redraws the curve."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tutorial_rnn.widgets import static_gradient_explorer

CHROMIUM = os.environ.get("TUTORIAL_RNN_CHROMIUM", "/usr/bin/chromium")
playwright_api = pytest.importorskip(
    "playwright.sync_api",
    reason="pip install playwright to run the browser tests",
)
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run installs it)",
)


def test_slider_changes_the_plotted_data(tmp_path):
    page_file = tmp_path / "explorer.html"
    html = static_gradient_explorer(
        scales=(0.5, 1.0, 1.5), length=60, hidden_size=16, stride=2
    )
    page_file.write_text(
        f"<!doctype html><html><body>{html}</body></html>", encoding="utf-8"
    )
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_file.as_uri())
        path = 'path[data-role="measured"]'
        before = page.get_attribute(path, "d")
        readout_before = page.inner_text('[data-role="readout"]')
        page.eval_on_selector(
            '[data-role="scale"]',
            "s => { s.value = 2; s.dispatchEvent(new Event('input')); }",
        )
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
        assert (
            page.locator('path[data-role="bound"]').count() == 0
        )  # no Pascanu bound for gated cells
        gru_low = page.get_attribute(path, "d")
        page.select_option('[data-role="bias"]', "4.0")
        assert page.get_attribute(path, "d") != gru_low
        assert not errors, errors
        browser.close()
