"""The Model scale page: it renders the four charts and the table, filters, and answers the memory question."""

from __future__ import annotations

from tests.pages.conftest import open_page, widget


def chart_titles(at) -> list[str]:
    import json

    return [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in at.get("plotly_chart")]


def test_scale_page_renders(trained_runs):
    at = open_page("scale")
    titles = chart_titles(at)
    assert len(titles) == 4
    assert "doubling every" in titles[0] and "per year" in titles[1]
    assert widget(at.multiselect, "Highlight").value == ["GPT-3 175B", "SmolLM2-135M"]
    assert at.toggle[0].value is True
    assert any("94 of 94" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert {"tiny-gpt", "tiny-ngram"} <= set(table["name"])  # the user's runs are on the map


def test_filter_by_organization_and_memory_for_llama3_70b_at_4_bit():
    at = open_page("scale")
    widget(at.multiselect, "Organization").set_value(["Meta AI"]).run()
    assert not at.exception
    assert any("of 94 catalog models match" in c.value and not c.value.startswith("94") for c in at.caption)
    assert set(at.dataframe[0].value["organization"]) == {"Meta AI"}

    assert widget(at.selectbox, "Model").value == "Llama 3 70B"
    assert widget(at.number_input, "Layers").value == 80
    memory = at.dataframe[1].value.set_index("precision")
    assert memory.loc["nf4", "weights (GB)"] == 39.375
    assert memory.loc["nf4", "80 GB GPU"] == "fits" and memory.loc["nf4", "40 GB GPU"] == "too big"

    widget(at.number_input, "Context length (tokens)").set_value(131072).run()
    memory = at.dataframe[1].value.set_index("precision")
    assert memory.loc["nf4", "total (GB)"] > 80  # 43 GB of KV cache at 128k context
