"""End to end: the Generate and Compare pages in a real browser; two slots answer one prompt side by side."""

from __future__ import annotations

import pytest

from tests.e2e.test_dashboard import wait_app

pytestmark = pytest.mark.e2e


def choose(page, selectbox, option: str) -> None:
    selectbox.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_app(page)


@pytest.mark.parametrize(("path", "heading"), [("generate", "Generate"), ("compare", "Compare")])
def test_the_pretrained_model_pages_open_without_an_exception(server, page, path, heading):
    page.goto(f"{server}/{path}")
    page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
    page.get_by_test_id("stSelectbox").first.wait_for(timeout=60_000)
    wait_app(page)
    assert page.locator("[data-testid=stException]").count() == 0
    page.get_by_test_id("stSidebarUserContent").get_by_text("Loaded models").wait_for()


def open_with_two_slots(server: str, page) -> None:
    """The Compare page, switched from its three default slots to two."""
    page.goto(f"{server}/compare")
    page.get_by_role("button", name="Compare").wait_for(timeout=60_000)
    wait_app(page)
    page.get_by_role("radiogroup", name="Slots").get_by_role("radio", name="2", exact=True).click()
    page.get_by_text("Slot 3").wait_for(state="detached")
    wait_app(page)


def test_two_slots_answer_side_by_side(server, page, tiny_hf_model):
    open_with_two_slots(server, page)
    for slot, precision in enumerate(["fp32 (full precision)", "bf16"]):
        boxes = page.get_by_test_id("stSelectbox")  # per slot: model, then precision
        choose(page, boxes.nth(2 * slot), "Other…")
        path = page.get_by_role("textbox", name="Folder, .gguf file or hub id").nth(slot)
        path.fill(str(tiny_hf_model))
        path.press("Enter")
        wait_app(page)
        choose(page, page.get_by_test_id("stSelectbox").nth(2 * slot + 1), precision)

    page.get_by_role("button", name="Compare").click()
    figures = page.get_by_text("tokens/s ·")
    figures.nth(1).wait_for(timeout=60_000)
    wait_app(page)
    assert figures.count() == 2
    assert page.get_by_text("tiny-llama0 · fp32").count() and page.get_by_text("tiny-llama0 · bf16").count()
    assert page.locator("[data-testid=stError], [data-testid=stException]").count() == 0
    page.locator(".js-plotly-plot").wait_for(timeout=30_000)  # one chart: memory, tokens/s, first token
