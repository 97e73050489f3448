"""The training job queue: one job per device at a time, in order, with positions; stopped runs are skipped."""

import threading

from core.jobs import JobQueue, launch_training
from core.train import TrainConfig, create_run
from tests.conftest import QUICK_RUN


def _runs(runs_dir, text, names):
    return [create_run(TrainConfig(model="ngram", **QUICK_RUN), runs_dir / n, text) for n in names]


def test_two_jobs_submitted_together_train_one_after_another(runs_dir, tiny_text):
    busy_at_start = []
    queue = JobQueue(per_device=1, poll_s=0.05)

    def launch(run, threads):
        busy_at_start.append((run.name, list(queue._procs), threads))
        return launch_training(run, threads)

    queue._launch = launch
    first, second = _runs(runs_dir, tiny_text, ["q1", "q2"])
    # two sessions press Start at the same moment
    submitters = [threading.Thread(target=queue.submit, args=(run,)) for run in (first, second)]
    for t in submitters:
        t.start()
    for t in submitters:
        t.join()
    assert {queue.position(first), queue.position(second)} <= {None, 1}  # one started, the other is next
    queue.wait(first)
    queue.wait(second)
    assert [r.status()["state"] for r in (first, second)] == ["completed", "completed"]
    assert [busy for _, busy, _ in busy_at_start] == [[], []]  # each started with the device free
    assert all(threads >= 1 for *_, threads in busy_at_start)


class Held:
    """A stand-in job process that runs until the test releases it."""

    pid = 0

    def __init__(self, release: threading.Event) -> None:
        self.release = release

    def poll(self):
        return 0 if self.release.is_set() else None


def test_positions_count_the_runs_waiting_ahead(runs_dir, tiny_text):
    release = threading.Event()
    queue = JobQueue(per_device=1, poll_s=0.05, launch=lambda run, threads: Held(release))
    runs = _runs(runs_dir, tiny_text, ["p1", "p2", "p3"])
    queue.submit_all(runs)
    while not queue.running():
        release.wait(0.01)
    assert [queue.position(r) for r in runs] == [None, 1, 2]
    assert queue.queued() == {runs[1].path, runs[2].path}
    assert runs[2].status()["message"] == "Queued."
    release.set()
    for run in runs:
        queue.wait(run)
    assert queue.queued() == set() and queue.running() == []


def test_two_jobs_per_device_when_allowed(runs_dir, tiny_text):
    started = []
    release = threading.Event()

    def launch(run, threads):
        started.append(threads)
        return Held(release)

    queue = JobQueue(per_device=2, poll_s=0.05, launch=launch)
    runs = _runs(runs_dir, tiny_text, ["d1", "d2", "d3"])
    queue.submit_all(runs)
    while len(queue.running()) < 2:
        release.wait(0.01)
    assert queue.position(runs[2]) == 1 and len(started) == 2
    release.set()
    for run in runs:
        queue.wait(run)
    assert len(started) == 3


def test_a_run_stopped_while_waiting_never_trains(runs_dir, tiny_text):
    queue = JobQueue(per_device=1, poll_s=0.05)
    first, second = _runs(runs_dir, tiny_text, ["s1", "s2"])
    second.request_stop()
    queue.submit_all([first, second])
    queue.wait(first)
    queue.wait(second)
    assert first.status()["state"] == "completed"
    assert second.status()["state"] == "stopped" and not second.metrics()
    assert not second.stop_requested()


def test_submitting_a_queued_run_again_does_nothing(runs_dir, tiny_text):
    launched, release = [], threading.Event()
    queue = JobQueue(per_device=1, poll_s=0.05, launch=lambda run, threads: launched.append(run) or Held(release))
    (run,) = _runs(runs_dir, tiny_text, ["once"])
    queue.submit(run)
    queue.submit(run)  # waiting or running: either way it is not queued twice
    release.set()
    queue.wait(run)
    assert len(launched) == 1
