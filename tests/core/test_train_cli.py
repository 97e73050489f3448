"""The CLI as a user runs it: a real subprocess, exit codes, one-line errors, a JSON last line."""

import json
import subprocess
import sys

import pytest

TINY = [
    "--block-size",
    "8",
    "--batch-size",
    "4",
    "--eval-interval",
    "5",
    "--eval-iters",
    "2",
    "--log-interval",
    "5",
    "--sample-interval",
    "0",
    "--device",
    "cpu",
]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core.train", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def corpus_file(tmp_path, tiny_text):
    path = tmp_path / "corpus.txt"
    path.write_text(tiny_text, encoding="utf-8")
    return path


def test_trains_and_ends_with_one_json_line(tmp_path, corpus_file):
    out = tmp_path / "run"
    proc = run_cli(
        "--model",
        "gpt",
        "--corpus",
        str(corpus_file),
        "--n-layer",
        "1",
        "--n-head",
        "2",
        "--n-embd",
        "16",
        "--max-steps",
        "10",
        "--out",
        str(out),
        *TINY,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("step      0")
    summary = json.loads(lines[-1])
    assert summary["run_dir"] == str(out.resolve())
    assert summary["steps"] == 10 and summary["state"] == "completed"
    assert {"train_loss", "val_loss", "tokens_per_s", "elapsed_s"} <= set(summary)
    assert (out / "corpus.txt").read_text(encoding="utf-8") == corpus_file.read_text(encoding="utf-8")


def test_resume_continues_a_stopped_run(tmp_path, corpus_file):
    out = tmp_path / "run"
    first = run_cli("--model", "ngram", "--corpus", str(corpus_file), "--max-steps", "10", "--out", str(out), *TINY)
    assert first.returncode == 0
    again = run_cli("--resume", "--out", str(out), "--quiet")
    assert again.returncode == 0
    assert json.loads(again.stdout.strip())["steps"] == 10


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--lr", "0"], "learning rate"),
        (["--lr", "-0.1"], "learning rate"),
        (["--batch-size", "0"], "batch_size"),
        (["--batch-size", "ten"], "invalid int value"),
        (["--n-embd", "130", "--n-head", "4"], "divisible"),
        (["--model", "ngram", "--n-head", "4"], "--n-head does not apply to --model ngram"),
        (["--corpus", "/no/such/file.txt"], "No corpus named"),
        (["--block-size", "100000"], "block_size"),
        (["--resume"], "--resume continues the saved config; drop --max-steps"),
        (["--schedule", "sawtooth"], "schedule"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, args, fragment):
    out = tmp_path / "never"
    proc = run_cli(*args, "--max-steps", "5", "--out", str(out))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"hello", "too short"),
        (b"\x00\x01PK\x03\x04", "binary"),
        ("é".encode("latin-1") * 500, "not UTF-8"),
    ],
)
def test_bad_corpus_files_exit_2_and_leave_no_run(tmp_path, content, fragment):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    out = tmp_path / "never"
    proc = run_cli("--corpus", str(path), "--out", str(out), "--max-steps", "5")
    assert proc.returncode == 2, proc.stderr
    assert fragment in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_an_existing_run_is_never_overwritten(tmp_path, corpus_file):
    out = tmp_path / "run"
    args = ["--model", "ngram", "--corpus", str(corpus_file), "--max-steps", "5", "--out", str(out), *TINY]
    assert run_cli(*args).returncode == 0
    before = (out / "metrics.jsonl").read_bytes()
    proc = run_cli(*args)
    assert proc.returncode == 2 and "already exists" in proc.stderr
    assert (out / "metrics.jsonl").read_bytes() == before
