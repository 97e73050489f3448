"""A real dashboard server on loopback and Debian's Chromium driven by Playwright (never `playwright install`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from core.runs import RUNS_DIR_ENV, list_runs

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _dashboard_may_load_test_models(allow_test_model_dirs):
    """The pages confine model paths to allowed folders; the tests' model folders are allowed here."""


@pytest.fixture
def server(runs_dir):
    """The dashboard started as the README starts it, on a free loopback port, with its own runs folder."""
    port = _free_port()
    env = {**os.environ, RUNS_DIR_ENV: str(runs_dir)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard/app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"dashboard did not start:\n{proc.stdout.read().decode()}")
            time.sleep(0.3)
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
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2000})
        yield page
        browser.close()
