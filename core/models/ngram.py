"""A count-based n-gram language model: the baseline every neural family has to beat.

It learns by counting which token follows each context of up to n-1 tokens, and predicts by smoothing those
counts so that every token keeps some probability. Counts live in sparse dicts keyed by context tuples, so a
vocabulary of thousands costs memory only for the n-grams actually seen, never a dense V^n table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from core.errors import ErrorKind, UserError
from core.models.base import LanguageModel
from core.validation import as_float, check_choice, check_float, check_int

SMOOTHINGS = ("kneser-ney", "add-k")

# counts[k][context][token]: how often `token` followed the k-token `context` (k = 0 is the empty context).
Counts = list[dict[tuple[int, ...], dict[int, int]]]


@dataclass(frozen=True)
class NGramConfig:
    n: int = 3  # tokens per n-gram: the prediction sees the n-1 tokens before it
    smoothing: str = "kneser-ney"
    k: float = 0.1  # add-k: pseudo-count given to every token in every context
    discount: float = 0.75  # Kneser-Ney: subtracted from each seen count (0.75 per Chen & Goodman, 1998)

    def __post_init__(self) -> None:
        check_int("n", self.n, 1, 6)
        check_choice("smoothing", self.smoothing, SMOOTHINGS)
        check_float("k", self.k, 0.0, math.inf, low_open=True, high_open=True)
        check_float("discount", self.discount, 0.0, 1.0, low_open=True, high_open=True)
        as_float(self, "k", "discount")


class NGramModel(LanguageModel):
    """Smoothed n-gram counts; `forward` returns log-probabilities, which are valid logits."""

    family = "ngram"
    title = "N-gram"
    description = "Counts which token follows each run of n-1 tokens and smooths the counts into probabilities."
    Config = NGramConfig
    learns_by_counting = True

    def __init__(self, config: NGramConfig, vocab_size: int, block_size: int) -> None:
        super().__init__(config, vocab_size, block_size)
        self.n = config.n
        self.counts: Counts = [{} for _ in range(self.n)]
        # Kneser-Ney continuation counts, cont[k][ctx][w] = number of distinct v with counts[k+1][(v, *ctx)][w] > 0:
        # lower orders ask "after how many different contexts does w appear?", not "how often?".
        self.cont: Counts = [{} for _ in range(self.n - 1)]

    # ---- learning --------------------------------------------------------------------------------------

    def observe(self, idx: Tensor, targets: Tensor) -> None:
        """Count every (context, next token) pair in a batch; idx and targets are (B, T) long tensors."""
        for row, nexts in zip(idx.tolist(), targets.tolist(), strict=True):
            for t, token in enumerate(nexts):
                # Contexts of length 0..n-1 ending at idx[:, t]; near the row start only shorter ones exist.
                for k in range(min(t + 1, self.n - 1) + 1):
                    self._add(k, tuple(row[t + 1 - k : t + 1]), token, 1)

    def _add(self, k: int, ctx: tuple[int, ...], token: int, count: int) -> None:
        followers = self.counts[k].setdefault(ctx, {})
        if token not in followers and k > 0:
            # First time this (k+1)-gram is seen: its suffix gains one more distinct left neighbour.
            suffix = self.cont[k - 1].setdefault(ctx[1:], {})
            suffix[token] = suffix.get(token, 0) + 1
        followers[token] = followers.get(token, 0) + count

    # ---- predicting ------------------------------------------------------------------------------------

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Log-probabilities (B, T, V) float32 for the token after each position, and the mean loss."""
        B, T = idx.shape
        rows = idx.tolist()
        cache: dict[tuple[tuple[int, ...], bool], np.ndarray] = {}  # (context, top order?) -> (V,) probs
        contexts: dict[tuple[int, ...], int] = {}  # distinct full contexts -> row of `table`
        where = np.empty((B, T), dtype=np.int64)
        for b, row in enumerate(rows):
            for t in range(T):
                ctx = tuple(row[max(0, t + 2 - self.n) : t + 1])  # up to n-1 tokens ending at t
                where[b, t] = contexts.setdefault(ctx, len(contexts))
        table = np.stack([self._probs(ctx, True, cache) for ctx in contexts])  # (U, V), U distinct contexts
        log_probs = np.log(table).astype(np.float32)[where]  # (B, T, V)
        logits = torch.from_numpy(log_probs).to(idx.device)
        loss = None if targets is None else self.cross_entropy(logits, targets)
        return logits, loss

    def _probs(self, ctx: tuple[int, ...], top: bool, cache: dict) -> np.ndarray:
        """P(next token | ctx) over the whole vocabulary, shape (V,), summing to 1 and positive everywhere."""
        key = (ctx, top)
        if key not in cache:
            if self.config.smoothing == "add-k":
                cache[key] = self._add_k(ctx)
            else:
                cache[key] = self._kneser_ney(ctx, top, cache)
        return cache[key]

    def _add_k(self, ctx: tuple[int, ...]) -> np.ndarray:
        """(c(ctx, w) + k) / (c(ctx) + kV) at the longest suffix of ctx seen in training; uniform if none."""
        V, k = self.vocab_size, self.config.k
        for length in range(len(ctx), -1, -1):
            followers = self.counts[length].get(ctx[len(ctx) - length :])
            if followers:
                tokens, counts = _arrays(followers)
                total = counts.sum()
                p = np.full(V, k / (total + k * V))
                p[tokens] += counts / (total + k * V)
                return p
        return np.full(V, 1.0 / V)

    def _kneser_ney(self, ctx: tuple[int, ...], top: bool, cache: dict) -> np.ndarray:
        """Interpolated Kneser-Ney (Chen & Goodman, 1998), recursing down to the uniform distribution.

        P(w | ctx) = max(c(ctx, w) - d, 0) / c(ctx) + d * N1+(ctx .) / c(ctx) * P(w | ctx[1:]), where c is the
        raw count at the top order and the continuation count below it; an unseen ctx hands P(w | ctx[1:]) on.
        """
        V, d = self.vocab_size, self.config.discount
        lower = self._probs(ctx[1:], False, cache) if ctx else np.full(V, 1.0 / V)
        table = self.counts if top else self.cont
        followers = table[len(ctx)].get(ctx)
        if not followers:
            return lower
        tokens, counts = _arrays(followers)
        total = counts.sum()
        p = lower * (d * len(tokens) / total)  # the mass taken by discounting, spread like the lower order
        p[tokens] += (counts - d) / total  # every stored count is >= 1 > d, so no clipping at 0 is needed
        return p

    # ---- size and saving -------------------------------------------------------------------------------

    def num_params(self) -> int:
        """Number of stored nonzero counts, over all orders."""
        return sum(len(followers) for order in self.counts for followers in order.values())

    def state_tensors(self) -> dict[str, Tensor]:
        """Counts as int64 tensors: order{k}.grams (M, k+1) holds context then token, order{k}.counts (M,)."""
        out = {}
        for k, order in enumerate(self.counts):
            grams = [(*ctx, w) for ctx, followers in order.items() for w in followers]
            counts = [c for followers in order.values() for c in followers.values()]
            out[f"order{k}.grams"] = torch.tensor(grams, dtype=torch.int64).reshape(len(grams), k + 1)
            out[f"order{k}.counts"] = torch.tensor(counts, dtype=torch.int64)
        return out

    def load_state_tensors(self, tensors: dict[str, Tensor]) -> None:
        """Inverse of `state_tensors`; continuation counts are rebuilt from the raw ones."""
        expected = {f"order{k}.{part}" for k in range(self.n) for part in ("grams", "counts")}
        if set(tensors) != expected:
            raise UserError(f"These saved counts do not belong to a {self.n}-gram model.", ErrorKind.RUN)
        self.counts = [{} for _ in range(self.n)]
        self.cont = [{} for _ in range(self.n - 1)]
        for k in range(self.n):
            grams, counts = tensors[f"order{k}.grams"].tolist(), tensors[f"order{k}.counts"].tolist()
            for gram, count in zip(grams, counts, strict=True):
                self._add(k, tuple(gram[:-1]), gram[-1], count)


def _arrays(followers: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A context's followers as parallel arrays: token ids (m,) int64 and their counts (m,) float64."""
    tokens = np.fromiter(followers.keys(), dtype=np.int64, count=len(followers))
    counts = np.fromiter(followers.values(), dtype=np.float64, count=len(followers))
    return tokens, counts
