"""Bad input at the library's door: corpora, hyperparameters, sampling settings, prompts and model sources. Each is
refused with a UserError that says what went wrong (never an IndexError, a TypeError or a hang), and the inputs that
only look strange (any script, emoji, one enormous line, UTF-16 with its byte-order mark) are accepted."""

from __future__ import annotations

import codecs
import json
import math

import pytest

from core.corpus import MAX_CORPUS_BYTES, text_from_bytes
from core.errors import UserError
from core.generation import MAX_NEW_TOKENS, GenerationSettings, generate
from core.loading import load_model, resolve_source
from core.train import TrainConfig, create_run

TEXT = "hello world, 你好 🙂\n" * 200

# -- corpora ------------------------------------------------------------------------------------------------------
BAD_CORPORA = {
    "empty": (b"", "empty"),
    "whitespace only": (b" \n\t\r\n  ", "empty"),
    "NUL bytes in text": (b"hello\x00world" * 10, "binary"),
    "PNG under any name": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40, "binary"),
    "ELF executable": (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "binary"),
    "control characters": (bytes(range(1, 9)) * 20 + b"text", "binary"),
    "Latin-1 without a mark": ("café naïve".encode("latin-1"), "not UTF-8.*Latin-1"),
    "UTF-16 mark, odd bytes": (codecs.BOM_UTF16_LE + "abc".encode("utf-16-le") + b"\x00", "not UTF-16"),
    "over the size cap": (b"a" * (MAX_CORPUS_BYTES + 1), "the limit is"),
}


@pytest.mark.parametrize(("raw", "fragment"), BAD_CORPORA.values(), ids=BAD_CORPORA.keys())
def test_bad_corpora_are_refused(raw, fragment):
    with pytest.raises(UserError, match=fragment):
        text_from_bytes(raw, "upload.txt")


GOOD_CORPORA = {
    "mixed scripts and emoji": "Tiếng Việt, русский, العربية, 日本語, हिन्दी 👩‍🔬🚀",
    "UTF-8 with its mark": "\ufeffThe mark is dropped",
    "UTF-16 LE with its mark": "UTF-16 from Notepad: 猫 🙂",
    "UTF-16 BE with its mark": "big endian 🙂",
    "UTF-32 with its mark": "thirty-two 🙂",
    "one enormous line": "word " * 200_000,
}
ENCODE = {
    "UTF-8 with its mark": lambda t: t.encode("utf-8"),
    "UTF-16 LE with its mark": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "UTF-16 BE with its mark": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "UTF-32 with its mark": lambda t: t.encode("utf-32"),
}


@pytest.mark.parametrize("name", GOOD_CORPORA)
def test_strange_but_real_text_is_accepted(name):
    text = GOOD_CORPORA[name]
    raw = ENCODE.get(name, lambda t: t.encode("utf-8"))(text)
    assert text_from_bytes(raw) == text.removeprefix("\ufeff")


def test_a_text_shorter_than_the_context_says_how_long_it_must_be():
    with pytest.raises(UserError, match="too short for a context length of 64.*Use at least"):
        create_run(TrainConfig(block_size=64, device="cpu"), None, "tiny text")


def test_mixed_scripts_and_emoji_train(make_run):  # the shared tiny corpus has Chinese and emoji
    run = make_run("gpt", model_params={"n_layer": 1, "n_head": 1, "n_embd": 8})
    assert run.status()["state"] == "completed"


# -- hyperparameters ----------------------------------------------------------------------------------------------
BAD_CONFIGS = {
    "settings not a mapping": (dict(model="gpt", model_params=None), "must be a mapping"),
    "unknown setting": (dict(model="mlp", model_params={"n_head": 4}), "does not apply to the mlp model"),
    "width as text": (dict(model="gpt", model_params={"n_embd": "128"}), "whole number"),
    "heads do not divide the width": (dict(model="gpt", model_params={"n_embd": 30, "n_head": 4}), "divisible"),
    "a GPT of 155B parameters": (dict(model="gpt", model_params={"n_embd": 16384, "n_layer": 48}), "parameters"),
    "an MLP of 17B parameters": (
        dict(model="mlp", model_params={"n_hidden": 65536, "context": 64, "n_embd": 4096}),
        "parameters",
    ),
    "an LSTM of 4B parameters": (dict(model="lstm", model_params={"n_hidden": 8192, "n_layer": 8}), "parameters"),
    "learning rate NaN": (dict(lr=math.nan), "learning rate"),
    "learning rate 0": (dict(lr=0), "learning rate"),
    "batch size 12.5": (dict(batch_size=12.5), "batch_size"),
    "batch size True": (dict(batch_size=True), "batch_size"),
    "warmup longer than training": (dict(warmup_steps=500, max_steps=10), "Warmup steps"),
    "unknown device": (dict(device="tpu"), "device"),
    "unknown family": (dict(model="transformer-xl"), "model must be one of"),
}


@pytest.mark.parametrize(("settings", "fragment"), BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_bad_hyperparameters_are_refused_before_anything_is_allocated(settings, fragment, runs_dir):
    with pytest.raises(UserError, match=fragment):
        create_run(TrainConfig(**settings), runs_dir / "r", TEXT)
    assert not (runs_dir / "r").exists()  # refused before a run folder was made


def test_logits_too_big_for_memory_are_refused_before_allocating(runs_dir):
    big = "abcdefghijklmnopqrstuvwxyz0123456789 " * 120_000  # long enough for a 4096-token context
    with pytest.raises(UserError, match="GB"):
        create_run(TrainConfig(batch_size=4096, block_size=4096, device="cpu"), runs_dir / "r", big)


# -- sampling settings, as vLLM checks its SamplingParams -----------------------------------------------------------
BAD_SAMPLING = {
    "max new tokens 0": (dict(max_new_tokens=0), "max new tokens"),
    "max new tokens above the cap": (dict(max_new_tokens=MAX_NEW_TOKENS + 1), "max new tokens"),
    "max new tokens 2.5": (dict(max_new_tokens=2.5), "max new tokens"),
    "temperature below 0": (dict(temperature=-0.1), "temperature"),
    "temperature NaN": (dict(temperature=math.nan), "temperature"),
    "top-p 0": (dict(top_p=0.0), "top-p"),
    "top-p above 1": (dict(top_p=1.01), "top-p"),
    "top-k negative": (dict(top_k=-1), "top-k"),
    "repetition penalty 0": (dict(repetition_penalty=0), "repetition penalty"),
    "seed negative": (dict(seed=-1), "seed"),
    "stop not texts": (dict(stop=[1, 2]), "stop"),
    "chat as text": (dict(chat="yes"), "chat"),
}


@pytest.mark.parametrize(("settings", "fragment"), BAD_SAMPLING.values(), ids=BAD_SAMPLING.keys())
def test_bad_sampling_settings_are_refused(settings, fragment):
    with pytest.raises(UserError, match=fragment):
        GenerationSettings(**settings)


def test_sampling_edges_that_are_valid():
    assert GenerationSettings(temperature=0).greedy
    assert GenerationSettings(top_p=1.0, top_k=0, max_new_tokens=1).top_p == 1.0
    assert GenerationSettings(stop="END").stop == ("END",)  # one text is one stop string, not three letters


# -- prompts -----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_llama(tiny_hf_model):
    return load_model(str(tiny_hf_model))


def test_an_empty_prompt_is_refused_for_a_pretrained_model(tiny_llama):
    with pytest.raises(UserError, match="prompt is empty"):
        generate(tiny_llama, "  \n ", GenerationSettings())


def test_a_prompt_longer_than_the_context_is_refused_with_a_message(tiny_llama):
    with pytest.raises(UserError, match="reads at most 128"):
        generate(tiny_llama, "hello world " * 400, GenerationSettings(chat=False))


def test_max_new_tokens_is_capped_by_the_room_left_in_the_context(tiny_llama):
    generation = generate(tiny_llama, "hello", GenerationSettings(max_new_tokens=4096, chat=False))
    assert len(generation.ids) + generation.settings.max_new_tokens == 128


@pytest.mark.parametrize("prompt", ["", "x" * 5000, "cat " * 2000])
def test_a_tiny_run_crops_a_long_prompt_and_answers_an_empty_one(make_run, prompt):
    loaded = load_model(str(make_run("gpt", model_params={"n_layer": 1, "n_head": 1, "n_embd": 8}).path))
    prompt = prompt.replace("x", "a")  # characters the tiny corpus has
    generation = generate(loaded, prompt, GenerationSettings(max_new_tokens=3))
    generation.run()
    assert generation.stats.new_tokens == 3


def test_a_tiny_run_names_characters_it_never_saw(make_run):
    loaded = load_model(str(make_run().path))
    with pytest.raises(UserError, match="never occur in the training text"):
        generate(loaded, "Zebra ☃", GenerationSettings(max_new_tokens=3))


# -- model sources -----------------------------------------------------------------------------------------------
def test_model_sources_that_cannot_load(tmp_path, tiny_hf_model, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (tmp_path / "empty").mkdir()
    bad_config = tmp_path / "bad-config"
    bad_config.mkdir()
    (bad_config / "config.json").write_text("{not json")
    (bad_config / "model.safetensors").write_bytes(b"")
    cases = {
        str(tmp_path / "missing"): "No model",
        str(tmp_path / "empty"): "no config.json",
        str(bad_config): "not valid JSON",
        "someorg/not-cached": "not in the local Hugging Face cache",
        "": "Name a model",
    }
    for spec, fragment in cases.items():
        with pytest.raises(UserError, match=fragment):
            load_model(spec)


def test_a_config_without_a_model_type_is_explained(tmp_path, tiny_hf_model):
    import shutil

    folder = tmp_path / "typeless"
    shutil.copytree(tiny_hf_model, folder)
    config = json.loads((folder / "config.json").read_text())
    del config["model_type"], config["architectures"]
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(UserError, match="Could not load"):
        load_model(str(folder))
    assert resolve_source(str(folder)).kind == "hf_dir"
