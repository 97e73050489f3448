import json

import pytest

from tests.pages.conftest import button, open_page, pick_model

pytestmark = pytest.mark.usefixtures("empty_model_cache")
TIMEOUT = 120


def test_opens_with_a_text_and_one_model():
    at = open_page("tokens")
    assert at.title[0].value == "Tokens"
    assert at.text_area(key="tokens.text").value.startswith("The quick brown fox")
    assert at.selectbox(key="tokens.a.model").value == "smollm2"
    assert "press Score" in at.info[0].value
    assert not at.exception and not at.get("plotly_chart")


def test_scores_two_precisions_of_a_tiny_model_and_shows_where_they_disagree(tiny_hf_model):
    at = open_page("tokens")
    pick_model(at, "tokens.a", str(tiny_hf_model), "fp32")
    at.toggle(key="tokens.two").set_value(True).run()
    pick_model(at, "tokens.b", str(tiny_hf_model), "bf16")
    at.text_area(key="tokens.text").set_value("The cat sat on the <b>mat</b>.\nThe dog sat.")
    button(at, "Score").click().run(timeout=TIMEOUT)
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert [m.split(" · ")[1] for m in table["model"]] == ["fp32", "bf16"]
    assert (table.filter(like="perplexity") > 1).all().all()
    charts = at.get("plotly_chart")
    assert len(charts) == 3  # a token colouring per model, then the disagreement
    tokens = [t for trace in json.loads(charts[0].proto.spec)["data"] for t in trace["text"]]
    assert "&lt;" in tokens and "<" not in "".join(tokens)  # model text is escaped, never read as markup
    assert "minus B" in charts[2].proto.spec


def test_generates_a_sample_into_the_text_box(tiny_hf_model):
    at = open_page("tokens")
    pick_model(at, "tokens.a", str(tiny_hf_model))
    button(at, "Generate a sample").click().run(timeout=TIMEOUT)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.text_area(key="tokens.text").value != "" and not at.text_area(key="tokens.text").value.startswith(
        "The quick brown fox"
    )


def test_an_empty_text_gets_a_message(tiny_hf_model):
    at = open_page("tokens")
    pick_model(at, "tokens.a", str(tiny_hf_model))
    at.text_area(key="tokens.text").set_value("   ")
    button(at, "Score").click().run(timeout=TIMEOUT)
    assert "empty" in at.error[0].value
