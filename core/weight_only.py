"""int8 weight-only quantization for fast decoding on a CPU, with PyTorch's own int8 matmul kernel.

Greedy decoding of a small model on a CPU reads every weight once per token and does little arithmetic with it
(torch.profiler on bf16 SmolLM2: three quarters of its decode time is matrix-vector products), so the bytes per
weight set the speed. Stored as int8 with one bf16 scale per output row (symmetric, absmax), a Linear layer reads
a quarter of fp32's bytes; `torch._weight_int8pack_mm` multiplies bf16 activations by them without de-quantizing
the matrix first, which bitsandbytes' CPU path does. Measured for SmolLM2-135M on 2 cores: about 2.7x the tokens/s
of fp32, with 14 of fp32's first 16 greedy tokens (benchmarks.generate_speed reports how many match).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class Int8WeightLinear(nn.Module):
    """A Linear layer whose weight is int8 with a per-row scale; activations stay in `compute_dtype`."""

    def __init__(self, linear: nn.Linear, compute_dtype: torch.dtype = torch.bfloat16) -> None:
        super().__init__()
        weight = linear.weight.detach().float()
        scales = weight.abs().amax(dim=1).clamp(min=1e-8) / 127
        quantized = torch.round(weight / scales[:, None]).clamp(-128, 127).to(torch.int8)
        self.weight = nn.Parameter(quantized, requires_grad=False)
        self.register_buffer("scales", scales.to(compute_dtype))
        self.bias = None if linear.bias is None else nn.Parameter(linear.bias.detach().to(compute_dtype), False)
        self.in_features, self.out_features = linear.in_features, linear.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features).to(self.scales.dtype)
        if flat.device.type == "cpu":
            y = torch._weight_int8pack_mm(flat, self.weight, self.scales)
        else:  # the fused kernel is CPU-only here; elsewhere de-quantize on the fly
            y = F.linear(flat, self.weight.to(flat.dtype)) * self.scales
        if self.bias is not None:
            y = y + self.bias
        return y.reshape(*x.shape[:-1], self.out_features)


def quantize_int8_weights(model: nn.Module, compute_dtype: torch.dtype = torch.bfloat16) -> nn.Module:
    """Replace every nn.Linear of `model` (in place) by an Int8WeightLinear; returns the model."""
    for name, child in model.named_children():
        if isinstance(child, nn.Linear):
            setattr(model, name, Int8WeightLinear(child, compute_dtype))
        else:
            quantize_int8_weights(child, compute_dtype)
    return model
