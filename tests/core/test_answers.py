"""Answers as plain data, and what a chat history becomes for models with and without a chat template."""

import pytest

from core.answers import Answer, chat_prompt
from core.generation import GenerationSettings, generate
from core.loading import load_model

HISTORY = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello!", "answer": "figures, not for the model"},
    {"role": "user", "content": "The cat"},
]


@pytest.fixture(scope="module")
def tiny_llama(tiny_hf_model):
    return load_model(str(tiny_hf_model), "fp32", "cpu")


def test_a_chat_model_reads_the_whole_conversation_without_extra_fields(tiny_llama):
    assert chat_prompt(tiny_llama, HISTORY) == [{k: m[k] for k in ("role", "content")} for m in HISTORY]


def test_without_the_template_only_the_last_user_message_is_read(tiny_llama):
    assert chat_prompt(tiny_llama, HISTORY, chat=False) == "The cat"


def test_a_training_run_reads_the_last_user_message(make_run):
    run = make_run()
    loaded = load_model(str(run.path), "fp32", "cpu")
    assert not loaded.has_chat_template
    assert chat_prompt(loaded, HISTORY) == "The cat"


def test_answer_of_a_generation_keeps_the_figures_and_no_model(tiny_llama):
    generation = generate(tiny_llama, "Hello", GenerationSettings(max_new_tokens=5))
    text = generation.run()
    answer = Answer.of(generation)
    assert answer.text == text and 0 < answer.new_tokens <= 5
    assert answer.label == "tiny-llama0 · fp32"
    assert answer.memory_mb == pytest.approx(tiny_llama.memory_bytes / 1e6)
    assert answer.n_params == tiny_llama.n_params and answer.device == "cpu" and answer.quantization == "none"
    assert not any(isinstance(v, type(tiny_llama)) for v in vars(answer).values())
