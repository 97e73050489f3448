"""Token statistics, perplexity and disagreement on a tiny random Llama (tests/conftest.py: tiny_hf_model)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.errors import UserError
from core.generation import sequence_logits
from core.loading import load_model
from core.token_stats import (
    TOP_K,
    compare_models,
    corpus_excerpt,
    disagreement,
    display_token,
    encode_text,
    perplexity,
    token_nll,
    token_stats,
    token_strings,
)
from tests.conftest import save_tiny_llama

TEXT = "The cat sat on the mat. 猫坐在垫子上。🙂\nA dog met <b>a cat</b>."


@pytest.fixture(scope="module")
def tiny(tiny_hf_model):
    return load_model(str(tiny_hf_model), "fp32")


@pytest.fixture(scope="module")
def tiny_bf16(tiny_hf_model):
    return load_model(str(tiny_hf_model), "bf16")


@pytest.fixture(scope="module")
def other_tokenizer_model(tmp_path_factory):
    """A second tiny Llama whose tokenizer splits text into bytes, not BPE merges."""
    folder = save_tiny_llama(
        tmp_path_factory.mktemp("tiny-char-llama"),
        "abc",
        257,
        ["<eos>"],
        "<eos>",
        seed=1,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        max_position_embeddings=256,
    )
    return load_model(str(folder), "fp32")


def test_token_stats_are_probabilities_with_sorted_alternatives(tiny):
    stats = token_stats(tiny, TEXT)
    n = len(stats.ids)
    assert n > 10 and len(stats.tokens) == n and stats.prob.shape == (n,) and stats.top_probs.shape == (n, TOP_K)
    assert math.isnan(stats.prob[0]) and stats.top_tokens[0] == []  # nothing predicts the first token
    prob, top = stats.prob[1:], stats.top_probs[1:]
    assert ((prob >= 0) & (prob <= 1)).all()
    assert (np.diff(top, axis=1) <= 1e-12).all()  # most likely first
    assert (top[:, 0] >= prob - 1e-9).all()  # nothing beats the top alternative
    assert all(len(t) == TOP_K for t in stats.top_tokens[1:])
    np.testing.assert_allclose(stats.surprisal[1:], -np.log(prob), rtol=1e-12)
    assert (stats.entropy[1:] >= 0).all() and (stats.entropy[1:] <= math.log(stats.vocab_size) + 1e-9).all()
    frame = stats.frame()
    assert list(frame.columns) == ["position", "token", "id", "prob", "surprisal", "entropy", "top"]
    assert len(frame) == n


def test_probabilities_match_a_softmax_computed_here(tiny):
    stats = token_stats(tiny, TEXT)
    logits = sequence_logits(tiny, stats.ids)
    probs = torch.softmax(logits.double(), dim=-1)
    expected = [float(probs[t - 1, stats.ids[t]]) for t in range(1, len(stats.ids))]
    np.testing.assert_allclose(stats.prob[1:], expected, rtol=1e-6)


def test_tokens_are_display_strings(tiny, other_tokenizer_model):
    stats = token_stats(tiny, TEXT)
    assert "↵" in "".join(stats.tokens) and "\n" not in "".join(stats.tokens)
    assert display_token("") == "∅" and display_token("a\tb\n") == "a⇥b↵"
    # a byte-level tokenizer that never merged the emoji splits it into its four bytes: shown as bytes, never as
    # replacement characters
    pieces = token_strings(other_tokenizer_model, encode_text(other_tokenizer_model, "a🙂"))
    assert pieces == ["a", "<F0>", "<9F>", "<99>", "<82>"]


def test_perplexity_is_exp_of_mean_nll(tiny):
    ids = encode_text(tiny, TEXT)
    logp = torch.log_softmax(sequence_logits(tiny, ids).double(), dim=-1)
    nll = [-float(logp[t - 1, ids[t]]) for t in range(1, len(ids))]
    result = perplexity(tiny, TEXT)
    assert result.tokens == len(ids) - 1 and result.windows == 1
    assert result.mean_nll == pytest.approx(sum(nll) / len(nll), rel=1e-6)  # float32 log-softmax
    assert result.perplexity == pytest.approx(math.exp(sum(nll) / len(nll)), rel=1e-6)


def test_long_text_is_scored_in_windows_within_the_context(tiny, monkeypatch):
    text = corpus_excerpt(chars=2_000)
    ids = encode_text(tiny, text)
    context = tiny.model.config.max_position_embeddings
    assert len(ids) > 2 * context
    lengths = []
    import core.token_stats as token_stats_module

    real = token_stats_module.sequence_logits
    monkeypatch.setattr(token_stats_module, "sequence_logits", lambda m, w: lengths.append(len(w)) or real(m, w))
    nll, windows = token_nll(tiny, ids)
    assert windows == len(lengths) == math.ceil((len(ids) - 1) / (context - 1))
    assert max(lengths) <= context
    assert nll.shape == (len(ids) - 1,) and np.isfinite(nll).all() and (nll > 0).all()
    # the first window's tokens are scored exactly as a single pass over them scores them
    first = token_nll(tiny, ids[:context])[0]
    np.testing.assert_allclose(nll[: context - 1], first, rtol=1e-6)
    # a smaller stride gives later tokens more context: more windows, same number of scored tokens
    nll_overlap, more = token_nll(tiny, ids, stride=context // 2)
    assert more > windows and nll_overlap.shape == nll.shape
    with pytest.raises(UserError, match="stride"):
        token_nll(tiny, ids, stride=context)
    # the token view reads long texts the same way: its probabilities are exp(-NLL) of the same windows
    stats = token_stats(tiny, text)
    assert len(stats.ids) == len(ids)
    np.testing.assert_allclose(stats.surprisal[1:], nll, rtol=1e-5)


def test_corpus_excerpt_comes_from_the_validation_tail():
    excerpt = corpus_excerpt("tinyshakespeare", 500)
    assert len(excerpt) == 500
    from core.corpus import load_corpus

    text = load_corpus("tinyshakespeare")
    assert text.index(excerpt) > 0.85 * len(text)
    with pytest.raises(UserError, match="No bundled corpus"):
        corpus_excerpt("nope")


def test_empty_text_is_refused(tiny):
    with pytest.raises(UserError, match="empty"):
        token_stats(tiny, "  \n")


def test_disagreement_of_a_model_with_itself_is_zero(tiny):
    stats = token_stats(tiny, TEXT)
    d = disagreement(stats, stats)
    assert list(d.frame.columns) == ["position", "token", "surprisal_a", "surprisal_b", "difference"]
    assert (d.frame["difference"].dropna() == 0).all() and len(d.frame) == len(stats.ids)


def test_two_precisions_share_a_tokenizer_and_differ_a_little(tiny, tiny_bf16):
    d = disagreement(token_stats(tiny, TEXT), token_stats(tiny_bf16, TEXT))
    diff = d.frame["difference"].dropna()
    assert diff.abs().max() < 0.5 and d.label_a.endswith("fp32") and d.label_b.endswith("bf16")


def test_different_tokenizers_cannot_be_compared_token_by_token(tiny, other_tokenizer_model):
    a, b = token_stats(tiny, TEXT), token_stats(other_tokenizer_model, TEXT)
    with pytest.raises(UserError, match="different tokens"):
        disagreement(a, b)


def test_compare_models_tables_perplexities_and_explains_a_missing_disagreement(tiny, other_tokenizer_model):
    result = compare_models([tiny, other_tokenizer_model], TEXT, chars=300)
    assert len(result.stats) == 2 and result.disagreement is None
    assert any("different tokens" in note for note in result.notes)
    table = result.perplexities
    assert list(table["model"]) == [tiny.label, other_tokenizer_model.label]
    assert (table.filter(like="perplexity") > 1).all().all()
    assert table["perplexity (text)"][0] == pytest.approx(perplexity(tiny, TEXT).perplexity, rel=1e-6)
    one = compare_models([tiny], TEXT, chars=300)
    assert one.disagreement is None and not one.notes and len(one.perplexities) == 1
    with pytest.raises(UserError):
        compare_models([], TEXT)
