import pytest

from core.answers import Answer
from dashboard.generation_views import (
    SlotResult,
    count_text,
    figures_text,
    model_text,
    slot_name,
    slot_rows,
    spec_name,
)


def answer(**changes) -> Answer:
    values = dict(
        model="SmolLM2-135M-Instruct (bundled)",
        precision="nf4",
        text="Paris.",
        new_tokens=8,
        ttft_s=0.3171,
        tokens_per_s=9.626,
        total_s=0.83,
        device="cpu",
        dtype="bf16",
        quantization="nf4 4-bit, double quantization, bf16 compute",
        memory_mb=166.47,
        load_s=4.98,
        n_params=134_515_008,
    )
    return Answer(**{**values, **changes})


@pytest.mark.parametrize(("n", "text"), [(999, "999"), (20_480, "20.5K"), (134_515_008, "134.5M"), (7e9, "7.0B")])
def test_count_text(n, text):
    assert count_text(int(n)) == text


def test_figures_and_model_text():
    assert figures_text(answer()) == "First token after 0.32 s · 9.6 tokens/s · 8 new tokens"
    assert figures_text(answer(ttft_s=None, tokens_per_s=None, new_tokens=0)).startswith("First token after – · –")
    text = model_text(answer())
    assert text.startswith("SmolLM2-135M-Instruct (bundled) · nf4 on cpu · computes in bf16 · nf4 4-bit")
    assert "166 MB · loaded in 5.0 s · 134.5M parameters" in text
    assert "no quantization" in model_text(answer(quantization="none"))


def test_a_served_answer_says_how_its_tokens_were_counted_and_what_is_unknown():
    served = answer(model="qwen @ h:8000", precision="served", device="http://h:8000", memory_mb=None, n_params=None)
    assert figures_text(answer(counted_by="server")).endswith("8 new tokens (the server's count)")
    assert figures_text(answer(counted_by="chunks")).endswith(
        "≈8 new tokens (streamed chunks; the server sent no count)"
    )
    assert (
        model_text(served)
        == "qwen @ h:8000, served by http://h:8000 · its precision, memory and parameters are not known here"
    )


def test_slot_names_before_a_slot_runs():
    assert slot_name(("smollm2", "nf4")) == "SmolLM2-135M-Instruct (bundled) · nf4"
    assert slot_name({"base_url": "http://h", "model": "qwen", "api_key_env": "K"}) == "qwen (endpoint)"
    assert slot_name({"base_url": "", "model": "", "api_key_env": ""}) == "no model (endpoint)"


def test_slot_rows_skip_failed_slots():
    rows = slot_rows([SlotResult("1. a", answer()), SlotResult("2. b", error="No model 'b'")])
    assert rows == [{"label": "1. a", "memory_mb": 166.47, "tokens_per_s": 9.626, "ttft_s": 0.3171}]


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        ("smollm2", "SmolLM2-135M-Instruct (bundled)"),
        ("/home/me/runs/tiny-gpt", "tiny-gpt"),
        ("HuggingFaceTB/SmolLM2-360M", "HuggingFaceTB/SmolLM2-360M"),
        ("", "no model"),
    ],
)
def test_spec_name(spec, name):
    assert spec_name(spec) == name
