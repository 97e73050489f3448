"""What a model thinks of a text, token by token: the probability it gave each actual next token, its entropy,
surprisal and top alternatives; perplexity over texts longer than its context; and where two models sharing a
tokenizer disagree.

Position t of every per-token array describes token t as predicted from tokens 0..t-1, so position 0 (nothing
predicts the first token) holds NaN. Surprisal and entropy are in nats (natural log), as is the loss in training.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
import torch

from core.corpus import BUNDLED, load_corpus, split_point
from core.errors import ErrorKind, UserError
from core.generation import context_length, sequence_logits
from core.loading import LoadedModel

TOP_K = 5
DEFAULT_CORPUS = "tinyshakespeare"
# 2,000 characters of Shakespeare are ~600 SmolLM2 tokens: one forward pass, about a second on 2 CPU cores.
EXCERPT_CHARS = 2_000
VISIBLE = {"\n": "↵", "\t": "⇥", "\r": "␍"}


# -- tokens as text ----------------------------------------------------------------------------------------------
@cache
def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level BPE alphabet (printable stand-ins for the 256 byte values), inverted."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars = list(printable)
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars, strict=True)}


def display_token(piece: str) -> str:
    """A token's text made visible: newlines and tabs as arrows, an empty piece as ∅."""
    for raw, shown in VISIBLE.items():
        piece = piece.replace(raw, shown)
    return piece or "∅"


def hf_piece(tokenizer, i: int) -> str:
    """The text of one token of a Hugging Face tokenizer. A token holding part of a multi-byte character (an emoji
    or a Chinese character split in two) shows its bytes, e.g. <F0 9F>, rather than a replacement character."""
    piece = tokenizer.decode([i], skip_special_tokens=False, clean_up_tokenization_spaces=False)
    if "\ufffd" in piece:
        raw = tokenizer.convert_ids_to_tokens(i) or ""
        decoder = _byte_decoder()
        if raw and all(ch in decoder for ch in raw):
            piece = "<" + " ".join(f"{decoder[ch]:02X}" for ch in raw) + ">"
        else:
            piece = raw or piece  # SentencePiece byte tokens are already named like <0xF0>
    return piece


def token_strings(loaded: LoadedModel, ids: list[int]) -> list[str]:
    """Display strings, one per id (see `hf_piece` for tokens that hold part of a character)."""
    if not loaded.is_hf:
        return [display_token(loaded.tokenizer.decode([i])) for i in ids]
    return [display_token(hf_piece(loaded.tokenizer, i)) for i in ids]


def encode_text(loaded: LoadedModel, text: str) -> list[int]:
    """Token ids of plain text (no chat template), with the special tokens the tokenizer adds by itself (a BOS)."""
    if not text.strip():
        raise UserError("The text is empty; type or generate some text to score.", ErrorKind.PROMPT)
    if loaded.is_hf:
        return list(loaded.tokenizer(text)["input_ids"])
    return list(loaded.tokenizer.encode(text))


# -- per-token statistics ----------------------------------------------------------------------------------------
@dataclass
class TokenStats:
    """One model's view of one text. Arrays have one entry per token; entry 0 is NaN (nothing predicts it)."""

    label: str
    ids: list[int]
    tokens: list[str]  # display strings
    prob: np.ndarray  # (T,) probability given to the actual token
    surprisal: np.ndarray  # (T,) -ln prob, nats
    entropy: np.ndarray  # (T,) entropy of the predicted distribution, nats
    top_tokens: list[list[str]]  # (T, k) the k most likely tokens at each position, most likely first
    top_probs: np.ndarray  # (T, k) their probabilities
    vocab_size: int = 0  # width of the model's output distribution

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "position": range(len(self.ids)),
                "token": self.tokens,
                "id": self.ids,
                "prob": self.prob,
                "surprisal": self.surprisal,
                "entropy": self.entropy,
                "top": [
                    list(zip(t, p.tolist(), strict=False)) for t, p in zip(self.top_tokens, self.top_probs, strict=True)
                ],
            }
        )


def scored_windows(
    loaded: LoadedModel, ids: list[int], stride: int | None = None
) -> Iterator[tuple[int, torch.Tensor]]:
    """Next-token logits for tokens 1..T-1 of `ids`, each predicted once, in windows that fit the context.

    Yields `(first, logits)`: float32 rows of shape (n, V) predicting ids[first : first + n]. A text longer than
    the context is read in windows of at most `context` tokens that start `stride` tokens apart (Hugging Face's
    "perplexity of fixed-length models" recipe); each token is predicted in the first window that has it as a
    target. The default stride, context - 1, overlaps windows by one token so that no token goes unscored; a
    smaller stride gives tokens near a window's start more context, at the cost of more forward passes.
    """
    limit = context_length(loaded)
    if limit < 2:
        raise UserError(f"This model reads only {limit} token at a time; it cannot score a text.", ErrorKind.MODEL)
    stride = limit - 1 if stride is None else stride
    if not 1 <= stride <= limit - 1:
        raise UserError(f"The stride must be between 1 and {limit - 1} (the context minus one).", ErrorKind.CONFIG)
    if len(ids) < 2:
        raise UserError("The text is a single token; give at least two, so one can be predicted.", ErrorKind.PROMPT)
    scored_to = 1  # tokens before this index have been predicted
    for begin in range(0, len(ids) - 1, stride):
        end = min(begin + limit, len(ids))
        logits = sequence_logits(loaded, ids[begin:end])  # row j predicts ids[begin + j + 1]
        first = max(scored_to, begin + 1)
        yield first, logits[first - begin - 1 : end - begin - 1]
        scored_to = end
        if end == len(ids):
            break


def token_stats(loaded: LoadedModel, text: str, stride: int | None = None) -> TokenStats:
    """Score every token of `text` but the first with `loaded` (in windows when it is longer than the context)."""
    ids = encode_text(loaded, text)
    prob, entropy, top_p, top_i = [], [], [], []
    vocab = 0
    for first, logits in scored_windows(loaded, ids, stride):
        logp = torch.log_softmax(logits, dim=-1)  # (n, V)
        targets = torch.tensor(ids[first : first + len(logp)])
        prob.append(logp[torch.arange(len(targets)), targets].exp())
        probs = logp.exp()
        entropy.append(-(probs * logp).nan_to_num(0.0).sum(-1))  # 0·log 0 = 0 where a model masks with -inf
        values, indices = probs.topk(min(TOP_K, logp.shape[-1]), dim=-1)  # (n, k), most likely first
        top_p.append(values)
        top_i.append(indices)
        vocab = logp.shape[-1]
    p, top = torch.cat(prob).double().numpy(), torch.cat(top_p).double().numpy()
    top_ids = torch.cat(top_i).tolist()
    unique = sorted({i for row in top_ids for i in row})
    lookup = dict(zip(unique, token_strings(loaded, unique), strict=True))
    nan = np.array([np.nan])
    return TokenStats(
        label=loaded.label,
        ids=ids,
        tokens=token_strings(loaded, ids),
        prob=np.concatenate([nan, p]),
        surprisal=np.concatenate([nan, -np.log(p)]),
        entropy=np.concatenate([nan, torch.cat(entropy).double().numpy()]),
        top_tokens=[[], *([lookup[i] for i in row] for row in top_ids)],
        top_probs=np.vstack([np.full((1, top.shape[1]), np.nan), top]),
        vocab_size=vocab,
    )


# -- perplexity --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Perplexity:
    perplexity: float  # exp(mean NLL)
    mean_nll: float  # nats per token
    tokens: int  # tokens scored (all but the first)
    windows: int  # forward passes needed to stay within the context


def token_nll(loaded: LoadedModel, ids: list[int], stride: int | None = None) -> tuple[np.ndarray, int]:
    """Negative log-likelihood (nats) of tokens 1..T-1, each scored once (see `scored_windows`), and the number
    of windows it took."""
    nll, windows = [], 0
    for first, logits in scored_windows(loaded, ids, stride):
        targets = torch.tensor(ids[first : first + len(logits)])
        nll.append(torch.nn.functional.cross_entropy(logits, targets, reduction="none").double().numpy())
        windows += 1
    return np.concatenate(nll), windows


def perplexity(loaded: LoadedModel, text: str, stride: int | None = None) -> Perplexity:
    """Perplexity of `text` under `loaded`: exp of the mean NLL over every token but the first."""
    nll, windows = token_nll(loaded, encode_text(loaded, text), stride)
    mean = float(nll.mean())
    return Perplexity(math.exp(mean), mean, len(nll), windows)


def corpus_excerpt(corpus: str = DEFAULT_CORPUS, chars: int = EXCERPT_CHARS) -> str:
    """The first `chars` characters of a bundled corpus' validation split (its tail), from a line start."""
    if corpus not in BUNDLED:
        raise UserError(f"No bundled corpus {corpus!r}; choose one of {', '.join(BUNDLED)}.", ErrorKind.CORPUS)
    text = load_corpus(corpus)
    start = split_point(len(text))
    newline = text.find("\n", start)
    start = newline + 1 if 0 <= newline < len(text) - 1 else start
    return text[start : start + chars]


def corpus_perplexity(loaded: LoadedModel, corpus: str = DEFAULT_CORPUS, chars: int = EXCERPT_CHARS) -> Perplexity:
    """Perplexity on the validation excerpt of a bundled corpus: one comparable number per model."""
    return perplexity(loaded, corpus_excerpt(corpus, chars))


# -- two models on one text --------------------------------------------------------------------------------------
@dataclass
class Disagreement:
    """Per-token surprisal of model A minus that of model B: > 0 where A was more surprised than B."""

    label_a: str
    label_b: str
    frame: pd.DataFrame  # position, token, surprisal_a, surprisal_b, difference (NaN at position 0)


def disagreement(a: TokenStats, b: TokenStats) -> Disagreement:
    """Compare two models' surprisal token by token; they must have split the text into the same tokens."""
    if a.ids != b.ids or a.tokens != b.tokens:
        raise UserError(
            f"{a.label} and {b.label} split the text into different tokens ({len(a.ids)} and {len(b.ids)}), so "
            "they cannot be compared token by token; compare their perplexities instead. Two precisions of one "
            "model always share a tokenizer.",
            ErrorKind.MODEL,
        )
    frame = pd.DataFrame(
        {
            "position": range(len(a.ids)),
            "token": a.tokens,
            "surprisal_a": a.surprisal,
            "surprisal_b": b.surprisal,
            "difference": a.surprisal - b.surprisal,
        }
    )
    return Disagreement(a.label, b.label, frame)


@dataclass
class TokenComparison:
    """Everything the Tokens page shows for one text and one or two models."""

    stats: list[TokenStats]
    perplexities: pd.DataFrame  # one row per model
    disagreement: Disagreement | None = None
    notes: list[str] = field(default_factory=list)  # why something could not be computed


def compare_models(
    models: list[LoadedModel], text: str, corpus: str = DEFAULT_CORPUS, chars: int = EXCERPT_CHARS
) -> TokenComparison:
    """Token statistics and perplexities of `text` for each model; the disagreement view for two models."""
    if not 1 <= len(models) <= 2:
        raise UserError("Choose one or two models.", ErrorKind.MODEL)
    stats = [token_stats(m, text) for m in models]
    notes: list[str] = []
    rows = []
    for loaded, s in zip(models, stats, strict=True):
        mean_nll = float(np.mean(s.surprisal[1:]))  # the token view read the text in the same windows
        try:
            on_corpus = corpus_perplexity(loaded, corpus, chars).perplexity
        except UserError as err:  # e.g. a character model that never saw these characters
            on_corpus = math.nan
            notes.append(f"{loaded.label}: no perplexity on the {BUNDLED[corpus].title} excerpt. {err}")
        rows.append(
            {
                "model": s.label,
                "tokens": len(s.ids),
                "perplexity (text)": math.exp(mean_nll),
                "mean surprisal (nats)": mean_nll,
                f"perplexity ({BUNDLED[corpus].title} val, {chars:,} chars)": on_corpus,
            }
        )
    result = TokenComparison(stats, pd.DataFrame(rows), notes=notes)
    if len(stats) == 2:
        try:
            result.disagreement = disagreement(*stats)
        except UserError as err:
            notes.append(str(err))
    return result
