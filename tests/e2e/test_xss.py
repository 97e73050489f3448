"""End to end in Chromium: script payloads typed as a prompt, a model name, a pasted corpus and a run name render as
inert text. Nothing runs (window.__xss stays undefined, no dialog opens), no payload element reaches the page's
DOM, and the payload can be read on the page as the characters it is."""

from __future__ import annotations

import pytest

from tests.e2e.test_dashboard import wait_app

pytestmark = pytest.mark.e2e

PAYLOADS = [
    "<img src=x onerror=window.__xss=1>",
    "<script>window.__xss=1</script>",
    '<a href="javascript:window.__xss=1">click me</a>',
    "[click me too](javascript:window.__xss=1)",
    "![beacon](javascript:window.__xss=1)",
]
PAYLOAD = " ".join(PAYLOADS)
# Elements a payload would create if it were parsed as HTML or Markdown instead of shown as text.
INJECTED = "img[src='x'], img[alt='beacon'], a[href^='javascript'], script:text('__xss')"


@pytest.fixture
def watched(page):
    """The page, with every dialog recorded (and dismissed) so that a test can assert none opened."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield page, dialogs


def assert_inert(page, dialogs: list[str]) -> None:
    wait_app(page)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert dialogs == []
    assert page.locator(INJECTED).count() == 0
    assert page.locator("[data-testid=stException]").count() == 0


def test_payloads_in_a_prompt_and_a_model_name_stay_text(server, watched, tiny_hf_model):
    page, dialogs = watched
    page.goto(f"{server}/generate")
    page.get_by_role("heading", name="Generate").wait_for(timeout=60_000)
    wait_app(page)
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="Other…", exact=True).click()
    wait_app(page)
    path = page.get_by_role("textbox", name="Folder, .gguf file or hub id")

    path.fill(PAYLOADS[0])  # as a model name: refused, and the message quotes it
    path.press("Enter")
    wait_app(page)
    page.get_by_test_id("stChatInputTextArea").fill("Hello")
    page.get_by_test_id("stChatInputTextArea").press("Enter")
    page.get_by_test_id("stAlertContentError").get_by_text(PAYLOADS[0], exact=False).wait_for(timeout=60_000)
    assert_inert(page, dialogs)

    path.fill(str(tiny_hf_model))  # as prompts to a real model: shown as sent, and answered
    path.press("Enter")
    wait_app(page)
    for payload in PAYLOADS:  # one at a time: the tiny model reads only 128 tokens
        page.get_by_role("button", name="Clear chat").click()
        wait_app(page)
        page.get_by_test_id("stChatInputTextArea").fill(payload)
        page.get_by_test_id("stChatInputTextArea").press("Enter")
        page.get_by_text("tokens/s ·").wait_for(timeout=60_000)
        assert page.get_by_test_id("stChatMessage").first.get_by_test_id("stText").inner_text() == payload
        assert_inert(page, dialogs)


def test_payloads_in_a_pasted_corpus_and_a_run_name_stay_text(server, watched):
    page, dialogs = watched
    page.goto(f"{server}/train")
    page.get_by_role("heading", name="Train a tiny language model").wait_for(timeout=60_000)
    wait_app(page)
    page.get_by_text("Paste text", exact=True).click()
    wait_app(page)
    corpus = page.get_by_role("textbox", name="Your text")
    corpus.fill((PAYLOAD + "\n") * 40)
    corpus.blur()
    page.get_by_test_id("stSelectbox").first.click()  # the family: an n-gram trains in a moment
    page.get_by_role("option", name="N-gram", exact=True).click()
    wait_app(page)
    for label, value in [("Steps", "20"), ("Context length (tokens)", "16")]:
        box = page.get_by_role("spinbutton", name=label)
        box.fill(value)
        box.press("Enter")
        wait_app(page)
    page.get_by_text("More settings").click()
    for label, value in [("Warmup steps", "0"), ("Validate every … steps", "10")]:
        box = page.get_by_role("spinbutton", name=label)
        box.fill(value)
        box.press("Enter")
        wait_app(page)
    name = page.get_by_role("textbox", name="Run name")
    name.fill(PAYLOADS[1])
    name.press("Enter")
    wait_app(page)
    page.get_by_role("button", name="Start training").click()
    page.get_by_text("Finished").wait_for(timeout=120_000)
    page.get_by_role("heading", name="script-window.__xss-1-script").wait_for()  # the run name, made safe
    assert_inert(page, dialogs)
    assert corpus.input_value().startswith(PAYLOAD)  # the corpus is still there, as typed

    page.goto(f"{server}/runs")  # samples of a model trained on the payloads: text too
    page.get_by_role("heading", name="Runs").wait_for(timeout=60_000)
    page.get_by_test_id("stCode").first.wait_for(timeout=60_000)
    assert "<" in page.get_by_test_id("stCode").first.inner_text()
    assert_inert(page, dialogs)
