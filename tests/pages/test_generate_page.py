import pytest
import torch

from core.loading import default_precision
from dashboard.widgets import BUNDLED_LABEL
from tests.pages.conftest import button, open_page, pick_model

pytestmark = pytest.mark.usefixtures("empty_model_cache")
TIMEOUT = 120


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_opens_with_the_bundled_model_and_an_empty_chat():
    at = open_page("generate")
    assert at.title[0].value == "Generate"
    assert at.selectbox(key="generate.model").options == [BUNDLED_LABEL, "Other…"]
    assert at.selectbox(key="generate.precision").value == default_precision()
    assert not at.chat_message and at.chat_input
    assert "None. A model loads on first use" in captions(at)


def test_chats_with_a_tiny_hf_model_and_clears_the_chat(tiny_hf_model):
    at = open_page("generate")
    pick_model(at, "generate", str(tiny_hf_model))
    at.number_input(key="generate.new").set_value(12)
    at.chat_input[0].set_value("Hello there").run(timeout=TIMEOUT)
    assert not at.exception and not at.error, at.error
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert "tokens/s" in captions(at) and "tiny-llama" in captions(at)
    assert "Loaded models" in at.sidebar.markdown[0].value

    at.chat_input[0].set_value("And again").run(timeout=TIMEOUT)  # the history stays and grows
    assert [m.name for m in at.chat_message] == ["user", "assistant", "user", "assistant"]
    history = at.session_state.generate_chat
    assert [m["content"] for m in history[::2]] == ["Hello there", "And again"]
    assert history[1]["answer"].new_tokens <= 12

    button(at, "Clear chat").click().run()
    assert not at.chat_message and at.session_state.generate_chat == []


def test_a_training_run_is_offered_at_its_precisions_and_answers(trained_runs):
    at = open_page("generate")
    gpt = str(trained_runs[1].path)
    pick_model(at, "generate", gpt)
    assert at.selectbox(key="generate.precision.run").options == ["fp32 (full precision)", "bf16", "fp16"]
    at.chat_input[0].set_value("The cat").run(timeout=TIMEOUT)
    assert not at.exception and not at.error, at.error
    assert "run tiny-gpt · fp32" in captions(at)


@pytest.mark.skipif(torch.cuda.is_available(), reason="fp4 runs on a CUDA GPU")
def test_a_precision_the_cpu_cannot_run_names_the_nearest_one(tiny_hf_model):
    at = open_page("generate")
    pick_model(at, "generate", str(tiny_hf_model), "fp4")
    at.chat_input[0].set_value("Hello").run(timeout=TIMEOUT)
    assert "needs a CUDA GPU" in at.error[0].value and "nf4" in at.error[0].value
    assert at.session_state.generate_chat == []  # a failed turn is not kept
