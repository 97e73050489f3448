"""End to end: two Compare slots served by an OpenAI-compatible server (the stub, on loopback) in a real browser."""

from __future__ import annotations

import pytest

from tests.e2e.test_compare import choose, open_with_two_slots
from tests.e2e.test_dashboard import wait_app
from tests.openai_stub import ANSWER, OpenAIStub

pytestmark = pytest.mark.e2e


def test_two_endpoint_slots_stream_and_chart(server, page):
    with OpenAIStub() as stub:
        open_with_two_slots(server, page)
        for slot, model in enumerate(["stub", "no-usage"]):
            choose(page, page.get_by_test_id("stSelectbox").nth(slot), "OpenAI-compatible endpoint…")
            for label, value in (("Base URL", stub.url), ("Model name", model)):
                box = page.get_by_role("textbox", name=label).nth(slot)
                box.fill(value)
                box.press("Enter")
                wait_app(page)

        page.get_by_role("button", name="Compare").click()
        figures = page.get_by_text("tokens/s ·")
        figures.nth(1).wait_for(timeout=60_000)
        wait_app(page)
        assert page.get_by_text(ANSWER).count() == 2
        assert page.get_by_text("the server's count").count() == 1 and page.get_by_text("streamed chunks").count() == 1
        assert page.locator("[data-testid=stError], [data-testid=stException]").count() == 0
        page.locator(".js-plotly-plot").wait_for(timeout=30_000)
        assert page.locator(".js-plotly-plot").get_by_text("n/a").count() == 2  # memory: not applicable, no bar
