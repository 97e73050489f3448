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
import time
from pathlib import Path

import streamlit as st

from core.runs import Run

ROOT = Path(__file__).resolve().parent.parent


class JobRegistry:
    """The training processes this server started, so they can be counted and reaped."""

    def __init__(self) -> None:
        self._procs: dict[Path, subprocess.Popen] = {}
        self._queued: set[Path] = set()  # runs waiting in a queue of start_queue
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

    def queued(self) -> set[Path]:
        with self._lock:
            return set(self._queued)

    def wait(self, run: Run, poll_s: float = 0.5) -> None:
        """Block until this registry's job for `run` has ended (returns at once if it has none)."""
        while run.path in self.running():
            time.sleep(poll_s)

    def start_queue(self, runs: list[Run], poll_s: float = 0.5) -> threading.Thread:
        """Train `runs` one after another in the background (sweeps: on 2 cores, parallel jobs only contend).

        A daemon thread starts each job once the previous one has ended; a run that was stopped before its
        turn (STOP file present) is skipped, so stopping a queued run never trains it.
        """

        def work() -> None:
            for run in runs:
                if run.stop_requested():
                    run.clear_stop()
                    run.write_status("stopped", "Stopped before its turn in the queue.")
                else:
                    self.start(run)
                with self._lock:  # only now: a run is always either queued or started, never neither
                    self._queued.discard(run.path)
                self.wait(run, poll_s)

        for run in runs:
            run.write_status("created", "Queued.")
        with self._lock:
            self._queued.update(run.path for run in runs)
        thread = threading.Thread(target=work, name="job-queue", daemon=True)
        thread.start()
        return thread


@st.cache_resource
def job_registry() -> JobRegistry:
    """The one registry of this server process."""
    return JobRegistry()
