"""Inside the tiny models that have no attention to show: the n-gram's transition matrix, a 2-D map of learned
token embeddings (MLP, LSTM, GPT), and the LSTM's gates over a sentence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from core.errors import ErrorKind, UserError
from core.models import LanguageModel


def _label(tokenizer, i: int) -> str:
    return tokenizer.decode([int(i)]).replace(" ", "·").replace("\n", "⏎") or "∅"


@torch.no_grad()
def ngram_transitions(model: LanguageModel, tokenizer, top_n: int = 30) -> tuple[list[str], np.ndarray]:
    """P(next | previous token) between the `top_n` most frequent tokens, as the model predicts it (smoothing
    included): rows are the previous token, columns the next one. Rows are renormalised over the shown tokens
    only if asked by the caller; here they are the model's own probabilities, so a row sums to at most 1."""
    if model.family != "ngram":
        raise UserError("The transition matrix belongs to n-gram runs.", ErrorKind.MODEL)
    unigrams = model.counts[0].get((), {})
    if not unigrams:
        raise UserError("This n-gram model has not counted anything yet.", ErrorKind.MODEL)
    frequent = [t for t, _ in sorted(unigrams.items(), key=lambda kv: -kv[1])[:top_n]]
    logits, _ = model(torch.tensor([[t] for t in frequent]))  # one-token contexts: (N, 1, V)
    probs = logits[:, -1, :].exp().numpy()
    return [_label(tokenizer, t) for t in frequent], probs[:, frequent]


def _embedding_matrix(model: LanguageModel) -> torch.Tensor:
    if model.family == "gpt":
        return model.transformer.wte.weight
    if model.family in ("mlp", "lstm"):
        return model.wte.weight[: model.vocab_size]  # the MLP's extra last row is its start-of-text padding
    raise UserError("An n-gram model has no embeddings; look at its transition matrix instead.", ErrorKind.MODEL)


@torch.no_grad()
def embedding_map(model: LanguageModel, tokenizer, max_tokens: int = 400) -> pd.DataFrame:
    """Token embeddings projected on their first two principal components: similar tokens land close together.

    Columns: token, x, y, and the share of variance the two axes explain (same on every row)."""
    weights = _embedding_matrix(model).float().cpu()[:max_tokens]
    centred = weights - weights.mean(dim=0)
    _, s, v = torch.linalg.svd(centred, full_matrices=False)
    xy = centred @ v[:2].T  # (N, 2)
    explained = float((s[:2] ** 2).sum() / (s**2).sum())
    return pd.DataFrame(
        {
            "token": [_label(tokenizer, i) for i in range(len(weights))],
            "x": xy[:, 0].numpy(),
            "y": xy[:, 1].numpy(),
            "explained": explained,
        }
    )


@dataclass
class LSTMGates:
    tokens: list[str]
    input: np.ndarray  # (T, H): how much of the new candidate is written into the cell
    forget: np.ndarray  # (T, H): how much of the old cell is kept
    output: np.ndarray  # (T, H): how much of the cell is shown as the hidden state
    hidden: np.ndarray  # (T, H)


@torch.no_grad()
def lstm_gates(model: LanguageModel, tokenizer, text: str) -> LSTMGates:
    """The first LSTM layer's gates at each token of `text`, recomputed step by step from its weights
    (PyTorch's gate order is input, forget, cell candidate, output)."""
    if model.family != "lstm":
        raise UserError("Gate activations belong to LSTM runs.", ErrorKind.MODEL)
    ids = tokenizer.encode(text)
    if not ids:
        raise UserError("Type a sentence to run through the LSTM.", ErrorKind.PROMPT)
    ids = ids[-model.block_size :]
    lstm = model.lstm
    x = model.wte(torch.tensor(ids)).float()  # (T, E)
    H = lstm.hidden_size
    h, c = torch.zeros(H), torch.zeros(H)
    rows: dict[str, list[torch.Tensor]] = {"input": [], "forget": [], "output": [], "hidden": []}
    for x_t in x:
        gates = lstm.weight_ih_l0 @ x_t + lstm.bias_ih_l0 + lstm.weight_hh_l0 @ h + lstm.bias_hh_l0
        i, f, g, o = gates.chunk(4)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        c = f * c + i * g
        h = o * c.tanh()
        for name, value in (("input", i), ("forget", f), ("output", o), ("hidden", h)):
            rows[name].append(value)
    arrays = {name: torch.stack(values).numpy() for name, values in rows.items()}
    return LSTMGates(tokens=[_label(tokenizer, i) for i in ids], **arrays)
