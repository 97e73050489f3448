import pytest

from core.answers import Answer
from core.scenes import list_scenes, load_scene
from dashboard.generation_views import SlotResult
from tests.pages.conftest import open_page

pytestmark = pytest.mark.usefixtures("empty_model_cache")
ANSWER = Answer(
    model="SmolLM2-135M-Instruct (bundled)",
    precision="nf4",
    text="A language model predicts the next word. 下一个词。",
    new_tokens=12,
    ttft_s=0.2,
    tokens_per_s=15.0,
    total_s=1.0,
    device="cpu",
    dtype="float32",
    quantization="bitsandbytes nf4",
    memory_mb=166.0,
    load_s=1.5,
    n_params=134_515_008,
)
RESULTS = [SlotResult("1. SmolLM2 · fp32", None, "It failed."), SlotResult("2. SmolLM2 · nf4", ANSWER)]


def sidebar_button(at, key: str):
    [button] = [b for b in at.sidebar.button if b.key == key]
    return button


def test_save_replay_and_delete_a_comparison_without_generating(empty_model_cache):
    at = open_page("compare")
    at.session_state["compare_results"] = RESULTS
    at.text_area(key="compare.prompt").set_value("What is a language model?")
    at.button_group(key="compare.slots").set_value(2).run()
    at.sidebar.text_input(key="scenes.name").set_value("nf4 vs fp32").run()
    sidebar_button(at, "scenes.save").click().run()
    assert not at.exception and list_scenes() == ["nf4-vs-fp32"]
    scene = load_scene("nf4-vs-fp32")
    assert scene.page == "compare" and scene.widgets["compare.prompt"] == ["What is a language model?"]

    at.text_area(key="compare.prompt").set_value("Something else")
    at.button_group(key="compare.slots").set_value(4).run()
    del at.session_state["compare_results"]
    at.switch_page("../pages/home.py").run()  # replay from any page
    assert at.sidebar.selectbox(key="scenes.chosen").value == "nf4-vs-fp32"
    sidebar_button(at, "scenes.replay").click().run()
    at.switch_page("../pages/compare.py")  # AppTest follows the app's st.switch_page by hand
    assert not at.exception, at.exception
    assert at.title[0].value == "Compare"
    assert at.text_area(key="compare.prompt").value == "What is a language model?"
    assert at.session_state["compare.slots"] == 2
    assert at.session_state["compare_results"] == RESULTS  # the saved answers, as they were
    assert "It failed." in [e.value for e in at.error] and "nf4" in " ".join(m.value for m in at.markdown)
    assert at.get("plotly_chart") and empty_model_cache.loaded() == []  # shown and charted, nothing loaded

    sidebar_button(at, "scenes.delete").click().run()
    assert list_scenes() == [] and "No scenes saved yet." in [c.value for c in at.sidebar.caption]


def test_a_bad_scene_file_is_refused_with_a_message(scenes_dir):
    scenes_dir.mkdir()
    (scenes_dir / "broken.json").write_text("{ not json")
    at = open_page("home")
    sidebar_button(at, "scenes.replay").click().run()
    assert not at.exception
    assert "broken.json is not a scene" in at.sidebar.error[0].value
    assert at.title[0].value == "LLM Ecosystem Dashboard"
