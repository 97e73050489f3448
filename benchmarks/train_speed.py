"""Training speed of the tiny GPT on Tiny Shakespeare (characters), through the product's trainer (core.train).

    python -m benchmarks.train_speed [--json] [--device auto|cpu|cuda] [--only reference|default|gpu]

- `reference_tokens_per_s`: the fixed reference config (4 layers, 4 heads, 128 wide, block 64, batch 12, lr 1e-3,
  dropout 0, AdamW, cosine to 2000 steps), timed over its first REFERENCE_STEPS steps without evaluations.
- `default_time_to_val_1_87_s`: the dashboard's default recipe (core.presets, what the Train page starts with),
  wall time from the call to the trainer until its validation loss is at most 1.87, evaluations included; the
  loss is then confirmed on CONFIRM_BATCHES fresh validation batches (not timed).
- On CUDA also the GPU-sized config (6 layers, 6 heads, 384 wide, block 256, batch 64, bf16 autocast, fused
  AdamW): tokens/s and model FLOPs utilisation against the GPU's peak bf16 throughput.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from benchmarks.common import report
from core.presets import MODEL_PRESETS, TRAIN_DEFAULTS
from core.runs import open_run
from core.train import TrainConfig, create_run, train

TARGET_VAL_LOSS = 1.87
REFERENCE_STEPS = 300
CONFIRM_BATCHES = 200
REFERENCE = dict(
    model="gpt",
    model_params={"n_layer": 4, "n_head": 4, "n_embd": 128, "dropout": 0.0},
    block_size=64,
    batch_size=12,
    lr=1e-3,
    max_steps=2000,
    warmup_steps=100,
)
GPU_SIZED = dict(
    model="gpt",
    model_params={"n_layer": 6, "n_head": 6, "n_embd": 384, "dropout": 0.0},
    block_size=256,
    batch_size=64,
    lr=1e-3,
    max_steps=2000,
    warmup_steps=100,
)
# Dense bf16 peak FLOP/s of common GPUs (vendor data sheets), for MFU; other devices report no MFU.
PEAK_BF16_FLOPS = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L4": 121e12, "A10": 125e12, "T4": 65e12}


def _new_run(settings: dict, device: str, root: Path):
    quiet = dict(sample_interval=0, log_interval=10, device=device)
    return create_run(TrainConfig(**{**settings, **quiet}), root / f"run-{time.perf_counter_ns()}")


def throughput(settings: dict, device: str, steps: int, root: Path) -> float:
    """Training tokens per second over `steps` steps (the trainer's own timing of its steps, no evaluations)."""
    run = _new_run({**settings, "eval_interval": 10_000_000, "eval_iters": 1}, device, root)
    logged = {"step": 0}  # from the trainer's own records, not by re-reading metrics.jsonl every step
    done = train(run, on_log=lambda rec: logged.update(step=rec["step"]), stop=lambda: logged["step"] >= steps)
    return float(done.tokens_per_s or 0.0)


def default_recipe() -> dict:
    """The Train page's starting settings for the GPT, as a TrainConfig's fields."""
    return {**TRAIN_DEFAULTS, "model": "gpt", "model_params": MODEL_PRESETS["gpt"]}


def time_to_target(settings: dict, device: str, root: Path) -> dict[str, object]:
    """Wall time until the trainer's validation loss first reaches TARGET_VAL_LOSS, then a careful re-check."""
    run = _new_run(settings, device, root)
    hit: dict = {}

    def on_log(rec: dict) -> None:
        if not hit and rec["val_loss"] is not None and rec["val_loss"] <= TARGET_VAL_LOSS:
            hit.update(rec, wall_s=time.perf_counter() - started)

    started = time.perf_counter()
    done = train(run, on_log=on_log, stop=lambda: bool(hit))
    figures: dict[str, object] = {
        "default_time_to_val_1_87_s": round(hit["wall_s"], 1) if hit else None,
        "default_steps_to_val_1_87": hit.get("step"),
        "default_val_loss_at_stop": done.val_loss,
        "default_tokens_per_s": done.tokens_per_s,
    }
    if hit:
        figures["default_val_loss_confirmed"] = round(confirm_val_loss(run.path), 4)
    return figures


@torch.no_grad()
def confirm_val_loss(run_dir: Path) -> float:
    """Loss of the run's checkpoint on CONFIRM_BATCHES fresh validation windows, computed here rather than by
    the trainer: the stopping check averaged only the trainer's few evaluation batches."""
    from core.corpus import load_corpus, split_point
    from core.sampling import load_run_model

    run = open_run(run_dir)
    model, tokenizer = load_run_model(run)
    cfg = run.config()
    ids = torch.tensor(tokenizer.encode(load_corpus(cfg["corpus"])), dtype=torch.long)
    val, T = ids[split_point(len(ids)) :], cfg["block_size"]
    rng = torch.Generator().manual_seed(2024)
    losses = []
    for _ in range(CONFIRM_BATCHES):
        starts = torch.randint(len(val) - T, (cfg["batch_size"],), generator=rng)
        windows = val[starts[:, None] + torch.arange(T + 1)]
        losses.append(model(windows[:, :-1], windows[:, 1:])[1].item())
    return sum(losses) / len(losses)


def gpu_figures(root: Path) -> dict[str, object]:
    """Tokens/s and MFU of the GPU-sized config (bf16 autocast and fused AdamW are the trainer's CUDA path)."""
    tokens_per_s = throughput(GPU_SIZED, "cuda", 200, root)
    cfg = GPU_SIZED["model_params"]
    n_params = 12 * cfg["n_layer"] * cfg["n_embd"] ** 2  # transformer blocks; embeddings are a rounding error
    # FLOPs per token of a training step (forward and backward): 6N plus attention (PaLM appendix B).
    flops_per_token = 6 * n_params + 12 * cfg["n_layer"] * cfg["n_embd"] * GPU_SIZED["block_size"]
    name = torch.cuda.get_device_name(0)
    peak = next((flops for key, flops in PEAK_BF16_FLOPS.items() if key in name), None)
    return {
        "gpu_config": "6 layers, 6 heads, 384 wide, block 256, batch 64, bf16 autocast, fused AdamW",
        "gpu_tokens_per_s": round(tokens_per_s),
        "gpu_mfu": round(tokens_per_s * flops_per_token / peak, 4) if peak else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--only", choices=("reference", "default", "gpu"))
    args = parser.parse_args()

    figures: dict[str, object] = {"threads": torch.get_num_threads()}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.only in (None, "reference"):
            figures["reference_config"] = "4 layers, 4 heads, 128 wide, block 64, batch 12, lr 1e-3, cosine to 2000"
            figures["reference_tokens_per_s"] = round(throughput(REFERENCE, args.device, REFERENCE_STEPS, root))
        if args.only in (None, "default"):
            recipe = default_recipe()
            figures["default_recipe"] = recipe
            figures |= time_to_target(recipe, args.device, root)
        if args.only in (None, "gpu") and torch.cuda.is_available() and args.device != "cpu":
            figures |= gpu_figures(root)
    report("train_speed", figures, args.json)


if __name__ == "__main__":
    main()
