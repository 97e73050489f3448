import pytest

from tests.pages.conftest import button, open_page, pick_model

pytestmark = pytest.mark.usefixtures("empty_model_cache")
TIMEOUT = 120


def test_opens_with_smollm2_at_fp32_against_int8_and_nf4():
    at = open_page("precision")
    assert at.title[0].value == "Precision lab"
    assert at.selectbox(key="precision.model").value == "smollm2"
    assert at.selectbox(key="precision.precision").value == "fp32"
    assert at.multiselect(key="precision.compared").value == ["int8", "nf4"]
    assert at.number_input(key="precision.new").value == 32
    assert not at.exception and not at.get("plotly_chart")


def test_runs_a_tiny_model_at_fp32_and_bf16(tiny_hf_model):
    at = open_page("precision")
    pick_model(at, "precision", str(tiny_hf_model), "fp32")
    at.multiselect(key="precision.compared").set_value(["bf16"]).run()
    at.number_input(key="precision.new").set_value(8)
    button(at, "Run").click().run(timeout=TIMEOUT)
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert list(table["precision"]) == ["fp32", "bf16"]
    assert {"memory (MB)", "tokens/s", "perplexity", "first divergence", "mean KL (nats)"} <= set(table.columns)
    [chart] = at.get("plotly_chart")
    assert "bf16" in chart.proto.spec
    assert len(at.code) == 2  # the answers side by side


def test_one_precision_alone_gets_a_message(tiny_hf_model):
    at = open_page("precision")
    pick_model(at, "precision", str(tiny_hf_model), "fp32")
    at.multiselect(key="precision.compared").set_value([]).run()
    button(at, "Run").click().run(timeout=TIMEOUT)
    assert "at least two" in at.error[0].value
