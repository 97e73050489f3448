import time

import pytest

from core.scaling import save_group, sweep_configs
from tests.conftest import TINY_LADDER
from tests.pages.conftest import open_page, widget

TINY = {**TINY_LADDER}


def _metric(at, label):
    return next(m for m in at.metric if m.label == label)


def test_calculator_updates_loss_and_optimum():
    at = open_page("scaling")
    assert not at.error
    before = _metric(at, "Predicted loss for N, D").value
    widget(at.number_input, "Parameters N").set_value(7e10).run()
    assert _metric(at, "Predicted loss for N, D").value != before
    optimum = _metric(at, "Optimal N for C").value
    widget(at.number_input, "Compute budget C (FLOPs)").set_value(1e25).run()
    assert _metric(at, "Optimal N for C").value != optimum
    assert any(i.value.startswith("Nothing run yet") for i in at.info)


@pytest.mark.timeout(240)
def test_start_sweep_trains_in_background_then_shows_fits(monkeypatch):
    import core.scaling

    monkeypatch.setattr(core.scaling, "sweep_configs", lambda n=3: sweep_configs(3, **TINY))
    at = open_page("scaling")
    widget(at.text_input, "Name").set_value("t").run()  # the first tab's Name is the sweep's
    at.button(key="sweep-start").click().run()
    assert not at.exception and not at.error
    runs = core.scaling.load_groups("sweep")["t"]
    deadline = time.time() + 180
    while not core.scaling.sweep_done(runs) and time.time() < deadline:
        time.sleep(0.5)
    assert [r.status()["state"] for r in runs] == ["completed"] * 3
    at.run()
    assert _metric(at, "Loss ∝ N^b, b =").value.count("±") == 1


def test_head_to_head_shows_charts_and_samples(make_run):
    families = {"ngram": {}, "mlp": {"context": 4}, "lstm": {}, "gpt": {"n_layer": 1, "n_head": 2, "n_embd": 16}}
    runs = [make_run(f, name=f"h-{f}", model_params=p, sample_interval=5) for f, p in families.items()]
    save_group("head_to_head", "h", runs)
    at = open_page("scaling")
    assert not at.exception
    assert [m.value for m in at.markdown if m.value.startswith("**")][-4:] == [f"**{f}**" for f in families]
    assert len(at.get("plotly_chart")) == 2 + 3


def test_orphaned_queue_can_be_continued(runs_dir):
    import core.scaling

    runs = core.scaling.start_sweep("o", sweep_configs(3, **TINY))
    for run in runs:
        run.write_status("created", "Queued.")  # as left by a server that restarted mid-sweep
    save_group("sweep", "o", runs)
    at = open_page("scaling")
    assert any("no queue is running" in w.value for w in at.warning)
    at.button(key=f"continue-{runs[0].name}").click().run()
    assert not at.exception
    deadline = time.time() + 120
    while not core.scaling.sweep_done(runs) and time.time() < deadline:
        time.sleep(0.5)
    assert [r.status()["state"] for r in runs] == ["completed"] * 3
