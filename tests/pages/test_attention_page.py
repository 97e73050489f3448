"""The Attention page: the summary and one head's views for MiniLM and a tiny GPT run, and the comparison."""

import json

import pytest

from tests.pages.conftest import open_page


def chart_titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


@pytest.fixture
def minilm_page():
    at = open_page("attention")
    at.selectbox(key="attention.model").set_value("minilm").run()
    assert not at.exception, at.exception
    return at


def test_smoke_minilm_summary_strongest_heads_and_a_head(minilm_page):
    at = minilm_page
    assert at.title[0].value == "Attention"
    assert "[CLS]" in at.code[0].value and "all-MiniLM-L6-v2" in at.subheader[0].value
    titles = chart_titles(at)
    assert titles[0].startswith("Previous-token heads")
    assert any(t.startswith("Layer ") for t in titles) and any(t.startswith("All 12 heads") for t in titles)
    assert "previous-token head" in " ".join(c.value for c in at.caption)
    assert len(at.dataframe[0].value) == 5  # the strongest heads


def test_pick_a_head_change_the_metric_and_compare_with_a_tiny_gpt(minilm_page, trained_runs):
    at = minilm_page
    at.selectbox(key="attention.0.layer").set_value(3).run()
    at.selectbox(key="attention.0.head").set_value(7).run()
    assert "Layer 3, head 7" in chart_titles(at)
    at.segmented_control(key="attention.metric").set_value("sink").run()
    assert chart_titles(at)[0].startswith("Attention-sink heads")
    assert "Layer 3, head 7" in chart_titles(at)  # the chosen head stays open
    at.text_area(key="attention.text").set_value("The cat sat.").run()
    at.toggle(key="attention.compare").set_value(True).run()
    gpt = next(r for r in trained_runs if r.name == "tiny-gpt")
    at.selectbox(key="attention.second.model").set_value(str(gpt.path)).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.subheader][1] == "run tiny-gpt · fp32"
    assert sum(t.startswith("Attention-sink heads") for t in chart_titles(at)) == 2
    assert "All 2 heads of layer 0 (hover for tokens)" in chart_titles(at)


def test_bad_text_is_explained(minilm_page):
    at = minilm_page
    at.text_area(key="attention.text").set_value("   ").run()
    assert not at.exception and "Type some text" in at.error[0].value


def test_other_takes_a_hugging_face_folder(tiny_hf_model):
    at = open_page("attention")
    at.selectbox(key="attention.model").set_value("__other__").run()
    at.text_input(key="attention.other").set_value(str(tiny_hf_model)).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.subheader[0].value.startswith("tiny-llama")
    assert any(t.startswith("All 2 heads of layer") for t in chart_titles(at))
