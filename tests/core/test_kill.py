"""SIGKILL at unlucky moments (mid-run, right after a checkpoint, while one is being written): the run always
keeps a loadable checkpoint, `--resume` carries on from it, and the metrics never repeat a step."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from core.runs import Run

ROOT = Path(__file__).resolve().parents[2]
MAX_STEPS = 400
TINY = [
    "--model", "gpt", "--n-layer", "2", "--n-head", "2", "--n-embd", "64",  # ~1 MB checkpoints: slow enough to hit
    "--block-size", "16", "--batch-size", "8", "--max-steps", str(MAX_STEPS), "--warmup-steps", "5",
    "--eval-interval", "5", "--eval-iters", "1", "--log-interval", "5", "--sample-interval", "0",
    "--device", "cpu", "--quiet",
]  # fmt: skip


def launch(*args: str) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "core.train", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def wait_for(proc: subprocess.Popen, ready: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while not ready():
        assert proc.poll() is None, f"the trainer ended before the kill: {proc.communicate()[1].decode()[-2000:]}"
        assert time.time() < deadline, "the moment to kill never came"
        time.sleep(0.0005)


def mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def writing_checkpoint(folder: Path) -> bool:
    return any(name.startswith(".model.safetensors.") for name in os.listdir(folder))


def check_after_kill(run: Run) -> int:
    """The invariants a kill must never break; returns the checkpoint's step."""
    _, meta = run.load_checkpoint()
    steps = [m["step"] for m in run.metrics()]
    assert steps == sorted(set(steps)), steps  # no step twice, in order
    assert run.status()["state"] == "interrupted"
    return meta["step"]


def test_sigkill_at_any_moment_leaves_a_run_that_resumes(tmp_path, tiny_text):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(tiny_text, encoding="utf-8")
    out = tmp_path / "run"
    rng = random.Random(7)
    checkpoint = out / "model.safetensors"

    def random_moment_after_a_checkpoint(proc: subprocess.Popen) -> None:
        wait_for(proc, checkpoint.exists)
        time.sleep(rng.uniform(0.0, 0.3))

    def right_after_a_new_checkpoint(proc: subprocess.Popen) -> None:
        before = mtime(checkpoint)
        wait_for(proc, lambda: mtime(checkpoint) != before)

    def while_a_checkpoint_is_written(proc: subprocess.Popen) -> None:
        wait_for(proc, lambda: writing_checkpoint(out))

    moments = [random_moment_after_a_checkpoint, right_after_a_new_checkpoint, while_a_checkpoint_is_written]
    proc = launch(*TINY, "--corpus", str(corpus), "--out", str(out))
    last_step = 0
    for moment in moments:
        moment(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        step = check_after_kill(Run(out.resolve()))
        assert step >= last_step  # each resume carried on from the previous checkpoint, never further back
        last_step = step
        proc = launch("--resume", "--out", str(out), "--quiet")

    out_text, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert json.loads(out_text.decode().strip())["state"] == "completed"
    run = Run(out.resolve())
    assert [m["step"] for m in run.metrics()] == list(range(0, MAX_STEPS + 1, 5))
    assert run.load_checkpoint()[1]["step"] == MAX_STEPS
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # killed writers' temporaries cleaned
