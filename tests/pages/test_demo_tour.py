import pytest

from core.demo_assets import DEMO_RUN, ensure_demo_run
from dashboard.tour import STEPS
from tests.core.test_demo_assets import TINY
from tests.pages.conftest import open_page, widget


def click(at, key_prefix: str) -> None:
    [button] = [b for b in at.button if b.key and b.key.startswith(key_prefix)]
    button.click().run()
    assert not at.exception, at.exception


def follow(at) -> str:
    """AppTest asks for the page it was last switched to on every run: follow the app's own st.switch_page."""
    step = at.session_state.get("tour.step")
    page = "demo" if step is None else STEPS[step].page
    at.switch_page(f"../pages/{page}.py")
    return page


@pytest.fixture
def demo_run_ready(runs_dir):
    ensure_demo_run(settings={**TINY, "block_size": 64}, log=lambda _: None)  # the tour's sentence fits
    return runs_dir / DEMO_RUN


def test_demo_page_explains_the_steps_and_how_to_get_the_demo_run():
    at = open_page("demo")
    assert at.title[0].value == "Demo tour"
    text = " ".join(m.value for m in at.markdown)
    assert all(step.title in text for step in STEPS)
    assert "make demo-assets" in at.info[0].value
    assert [b.label for b in at.button if b.key == "tour.start"] == ["Start the tour"]


def test_the_tour_walks_every_step_with_presenter_defaults(demo_run_ready):
    at = open_page("demo")
    assert "demo run is ready" in at.success[0].value
    at.session_state["compare_results"] = ["an earlier comparison"]  # must not pass for the tour's own
    click(at, "tour.start")
    titles = []
    for i, step in enumerate(STEPS):
        assert follow(at) == step.page
        bar = " ".join(m.value for m in at.markdown)
        assert f"step {i + 1} of {len(STEPS)}: {step.title}" in bar
        assert not at.error and not at.warning, [e.value for e in [*at.error, *at.warning]]
        titles.append(at.title[0].value)
        if step.page == "train":
            assert widget(at.number_input, "Steps").value == 300
            assert widget(at.number_input, "Layers").value == 2
            assert at.radio(key="corpus_choice").value == "tinyshakespeare"
        if step.page == "attention":
            assert at.selectbox(key="attention.model").value == "smollm2"
            assert at.selectbox(key="attention.second.model").value == str(demo_run_ready)
            assert at.toggle(key="attention.compare").value is True
            assert at.text_area(key="attention.text").value.startswith("To be, or not to be")
        if step.page == "compare":
            assert at.session_state["compare.slots"] == 2
            assert [at.selectbox(key=f"slot{i}.precision").value for i in range(2)] == ["fp32", "nf4"]
            assert at.number_input(key="compare.new").value == 32
            assert "compare_results" not in at.session_state
        click(at, "tour.next")
    assert titles == ["Ecosystem", "Model scale", "Train a tiny language model", "Attention", "Compare"]
    assert follow(at) == "demo"  # Finish: back to the Demo page, tour off
    assert at.title[0].value == "Demo tour" and [b.key for b in at.button if b.key == "tour.start"]


def test_previous_and_exit(demo_run_ready):
    at = open_page("demo")
    click(at, "tour.start")
    follow(at)
    previous = [b for b in at.button if b.key and b.key.startswith("tour.previous")]
    assert previous[0].disabled  # nothing before the first step
    click(at, "tour.next")
    assert follow(at) == "scale"
    widget(at.multiselect, "Highlight").set_value(["GPT-4"]).run()  # a presenter's change stays until re-entry
    click(at, "tour.previous")
    assert follow(at) == "ecosystem" and at.title[0].value == "Ecosystem"
    click(at, "tour.next")
    follow(at)
    assert "SmolLM2-135M" in widget(at.multiselect, "Highlight").value  # entering a step applies its defaults
    click(at, "tour.exit")
    assert follow(at) == "demo" and "tour.step" not in at.session_state
    at.switch_page("../pages/scale.py").run()
    assert not [m for m in at.markdown if "Demo tour · step" in m.value]  # no bar once the tour is off


def test_without_the_demo_run_the_attention_step_says_how_to_make_it():
    at = open_page("demo")
    at.session_state["tour.step"] = 2  # resume just before it, without loading SmolLM2 in this test
    at.switch_page("../pages/demo.py").run()
    note = STEPS[3].note()
    assert "make demo-assets" in note and "SmolLM2" in note
    assert STEPS[3].defaults()["attention.compare"] is False  # SmolLM2 alone
    assert [b.label for b in at.button if b.key == "tour.resume"] == ["Resume at step 3"]
