"""Bad input through the pages (AppTest): uploads, pasted text, settings and model names. Each shows one message
that says what to do, with no exception and nothing created."""

from __future__ import annotations

import codecs
import pickle

import pytest

from core.runs import list_runs
from tests.pages.conftest import button, open_page, pick_model, widget

pytestmark = pytest.mark.usefixtures("empty_model_cache")
TIMEOUT = 120


def start_training(at) -> None:
    button(at, "Start training").click().run(timeout=TIMEOUT)
    assert not at.exception, at.exception


UPLOADS = {
    "a PNG named .txt": (("notes.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32, "text/plain"), "binary"),
    "a pickle": (("corpus.txt", pickle.dumps(list(range(300)), protocol=4), "text/plain"), "binary"),
    "Latin-1 text": (("old.txt", "café crème brûlée".encode("latin-1") * 20, "text/plain"), "not UTF-8"),
    "an empty file": (("empty.txt", b"", "text/plain"), "empty"),
    "UTF-16 text, too short": (("short.txt", codecs.BOM_UTF16_LE + "猫 🙂".encode("utf-16-le"), "text/plain"), "short"),
}


@pytest.mark.parametrize(("upload", "fragment"), UPLOADS.values(), ids=UPLOADS.keys())
def test_a_bad_upload_is_explained(upload, fragment):
    at = open_page("train")
    at.radio(key="corpus_choice").set_value("upload").run()
    at.file_uploader(key="corpus_upload").set_value(upload).run()
    start_training(at)
    assert fragment in at.error[0].value
    assert list_runs() == []


def test_no_upload_yet_is_explained():
    at = open_page("train")
    at.radio(key="corpus_choice").set_value("upload").run()
    start_training(at)
    assert "No file chosen yet" in at.error[0].value


@pytest.mark.parametrize(
    ("label", "value", "fragment"),
    [
        ("Embedding width", 16384, "parameters"),
        ("Layers", 0, "n_layer"),
        ("Seed", -1, "seed"),
        ("BPE vocabulary size", 10, "vocab_size"),
    ],
)
def test_bad_model_settings_are_explained(label, value, fragment):
    at = open_page("train")
    if label == "BPE vocabulary size":
        at.radio(key="train.tokenizer").set_value("bpe").run()
    widget(at.number_input, label).set_value(value)
    start_training(at)
    assert fragment in at.error[0].value
    assert list_runs() == []


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [("generate.top_p", 0.0, "top-p"), ("generate.temperature", -1.0, "temperature"), ("generate.new", 0, "max new")],
)
def test_bad_sampling_settings_are_explained(tiny_hf_model, key, value, fragment):
    at = open_page("generate")
    pick_model(at, "generate", str(tiny_hf_model))
    at.number_input(key=key).set_value(value)
    at.chat_input[0].set_value("Hello").run(timeout=TIMEOUT)
    assert not at.exception
    assert fragment in at.error[0].value and at.session_state.generate_chat == []


@pytest.mark.parametrize(
    ("spec", "fragment"), [("", "Name a model"), ("someorg/not-cached", "local Hugging Face cache")]
)
def test_a_model_that_cannot_load_is_explained(spec, fragment, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    at = open_page("generate")
    pick_model(at, "generate", spec)
    at.chat_input[0].set_value("Hello").run(timeout=TIMEOUT)
    assert not at.exception
    assert fragment in at.error[0].value


def test_blank_text_on_the_attention_page_is_explained(tiny_hf_model):
    at = open_page("attention")
    at.selectbox(key="attention.model").set_value("__other__").run()
    at.text_input(key="attention.other").set_value(str(tiny_hf_model)).run(timeout=TIMEOUT)
    at.text_area(key="attention.text").set_value("   ").run(timeout=TIMEOUT)
    assert not at.exception
    assert "Type some text" in at.error[0].value
