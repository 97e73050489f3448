"""Shared fixtures: every test gets its own runs folder, and a tiny corpus with Chinese and emoji."""

from __future__ import annotations

import pytest

from core.runs import RUNS_DIR_ENV

TINY_TEXT = "The cat sat on the mat. The dog sat on the log. 猫坐在垫子上。🙂 A cat and a dog met on the mat.\n" * 40


@pytest.fixture(autouse=True)
def runs_dir(tmp_path, monkeypatch):
    """Point the runs root at a fresh temporary folder, so no test touches real runs."""
    path = tmp_path / "runs"
    monkeypatch.setenv(RUNS_DIR_ENV, str(path))
    return path


@pytest.fixture
def tiny_text() -> str:
    return TINY_TEXT


CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.fixture(scope="session")
def tiny_hf_model(tmp_path_factory):
    """A randomly initialised, tiny Llama with a BPE tokenizer and a chat template, saved as a Hugging Face folder:
    it goes through the same loading and generation path as a real model, in milliseconds, with no download."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-llama")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=320,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=["<|im_start|>", "<|im_end|>"],
        show_progress=False,
    )
    tok.train_from_iterator([TINY_TEXT], trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|im_end|>")
    tokenizer.chat_template = CHAT_TEMPLATE
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=tokenizer.vocab_size + 2,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=128,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


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
