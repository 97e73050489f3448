"""Compare with a slot served by an OpenAI-compatible server (the stub, on loopback) beside a local model."""

import json

import pytest

from dashboard.widgets import ENDPOINT
from tests.openai_stub import ANSWER, COMPLETION_TOKENS, OpenAIStub, closed_port_url
from tests.pages.conftest import button, open_page, pick_model

pytestmark = pytest.mark.usefixtures("empty_model_cache")
KEY = "sk-page-secret-456"


@pytest.fixture
def stub(monkeypatch):
    monkeypatch.setenv("STUB_API_KEY", KEY)
    with OpenAIStub() as server:
        yield server


def pick_endpoint(at, key: str, base_url: str, model: str, key_env: str = "STUB_API_KEY") -> None:
    at.selectbox(key=f"{key}.model").set_value(ENDPOINT).run()
    at.text_input(key=f"{key}.base_url").set_value(base_url)
    at.text_input(key=f"{key}.endpoint_model").set_value(model)
    at.text_input(key=f"{key}.key_env").set_value(key_env).run()


def shown_text(at) -> str:
    """Everything the page shows as text."""
    return " ".join(str(e.value) for kind in ("markdown", "caption", "error", "text") for e in at.get(kind))


def test_an_endpoint_slot_answers_beside_a_local_model_in_one_chart(stub, make_run):
    run = make_run("ngram", name="tiny-ngram")
    at = open_page("compare")
    at.button_group[0].set_value(2).run()
    pick_model(at, "slot0", str(run.path), "fp32")
    pick_endpoint(at, "slot1", stub.url + "/v1", "stub")
    assert at.text_input(key="slot1.key_env").help  # each endpoint control explains itself
    assert not [s for s in at.selectbox if s.key and s.key.startswith("slot1.precision")]
    at.text_area[0].set_value("The cat sat on the mat")  # characters the char-level run knows
    at.number_input(key="compare.new").set_value(4)
    button(at, "Compare").click().run(timeout=120)
    assert not at.exception and not at.error, [e.value for e in at.error]

    local, served = at.session_state.compare_results
    assert local.answer.memory_mb > 0
    host = stub.url.removeprefix("http://")
    assert served.title == f"2. stub @ {host}"
    assert served.answer.text == ANSWER and served.answer.new_tokens == COMPLETION_TOKENS
    assert served.answer.memory_mb is None  # not applicable, not 0
    assert stub.requests[-1].body["max_tokens"] == 4 and stub.requests[-1].body["temperature"] == 0
    text = shown_text(at)
    assert ANSWER in text and f"{COMPLETION_TOKENS} new tokens (the server's count)" in text
    assert f"served by {stub.url}" in text and KEY not in text

    [chart] = at.get("plotly_chart")
    figure = json.loads(chart.proto.spec)
    memory, rate, ttft = figure["data"]
    assert memory["y"] == [local.title, served.title] and memory["x"][1] is None
    assert ttft["x"] == [local.answer.ttft_s, served.answer.ttft_s]  # both slots, side by side
    assert [(a["text"], a["y"]) for a in figure["layout"]["annotations"] if a["text"] == "n/a"] == [
        ("n/a", served.title)
    ]


def test_endpoint_failures_are_explained_in_their_slots(stub):
    at = open_page("compare")
    at.button_group[0].set_value(3).run()
    pick_endpoint(at, "slot0", closed_port_url(), "stub")
    pick_endpoint(at, "slot1", stub.url, "401")
    pick_endpoint(at, "slot2", "localhost:8000", "stub")
    button(at, "Compare").click().run(timeout=60)
    assert not at.exception
    refused, unauthorised, bad_url = (e.value for e in at.error)
    assert "connection was refused" in refused
    assert "HTTP 401" in unauthorised and "STUB_API_KEY" in unauthorised and KEY not in unauthorised
    assert "http:// or https://" in bad_url
    assert [r.answer for r in at.session_state.compare_results] == [None, None, None]
    assert "Traceback" not in shown_text(at) and not at.get("plotly_chart")
