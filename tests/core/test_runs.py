import json
import os
import time

import pytest

from core.errors import UserError
from core.runs import (
    MAX_NAME_LENGTH,
    STALE_CREATING_S,
    Run,
    create_run,
    list_runs,
    open_run,
    run_path,
    runs_root,
    sanitize_run_name,
    unique_run_path,
    write_atomic,
)


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


def test_a_taken_name_gets_the_next_free_number(runs_dir):
    assert unique_run_path("my run") == runs_dir.resolve() / "my-run"
    create_run(runs_dir / "my-run", {}, "{}", None)
    assert unique_run_path("my run").name == "my-run-2"
    create_run(runs_dir / "my-run-2", {}, "{}", None)
    (runs_dir / "my-run-3").symlink_to(runs_dir / "nowhere")  # a dangling link takes its name too
    assert unique_run_path("my run").name == "my-run-4"
    long = "x" * MAX_NAME_LENGTH
    create_run(runs_dir / long, {}, "{}", None)
    assert unique_run_path(long).name == "x" * (MAX_NAME_LENGTH - 2) + "-2"


@pytest.fixture
def outside(tmp_path):
    """A file outside the runs folder that a planted link points at; it must survive."""
    path = tmp_path / "outside"
    path.mkdir()
    (path / "config.json").write_text("{}")
    (path / "secret.txt").write_text("keep me")
    return path


def test_a_run_folder_that_is_a_link_is_refused(runs_dir, outside):
    create_run(runs_dir / "real", {}, "{}", None)
    (runs_dir / "linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UserError, match="symbolic link"):
        open_run(runs_dir / "linked")
    assert [r.name for r in list_runs()] == ["real"]
    with pytest.raises(UserError, match="symbolic link"):
        Run(runs_dir / "linked").delete()
    assert (outside / "secret.txt").read_text() == "keep me"


@pytest.mark.parametrize("inside", ["metrics.jsonl", "probes", "probes/step-0000010.safetensors"])
def test_a_run_holding_a_link_is_refused(runs_dir, outside, inside):
    run = create_run(runs_dir / "r", {}, "{}", None)
    (run.path / "probes").mkdir(exist_ok=inside != "probes")
    if inside == "probes":
        (run.path / "probes").rmdir()
    (run.path / inside).symlink_to(outside / "secret.txt")
    with pytest.raises(UserError, match=f"holds symbolic links \\({inside}\\)"):
        open_run(run.path)
    assert list_runs() == []
    with pytest.raises(UserError, match="symbolic links"):
        run.delete()
    assert run.path.exists() and (outside / "secret.txt").read_text() == "keep me"


def test_a_checkpoint_damaged_after_writing_is_caught_by_its_digest(runs_dir):
    import torch

    run = create_run(runs_dir / "r", {}, "{}", None)
    run.save_checkpoint({"w": torch.arange(64, dtype=torch.float32)}, {"step": 3})
    tensors, meta = run.load_checkpoint()
    assert meta == {"step": 3} and torch.equal(tensors["w"], torch.arange(64, dtype=torch.float32))
    data = bytearray(run.checkpoint_path.read_bytes())
    data[-5] ^= 0xFF  # one flipped bit pattern in the tensor bytes: the file still parses
    run.checkpoint_path.write_bytes(bytes(data))
    with pytest.raises(UserError, match="no longer match their digest"):
        run.load_checkpoint()


def test_leftovers_of_killed_writers_are_cleaned_up(runs_dir):
    run = create_run(runs_dir / "r", {}, "{}", None)
    (run.path / "probes").mkdir()
    leftovers = [run.path / ".metrics.jsonl.x1.tmp", run.path / "probes" / ".step-0000010.safetensors.x2.tmp"]
    for path in leftovers:
        path.write_text("half")
    run.clean_leftovers()
    assert not any(p.exists() for p in leftovers)

    stale, fresh = runs_dir / ".old.abc.creating", runs_dir / ".new.def.creating"
    for folder in (stale, fresh):
        folder.mkdir()
        (folder / "config.json").write_text("{}")
    os.utime(stale, (time.time() - STALE_CREATING_S - 1,) * 2)
    assert [r.name for r in list_runs()] == ["r"]
    assert not stale.exists() and fresh.exists()  # a recent one may still be in the middle of create_run
