"""How much memory a model needs: weights at a precision, the KV cache for a context, and where that fits (common
GPU sizes and this machine's free memory).

Weights, bytes per parameter:
    fp32 4 · bf16/fp16 2 · int8 1 (LLM.int8; its per-row fp32 scales are negligible) ·
    nf4 0.5 + 4/64 = 0.5625: two 4-bit values per byte plus one fp32 absmax constant per block of 64 weights
    (bitsandbytes' default blocksize 64, no double quantization; Dettmers et al. 2023, arXiv:2305.14314 §3).
Quantized loaders keep some weights unquantized (embeddings, the tied LM head, norms): pass their count as
`unquantized_params`; they are stored at `unquantized_bytes` each (2 for bf16/fp16 on a GPU, 4 when loaded on a
CPU in fp32, as core.loading does).

KV cache, bytes: 2 (K and V) · layers · kv_heads · head_dim · context · batch · bytes_per_value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core.errors import UserError

BYTES_PER_PARAM = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "int8": 1.0, "nf4": 0.5 + 4 / 64}
QUANTIZED = {"int8", "nf4"}
PRECISIONS = tuple(BYTES_PER_PARAM)

# Memory of common accelerators, in GB (10^9 bytes) as sold: T4/V100 16, RTX 3090/4090 and A10 24, A100 40 and
# 80, H100 80, H200 141.
GPU_SIZES_GB = (16, 24, 40, 80, 141)
GB = 1e9


@dataclass(frozen=True)
class Architecture:
    """What the KV cache depends on; `source` says where the numbers come from."""

    layers: int
    kv_heads: int
    head_dim: int
    source: str

    def __post_init__(self) -> None:
        for name in ("layers", "kv_heads", "head_dim"):
            if int(getattr(self, name)) < 1:
                raise UserError(f"{name.replace('_', ' ')} must be at least 1.")


# Architectures read from papers and model cards (config.json on the Hugging Face hub), keyed by catalog name.
PRESETS: dict[str, Architecture] = {
    "Llama 3 70B": Architecture(80, 8, 128, "arXiv:2407.21783 Table 3; meta-llama/Meta-Llama-3-70B config.json"),
    "Llama 3 8B": Architecture(32, 8, 128, "arXiv:2407.21783 Table 3; meta-llama/Meta-Llama-3-8B config.json"),
    "Llama 3.1 405B": Architecture(126, 8, 128, "arXiv:2407.21783 Table 3 (126 layers, 128 heads, 8 KV heads)"),
    "Llama 2 7B": Architecture(32, 32, 128, "arXiv:2307.09288; meta-llama/Llama-2-7b-hf config.json (no GQA)"),
    "Llama 2 70B": Architecture(80, 8, 128, "arXiv:2307.09288 (GQA for 34B/70B); Llama-2-70b-hf config.json"),
    "Mistral 7B": Architecture(32, 8, 128, "arXiv:2310.06825 Table 1"),
    "GPT-3 175B": Architecture(96, 96, 128, "arXiv:2005.14165 Table 2.1 (96 layers, 96 heads, d_head 128)"),
    "SmolLM2-135M": Architecture(30, 3, 64, "HuggingFaceTB/SmolLM2-135M config.json (9 heads of 64, 3 KV heads)"),
}


def weight_bytes(
    n_params: float, precision: str, unquantized_params: float = 0, unquantized_bytes: float = 2.0
) -> float:
    """Bytes of the weights of `n_params` parameters at `precision`; `unquantized_params` of them (embeddings,
    norms) stay at `unquantized_bytes` each when the precision is quantized."""
    if precision not in BYTES_PER_PARAM:
        raise UserError(f"Unknown precision {precision!r}: choose one of {', '.join(PRECISIONS)}.")
    if n_params <= 0 or unquantized_params < 0 or unquantized_params > n_params:
        raise UserError("The parameter count must be positive, and the unquantized part between 0 and all of it.")
    if precision not in QUANTIZED:
        return n_params * BYTES_PER_PARAM[precision]
    return (n_params - unquantized_params) * BYTES_PER_PARAM[precision] + unquantized_params * unquantized_bytes


def kv_cache_bytes(
    layers: int, kv_heads: int, head_dim: int, context: int, batch: int = 1, bytes_per_value: float = 2
) -> float:
    """Bytes of the KV cache: a key and a value vector per layer, KV head and position, for each sequence."""
    if min(layers, kv_heads, head_dim, context, batch) < 1 or bytes_per_value <= 0:
        raise UserError("Layers, KV heads, head dim, context and batch must all be at least 1.")
    return 2.0 * layers * kv_heads * head_dim * context * batch * bytes_per_value


def available_memory_bytes(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """This machine's available memory (MemAvailable), or None where it cannot be read."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # reported in kB
    except OSError:
        pass
    try:
        import psutil  # optional; not a dependency of this project

        return int(psutil.virtual_memory().available)
    except ImportError:
        return None


@dataclass(frozen=True)
class MemoryQuery:
    """One memory question: a model size, optionally its architecture, and a context and batch to serve."""

    n_params: float
    arch: Architecture | None = None
    context: int = 4096
    batch: int = 1
    precisions: tuple[str, ...] = ("fp32", "bf16", "int8", "nf4")

    def __post_init__(self) -> None:
        if not math.isfinite(self.n_params) or self.n_params <= 0:
            raise UserError("This model's parameter count is unknown: enter a custom size instead.")
        if self.context < 1 or self.batch < 1:
            raise UserError("Context length and batch must be at least 1.")


def memory_table(query: MemoryQuery, free_bytes: int | None = None) -> pd.DataFrame:
    """One row per precision: weights, KV cache (bf16 values) and their total in GB, and whether the total fits
    each GPU size and this machine's free memory. KV cache is NaN when the architecture is unknown."""
    kv = (
        kv_cache_bytes(query.arch.layers, query.arch.kv_heads, query.arch.head_dim, query.context, query.batch)
        if query.arch
        else float("nan")
    )
    rows = []
    for precision in query.precisions:
        weights = weight_bytes(query.n_params, precision)
        total = weights + (kv if query.arch else 0.0)
        row = {"precision": precision, "weights (GB)": weights / GB, "KV cache (GB)": kv / GB, "total (GB)": total / GB}
        for size in GPU_SIZES_GB:
            row[f"{size} GB GPU"] = "fits" if total <= size * GB else "too big"
        if free_bytes is not None:
            row[f"this machine ({free_bytes / GB:.0f} GB free)"] = "fits" if total <= free_bytes else "too big"
        rows.append(row)
    return pd.DataFrame(rows)
