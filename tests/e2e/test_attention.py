"""End to end: on the Attention page a newcomer clicks a cell of the summary and that head opens below."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def settle(page) -> None:
    page.wait_for_timeout(500)
    page.wait_for_selector("[data-testid=stStatusWidget]", state="detached", timeout=120_000)
    page.wait_for_timeout(1000)


def test_clicking_a_summary_cell_opens_that_head(server, page):
    page.goto(f"{server}/attention")
    page.get_by_role("heading", name="Attention", exact=True).wait_for(timeout=60_000)
    page.get_by_role("heading", name="SmolLM2-135M-Instruct (bundled) · fp32").wait_for(timeout=120_000)
    settle(page)
    # the strongest previous-token head of SmolLM2 opens by default, a bright line just under the diagonal
    page.get_by_text("Layer 16, head 0", exact=True).wait_for()
    plot = page.locator("[data-testid=stPlotlyChart]").first.locator(".nsewdrag").first
    box = plot.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 3.5 / 9, box["y"] + box["height"] * 5.5 / 30)  # layer 5, head 3
    settle(page)
    page.get_by_text("Layer 5, head 3", exact=True).wait_for(timeout=60_000)
    assert page.locator("[data-testid=stException]").count() == 0
