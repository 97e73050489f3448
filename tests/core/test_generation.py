import json
import subprocess
import sys

import pytest
import torch

from core.errors import UserError
from core.generation import GenerationSettings, generate, prompt_ids, sequence_logits
from core.loading import default_precision, load_model


@pytest.fixture(scope="module")
def tiny(tiny_hf_model):
    return load_model(str(tiny_hf_model), "fp32")


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"max_new_tokens": 0}, "max new tokens"),
        ({"temperature": -0.5}, "temperature"),
        ({"top_k": -1}, "top-k"),
        ({"top_p": 0.0}, "top-p"),
        ({"top_p": 1.5}, "top-p"),
        ({"repetition_penalty": 0}, "repetition penalty"),
    ],
)
def test_sampling_settings_are_validated(settings, fragment):
    with pytest.raises(UserError, match=fragment):
        GenerationSettings(**settings)


def test_streamed_pieces_make_up_the_answer_with_its_figures(tiny):
    generation = generate(tiny, "The cat", GenerationSettings(max_new_tokens=12))
    pieces = list(generation)
    assert "".join(pieces) == generation.text
    assert 1 <= generation.stats.new_tokens <= 12
    assert generation.stats.ttft_s <= generation.stats.total_s
    assert generation.stats.tokens_per_s > 0


def test_greedy_is_deterministic_and_sampling_follows_the_seed(tiny):
    greedy = GenerationSettings(max_new_tokens=10)
    assert generate(tiny, "The dog", greedy).run() == generate(tiny, "The dog", greedy).run()
    sampled = [
        generate(tiny, "The dog", GenerationSettings(max_new_tokens=10, temperature=1.5, seed=s)).run()
        for s in (1, 1, 2)
    ]
    assert sampled[0] == sampled[1] != sampled[2]


def test_the_chat_template_wraps_instruct_prompts(tiny):
    im_start = tiny.tokenizer.convert_tokens_to_ids("<|im_start|>")
    assert prompt_ids(tiny, "hello")[0] == im_start
    assert prompt_ids(tiny, "hello", chat=False)[0] != im_start


def test_stop_strings_end_the_answer(tiny):
    full = generate(tiny, "The cat", GenerationSettings(max_new_tokens=20)).run()
    stop = full[3:6]
    cut = generate(tiny, "The cat", GenerationSettings(max_new_tokens=20, stop=(stop,))).run()
    assert cut == full[: full.find(stop)]


def test_bad_prompts_are_refused_not_crashed(tiny):
    with pytest.raises(UserError, match="empty"):
        generate(tiny, "   ", GenerationSettings())
    with pytest.raises(UserError, match="reads at most 128"):
        generate(tiny, "the cat " * 200, GenerationSettings())
    long_answer = generate(tiny, "the cat " * 30, GenerationSettings(max_new_tokens=4000))
    assert len(long_answer.ids) + long_answer.settings.max_new_tokens == 128  # capped to the room left


def test_a_training_run_generates_through_the_same_path(make_run, tiny_text):
    gpt = {"n_layer": 1, "n_head": 2, "n_embd": 16}
    run = make_run("gpt", model_params=gpt, max_steps=20, block_size=16, batch_size=4, eval_interval=20)
    loaded = load_model(str(run.path), "fp32")
    settings = GenerationSettings(max_new_tokens=30, temperature=0.8, top_k=5, top_p=0.9, repetition_penalty=1.2)
    generation = generate(loaded, "The cat", settings)
    text = "".join(generation)
    assert len(text) == 30 and generation.stats.new_tokens == 30  # char tokenizer: one character per token
    assert set(text) <= set(tiny_text)


def test_sequence_logits_score_every_position(tiny):
    ids = tiny.tokenizer("The cat sat")["input_ids"]
    logits = sequence_logits(tiny, ids)
    assert logits.shape == (len(ids), tiny.model.config.vocab_size)


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "core.generate", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"},
    )


def test_cli_streams_and_ends_with_json(tiny_hf_model):
    proc = run_cli("--model", str(tiny_hf_model), "--prompt", "The cat", "--max-new-tokens", "5", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {"text", "new_tokens", "tokens_per_s", "ttft_s", "memory_bytes", "device", "dtype", "quantization"} <= set(
        result
    )
    assert result["device"] == "cpu"
    assert result["precision"] == default_precision()  # none given: the fastest faithful one for this machine


def test_cli_runs_the_precision_it_is_given(tiny_hf_model):
    proc = run_cli(
        "--model", str(tiny_hf_model), "--prompt", "The cat", "--max-new-tokens", "3", "--precision", "fp32", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["precision"] == "fp32" and result["quantization"] == "none"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--precision", "fp4"], "nf4 is the nearest"),
        (["--max-new-tokens", "0"], "max new tokens"),
        (["--top-p", "2"], "top-p"),
        (["--precision", "int2"], "invalid choice"),
        (["--model", "/no/such/model"], "No model"),
    ],
)
def test_cli_bad_arguments_exit_2_with_one_line(tiny_hf_model, args, fragment):
    base = {"--model": str(tiny_hf_model), "--prompt": "hi"}
    given = dict(zip(args[::2], args[1::2], strict=True))
    argv = [x for k, v in {**base, **given}.items() for x in (k, v)]
    proc = run_cli(*argv)
    assert proc.returncode == 2
    assert fragment in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_an_abandoned_answer_stops_generating(tiny, monkeypatch):
    settings = GenerationSettings(max_new_tokens=100)
    monkeypatch.setattr(tiny.model.generation_config, "eos_token_id", None)  # only max_new_tokens ends it
    forwards = []
    hook = tiny.model.register_forward_hook(lambda *_: forwards.append(1))
    try:
        generate(tiny, "The cat", settings).run()
        assert len(forwards) == 100  # uninterrupted: one forward pass per new token
        forwards.clear()
        stream = iter(generate(tiny, "The cat", settings))
        next(stream)
        stream.close()  # what a Streamlit rerun does to a half-read stream
    finally:
        hook.remove()
    assert len(forwards) < 100  # the model stopped running with the reader


@pytest.mark.parametrize("eos", [None, "first_greedy_token"])
def test_greedy_answers_match_bare_generate(tiny, monkeypatch, eos):
    """The product's own decoding loop gives what Hugging Face's `generate` gives, end of sequence included."""
    settings = GenerationSettings(max_new_tokens=24, repetition_penalty=1.3)
    ids = generate(tiny, "The cat", settings).ids
    input_ids = torch.tensor([ids])
    bare_kwargs = dict(max_new_tokens=24, do_sample=False, repetition_penalty=1.3, temperature=None, top_p=None)
    monkeypatch.setattr(tiny.model.generation_config, "eos_token_id", None)
    if eos == "first_greedy_token":  # make the answer end early at a token greedy decoding is sure to produce
        fourth = tiny.model.generate(input_ids, **bare_kwargs)[0, len(ids) + 3].item()
        monkeypatch.setattr(tiny.model.generation_config, "eos_token_id", fourth)
    bare = tiny.model.generate(input_ids, attention_mask=torch.ones_like(input_ids), **bare_kwargs)
    product = generate(tiny, "The cat", settings)
    product.run()
    assert product.new_ids == bare[0, len(ids) :].tolist()
    assert (len(product.new_ids) < 24) == (eos is not None)


def test_tiny_bpe_runs_stream_whole_characters(make_run):
    run = make_run(tokenizer="bpe", vocab_size=300, max_steps=30, block_size=16, batch_size=8, eval_interval=30)
    loaded = load_model(str(run.path), "fp32")
    for seed in range(3):
        generation = generate(loaded, "猫", GenerationSettings(max_new_tokens=40, temperature=1.0, seed=seed))
        streamed = "".join(generation)
        # a character split across tokens is sent once whole, never as a replacement character first
        assert streamed == generation.text == loaded.tokenizer.decode(generation.new_ids)
