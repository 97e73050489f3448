"""The precision lab on a tiny random Llama at fp32 and bf16, and once for real on SmolLM2 at fp32 and nf4."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.errors import UserError
from core.loading import load_model
from core.precision_lab import (
    PrecisionLabConfig,
    answer_logits,
    available_precisions,
    default_precisions,
    first_divergence,
    kl_per_position,
    run_precision_lab,
)

COLUMNS = [
    "precision",
    "memory (MB)",
    "tokens/s",
    "perplexity",
    "first divergence",
    "mean KL (nats)",
    "max KL (nats)",
    "top-1 agreement",
]


def test_first_divergence():
    assert first_divergence([1, 2, 3], [1, 2, 3]) is None
    assert first_divergence([1, 2, 3], [1, 5, 3]) == 1
    assert first_divergence([1, 2, 3], [1, 2]) == 2  # one answer ended early
    assert first_divergence([], []) is None


def test_kl_is_zero_for_equal_rows_and_positive_otherwise():
    torch.manual_seed(0)
    logits = torch.randn(6, 50)
    assert (kl_per_position(logits, logits) == 0).all()
    other = logits + 0.3 * torch.randn(6, 50)
    kl = kl_per_position(logits, other)
    assert (kl > 0).all() and kl.shape == (6,)
    # KL(p || q) as torch computes it: kl_div(log q, log p) with log_target
    logp, logq = torch.log_softmax(logits.double(), -1), torch.log_softmax(other.double(), -1)
    expected = torch.nn.functional.kl_div(logq, logp, log_target=True, reduction="none").sum(-1)
    np.testing.assert_allclose(kl, expected.numpy(), rtol=1e-9)


def test_answer_logits_match_one_pass_and_read_long_sequences_in_windows(tiny_hf_model):
    from core.generation import sequence_logits

    tiny = load_model(str(tiny_hf_model), "fp32")
    sequence = [i % 200 + 5 for i in range(100)]
    torch.testing.assert_close(answer_logits(tiny, sequence, 60), sequence_logits(tiny, sequence)[59:99])
    long = sequence * 3  # 300 tokens, the context is 128
    assert answer_logits(tiny, long, 250).shape == (50, tiny.model.config.vocab_size)
    assert answer_logits(tiny, long, 10).shape[0] == 290
    assert answer_logits(tiny, sequence, 100).numel() == 0  # no answer


def test_config_is_validated():
    with pytest.raises(UserError, match="at least two"):
        PrecisionLabConfig(precisions=("fp32", "fp32"))
    with pytest.raises(UserError, match="Unknown precision"):
        PrecisionLabConfig(precisions=("fp32", "int3"))
    with pytest.raises(UserError, match="max new tokens"):
        PrecisionLabConfig(max_new_tokens=0)
    with pytest.raises(UserError, match="empty"):
        PrecisionLabConfig(prompt=" ")
    assert PrecisionLabConfig().reference == "fp32"


def test_cpu_precisions():
    assert available_precisions("cpu") == ["fp32", "bf16", "fp16", "int8-wo", "int8", "nf4"]
    assert default_precisions("cpu") == ["fp32", "int8", "nf4"]


def test_tiny_model_at_fp32_and_bf16(tiny_hf_model):
    loads, steps = [], []

    def load(spec, precision):
        loads.append(precision)
        return load_model(spec, precision)

    config = PrecisionLabConfig(str(tiny_hf_model), "The cat", max_new_tokens=12, precisions=("fp32", "bf16"))
    lab = run_precision_lab(config, load=load, on_step=steps.append)
    assert loads == ["fp32", "bf16"] and steps
    table = lab.summary()
    assert list(table.columns) == COLUMNS and list(table["precision"]) == ["fp32", "bf16"]
    ref, bf16 = lab.runs
    assert ref.first_divergence is None and (ref.kl == 0).all() and ref.top1_agreement == 1.0
    assert bf16.first_divergence is None or 0 <= bf16.first_divergence <= len(ref.answer_ids)
    assert len(bf16.kl) == len(ref.answer_ids) == len(lab.reference_tokens) > 0
    assert (bf16.kl >= 0).all() and np.isfinite(bf16.kl).all()
    assert bf16.memory_bytes * 2 == pytest.approx(ref.memory_bytes, rel=0.01)  # bf16 halves every weight
    assert all(r.perplexity > 1 and math.isfinite(r.perplexity) for r in lab.runs)
    assert set(lab.kl) == {"fp32", "bf16"}


def test_perplexity_text_can_be_given(tiny_hf_model):
    config = PrecisionLabConfig(
        str(tiny_hf_model), "Hi", max_new_tokens=3, precisions=("fp32", "bf16"), perplexity_text="The cat sat."
    )
    lab = run_precision_lab(config)
    assert lab.perplexity_source == "the given text"


@pytest.mark.timeout(240)
def test_smollm2_fp32_against_nf4():
    """The real thing, small: SmolLM2-135M at fp32 and nf4 (bitsandbytes on the CPU), 8 new tokens."""
    pytest.importorskip("bitsandbytes")
    config = PrecisionLabConfig(
        "smollm2",
        "What is the capital of France?",
        max_new_tokens=8,
        precisions=("fp32", "nf4"),
        perplexity_text="The capital of France is Paris. It lies on the Seine.",
    )
    lab = run_precision_lab(config)
    ref, nf4 = lab.runs
    assert "Paris" in ref.answer
    assert nf4.memory_bytes < 0.4 * ref.memory_bytes
    assert (nf4.kl > 0).all() and nf4.kl.mean() < 2.0
    assert ref.perplexity < 50 and nf4.perplexity < 80
    assert ref.tokens_per_s and nf4.tokens_per_s
