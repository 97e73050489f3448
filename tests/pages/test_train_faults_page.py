"""The Train page with faults: a diverged run says so and what to change; a taken run name gets a number."""

import time

from core.runs import list_runs
from core.train import TrainConfig, create_run
from tests.pages.conftest import open_page, widget
from tests.pages.test_train_page import paste, start


def test_a_diverged_run_shows_its_state_and_advice(runs_dir, tiny_text):
    run = create_run(TrainConfig(model="mlp", block_size=8, max_steps=20, warmup_steps=0), runs_dir / "d", tiny_text)
    advice = "Training diverged at step 13: the loss was nan. Start a new run and lower the learning rate."
    run.write_status("diverged", advice, step=12, max_steps=20)
    at = open_page("train")
    at.session_state["train_run"] = str(run.path)
    at.run()
    assert not at.exception
    assert any("Diverged" in m.value for m in at.markdown)
    assert at.error[0].value == advice


def test_a_taken_run_name_gets_the_next_number(runs_dir, tiny_text):
    create_run(TrainConfig(model="ngram", block_size=8, max_steps=5, warmup_steps=0), runs_dir / "twin", tiny_text)
    at = open_page("train")
    paste(at, tiny_text)
    widget(at.selectbox, "Family").set_value("ngram").run()
    widget(at.text_input, "Run name").set_value("twin")
    start(at, **{"Steps": 10, "Warmup steps": 1, "Context length (tokens)": 8, "Batch size": 4})
    assert not at.error, at.error[0].value
    runs = {run.name: run for run in list_runs()}
    assert set(runs) == {"twin", "twin-2"}
    deadline = time.time() + 90  # let the background job finish inside this test's runs folder
    while runs["twin-2"].status()["state"] in ("created", "running") and time.time() < deadline:
        time.sleep(0.5)
    assert runs["twin-2"].status()["state"] == "completed"
