"""End to end: a presenter walks the demo tour in a real browser, and a copied link reopens a view."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.tour import STEPS
from tests.e2e.test_dashboard import wait_app

pytestmark = pytest.mark.e2e
TITLES = ["Ecosystem", "Model scale", "Train a tiny language model", "Attention", "Compare"]


def test_the_tour_walks_its_five_steps_and_the_url_reopens_a_view(server, page):
    page.goto(f"{server}/demo")
    page.get_by_role("button", name="Start the tour").click()
    for i, (step, title) in enumerate(zip(STEPS, TITLES, strict=True)):
        page.get_by_text(f"Demo tour · step {i + 1} of {len(STEPS)}: {step.title}").wait_for(timeout=90_000)
        page.get_by_role("heading", name=title).wait_for(timeout=90_000)
        wait_app(page)
        assert page.url.split("?")[0] == f"{server}/{step.page}"
        assert page.locator("[data-testid=stException]").count() == 0
        if step.page == "compare":
            break
        page.get_by_role("button", name="Next").click()
    link = page.url  # the Compare step's settings, as a presenter would copy them
    assert "compare.slots=2" in link and "slot1.precision=nf4" in link

    page.goto(link)  # a fresh session from the link: the same view, without the tour
    page.get_by_role("heading", name="Compare").wait_for(timeout=60_000)
    wait_app(page)
    expect(page.get_by_role("textbox", name="Prompt")).to_have_value(STEPS[-1].defaults()["compare.prompt"])
    assert page.get_by_text("Demo tour · step").count() == 0
