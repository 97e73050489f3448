"""End to end: the real server in a real browser, as a user sees it."""

from __future__ import annotations

import re
import time

import pytest

from core.runs import list_runs

pytestmark = pytest.mark.e2e

CHART_POINTS = (
    "() => { const g = document.querySelector('.js-plotly-plot'); "
    "return g && g._fullData ? g._fullData[0].x.length : 0 }"
)


def wait_app(page) -> None:
    page.wait_for_selector("[data-testid=stApp]")
    page.wait_for_selector("[data-testid=stStatusWidget]", state="detached", timeout=60_000)


@pytest.mark.parametrize(
    ("path", "heading"), [("", "LLM Ecosystem Dashboard"), ("train", "Train a tiny language model"), ("runs", "Runs")]
)
def test_every_page_opens_without_an_exception(server, page, path, heading):
    page.goto(f"{server}/{path}")
    page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
    wait_app(page)
    assert page.locator("[data-testid=stException]").count() == 0


def test_train_a_gpt_and_watch_the_loss_chart_grow(server, page):
    page.goto(f"{server}/train")
    page.get_by_role("button", name="Start training").wait_for(timeout=60_000)
    steps = page.get_by_label("Steps", exact=True)
    steps.fill("3000")  # long enough to still be training while we watch; stopped below
    steps.press("Enter")
    wait_app(page)
    page.get_by_role("button", name="Start training").click()
    page.get_by_role("button", name="Stop training").wait_for(timeout=60_000)

    page.wait_for_function(f"({CHART_POINTS})() >= 2", timeout=90_000)
    first = page.evaluate(CHART_POINTS)
    page.wait_for_function(f"({CHART_POINTS})() > {first}", timeout=60_000)  # the chart grows live
    assert page.locator("[data-testid=stException]").count() == 0

    page.reload()  # a reload shows the same live run
    page.wait_for_function(f"({CHART_POINTS})() > {first}", timeout=60_000)

    page.get_by_role("button", name="Stop training").click()
    [run] = list_runs()
    deadline = time.time() + 60
    while run.is_running and time.time() < deadline:
        time.sleep(0.5)
    assert run.status()["state"] == "stopped"
    assert run.has_checkpoint()
    page.get_by_text(re.compile(r"Stopped$")).wait_for(timeout=30_000)  # the page redraws as a stopped run
