"""The background job queue: runs train one after another, never side by side, and stopped runs are skipped."""

from core.train import TrainConfig, create_run
from dashboard.jobs import JobRegistry
from tests.conftest import QUICK_RUN

TINY = QUICK_RUN  # tiny n-gram runs that train in a second


def _runs(runs_dir, text, names):
    return [create_run(TrainConfig(model="ngram", **TINY), runs_dir / n, text) for n in names]


def test_queue_trains_runs_one_after_another(runs_dir, tiny_text):
    registry = JobRegistry()
    busy_at_start = []
    real_start = registry.start

    def start(run):
        busy_at_start.append(list(registry.running()))
        real_start(run)

    registry.start = start
    runs = _runs(runs_dir, tiny_text, ["q1", "q2"])
    thread = registry.start_queue(runs, poll_s=0.05)
    assert {r.status()["state"] for r in runs} <= {"created", "running"}
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert busy_at_start == [[], []]
    assert [r.status()["state"] for r in runs] == ["completed", "completed"]


def test_queue_skips_runs_stopped_before_their_turn(runs_dir, tiny_text):
    registry = JobRegistry()
    first, second = _runs(runs_dir, tiny_text, ["s1", "s2"])
    second.request_stop()
    registry.start_queue([first, second], poll_s=0.05).join(timeout=120)
    assert first.status()["state"] == "completed"
    assert second.status()["state"] == "stopped" and not second.metrics()
    assert not second.stop_requested()


def test_queued_runs_are_known_until_started(runs_dir, tiny_text):
    registry = JobRegistry()
    runs = _runs(runs_dir, tiny_text, ["w1", "w2"])
    thread = registry.start_queue(runs, poll_s=0.05)
    seen = registry.queued() | set(registry.running())
    assert runs[1].path in seen  # waiting its turn, or (on a fast machine) already started
    thread.join(timeout=120)
    assert registry.queued() == set() and registry.running() == []
