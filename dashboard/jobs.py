"""Background training jobs owned by the server process.

Each job is `python -m core.train --resume --out RUN_DIR` in its own process: the run directory is the shared
truth (status, metrics, stop requests), so any tab, page or user sees the same live run, a crashed job cannot
take the server down, and stopping works through `Run.request_stop()` from anywhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import streamlit as st

from core.runs import Run

ROOT = Path(__file__).resolve().parent.parent


class JobRegistry:
    """The training processes this server started, so they can be counted and reaped."""

    def __init__(self) -> None:
        self._procs: dict[Path, subprocess.Popen] = {}
        self._lock = threading.Lock()

    def running(self) -> list[Path]:
        with self._lock:
            self._procs = {path: p for path, p in self._procs.items() if p.poll() is None}
            return list(self._procs)

    def start(self, run: Run) -> None:
        """Train `run` in the background from its last checkpoint (or from scratch)."""
        if run.path in self.running():
            return
        # Split the cores between jobs: torch threads that outnumber free cores spin against each other and
        # crawl. (Leaving a core to the server was measured slower: the live page needs little once its
        # post-rerun GC is off, see .streamlit/config.toml.)
        threads = max(1, (os.cpu_count() or 1) // (1 + len(self.running())))
        env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONUNBUFFERED": "1"}
        with open(run.path / "train.log", "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "core.train", "--resume", "--out", str(run.path)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # a job outlives a browser tab, and Ctrl-C on the server is not its stop
            )
        run.write_status("running", "Starting…", pid=proc.pid)
        with self._lock:
            self._procs[run.path] = proc


@st.cache_resource
def job_registry() -> JobRegistry:
    """The one registry of this server process."""
    return JobRegistry()
