"""Light snapshots of what a model does on a fixed probe, kept at every evaluation of a training run, so a
person can scrub through training and watch heads form (previous-token heads first, induction heads later)
without keeping a full checkpoint per step.

Each snapshot is one small safetensors file, probes/step-NNNNNNN.safetensors, holding for the probe text (the
start of the validation split): the top-5 next-token ids and probabilities at every position and, for GPT runs,
the attention weights (layers, heads, T, T) in fp16 and per-head induction scores on a repeated random sequence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from core.runs import Run, write_atomic

PROBE_TOKENS = 48  # long enough to show structure, small enough to cost milliseconds at each evaluation
TOP_K = 5


@dataclass
class Probe:
    step: int
    tokens: list[str]
    top_ids: np.ndarray  # (T, TOP_K) int: the likeliest next tokens after each position
    top_probs: np.ndarray  # (T, TOP_K) float
    top_tokens: list[list[str]]
    attention: np.ndarray | None  # (layers, heads, T, T) for GPT runs
    induction: np.ndarray | None  # (layers, heads)


def probe_folder(run: Run) -> Path:
    return run.path / "probes"


def probe_ids(val_ids: torch.Tensor, block_size: int) -> list[int]:
    """The fixed probe: the first tokens of the validation split, as many as the context allows."""
    return val_ids[: min(PROBE_TOKENS, block_size)].tolist()


@torch.no_grad()
def record(run: Run, model, tokenizer, ids: list[int], step: int, seed: int = 0) -> None:
    """Compute and save the probe snapshot of `model` at `step`."""
    device = next(iter(model.parameters()), torch.empty(0)).device
    idx = torch.tensor([ids], device=device)
    tensors: dict[str, torch.Tensor] = {}
    was_training = model.training
    model.eval()
    if model.family == "gpt":
        from core.attention import INDUCTION_HALF, induction_scores, tiny_gpt_attention

        logits, maps = tiny_gpt_attention(model, idx)
        tensors["attention"] = maps[:, 0].half().cpu().contiguous()
        half = min(INDUCTION_HALF, model.block_size // 2)
        rng = torch.Generator().manual_seed(seed)
        random_ids = torch.randint(0, model.vocab_size, (half,), generator=rng)
        _, repeated = tiny_gpt_attention(model, torch.cat([random_ids, random_ids])[None].to(device))
        tensors["induction"] = torch.from_numpy(induction_scores(repeated[:, 0].float().cpu().numpy(), half))
    else:
        logits, _ = model(idx)
    model.train(was_training)
    probs = torch.softmax(logits[0].float(), dim=-1)
    top = torch.topk(probs, min(TOP_K, probs.size(-1)), dim=-1)
    tensors["top_ids"] = top.indices.cpu().contiguous()
    tensors["top_probs"] = top.values.cpu().contiguous()
    tensors["ids"] = torch.tensor(ids)
    from safetensors.torch import save

    folder = probe_folder(run)
    folder.mkdir(exist_ok=True)
    write_atomic(folder / f"step-{step:07d}.safetensors", save(tensors, metadata={"step": json.dumps(step)}))


def steps(run: Run) -> list[int]:
    """Steps with a probe snapshot, in order."""
    folder = probe_folder(run)
    return (
        sorted(int(p.stem.removeprefix("step-")) for p in folder.glob("step-*.safetensors")) if folder.is_dir() else []
    )


def drop_after(run: Run, step: int) -> None:
    """Forget snapshots newer than `step` (a resumed run continues from its checkpoint, without duplicates)."""
    for later in (s for s in steps(run) if s > step):
        (probe_folder(run) / f"step-{later:07d}.safetensors").unlink(missing_ok=True)


def load(run: Run, step: int) -> Probe:
    from safetensors.torch import load_file

    tensors = load_file(probe_folder(run) / f"step-{step:07d}.safetensors")
    tokenizer = run.tokenizer()
    show = lambda i: tokenizer.decode([int(i)]).replace(" ", "·").replace("\n", "⏎")  # noqa: E731
    top_ids = tensors["top_ids"].numpy()
    return Probe(
        step=step,
        tokens=[show(i) for i in tensors["ids"]],
        top_ids=top_ids,
        top_probs=tensors["top_probs"].float().numpy(),
        top_tokens=[[show(i) for i in row] for row in top_ids],
        attention=tensors["attention"].float().numpy() if "attention" in tensors else None,
        induction=tensors["induction"].float().numpy() if "induction" in tensors else None,
    )


def head_trajectories(run: Run) -> pd.DataFrame:
    """Per-head metrics at every snapshot of a GPT run: step, layer, head, previous_token, sink, entropy,
    mean_distance, induction — the data behind 'watch heads form'."""
    from core.attention import head_metrics

    rows = []
    for step in steps(run):
        probe = load(run, step)
        if probe.attention is None:
            continue
        metrics = head_metrics(probe.attention)
        layers, heads = np.indices(probe.attention.shape[:2])
        rows.append(
            pd.DataFrame(
                {
                    "step": step,
                    "layer": layers.ravel(),
                    "head": heads.ravel(),
                    **{name: values.ravel() for name, values in metrics.items()},
                    "induction": probe.induction.ravel(),
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def predictions_table(probe: Probe) -> pd.DataFrame:
    """The probe text token by token with the model's five likeliest next tokens and their probabilities."""
    return pd.DataFrame(
        {
            "position": range(len(probe.tokens)),
            "token": probe.tokens,
            "actual next": [*probe.tokens[1:], ""],
            **{
                f"guess {k + 1}": [
                    f"{row[k]} ({p[k]:.0%})" for row, p in zip(probe.top_tokens, probe.top_probs, strict=True)
                ]
                for k in range(probe.top_probs.shape[1])
            },
        }
    )
