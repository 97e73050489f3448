"""The explainer's numbers are the model's own: its softmax weights are the ones `extract` shows."""

import math

import numpy as np
import pytest
import torch

from core.attention import AttentionModel, extract, load_attention_model
from core.attention_explain import EXPLAIN_MAX_DIMS, explain_encoder_head, explain_tiny_gpt_head
from core.errors import UserError
from core.models import build_model
from core.tokenization import train_tokenizer
from tests.conftest import TINY_TEXT

TEXT = "The cat sat on the mat."


@pytest.fixture(scope="module")
def tiny_gpt():
    torch.manual_seed(0)
    tokenizer = train_tokenizer("char", TINY_TEXT, 512)
    model = build_model("gpt", {"n_layer": 2, "n_head": 4, "n_embd": 32}, tokenizer.vocab_size, 32).eval()
    return model, tokenizer


@pytest.fixture(scope="module")
def minilm():
    return load_attention_model("minilm")


@pytest.mark.parametrize(("layer", "head"), [(0, 0), (1, 3)])
def test_tiny_gpt_softmax_weights_are_the_extracted_ones(tiny_gpt, layer, head):
    model, tokenizer = tiny_gpt
    exp = explain_tiny_gpt_head(model, tokenizer, TEXT, layer, head)
    maps = extract(AttentionModel("tiny-gpt", model, tokenizer, "tiny"), TEXT)
    np.testing.assert_allclose(exp["weights"], maps.weights[layer, head], atol=1e-6)
    np.testing.assert_allclose(exp["weights"].sum(-1), 1.0, atol=1e-6)
    assert exp.tokens == maps.tokens and exp.causal


def test_tiny_gpt_steps_fit_together(tiny_gpt):
    model, tokenizer = tiny_gpt
    exp = explain_tiny_gpt_head(model, tokenizer, TEXT, 0, 1)
    T = len(TEXT)
    assert exp.shapes["q"] == (T, 8) and exp.d_k == 8 and exp.d_model == 32 and exp.n_heads == 4
    assert exp.shapes["embeddings"] == (T, 32) and exp["embeddings"].shape == (T, EXPLAIN_MAX_DIMS)
    assert exp["scores"].shape == (T, T)  # square steps are never cut
    np.testing.assert_allclose(exp["scores"], exp["q"] @ exp["k"].T / math.sqrt(8), atol=1e-5)
    assert np.isneginf(exp["mask"][0, 1]) and exp["mask"][1, 0] == 0
    assert np.all(exp["weights"][np.triu_indices(T, 1)] == 0)  # causal
    np.testing.assert_allclose(exp["head_output"], exp["weights"] @ exp["v"], atol=1e-5)
    np.testing.assert_allclose(exp["input"], exp["embeddings"])  # block 0 reads the embeddings
    # this head's output sits in its own columns of the concatenation: columns 8..15 for head 1
    assert exp.shapes["concat"] == (T, 32) and exp.first_column["concat"] == 8 and exp.first_column["q"] == 0
    np.testing.assert_allclose(exp["concat"], exp["head_output"])
    assert exp.shapes["output"] == (T, 32)


def test_tiny_gpt_output_is_what_the_block_adds(tiny_gpt):
    model, tokenizer = tiny_gpt
    exp = explain_tiny_gpt_head(model, tokenizer, TEXT, 1, 0)
    tr = model.transformer
    ids = torch.tensor([tokenizer.encode(TEXT)])
    with torch.no_grad():
        x = tr.h[0](tr.wte(ids) + tr.wpe(torch.arange(ids.size(1))))
        added = tr.h[1].attn(tr.h[1].ln_1(x))[0]
    np.testing.assert_allclose(exp["output"], added[:, :EXPLAIN_MAX_DIMS].numpy(), atol=1e-5)


def test_encoder_softmax_weights_are_the_extracted_ones(minilm):
    exp = explain_encoder_head(minilm, TEXT, 2, 5)
    maps = extract(minilm, TEXT)
    np.testing.assert_allclose(exp["weights"], maps.weights[2, 5], atol=1e-5)
    np.testing.assert_allclose(exp["weights"].sum(-1), 1.0, atol=1e-5)
    assert not exp.causal and exp.tokens[0] == "[CLS]"
    assert np.all(exp["mask"] == 0)  # no causal mask, no padding
    assert np.triu(exp["weights"], 1).sum() > 0.5  # it looks ahead
    assert (exp.d_k, exp.n_heads, exp.d_model) == (32, 12, 384)


def test_bad_requests_are_refused(tiny_gpt, minilm):
    model, tokenizer = tiny_gpt
    with pytest.raises(UserError, match="at most 24"):
        explain_tiny_gpt_head(model, tokenizer, "the cat sat on the mat the dog", 0, 0)
    with pytest.raises(UserError, match="Layer 5"):
        explain_tiny_gpt_head(model, tokenizer, "cat", 5, 0)
    with pytest.raises(UserError, match="Head 99"):
        explain_encoder_head(minilm, "cat", 0, 99)
    with pytest.raises(UserError, match="MiniLM"):
        explain_encoder_head(AttentionModel("tiny-gpt", model, tokenizer, "tiny"), "cat", 0, 0)


def test_explainer_run_is_trained_once_and_then_reused(tmp_path):
    from core.attention_explain import EXPLAINER_RUN, explainer_run

    run = explainer_run(tmp_path, steps=3)
    assert run.path == tmp_path / EXPLAINER_RUN and run.status()["state"] == "completed"
    stamp = run.checkpoint_path.stat().st_mtime_ns
    assert explainer_run(tmp_path, steps=3).checkpoint_path.stat().st_mtime_ns == stamp
    assert run.config()["model_params"] == {"n_layer": 2, "n_head": 4, "n_embd": 32}
