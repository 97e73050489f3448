"""The explainer's numbers: one attention head computed step by step, every intermediate matrix kept, for a
tiny GPT run (causal) and for the bundled MiniLM encoder (bidirectional). Split from core.attention, which
extracts and summarises attention; this module walks through how one head computes it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.attention import AttentionModel, encode, token_strings
from core.errors import ErrorKind, UserError

# -- explainer: the numbers of one head, step by step ------------------------------------------------------------
EXPLAIN_MAX_TOKENS = 24  # every step is printed as a matrix of numbers; beyond ~24 rows nobody reads them
EXPLAIN_MAX_DIMS = 8  # columns shown of the wide matrices (embeddings, Q, K, V, ...): the first few dimensions


@dataclass
class HeadExplanation:
    """The actual numbers inside one attention head for one short text, in the order they are computed.

    `matrices` maps a step name to a float32 array: (T, T) for scores and weights (all of them), (T, d) for the
    rest, cut to EXPLAIN_MAX_DIMS columns starting at `first_column[name]` (0, except `concat`, which shows
    this head's own columns); `shapes` keeps each step's full shape so a page can say "columns 0-7 of 64".
    Indexing the explanation itself (`exp["weights"]`) reads `matrices`.
    """

    tokens: list[str]
    matrices: dict[str, np.ndarray]
    shapes: dict[str, tuple[int, ...]]
    first_column: dict[str, int]
    layer: int
    head: int
    d_model: int
    d_k: int
    n_heads: int
    causal: bool
    label: str

    def __getitem__(self, name: str) -> np.ndarray:
        return self.matrices[name]

    def keys(self):
        return self.matrices.keys()


def _check_head(layer: int, head: int, n_layers: int, n_heads: int) -> None:
    if not 0 <= layer < n_layers:
        raise UserError(f"Layer {layer} does not exist: this model has layers 0 to {n_layers - 1}.", ErrorKind.PROMPT)
    if not 0 <= head < n_heads:
        raise UserError(f"Head {head} does not exist: this model has heads 0 to {n_heads - 1}.", ErrorKind.PROMPT)


def _explain_ids(am: AttentionModel, text: str) -> list[int]:
    ids = encode(am, text)
    if len(ids) > EXPLAIN_MAX_TOKENS:
        raise UserError(
            f"The text is {len(ids)} tokens; the step-by-step view prints every number, so it takes at most "
            f"{EXPLAIN_MAX_TOKENS}. Try a shorter sentence.",
            ErrorKind.PROMPT,
        )
    return ids


def _explanation(am: AttentionModel, ids: list[int], steps: dict[str, torch.Tensor], **facts) -> HeadExplanation:
    """Numpy copies of `steps` (each (T, d)), square ones whole and the others cut to the first few columns."""
    matrices, shapes, first = {}, {}, {}
    for name, tensor in steps.items():
        array = tensor.detach().float().cpu().numpy()
        shapes[name] = tuple(array.shape)
        first[name] = 0
        if name in ("scores", "mask", "masked", "weights"):  # (T, T): shown whole
            matrices[name] = array
            continue
        if name == "concat":  # this head's block of the concatenation: the same numbers as head_output
            first[name] = facts["head"] * facts["d_k"]
        matrices[name] = array[:, first[name] : first[name] + EXPLAIN_MAX_DIMS]
    return HeadExplanation(token_strings(am, ids), matrices, shapes, first, label=am.label, **facts)


@torch.no_grad()
def explain_tiny_gpt_head(model, tokenizer, text: str, layer: int, head: int) -> HeadExplanation:
    """Every intermediate of head `head` in block `layer` of a tiny GPT on `text` (at most EXPLAIN_MAX_TOKENS).

    Steps: embeddings (token + position), input (the residual stream entering the block; the embeddings for
    block 0), ln_1, q, k, v (this head's, (T, d_k)), scores = QK^T / sqrt(d_k), mask (0 where allowed, -inf
    above the diagonal), masked, weights = softmax(masked), head_output = weights V, concat (all heads side by
    side, (T, C)) and output = c_proj(concat), what the block adds to the residual stream.
    """
    am = AttentionModel("tiny-gpt", model, tokenizer, "tiny GPT")
    ids = _explain_ids(am, text)
    tr = model.transformer
    _check_head(layer, head, len(tr.h), tr.h[0].attn.n_head)
    device = next(model.parameters()).device
    idx = torch.tensor([ids], device=device)
    T = idx.size(1)
    embeddings = tr.wte(idx) + tr.wpe(torch.arange(T, device=device))  # (1, T, C)
    x = tr.drop(embeddings)
    for block in tr.h[:layer]:
        x = block(x)
    block = tr.h[layer]
    normed = block.ln_1(x)
    q, k, v = block.attn.qkv(normed)  # each (1, nh, T, hs)
    d_k = q.size(-1)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (1, nh, T, T)
    future = torch.ones(T, T, dtype=torch.bool, device=device).triu(1)
    mask = torch.zeros(T, T, device=device).masked_fill(future, float("-inf"))
    masked = scores + mask
    weights = masked.softmax(dim=-1)
    heads = weights @ v  # (1, nh, T, hs)
    concat = heads.transpose(1, 2).reshape(1, T, -1)  # (1, T, C)
    steps = dict(
        embeddings=embeddings[0],
        input=x[0],
        ln_1=normed[0],
        q=q[0, head],
        k=k[0, head],
        v=v[0, head],
        scores=scores[0, head],
        mask=mask,
        masked=masked[0, head],
        weights=weights[0, head],
        head_output=heads[0, head],
        concat=concat[0],
        output=block.attn.c_proj(concat)[0],
    )
    n_heads = block.attn.n_head
    return _explanation(
        am, ids, steps, layer=layer, head=head, d_model=x.size(-1), d_k=d_k, n_heads=n_heads, causal=True
    )


@torch.no_grad()
def explain_encoder_head(am: AttentionModel, text: str, layer: int, head: int) -> HeadExplanation:
    """The same steps for a BERT-style encoder (the bundled MiniLM): no causal mask, every token sees all.

    embeddings (word + position + segment, then LayerNorm), input (hidden state entering layer `layer`), q, k,
    v (the Linear layers query/key/value of `encoder.layer[layer].attention.self`, this head's columns), scores,
    mask (from the attention mask: 0 for real tokens, a large negative number for padding; all 0 here),
    masked, weights, head_output, concat and output (attention.output.dense, before its residual LayerNorm).
    There is no ln_1: BERT normalises after each sublayer, not before.
    """
    if am.kind != "encoder":
        raise UserError("The encoder walkthrough needs the MiniLM encoder (minilm).", ErrorKind.MODEL)
    ids = _explain_ids(am, text)
    model = am.model
    attention = model.encoder.layer[0].attention.self
    n_heads, d_k = attention.num_attention_heads, attention.attention_head_size
    _check_head(layer, head, len(model.encoder.layer), n_heads)
    device = next(model.parameters()).device
    input_ids = torch.tensor([ids], device=device)
    attention_mask = torch.ones_like(input_ids)
    out = model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
    x = out.hidden_states[layer]  # (1, T, C): hidden_states[0] is the embeddings' output
    T = x.size(1)
    self_attn = model.encoder.layer[layer].attention.self

    def split(linear) -> torch.Tensor:  # (1, T, C) -> (1, nh, T, hs)
        return linear(x).view(1, T, n_heads, d_k).transpose(1, 2)

    q, k, v = split(self_attn.query), split(self_attn.key), split(self_attn.value)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (1, nh, T, T)
    mask = (1.0 - attention_mask[0].float())[None, :].expand(T, T) * torch.finfo(torch.float32).min
    masked = scores + mask
    weights = masked.softmax(dim=-1)
    heads = weights @ v  # (1, nh, T, hs)
    concat = heads.transpose(1, 2).reshape(1, T, -1)
    steps = dict(
        embeddings=out.hidden_states[0][0],
        input=x[0],
        q=q[0, head],
        k=k[0, head],
        v=v[0, head],
        scores=scores[0, head],
        mask=mask,
        masked=masked[0, head],
        weights=weights[0, head],
        head_output=heads[0, head],
        concat=concat[0],
        output=model.encoder.layer[layer].attention.output.dense(concat)[0],
    )
    return _explanation(
        am, ids, steps, layer=layer, head=head, d_model=x.size(-1), d_k=d_k, n_heads=n_heads, causal=False
    )


EXPLAINER_RUN = "explainer-tiny-gpt"


def explainer_run(root: Path | None = None, steps: int = 150):
    """A tiny trained GPT for the walkthrough: the run `explainer-tiny-gpt` in the runs folder, trained here
    first if it is missing (2 layers x 4 heads of 8 dimensions, 150 steps on Tiny Shakespeare: seconds on a CPU,
    enough for heads to start looking somewhere). Returns a `core.runs.Run`."""
    from core.runs import Run, runs_root
    from core.train import TrainConfig, create_run, train

    path = (root or runs_root()) / EXPLAINER_RUN
    run = Run(path)
    if path.exists() and run.has_checkpoint() and run.status().get("state") == "completed":
        return run
    if path.exists():  # left half-trained by a crash: start it again
        run.delete()
    config = TrainConfig(
        model="gpt",
        model_params={"n_layer": 2, "n_head": 4, "n_embd": 32},
        corpus="tinyshakespeare",
        block_size=32,
        batch_size=16,
        max_steps=steps,
        lr=3e-3,
        warmup_steps=min(10, steps - 1),
        eval_interval=steps,
        eval_iters=5,
        log_interval=10,
        sample_interval=0,
        device="cpu",
    )
    run = create_run(config, path)
    train(run)
    return run
