"""int8 weight-only layers: close to the layer they replace, and a loadable precision for Hugging Face models."""

import torch
from torch import nn

from core.generation import GenerationSettings, generate, sequence_logits
from core.loading import load_model
from core.weight_only import Int8WeightLinear, quantize_int8_weights


def test_an_int8_layer_computes_what_its_linear_did():
    torch.manual_seed(0)
    linear = nn.Linear(64, 48, bias=True)
    x = torch.randn(5, 7, 64)
    layer = Int8WeightLinear(linear)
    assert layer.weight.dtype == torch.int8 and layer(x).shape == (5, 7, 48)
    error = (layer(x).float() - linear(x)).norm() / linear(x).norm()
    assert error < 0.02


def test_every_linear_is_replaced_and_nothing_else():
    model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 4), nn.LayerNorm(4)))
    quantize_int8_weights(model)
    kinds = [type(m).__name__ for m in model.modules()]
    assert "Linear" not in kinds and kinds.count("Int8WeightLinear") == 2 and "LayerNorm" in kinds


def test_a_model_loads_at_int8_wo_and_answers_like_fp32(tiny_hf_model):
    fp32 = load_model(str(tiny_hf_model), "fp32")
    wo = load_model(str(tiny_hf_model), "int8-wo")
    assert wo.quantization.startswith("int8 weights") and wo.dtype == "bf16"
    assert wo.n_params == fp32.n_params  # counted as the model computes, not as stored
    assert wo.memory_bytes < fp32.memory_bytes / 2
    ids = generate(fp32, "The cat", GenerationSettings(max_new_tokens=8)).ids
    a, b = sequence_logits(fp32, ids), sequence_logits(wo, ids)
    assert torch.nn.functional.cosine_similarity(a.flatten(), b.flatten(), dim=0) > 0.99
    assert generate(wo, "The cat", GenerationSettings(max_new_tokens=8)).run() is not None
