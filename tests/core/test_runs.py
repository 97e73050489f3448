import json
import os

import pytest

from core.errors import UserError
from core.runs import Run, create_run, list_runs, open_run, run_path, runs_root, sanitize_run_name, write_atomic


@pytest.mark.parametrize(
    ("name", "expected"),
    [("my run", "my-run"), ("../../etc/passwd", "etc-passwd"), ("..", None), ("a/b\\c", "a-b-c"), ("中文 run", "run")],
)
def test_run_names_are_sanitised(name, expected):
    if expected is None:
        with pytest.raises(UserError):
            sanitize_run_name(name)
    else:
        assert sanitize_run_name(name) == expected


def test_run_paths_never_leave_the_runs_folder(runs_dir):
    for name in ["../outside", "/abs/path", "..\\..\\x", ".hidden", "a" * 300]:
        assert run_path(name).parent == runs_root() == runs_dir.resolve()


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "f.json"
    write_atomic(target, "old")

    with pytest.raises(TypeError):
        write_atomic(target, object())  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]  # no temporary file left behind


def test_create_run_writes_everything_or_nothing(runs_dir):
    run = create_run(runs_dir / "r1", {"model": "gpt"}, '{"kind": "char", "chars": ["a"]}', corpus_text="abc")
    assert run.config() == {"model": "gpt"}
    assert run.corpus_text() == "abc"
    with pytest.raises(UserError, match="already exists"):
        create_run(runs_dir / "r1", {"model": "mlp"}, "{}", None)
    assert run.config() == {"model": "gpt"}  # the saved run is untouched


def test_list_runs_skips_folders_being_created(runs_dir):
    create_run(runs_dir / "done", {}, "{}", None)
    staging = runs_dir / ".half.creating"
    staging.mkdir()
    (staging / "config.json").write_text("{}")
    assert [r.name for r in list_runs()] == ["done"]


def test_a_running_run_whose_process_died_reads_as_interrupted(runs_dir):
    run = create_run(runs_dir / "r", {}, "{}", None)
    assert run.status()["state"] == "created"
    run.write_status("running")
    assert run.status()["state"] == "running"  # this process is alive
    status = json.loads((run.path / "status.json").read_text())
    status["pid"] = 2**22 + 12345  # above Linux's default pid_max: no such process
    (run.path / "status.json").write_text(json.dumps(status))
    assert run.status()["state"] == "interrupted"


def test_a_running_run_cannot_be_deleted(runs_dir):
    run = create_run(runs_dir / "r", {}, "{}", None)
    run.write_status("running", pid=os.getpid())
    with pytest.raises(UserError, match="still training"):
        run.delete()
    run.write_status("stopped")
    run.delete()
    assert not run.path.exists()


def test_damaged_checkpoint_is_reported_not_loaded(runs_dir):
    run = create_run(runs_dir / "r", {}, "{}", None)
    run.checkpoint_path.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(UserError, match="damaged"):
        run.load_checkpoint()


def test_open_run_refuses_folders_that_are_not_runs(tmp_path):
    with pytest.raises(UserError, match="not a training run"):
        open_run(tmp_path)
    assert isinstance(open_run(create_run(tmp_path / "x", {}, "{}", None).path), Run)
