"""Runs as zip files: export -> import is bit-exact, and every kind of bad archive is refused, leaving no trace."""

from __future__ import annotations

import io
import json
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
import torch

from core import run_archive
from core.errors import ErrorKind, UserError
from core.run_archive import export_run, import_run
from core.runs import Run, list_runs
from core.sampling import generate_text, load_run_model
from tests.hostile import DAMAGES, Payload, damage

GPT = {"n_layer": 1, "n_head": 2, "n_embd": 16}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One tiny GPT run with probe snapshots, trained once for the module, and its archive."""
    from core.train import TrainConfig, create_run, train
    from tests.conftest import QUICK_RUN, TINY_TEXT

    run = create_run(
        TrainConfig(model="gpt", model_params=GPT, **QUICK_RUN), tmp_path_factory.mktemp("src") / "tiny-gpt", TINY_TEXT
    )
    train(run)
    return run, export_run(run)


@pytest.fixture
def gpt_run(trained):
    return trained[0]


@pytest.fixture
def archive(trained) -> bytes:
    return trained[1]


def files_of(run) -> dict[str, bytes]:
    return {str(p.relative_to(run.path)): p.read_bytes() for p in sorted(run.path.rglob("*")) if p.is_file()}


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def rezip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buffer.getvalue()


def refused(data: bytes, tmp_path, match: str) -> None:
    """Import fails with a RUN UserError matching `match`, and the target folder holds nothing afterwards."""
    root = tmp_path / "elsewhere"
    with pytest.raises(UserError, match=match) as err:
        import_run(data, root, "bad.zip")
    assert err.value.kind == ErrorKind.RUN
    assert list(root.iterdir()) == []  # no run, no staging folder left behind


def test_round_trip_is_bit_exact_and_generates_the_same(gpt_run, archive, tmp_path):
    assert "probe-step-0000005.safetensors" in members(archive)  # the probe snapshots travel too
    imported = import_run(archive, tmp_path / "elsewhere", "tiny-gpt.zip")
    assert imported.name == "tiny-gpt"
    assert files_of(imported) == files_of(gpt_run)
    assert "probes/step-0000005.safetensors" in files_of(imported)
    texts = []
    for run in (gpt_run, imported):
        model, tokenizer = load_run_model(run)
        texts.append(generate_text(model, tokenizer, "The cat", 20, temperature=1.0, seed=3))
    assert texts[0] == texts[1]


def test_run_without_corpus_or_probes_round_trips(make_run, tmp_path):
    run = make_run("ngram", name="ngram")
    (run.path / "corpus.txt").unlink()  # as for a bundled corpus
    shutil.rmtree(run.path / "probes")
    data = export_run(run)
    assert "corpus.txt" not in members(data) and not any(n.startswith("probe") for n in members(data))
    imported = import_run(data, tmp_path / "elsewhere", "ngram.zip")
    assert files_of(imported) == files_of(run)


def test_a_taken_name_gets_a_suffix(archive):
    names = [import_run(archive, filename="tiny-gpt.zip").name for _ in range(3)]
    assert names == ["tiny-gpt", "tiny-gpt-2", "tiny-gpt-3"]
    assert {r.name for r in list_runs()} == {"tiny-gpt", "tiny-gpt-2", "tiny-gpt-3"}


def test_name_comes_from_the_file_name_sanitised_or_the_config(archive, tmp_path):
    root = tmp_path / "elsewhere"
    assert import_run(archive, root, "../../My run (1).zip").name == "My-run-1"
    assert import_run(archive, root, None).name == "gpt-import"


def test_an_imported_running_run_is_stopped_and_resumable(gpt_run, tmp_path):
    status = json.loads((gpt_run.path / "status.json").read_text())
    entries = members(export_run(gpt_run)) | {"status.json": json.dumps({**status, "state": "running"}).encode()}
    imported = import_run(rezip(entries), tmp_path / "elsewhere", "x.zip")
    assert imported.status()["state"] == "stopped"
    assert imported.status()["step"] == status["step"]


def test_running_run_is_not_exported(make_run):
    run = make_run("ngram")
    run.write_status("running")  # this process is alive, so it counts as training
    with pytest.raises(UserError, match="still training"):
        export_run(run)


def test_not_a_zip(tmp_path):
    refused(b"this is not a zip at all", tmp_path, "not a readable zip")


@pytest.mark.parametrize("name", ["../config.json", "/etc/passwd", "runs/config.json", "probes/", "model.pt"])
def test_names_outside_the_layout_are_refused(archive, tmp_path, name):
    refused(rezip(members(archive) | {name: b"x"}), tmp_path, "not part of a run")


def test_symlink_member_is_refused(archive, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members(archive).items():
            if name != "corpus.txt":
                z.writestr(name, data)
        link = zipfile.ZipInfo("corpus.txt")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
    refused(buffer.getvalue(), tmp_path, "symbolic link")


def test_zip_bomb_is_refused_before_unpacking(archive, tmp_path, monkeypatch):
    monkeypatch.setattr(run_archive, "MAX_UNPACKED_BYTES", 4 * 1024**2)
    bomb = rezip(members(archive) | {"corpus.txt": b"\0" * 8 * 1024**2})  # 8 MB of zeros, ~8 KB compressed
    assert len(bomb) < len(archive) + 100_000
    refused(bomb, tmp_path, "would unpack to")


def test_oversized_upload_is_refused(archive, tmp_path, monkeypatch):
    monkeypatch.setattr(run_archive, "MAX_ARCHIVE_BYTES", len(archive) - 1)
    with pytest.raises(UserError, match="import a smaller run"):
        import_run(archive, tmp_path / "elsewhere")


def test_missing_config_is_refused(archive, tmp_path):
    entries = members(archive)
    del entries["config.json"]
    refused(rezip(entries), tmp_path, "lacks config.json")


@pytest.mark.parametrize(
    "config",
    [b"{not json", b"[1, 2]", json.dumps({"model": "transformer-xxl"}).encode(), json.dumps({"lr": -1}).encode()],
)
def test_bad_config_is_refused(archive, tmp_path, config):
    refused(rezip(members(archive) | {"config.json": config}), tmp_path, "not a valid training config")


def test_bad_tokenizer_is_refused(archive, tmp_path):
    morse = rezip(members(archive) | {"tokenizer.json": b'{"kind": "morse"}'})
    refused(morse, tmp_path, "tokenizer.json does not load")


@pytest.mark.parametrize("how", DAMAGES)
def test_damaged_checkpoint_is_refused(archive, tmp_path, how):
    weights = members(archive)["model.safetensors"]
    refused(rezip(members(archive) | {"model.safetensors": damage(weights, how)}), tmp_path, "damaged or truncated")


def test_pickled_checkpoint_is_refused_without_running_it(archive, tmp_path):
    pickled = io.BytesIO()
    torch.save({"w": Payload(tmp_path / "executed.txt")}, pickled)
    refused(rezip(members(archive) | {"model.safetensors": pickled.getvalue()}), tmp_path, "damaged or truncated")
    assert not (tmp_path / "executed.txt").exists()


def reweigh(archive: bytes, change) -> bytes:
    """The archive with its checkpoint's tensors passed through `change` (a dict -> dict function)."""
    from safetensors.torch import load, save

    entries = members(archive)
    weights = {k: v for k, v in load(entries["model.safetensors"]).items() if not k.startswith(("optim.", "rng."))}
    tensors = change(weights)
    return rezip(entries | {"model.safetensors": save(tensors, metadata={"meta": "{}"})})


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda t: {k: v for k, v in t.items() if k != "lm_head.weight"}, "missing lm_head.weight"),
        (lambda t: t | {"extra.weight": torch.zeros(2)}, "unexpected extra.weight"),
        (lambda t: t | {"lm_head.weight": torch.zeros(3, 16)}, r"lm_head.weight is \(3, 16\)"),
    ],
)
def test_checkpoint_that_does_not_fit_the_model_is_refused(archive, tmp_path, change, problem):
    refused(reweigh(archive, change), tmp_path, f"does not fit the model.*{problem}")


def test_checkpoint_changed_after_it_was_written_is_refused(archive, tmp_path):
    weights = bytearray(members(archive)["model.safetensors"])
    weights[-1] ^= 0xFF  # same names and shapes, one value changed: only the checkpoint's digest notices
    refused(rezip(members(archive) | {"model.safetensors": bytes(weights)}), tmp_path, "tensors do not load")


def test_bad_probe_snapshot_is_refused(archive, tmp_path):
    refused(rezip(members(archive) | {"probe-step-0000005.safetensors": b"junk"}), tmp_path, "probe snapshot")


def test_damaged_metrics_are_refused(archive, tmp_path):
    refused(rezip(members(archive) | {"metrics.jsonl": b'{"step": 1}\n[oops\n'}), tmp_path, "metrics.jsonl is damaged")


def test_cli_exports_and_imports(gpt_run, tmp_path, capsys):
    from core.run_archive import main

    out = tmp_path / "shared.zip"
    main(["export", str(gpt_run.path), "--out", str(out)])
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["archive"] == str(out)
    main(["import", str(out), "--runs", str(tmp_path / "elsewhere")])
    record = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert record["name"] == "shared"
    assert files_of(Run(Path(record["run"]))) == files_of(gpt_run)


def test_cli_reports_a_bad_archive_on_one_line(tmp_path, capsys):
    from core.run_archive import main

    (tmp_path / "bad.zip").write_bytes(b"nope")
    with pytest.raises(SystemExit) as exit_:
        main(["import", str(tmp_path / "bad.zip")])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
