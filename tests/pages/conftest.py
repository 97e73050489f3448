"""AppTest helpers: the real app, opened on one page, with a patient timeout for loaded CI machines."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.train import TrainConfig, create_run, train

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page != "home":
        at.switch_page(f"../pages/{page}.py")
        at.run()
    assert not at.exception, at.exception
    return at


def widget(elements, label: str):
    """The widget with this label among `elements` (e.g. at.number_input)."""
    matches = [w for w in elements if w.label == label]
    assert matches, f"no widget labelled {label!r}; have {[w.label for w in elements]}"
    return matches[0]


def button(at: AppTest, label: str):
    return widget(at.button, label)


@pytest.fixture(autouse=True)
def _no_unexpected_errors(caplog):
    """A page shows an unexpected exception as a short reference (dashboard.widgets.user_errors) and logs it; the
    test still fails on it, with the traceback."""
    yield
    bugs = [r for r in caplog.records if r.name == "dashboard" and r.levelno >= logging.ERROR]
    assert not bugs, "\n".join(f"{r.getMessage()}\n{r.exc_text or ''}" for r in bugs)


@pytest.fixture(autouse=True)
def _dashboard_may_load_test_models(allow_test_model_dirs):
    """The pages confine model paths to allowed folders; the tests' model folders are allowed here."""


@pytest.fixture
def trained_runs(runs_dir, tiny_text):
    """Two finished tiny runs (an n-gram and a GPT) in the test's runs folder."""
    common = dict(
        block_size=16,
        batch_size=8,
        max_steps=20,
        eval_interval=10,
        eval_iters=2,
        log_interval=5,
        sample_interval=10,
        sample_tokens=30,
        warmup_steps=2,
        device="cpu",
    )
    runs = []
    for name, family, params in [
        ("tiny-ngram", "ngram", {}),
        ("tiny-gpt", "gpt", {"n_layer": 1, "n_head": 2, "n_embd": 16}),
    ]:
        run = create_run(TrainConfig(model=family, model_params=params, **common), runs_dir / name, tiny_text)
        train(run)
        runs.append(run)
    return runs


@pytest.fixture
def empty_model_cache():
    """The process-wide model cache, empty before and after the test (AppTest runs pages in this process)."""
    from dashboard.cache import model_cache

    cache = model_cache()
    cache.unload()
    yield cache
    cache.unload()


def pick_model(at: AppTest, key: str, spec: str, precision: str | None = None) -> None:
    """Choose a model in the model picker `key`: a spec among its choices, else through "Other…"."""
    from dashboard.widgets import OTHER

    model = at.selectbox(key=f"{key}.model")
    if model.format_func(spec) in model.options:
        model.set_value(spec).run()
    else:
        model.set_value(OTHER).run()
        at.text_input(key=f"{key}.other").set_value(spec).run()
    if precision is not None:
        [box] = [s for s in at.selectbox if s.key and s.key.startswith(f"{key}.precision")]
        box.set_value(precision).run()
