import pytest

from tests.pages.conftest import button, open_page, pick_model

pytestmark = pytest.mark.usefixtures("empty_model_cache")
TIMEOUT = 120


def test_opens_with_three_slots_of_smollm2_at_fp32_int8_nf4():
    at = open_page("compare")
    assert at.title[0].value == "Compare"
    assert [at.selectbox(key=f"slot{i}.precision").value for i in range(3)] == ["fp32", "int8", "nf4"]
    assert {at.selectbox(key=f"slot{i}.model").value for i in range(3)} == {"smollm2"}
    at.button_group[0].set_value(4).run()
    assert at.selectbox(key="slot3.precision").value == "bf16"
    assert not at.exception and not at.get("plotly_chart")


def test_compares_two_slots_keeps_the_answers_and_charts_them(tiny_hf_model, trained_runs):
    at = open_page("compare")
    at.button_group[0].set_value(3).run()
    pick_model(at, "slot0", str(tiny_hf_model), "fp32")
    pick_model(at, "slot1", "no/such/model/here", "fp32")  # fails in its slot; the others still answer
    pick_model(at, "slot2", str(trained_runs[1].path), "fp32")
    at.text_area[0].set_value("The cat sat on the mat")  # characters the char-level run knows
    at.number_input(key="compare.new").set_value(10)
    button(at, "Compare").click().run(timeout=TIMEOUT)
    assert not at.exception
    assert len(at.error) == 1, [e.value for e in at.error]
    assert "no/such/model/here" in at.error[0].value
    results = at.session_state.compare_results
    assert [r.answer is not None for r in results] == [True, False, True]
    assert results[0].answer.new_tokens <= 10 and results[2].answer.model == "run tiny-gpt"
    [chart] = at.get("plotly_chart")
    assert "Memory (MB)" in chart.proto.spec

    at.text_area[0].set_value("Another prompt, not compared yet").run()  # a rerun shows, never regenerates
    assert at.session_state.compare_results is results
    assert len(at.error) == 1 and at.get("plotly_chart")

    at.number_input(key="compare.new").set_value(0)  # bad settings: explained once, the last answers stay
    button(at, "Compare").click().run()
    assert "max new tokens" in at.error[0].value
    assert at.session_state.compare_results is results and at.get("plotly_chart")


def test_unload_empties_the_model_cache(tiny_hf_model, empty_model_cache):
    at = open_page("compare")
    at.button_group[0].set_value(2).run()
    pick_model(at, "slot0", str(tiny_hf_model), "fp32")
    pick_model(at, "slot1", str(tiny_hf_model), "bf16")
    at.number_input(key="compare.new").set_value(4)
    button(at, "Compare").click().run(timeout=TIMEOUT)
    assert [key[1] for key, _ in empty_model_cache.loaded()] == ["fp32", "bf16"]
    unload = [b for b in at.sidebar.button if b.label == "Unload"]
    assert len(unload) == 2
    unload[0].click().run()
    assert [key[1] for key, _ in empty_model_cache.loaded()] == ["bf16"]
    button(at, "Unload all").click().run()
    assert empty_model_cache.loaded() == [] and empty_model_cache.used_bytes() == 0
    assert "None. A model loads on first use" in " ".join(c.value for c in at.sidebar.caption)
