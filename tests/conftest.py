"""Shared fixtures: every test gets its own runs and scenes folders, and a tiny corpus with Chinese and emoji."""

from __future__ import annotations

import pytest

from core.runs import RUNS_DIR_ENV
from core.scenes import SCENES_DIR_ENV

TINY_TEXT = "The cat sat on the mat. The dog sat on the log. 猫坐在垫子上。🙂 A cat and a dog met on the mat.\n" * 40


@pytest.fixture(autouse=True)
def runs_dir(tmp_path, monkeypatch):
    """Point the runs root at a fresh temporary folder, so no test touches real runs."""
    path = tmp_path / "runs"
    monkeypatch.setenv(RUNS_DIR_ENV, str(path))
    return path


@pytest.fixture(autouse=True)
def scenes_dir(tmp_path, monkeypatch):
    """Point the scenes folder at a fresh temporary one: a presenter's saved scenes never reach a test's sidebar."""
    path = tmp_path / "scenes"
    monkeypatch.setenv(SCENES_DIR_ENV, str(path))
    return path


@pytest.fixture
def allow_test_model_dirs(tmp_path_factory, monkeypatch):
    """Let the dashboard load the model folders tests make (all under pytest's temporary root), the way a user
    allows a folder of their own with LLM_DASHBOARD_MODEL_DIRS."""
    from core.loading import MODEL_DIRS_ENV

    monkeypatch.setenv(MODEL_DIRS_ENV, str(tmp_path_factory.getbasetemp()))


@pytest.fixture
def tiny_text() -> str:
    return TINY_TEXT


CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def save_tiny_llama(
    folder,
    text: str,
    vocab_size: int,
    special_tokens: list[str],
    eos: str,
    seed: int = 0,
    chat_template: str | None = None,
    **config,
):
    """Save a randomly initialised Llama with a byte-level BPE tokenizer trained on `text` to `folder`: the same
    loading and generation path as a real model, in milliseconds, with no download."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=special_tokens,
        show_progress=False,
    )
    tok.train_from_iterator([text], trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=eos, pad_token=eos)
    if chat_template:
        tokenizer.chat_template = chat_template
    torch.manual_seed(seed)
    llama = LlamaConfig(
        vocab_size=len(tokenizer),
        num_attention_heads=2,
        num_key_value_heads=2,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
        **config,
    )
    LlamaForCausalLM(llama).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_hf_model(tmp_path_factory):
    """A tiny random Llama with a BPE tokenizer and a chat template, saved as a Hugging Face folder."""
    return save_tiny_llama(
        tmp_path_factory.mktemp("tiny-llama"),
        TINY_TEXT,
        320,
        ["<|im_start|>", "<|im_end|>"],
        "<|im_end|>",
        chat_template=CHAT_TEMPLATE,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        max_position_embeddings=128,
    )


QUICK_RUN = dict(
    max_steps=5,
    block_size=8,
    batch_size=2,
    eval_interval=5,
    eval_iters=1,
    warmup_steps=0,
    sample_interval=0,
    device="cpu",
)


@pytest.fixture
def make_run(runs_dir, tiny_text):
    """Train a tiny run on the tiny corpus in a second or so: make_run("gpt", name="r", max_steps=20, ...)."""
    from core.train import TrainConfig, create_run, train

    def make(family: str = "ngram", name: str = "run", model_params: dict | None = None, **settings):
        config = TrainConfig(model=family, model_params=model_params or {}, **{**QUICK_RUN, **settings})
        run = create_run(config, runs_dir / name, tiny_text)
        train(run)
        return run

    return make


# Settings that make a scaling sweep or head-to-head rung train in a second (with samples, for the pages).
TINY_LADDER = dict(
    block_size=8,
    batch_size=4,
    max_steps=6,
    eval_interval=3,
    eval_iters=1,
    warmup_steps=0,
    sample_interval=6,
    sample_tokens=10,
    device="cpu",
)
