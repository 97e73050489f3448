import time

import pytest

from core.presets import MODEL_PRESETS, TRAIN_DEFAULTS
from core.runs import list_runs
from tests.pages.conftest import button, open_page, widget


def start(at, **numbers):
    for label, value in numbers.items():
        widget(at.number_input, label).set_value(value)
    button(at, "Start training").click().run()
    assert not at.exception, at.exception


def paste(at, text: str) -> None:
    at.radio(key="corpus_choice").set_value("paste").run()
    at.text_area(key="corpus_paste").set_value(text)


def test_opens_with_defaults_that_start_a_gpt_on_shakespeare():
    at = open_page("train")
    assert at.radio(key="corpus_choice").value == "tinyshakespeare"
    assert widget(at.selectbox, "Family").value == "gpt"
    assert widget(at.number_input, "Layers").value == MODEL_PRESETS["gpt"]["n_layer"]


@pytest.mark.parametrize(
    ("numbers", "fragment"),
    [
        ({"Learning rate": 0.0}, "learning rate"),
        ({"Learning rate": -0.01}, "learning rate"),
        ({"Batch size": 0}, "batch_size"),
        ({"Embedding width": 130}, "divisible by n_head"),
        ({"Context length (tokens)": 200_000}, "block_size"),
        ({"Steps": 20}, f"Warmup steps ({TRAIN_DEFAULTS['warmup_steps']}) must be fewer than the training steps (20)"),
    ],
)
def test_bad_settings_show_a_message_and_create_no_run(numbers, fragment):
    at = open_page("train")
    start(at, **numbers)
    assert fragment in at.error[0].value
    assert list_runs() == []


@pytest.mark.parametrize(
    ("text", "numbers", "fragment"),
    [
        ("", {}, "empty"),
        ("hello", {}, "too short"),
        ("To be or not to be. " * 30, {"Context length (tokens)": 256}, "too short for a context length of 256"),
    ],
)
def test_bad_text_shows_a_message_and_creates_no_run(text, numbers, fragment):
    at = open_page("train")
    paste(at, text)
    start(at, **numbers)
    assert fragment in at.error[0].value
    assert list_runs() == []


def test_start_trains_in_the_background_and_shows_the_run(tiny_text):
    at = open_page("train")
    paste(at, tiny_text)
    widget(at.selectbox, "Family").set_value("ngram").run()
    start(at, **{"Steps": 30, "Warmup steps": 3, "Context length (tokens)": 16, "Batch size": 8})
    assert not at.error, at.error[0].value
    [run] = list_runs()
    assert run.corpus_text() == tiny_text
    deadline = time.time() + 90
    while run.status()["state"] in ("created", "running") and time.time() < deadline:
        time.sleep(0.5)
    assert run.status()["state"] == "completed", (run.path / "train.log").read_text()
    at.run()
    assert at.subheader[0].value == run.name
    assert any("Finished" in m.value for m in at.markdown)
    assert len(run.metrics()) > 2
