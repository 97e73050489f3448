"""Memory estimates against SmolLM2-135M's measured footprints, and the KV cache's closed form."""

from __future__ import annotations

import pytest

from core.errors import UserError
from core.memory import (
    GB,
    GPU_SIZES_GB,
    PRESETS,
    MemoryQuery,
    available_memory_bytes,
    kv_cache_bytes,
    memory_table,
    weight_bytes,
)

SMOLLM2_PARAMS = 134_515_008  # counted by core.loading
SMOLLM2_EMBEDDING = 49152 * 576  # tied input/output embedding, kept unquantized by bitsandbytes
# memory_bytes measured by core.loading on CPU, where unquantized weights stay fp32 (4 bytes).
MEASURED = {"fp32": 538_060_800, "int8": 219_631_104, "nf4": 166_471_168}


@pytest.mark.parametrize("precision", sorted(MEASURED))
def test_smollm2_footprints_within_15_percent(precision):
    estimate = weight_bytes(SMOLLM2_PARAMS, precision, unquantized_params=SMOLLM2_EMBEDDING, unquantized_bytes=4)
    assert estimate == pytest.approx(MEASURED[precision], rel=0.15)


def test_bytes_per_param():
    assert weight_bytes(1e9, "fp32") == 4e9
    assert weight_bytes(1e9, "bf16") == weight_bytes(1e9, "fp16") == 2e9
    assert weight_bytes(1e9, "int8") == 1e9
    assert weight_bytes(1e9, "nf4") == pytest.approx(0.5625e9)
    assert weight_bytes(1e9, "fp32", unquantized_params=5e8) == 4e9  # nothing is quantized at fp32
    with pytest.raises(UserError):
        weight_bytes(1e9, "int3")
    with pytest.raises(UserError):
        weight_bytes(-1, "fp32")


def test_kv_cache_closed_form():
    smol = PRESETS["SmolLM2-135M"]
    assert (smol.layers, smol.kv_heads, smol.head_dim) == (30, 3, 64)
    # 2 (K, V) x 30 layers x 3 heads x 64 dims x 2048 positions x 2 bytes = 47,185,920 bytes per sequence.
    assert kv_cache_bytes(30, 3, 64, 2048) == 47_185_920
    assert kv_cache_bytes(30, 3, 64, 2048, batch=4) == 4 * 47_185_920
    assert kv_cache_bytes(30, 3, 64, 2048, bytes_per_value=4) == 2 * 47_185_920
    llama = PRESETS["Llama 3 70B"]
    # 2 x 80 x 8 x 128 x 2 bytes = 320 KiB per token: 2.68 GB at 8k context.
    assert kv_cache_bytes(llama.layers, llama.kv_heads, llama.head_dim, 8192) == 327_680 * 8192
    with pytest.raises(UserError):
        kv_cache_bytes(0, 8, 128, 8192)


def test_llama3_70b_at_nf4_needs_an_80gb_gpu():
    table = memory_table(MemoryQuery(70e9, PRESETS["Llama 3 70B"], context=8192), free_bytes=16 * 10**9)
    nf4 = table.set_index("precision").loc["nf4"]
    assert nf4["weights (GB)"] == pytest.approx(39.375)
    assert nf4["total (GB)"] == pytest.approx(39.375 + 327_680 * 8192 / GB)
    assert nf4["40 GB GPU"] == "too big" and nf4["80 GB GPU"] == "fits"
    assert nf4["this machine (16 GB free)"] == "too big"
    assert list(table["precision"]) == ["fp32", "bf16", "int8", "nf4"]
    assert all(f"{size} GB GPU" in table for size in GPU_SIZES_GB)


def test_unknown_architecture_leaves_kv_out():
    table = memory_table(MemoryQuery(7e9, None))
    assert table["KV cache (GB)"].isna().all()
    assert table["total (GB)"].tolist() == table["weights (GB)"].tolist()
    with pytest.raises(UserError):
        MemoryQuery(float("nan"))


def test_available_memory(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16000000 kB\nMemAvailable:    8000000 kB\n")
    assert available_memory_bytes(meminfo) == 8_000_000 * 1024
    real = available_memory_bytes()
    assert real is None or real > 0
