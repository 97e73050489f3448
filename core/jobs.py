"""The training job queue: every long training job of a server goes through here, first come first served.

Each job is `python -m core.train --resume --out RUN_DIR` in its own process, so a crashed job cannot take the
server down and the run directory stays the shared truth (status, metrics, stop requests). At most
`per_device` jobs train at once on each device (default 1, or $LLM_DASHBOARD_JOBS_PER_DEVICE): on a 2-core CPU
two jobs side by side only split the cores and both crawl, and on a GPU they would compete for its memory. The
others wait in order, and `position` tells a page where a run stands. Nothing here knows of any UI; a session
keeps only its run's path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from core.devices import pick_device
from core.errors import UserError
from core.runs import Run

ROOT = Path(__file__).resolve().parent.parent
PER_DEVICE_ENV = "LLM_DASHBOARD_JOBS_PER_DEVICE"


def jobs_per_device() -> int:
    """How many training jobs may share one device: $LLM_DASHBOARD_JOBS_PER_DEVICE, else 1."""
    value = os.environ.get(PER_DEVICE_ENV, "1")
    try:
        return max(1, int(value))
    except ValueError:
        raise UserError(f"{PER_DEVICE_ENV} must be a whole number, not {value!r}.") from None


def launch_training(run: Run, threads: int) -> subprocess.Popen:
    """Start the trainer on `run` in a process of its own, logging to the run's train.log."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONUNBUFFERED": "1"}
    with open(run.path / "train.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "core.train", "--resume", "--out", str(run.path)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a job outlives a browser tab, and Ctrl-C on the server is not its stop
        )


def _device_of(run: Run) -> str:
    """The device a run will train on (its config's choice, `auto` resolved), the key of its queue."""
    try:
        return pick_device(run.config().get("device", "auto")).type
    except UserError:
        return "cpu"  # the trainer reports the bad device itself when the job starts


class JobQueue:
    """Training jobs waiting or running, per device; a daemon thread starts each job when its device is free."""

    def __init__(
        self,
        per_device: int | None = None,
        poll_s: float = 0.5,
        launch: Callable[[Run, int], subprocess.Popen] = launch_training,
    ) -> None:
        self.per_device = per_device or jobs_per_device()
        self.poll_s = poll_s
        self._launch = launch
        self._waiting: list[tuple[Run, str]] = []  # (run, device) in arrival order
        self._procs: dict[Path, tuple[subprocess.Popen, str]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what pages ask --------------------------------------------------------------------------------------
    def running(self) -> list[Path]:
        with self._lock:
            self._reap()
            return list(self._procs)

    def queued(self) -> set[Path]:
        with self._lock:
            return {run.path for run, _ in self._waiting}

    def position(self, run: Run) -> int | None:
        """1 for the next run to start on its device, 2 for the one after…; None when `run` is not waiting."""
        with self._lock:
            for run_waiting, device in self._waiting:
                if run_waiting.path == run.path:
                    same_device = [r for r, d in self._waiting if d == device]
                    return [r.path for r in same_device].index(run.path) + 1
        return None

    # -- what pages do ---------------------------------------------------------------------------------------
    def submit(self, run: Run) -> None:
        """Queue `run` to train from its last checkpoint (or from scratch); it starts when its device is free."""
        with self._lock:
            if run.path in self._procs or any(r.path == run.path for r, _ in self._waiting):
                return
            self._waiting.append((run, _device_of(run)))
        run.write_status("created", "Queued.")
        self._ensure_thread()
        self._wake.set()

    def submit_all(self, runs: list[Run]) -> None:
        """Queue several runs (a sweep) in this order."""
        for run in runs:
            self.submit(run)

    def wait(self, run: Run) -> None:
        """Block until `run` is neither waiting nor running here (returns at once if it is neither)."""
        while run.path in self.queued() or run.path in self.running():
            self._wake.wait(self.poll_s)

    # -- the scheduler ---------------------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._schedule, name="job-queue", daemon=True)
                self._thread.start()

    def _reap(self) -> None:
        self._procs = {path: (p, d) for path, (p, d) in self._procs.items() if p.poll() is None}

    def _next_startable(self) -> tuple[Run, str] | None:
        """The oldest waiting run whose device has a free slot (called with the lock held)."""
        self._reap()
        busy: dict[str, int] = {}
        for _, device in self._procs.values():
            busy[device] = busy.get(device, 0) + 1
        for index, (_, device) in enumerate(self._waiting):
            if busy.get(device, 0) < self.per_device:
                return self._waiting.pop(index)
        return None

    def _schedule(self) -> None:
        while True:
            with self._lock:  # held while a job starts: a run is always either waiting or running, never neither
                job = self._next_startable()
                if job is not None:
                    self._start(*job)
                elif not self._waiting and not self._procs:
                    self._thread = None
                    return  # nothing left to watch; the next submit starts a new thread
            if job is None:
                self._wake.wait(self.poll_s)
                self._wake.clear()

    def _start(self, run: Run, device: str) -> None:
        """Start a job that left the queue (called with the lock held)."""
        if run.stop_requested():  # stopped while it waited: never train it
            run.clear_stop()
            run.write_status("stopped", "Stopped before its turn in the queue.")
            return
        # Split the cores between the jobs that share the CPU: torch threads that outnumber the cores spin
        # against each other. (Leaving a core to the server was measured slower: the live page needs little.)
        sharing = 1 + sum(1 for _, d in self._procs.values() if d == device)
        threads = max(1, (os.cpu_count() or 1) // sharing)
        try:
            proc = self._launch(run, threads)
        except OSError as err:
            run.write_status("failed", f"The training process could not start: {err}")
            return
        self._procs[run.path] = (proc, device)
        run.write_status("running", "Starting…", pid=proc.pid)
