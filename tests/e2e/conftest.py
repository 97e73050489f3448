"""A real dashboard server on loopback and Debian's Chromium driven by Playwright (never `playwright install`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.runs import RUNS_DIR_ENV, list_runs
from dashboard.server import CHROMIUM, launch_chromium, start_dashboard


@pytest.fixture(autouse=True)
def _dashboard_may_load_test_models(allow_test_model_dirs):
    """The pages confine model paths to allowed folders; the tests' model folders are allowed here."""


@pytest.fixture
def server(runs_dir):
    """The dashboard started as the README starts it, on a free loopback port, with its own runs folder."""
    try:
        proc, url = start_dashboard({RUNS_DIR_ENV: str(runs_dir)})
    except RuntimeError as err:
        pytest.fail(str(err))
    yield url
    for run in list_runs(runs_dir):  # jobs outlive the server by design; end them with the test
        if run.is_running:
            run.request_stop()
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run `make test`, which installs it"
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 2000})
        yield page
        browser.close()
