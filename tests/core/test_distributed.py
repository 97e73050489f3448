"""Training on two processes with torchrun (gloo on this CPU), against one process at the same global batch."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.distributed import check_config
from core.errors import UserError
from core.runs import open_run
from core.train import TrainConfig, create_run, train
from core.train_cli import main

ROOT = Path(__file__).resolve().parents[2]
STEPS = 40
ARGS = dict(
    model="gpt",
    n_layer="1",
    n_head="2",
    n_embd="32",
    block_size="16",
    batch_size="8",  # the global batch: 4 rows on each of the 2 ranks
    max_steps=str(STEPS),
    lr="3e-3",
    warmup_steps="5",
    eval_interval="10",
    eval_iters="2",
    log_interval="1",  # every step is a row: a stop at any step leaves no partly averaged window
    sample_interval="0",
    device="cpu",
)
# The two runs see the same batches from the same initial weights; only the order of float32 sums differs (DDP
# averages two half-batch gradients where one process averages the whole batch). Measured: losses agree to
# ~2e-7 after 30 steps. 1e-3 leaves room for that rounding to grow over 40 steps and is still 1/500 of the
# loss's fall, so a rank that trained on the wrong rows or an unaveraged gradient would fail it.
TOLERANCE = 1e-3


def flags(**args: str) -> list[str]:
    return [part for name, value in args.items() for part in (f"--{name.replace('_', '-')}", value)]


def torchrun(*args: str) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "core.train"]
    return subprocess.Popen(
        [*command, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-3000:]
    return out


def test_two_processes_track_one_process_at_the_same_global_batch(tmp_path, tiny_text):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(tiny_text, encoding="utf-8")
    out = tmp_path / "two"
    proc = torchrun(*flags(**ARGS, corpus=str(corpus), out=str(out)))
    while not (out / "metrics.jsonl").exists() or not (out / "metrics.jsonl").read_text():
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        time.sleep(0.005)
    (out / "STOP").touch()  # rank 0 reads it; both ranks must stop at the same step, or one would hang
    first = finish(proc)
    assert first.count("step      0 |") == 1  # only rank 0 prints
    stopped = json.loads(first.strip().splitlines()[-1])
    assert stopped["state"] == "stopped" and stopped["steps"] < STEPS
    resumed = json.loads(finish(torchrun("--resume", "--out", str(out), "--quiet")).strip())
    assert resumed["state"] == "completed" and resumed["steps"] == STEPS

    two = open_run(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.txt", "two"]  # one run directory, no more
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no leftovers of either process
    status = two.status()
    assert status["state"] == "completed" and status["world_size"] == 2 and status["global_batch"] == 8
    metrics = two.metrics()
    assert [m["step"] for m in metrics] == list(range(STEPS + 1))  # no duplicated rows, no gaps
    assert {m["world_size"] for m in metrics} == {2}
    assert metrics[-1]["tokens"] == STEPS * 8 * 16  # counted over the global batch
    vals = [m["val_loss"] for m in metrics if m["val_loss"] is not None]
    assert vals[-1] < vals[0] - 0.3

    one = create_run(TrainConfig.from_dict(two.config()), tmp_path / "one", tiny_text)
    train(one)
    for a, b in zip(two.metrics(), one.metrics(), strict=True):
        assert a["train_loss"] == pytest.approx(b["train_loss"], abs=TOLERANCE)
        assert (a["val_loss"] is None) == (b["val_loss"] is None)
        assert a["val_loss"] is None or a["val_loss"] == pytest.approx(b["val_loss"], abs=TOLERANCE)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (dict(model="ngram"), "learns by counting"),
        (dict(model="gpt", batch_size="7"), "must divide evenly over the 2 processes"),
    ],
)
def test_under_torchrun_what_cannot_train_is_refused_before_anything_is_written(
    tmp_path, monkeypatch, capsys, args, fragment
):
    for name, value in {"RANK": "0", "LOCAL_RANK": "0", "WORLD_SIZE": "2"}.items():
        monkeypatch.setenv(name, value)  # what torchrun sets; the refusal comes before joining the job
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # main() must not keep pytest's Ctrl-C
    out = tmp_path / "never"
    with pytest.raises(SystemExit) as exited:
        main(flags(**args, max_steps="5", device="cpu", out=str(out)))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_the_global_batch_must_divide_over_the_ranks():
    check_config("gpt", 12, "cpu", 4)
    with pytest.raises(UserError, match="try 12"):
        check_config("gpt", 13, "cpu", 4)
    with pytest.raises(UserError, match="CUDA GPUs or on the CPU"):
        check_config("mlp", 8, "mps", 2)
