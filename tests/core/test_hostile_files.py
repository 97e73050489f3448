"""Files built to attack the loaders: pickles that run code, damaged safetensors, crafted GGUF headers, models that
ship their own Python code, and paths outside the folders the dashboard may read. Each is refused with a
UserError, and no code from the file ever runs."""

from __future__ import annotations

import os
import pickle
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from core.corpus import text_from_bytes
from core.errors import UserError
from core.gguf_check import check_gguf
from core.loading import MODEL_DIRS_ENV, allowed_model_dirs, cache_root, load_model, resolve_source
from tests.hostile import DAMAGES, Payload, damage, with_custom_code


@pytest.fixture
def marker(tmp_path, monkeypatch) -> Path:
    """Where a payload would write; the environment asks torch for unsafe loads, which must not matter."""
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    return tmp_path / "executed.txt"


@pytest.fixture
def evil_bin(tmp_path, marker) -> bytes:
    """A torch checkpoint (zip with a pickle inside) whose unpickling writes the marker: checked live once."""
    path = tmp_path / "evil.bin"
    torch.save({"model.embed_tokens.weight": Payload(marker)}, path)
    torch.load(path, weights_only=False)  # the payload does run when something unpickles it...
    assert marker.exists()
    marker.unlink()  # ...so its absence below means nothing unpickled it
    return path.read_bytes()


def copy_model(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_a_pickle_as_pytorch_model_bin_is_refused_unread(tmp_path, tiny_hf_model, evil_bin, marker):
    folder = copy_model(tiny_hf_model, tmp_path / "hf")
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(evil_bin)
    with pytest.raises(UserError, match="no safetensors weights.*pytorch_model.bin"):
        load_model(str(folder))
    assert not marker.exists()


def test_transformers_itself_is_told_to_refuse_pickled_weights(tmp_path, tiny_hf_model, evil_bin, marker):
    """Behind the folder check, from_pretrained gets use_safetensors=True and never reaches torch.load."""
    from core.loading import _from_pretrained

    folder = copy_model(tiny_hf_model, tmp_path / "hf")
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(evil_bin)
    with pytest.raises(UserError, match="Could not load"):
        _from_pretrained(str(folder), "hf_dir", dtype=torch.float32)
    assert not marker.exists()


@pytest.mark.parametrize("where", ["run", "hf"])
def test_a_pickle_named_model_safetensors_is_refused_unread(tmp_path, tiny_hf_model, make_run, evil_bin, marker, where):
    folder = make_run().path if where == "run" else copy_model(tiny_hf_model, tmp_path / "hf")
    (folder / "model.safetensors").write_bytes(evil_bin)
    with pytest.raises(UserError, match="damaged"):
        load_model(str(folder))
    assert not marker.exists()


def test_a_pickle_named_gguf_or_uploaded_as_text_is_refused_unread(tmp_path, evil_bin, marker):
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(evil_bin)
    with pytest.raises(UserError, match="not a valid GGUF"):
        load_model(str(gguf))
    for raw in (evil_bin, pickle.dumps(Payload(marker), protocol=4)):
        with pytest.raises(UserError, match="binary|not UTF-8"):
            text_from_bytes(raw, "upload.txt")
    assert not marker.exists()


def test_an_ascii_pickle_as_a_corpus_is_only_text(marker):
    """Protocol 0 pickles are printable text; as a corpus they are only characters to train on, never unpickled."""
    raw = pickle.dumps(Payload(marker), protocol=0)
    assert text_from_bytes(raw) == raw.decode()
    assert not marker.exists()


# -- damaged safetensors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", DAMAGES)
def test_damaged_safetensors_in_a_hugging_face_folder(tmp_path, tiny_hf_model, how):
    folder = copy_model(tiny_hf_model, tmp_path / "hf")
    weights = folder / "model.safetensors"
    weights.write_bytes(damage(weights.read_bytes(), how))
    with pytest.raises(UserError, match="are damaged or truncated") as caught:
        load_model(str(folder))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("how", DAMAGES)
def test_damaged_safetensors_in_a_run(make_run, how):
    run = make_run()
    run.checkpoint_path.write_bytes(damage(run.checkpoint_path.read_bytes(), how))
    with pytest.raises(UserError, match="checkpoint of run .* is damaged") as caught:
        load_model(str(run.path))
    assert "\n" not in str(caught.value)


# -- crafted GGUF -----------------------------------------------------------------------------------------------
GGUF_49 = (
    b"GGUF"
    + struct.pack("<IQQ", 3, 0, 1)  # version 3, no tensors, one metadata entry
    + struct.pack("<Q", 1)
    + b"x"  # key "x"
    + struct.pack("<IIQ", 9, 8, 2**63)  # an array of 2^63 strings
)

MEASURE = """
import resource, sys, time
from core.errors import UserError
from core.loading import resolve_source
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    resolve_source(sys.argv[1])
except UserError as err:
    print("refused:", err)
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def test_a_49_byte_gguf_claiming_2_63_items_is_refused_quickly_and_in_little_memory(tmp_path):
    """The bound is on runaway work (the gguf reader would loop or allocate forever), not a speed benchmark:
    measured in a fresh process, with the imports done before the clock and the memory meter start."""
    assert len(GGUF_49) == 49
    path = tmp_path / "evil.gguf"
    path.write_bytes(GGUF_49)
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, timeout=120, cwd=Path.cwd()
    )
    assert out.returncode == 0, out.stderr
    refused, figures = out.stdout.strip().splitlines()
    assert "refused:" in refused and "more than the file can hold" in refused
    seconds, extra_kib = figures.split()
    assert float(seconds) < 2
    assert int(extra_kib) < 100 * 1024  # ru_maxrss is in KiB on Linux


def test_a_49_byte_gguf_of_2_63_bytes_is_refused(tmp_path):
    path = tmp_path / "evil.gguf"
    path.write_bytes(GGUF_49[:-16] + struct.pack("<IIQ", 9, 0, 2**63))  # an array of 2^63 uint8
    with pytest.raises(UserError, match="more than the file holds"):
        check_gguf(path)


# -- models that ship their own code ----------------------------------------------------------------------------
@pytest.fixture
def remote_code_model(tmp_path, tiny_hf_model, marker) -> Path:
    return with_custom_code(tiny_hf_model, tmp_path / "custom", marker)


def test_a_model_with_its_own_code_is_refused_without_the_opt_in(remote_code_model, marker):
    with pytest.raises(UserError, match="asks to run its own Python code.*Trust remote code"):
        load_model(str(remote_code_model))
    assert not marker.exists()


def test_the_opt_in_reaches_transformers_for_that_model(remote_code_model, marker, monkeypatch, tmp_path):
    import transformers.dynamic_module_utils as dynamic

    monkeypatch.setattr(dynamic, "HF_MODULES_CACHE", str(tmp_path / "modules"))  # keep ~/.cache clean
    monkeypatch.setattr(sys, "path", list(sys.path))
    loaded = load_model(str(remote_code_model), trust_remote_code=True)
    assert marker.exists() and loaded.remote_code
    assert type(loaded.model).__name__ == "CustomForCausalLM"


# -- where the dashboard may read models from -------------------------------------------------------------------
def test_the_dashboard_reads_models_only_from_allowed_folders(tmp_path, tiny_hf_model, make_run, monkeypatch):
    monkeypatch.setenv("LLM_DASHBOARD_CACHE", str(tmp_path / "cache"))
    allowed = allowed_model_dirs()
    run = make_run()
    assert resolve_source(str(run.path), allowed).kind == "run"  # the runs folder
    assert resolve_source("smollm2", allowed).kind == "bundled"
    assert resolve_source("HuggingFaceTB/SmolLM2-135M", allowed).kind == "hub"
    in_cache = copy_model(tiny_hf_model, cache_root() / "m")
    assert resolve_source(str(in_cache), allowed).kind == "hf_dir"
    for outside in (str(tiny_hf_model), "/etc", "/etc/passwd", str(run.path / ".." / ".." / ".."), "~"):
        with pytest.raises(UserError, match="outside the folders"):
            resolve_source(outside, allowed)
    assert resolve_source(str(tiny_hf_model)).kind == "hf_dir"  # the command lines accept any path


def test_a_symlink_is_judged_by_its_target(tmp_path, tiny_hf_model, runs_dir):
    runs_dir.mkdir(parents=True, exist_ok=True)
    (runs_dir / "sneaky").symlink_to(tiny_hf_model, target_is_directory=True)
    with pytest.raises(UserError, match="outside the folders"):
        resolve_source(str(runs_dir / "sneaky"), allowed_model_dirs())


def test_more_folders_can_be_allowed_by_environment(tmp_path, tiny_hf_model, monkeypatch):
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.setenv(MODEL_DIRS_ENV, f"{other}{os.pathsep}{tiny_hf_model.parent}")
    assert resolve_source(str(tiny_hf_model), allowed_model_dirs()).kind == "hf_dir"


def test_an_uploaded_run_archive_with_a_pickled_checkpoint_is_refused_unread(make_run, evil_bin, marker):
    import io
    import zipfile

    from core.run_archive import export_run, import_run

    good = zipfile.ZipFile(io.BytesIO(export_run(make_run())))
    assert "model.safetensors" in good.namelist()
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as out:
        for info in good.infolist():
            data = evil_bin if info.filename == "model.safetensors" else good.read(info)
            out.writestr(info.filename, data)
    with pytest.raises(UserError):
        import_run(evil.getvalue(), filename="evil.zip")
    assert not marker.exists()
