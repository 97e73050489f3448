import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from core.attention import (
    AttentionModel,
    extract,
    head_metrics,
    induction_scores,
    load_attention_model,
    summarize,
    tiny_gpt_attention,
)
from core.errors import UserError
from core.models import build_model


@pytest.fixture(scope="module")
def tiny_gpt():
    torch.manual_seed(0)
    return build_model("gpt", {"n_layer": 2, "n_head": 2, "n_embd": 16}, vocab_size=20, block_size=32).eval()


def test_explicit_attention_gives_the_models_own_outputs(tiny_gpt):
    idx = torch.randint(0, 20, (2, 12))
    logits, maps = tiny_gpt_attention(tiny_gpt, idx)
    torch.testing.assert_close(logits, tiny_gpt(idx)[0], atol=1e-5, rtol=1e-5)
    assert maps.shape == (2, 2, 2, 12, 12)  # (layers, B, heads, T, T)
    torch.testing.assert_close(maps.sum(-1), torch.ones(2, 2, 2, 12))
    assert torch.all(maps.triu(diagonal=1) == 0)  # causal: nothing above the diagonal


def test_first_layer_weights_match_a_manual_recomputation(tiny_gpt):
    idx = torch.randint(0, 20, (1, 8))
    _, maps = tiny_gpt_attention(tiny_gpt, idx)
    tr = tiny_gpt.transformer
    x = tr.wte(idx) + tr.wpe(torch.arange(8))
    q, k, _ = tr.h[0].attn.qkv(tr.h[0].ln_1(x))
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.size(-1))
    scores = scores.masked_fill(torch.ones(8, 8).triu(1).bool(), float("-inf"))
    torch.testing.assert_close(maps[0], torch.softmax(scores, dim=-1))


def previous_token_head(T):
    w = np.zeros((T, T))
    w[0, 0] = 1
    w[np.arange(1, T), np.arange(T - 1)] = 1
    return w


def test_metrics_of_a_pure_previous_token_head():
    m = head_metrics(previous_token_head(10))
    assert m["previous_token"] == pytest.approx(1.0)
    assert m["entropy"] == pytest.approx(0.0, abs=1e-9)
    assert m["mean_distance"] == pytest.approx(9 / 10)
    assert m["sink"] == pytest.approx(1 / 9)  # only query 1's previous token is the first


def test_metrics_of_a_uniform_causal_head_and_a_sink_head():
    T = 6
    uniform = np.tril(np.ones((T, T))) / np.arange(1, T + 1)[:, None]
    assert head_metrics(uniform)["entropy"] == pytest.approx(np.mean(np.log(np.arange(1, T + 1))))
    sink = np.zeros((T, T))
    sink[:, 0] = 1
    m = head_metrics(sink)
    assert m["sink"] == pytest.approx(1.0) and m["entropy"] == pytest.approx(0.0, abs=1e-9)
    assert m["previous_token"] == pytest.approx(1 / (T - 1))


def test_induction_score_of_a_perfect_induction_head():
    half = 5
    w = np.zeros((2 * half, 2 * half))
    w[:half, 0] = 1
    queries = np.arange(half, 2 * half)
    w[queries, queries - half + 1] = 1
    assert induction_scores(w, half) == pytest.approx(1.0)
    assert induction_scores(previous_token_head(2 * half), half) == pytest.approx(0.0)


def test_summary_has_one_row_per_layer_and_head(tiny_gpt):
    am = AttentionModel("tiny-gpt", tiny_gpt, None, "tiny")
    from core.attention import AttentionMaps, _weights_for_ids

    maps = AttentionMaps(list("abcdef"), _weights_for_ids(am, [1, 2, 3, 4, 5, 6]), True, "tiny")
    summary = summarize(maps)
    assert len(summary) == 4 and list(summary[["layer", "head"]].iloc[3]) == [1, 1]


@pytest.fixture(scope="module")
def minilm():
    return load_attention_model("minilm")


def test_the_encoder_attends_both_ways(minilm):
    maps = extract(minilm, "The cat sat on the mat.")
    assert maps.weights.shape[:2] == (6, 12)
    assert maps.tokens[0] == "[CLS]" and not maps.causal
    np.testing.assert_allclose(maps.weights.sum(-1), 1.0, atol=1e-5)
    assert np.triu(maps.weights, k=1).sum() > 1.0  # unlike a causal model, it looks ahead


def test_smollm2_has_30_layers_of_9_causal_heads(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    am = load_attention_model("smollm2")
    maps = extract(am, "The cat sat on the mat.")
    assert maps.weights.shape[:2] == (30, 9)
    assert np.abs(np.triu(maps.weights, k=1)).max() < 1e-6
    np.testing.assert_allclose(maps.weights.sum(-1), 1.0, atol=1e-4)


def test_bad_inputs_are_refused(minilm, make_run):
    with pytest.raises(UserError, match="Type some text"):
        extract(minilm, "  ")
    with pytest.raises(UserError, match="at most 512"):
        extract(minilm, "cat " * 600)
    run = make_run()
    with pytest.raises(UserError, match="no attention"):
        load_attention_model(str(run.path))


def test_cli_reports_layers_heads_and_a_summary_row_per_head():
    proc = subprocess.run(
        [sys.executable, "-m", "core.attention", "--model", "minilm", "--text", "The cat sat.", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (result["layers"], result["heads"], len(result["summary"])) == (6, 12, 72)
    assert result["tokens"][0] == "[CLS]"


def test_a_character_split_across_tokens_shows_its_bytes_not_replacement_characters(tiny_hf_model):
    am = load_attention_model(str(tiny_hf_model))
    maps = extract(am, "a鹅 cat")  # 鹅 is not in the tokenizer's training text: three byte tokens
    assert "\ufffd" not in "".join(maps.tokens)
    assert "<E9>" in maps.tokens or any(t.startswith("<E9") for t in maps.tokens)
