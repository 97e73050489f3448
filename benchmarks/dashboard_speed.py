"""How the dashboard itself feels: cold start, page switches, and what a person using it costs a training job.

    python -m benchmarks.dashboard_speed [--json] [--steps 300]

- `cold_start_health_s`: from launching `python -m streamlit run dashboard/app.py` to its health endpoint
  answering; `cold_start_first_page_s`: to the home page's title drawn in Chromium (a real browser, started
  beforehand; the first script run happens for that first page).
- `page_switch_s`: the server's time to run each page's script in a session that has visited it before (the
  fastest of 3 visits; streamlit.testing AppTest, in this process), and `page_switch_max_s` the slowest page;
  `page_first_visit_s` the first visit, which pays for the page's imports once per server process.
- `training_slowdown`: tokens/s of a training job alone against the same job while a browser keeps using the
  Train page (its live view refreshing, a setting changed every second). The browser runs at the lowest CPU
  priority: it stands in for the user's own machine, while the server shares this one with the job.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import report
from core.runs import RUNS_DIR_ENV
from dashboard.navigation import PAGES
from dashboard.server import ROOT, launch_chromium, start_dashboard

HOME_TITLE = "LLM Ecosystem Dashboard"


def cold_start() -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as runs:
        browser = launch_chromium(p)
        page = browser.new_page()
        started = time.perf_counter()
        proc, url = start_dashboard({RUNS_DIR_ENV: runs})
        health = time.perf_counter() - started
        try:
            page.goto(url)
            page.get_by_role("heading", name=HOME_TITLE).first.wait_for(timeout=60_000)
            first_page = time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            browser.close()
    return {"cold_start_health_s": round(health, 2), "cold_start_first_page_s": round(first_page, 2)}


def page_switches(repeats: int = 3) -> dict[str, object]:
    """Script time of every page: its first visit, then the fastest of `repeats` later visits, in one session."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=300)
    at.run()
    first, warm = {}, {}

    def visit(file: str) -> float:
        started = time.perf_counter()
        at.switch_page(f"../pages/{file}").run()
        if at.exception:
            raise RuntimeError(f"{file} failed: {at.exception[0].message}")
        return round(time.perf_counter() - started, 3)

    for info in PAGES:
        name = Path(info.file).stem
        first[name] = visit(info.file)
        warm[name] = min(visit(info.file) for _ in range(repeats))
    return {"page_first_visit_s": first, "page_switch_s": warm, "page_switch_max_s": max(warm.values())}


def _train(runs: Path, name: str, steps: int) -> subprocess.Popen:
    args = ["--model", "gpt", "--max-steps", str(steps), "--eval-interval", str(steps), "--sample-interval", "0"]
    return subprocess.Popen(
        [sys.executable, "-m", "core.train", *args, "--quiet", "--out", str(runs / name)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def _tokens_per_s(proc: subprocess.Popen) -> float:
    out, _ = proc.communicate()
    return float(json.loads(out.strip().splitlines()[-1])["tokens_per_s"])


def _renice_children_of(pid: int) -> None:
    """Lowest CPU priority for the browser's processes (they stand in for another machine's)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    for child in out.split():
        subprocess.run(["renice", "-n", "19", "-p", child], capture_output=True)
        _renice_children_of(int(child))


def training_slowdown(steps: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp)
        alone = _tokens_per_s(_train(runs, "alone", steps))
        proc, url = start_dashboard({RUNS_DIR_ENV: str(runs)})
        try:
            with sync_playwright() as p:
                browser = launch_chromium(p)
                _renice_children_of(os.getpid())
                page = browser.new_page()
                page.goto(f"{url}/train")  # the page is open (and the server warm) before the job starts
                page.get_by_role("button", name="Start training").wait_for(timeout=60_000)
                job = _train(runs, "watched", steps)
                while not (runs / "watched" / "status.json").exists():
                    time.sleep(0.1)
                page.goto(f"{url}/train?run=watched")  # the live view of the run, as its owner sees it
                page.get_by_role("button", name="Start training").wait_for(timeout=60_000)
                steps_box = page.get_by_label("Steps", exact=True)
                clicks = 0
                while job.poll() is None:  # a person changing a setting every second while the run trains
                    steps_box.fill(str(600 + clicks % 5 * 100))
                    steps_box.press("Enter")
                    clicks += 1
                    time.sleep(1.0)
                watched = _tokens_per_s(job)
                browser.close()
        finally:
            if "job" in locals() and job.poll() is None:
                job.kill()
            proc.terminate()
            proc.wait(timeout=20)
    return {
        "training_tokens_per_s_alone": round(alone),
        "training_tokens_per_s_page_in_use": round(watched),
        "training_slowdown": round(1 - watched / alone, 3),
        "page_interactions": clicks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--steps", type=int, default=600, help="training steps of the slowdown measurement")
    args = parser.parse_args()
    figures: dict[str, object] = {}
    figures |= cold_start()
    figures |= page_switches()
    figures |= training_slowdown(args.steps)
    report("dashboard_speed", figures, args.json)


if __name__ == "__main__":
    main()
