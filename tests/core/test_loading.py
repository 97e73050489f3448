import json
import shutil
import struct

import pytest
import torch

from core.errors import UserError
from core.loading import (
    _cache_is_valid,
    bundled_gguf,
    check_precision,
    converted_gguf,
    load_model,
    resolve_source,
)

CPU = torch.device("cpu")


def test_sources_are_resolved_by_what_they_are(tmp_path, tiny_hf_model, make_run):
    assert resolve_source("smollm2").kind == "bundled"
    assert resolve_source(str(tiny_hf_model)).kind == "hf_dir"
    assert resolve_source("HuggingFaceTB/SmolLM2-135M").kind == "hub"
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 0))  # an empty but well-formed header
    assert resolve_source(str(gguf)).kind == "gguf"
    run = make_run()
    assert resolve_source(str(run.path)).kind == "run"


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: str(p / "missing"), "No model"),
        (lambda p: str(p), "no config.json"),
        (lambda p: (p / "notes.txt").write_text("x") and str(p / "notes.txt"), "not a .gguf"),
        (lambda p: "", "Name a model"),
    ],
)
def test_bad_sources_are_explained(tmp_path, make, fragment):
    with pytest.raises(UserError, match=fragment):
        resolve_source(make(tmp_path))


def test_a_precision_the_device_cannot_run_names_the_nearest_one():
    with pytest.raises(UserError, match="nf4 is the nearest"):
        check_precision("fp4", CPU)
    with pytest.raises(UserError, match="Unknown precision"):
        check_precision("int3", CPU)
    for precision in ("fp32", "bf16", "fp16", "int8", "nf4"):
        check_precision(precision, CPU)
    check_precision("fp4", torch.device("cuda"))  # everything runs on CUDA


@pytest.mark.parametrize("precision", ["fp32", "bf16", "int8", "nf4"])
def test_a_hugging_face_folder_loads_at_each_precision(tiny_hf_model, precision):
    loaded = load_model(str(tiny_hf_model), precision)
    assert loaded.precision == precision and loaded.device == CPU
    assert loaded.n_params == load_model(str(tiny_hf_model), "fp32").n_params  # quantization-aware count
    assert (loaded.quantization == "none") == (precision in ("fp32", "bf16"))
    assert loaded.memory_bytes > 0 and loaded.load_s >= 0


def test_truncated_weights_give_a_clear_message(tmp_path, tiny_hf_model):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_hf_model, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(UserError, match="damaged or truncated"):
        load_model(str(broken), "fp32")


def test_a_hub_id_offline_names_the_id(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(UserError, match="someorg/not-cached.*local Hugging Face cache"):
        load_model("someorg/not-cached", "fp32")


def test_runs_load_only_at_float_precisions(make_run):
    run = make_run()
    assert load_model(str(run.path), "fp32").n_params > 0
    with pytest.raises(UserError, match="fp32, bf16 or fp16"):
        load_model(str(run.path), "int8")


def test_conversion_cache_validity(tmp_path):
    folder = tmp_path / "conv"
    folder.mkdir()
    assert not _cache_is_valid(folder, "k")  # empty
    (folder / "converted.json").write_text(json.dumps({"key": "k"}))
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes((100).to_bytes(8, "little") + b"{}")
    assert not _cache_is_valid(folder, "k")  # truncated weights
    (folder / "model.safetensors").write_bytes((2).to_bytes(8, "little") + b"{}" + b"\0" * 16)
    assert _cache_is_valid(folder, "k")
    assert not _cache_is_valid(folder, "other")  # made from another file or transformers version


# -- the bundled SmolLM2-135M-Instruct, offline (the first load converts its GGUF once, ~30 s) ------------------
@pytest.fixture(scope="module")
def bundled():
    """SmolLM2 loaded offline at the three precisions a CPU runs."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        return {precision: load_model("smollm2", precision) for precision in ("fp32", "int8", "nf4")}


@pytest.mark.parametrize("precision", ["fp32", "int8", "nf4"])
def test_bundled_model_loads_offline_and_answers_greedily(bundled, precision):
    from core.generation import GenerationSettings, generate

    loaded = bundled[precision]
    assert loaded.n_params == 134_515_008
    assert loaded.has_chat_template
    answer = generate(loaded, "What is the capital of France?", GenerationSettings(max_new_tokens=12))
    assert "Paris" in answer.run()


def test_quantized_footprints_are_smaller_than_fp32(bundled):
    fp32 = bundled["fp32"].memory_bytes
    assert bundled["nf4"].memory_bytes <= 0.35 * fp32
    assert bundled["int8"].memory_bytes < 0.5 * fp32


def test_gguf_conversion_is_cached_and_reused(monkeypatch):
    first = converted_gguf(bundled_gguf())

    def no_second_conversion(*args, **kwargs):
        raise AssertionError("converted again instead of reusing the cache")

    monkeypatch.setattr("transformers.AutoModelForCausalLM.from_pretrained", no_second_conversion)
    assert converted_gguf(bundled_gguf()) == first
    assert (first / "model.safetensors").is_file() and (first / "tokenizer.json").is_file()
