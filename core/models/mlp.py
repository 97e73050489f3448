"""A fixed-window neural language model after Bengio et al. (2003), "A Neural Probabilistic Language Model":
embed the previous `context` tokens, concatenate them, one tanh hidden layer, then a softmax over the vocab.

Unlike the n-gram model it shares statistics between similar contexts through the embeddings; unlike the LSTM
and GPT it cannot see anything older than its fixed window.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from core.errors import UserError
from core.models.base import LanguageModel
from core.validation import as_float, check_float, check_int


@dataclass(frozen=True)
class MLPConfig:
    context: int = 8  # previous tokens each prediction sees
    n_embd: int = 32  # size of each token's embedding
    n_hidden: int = 256  # width of the tanh hidden layer
    dropout: float = 0.0

    def __post_init__(self) -> None:
        check_int("context", self.context, 1, 64)
        check_int("n_embd", self.n_embd, 1, 4096)
        check_int("n_hidden", self.n_hidden, 1, 65536)
        check_float("dropout", self.dropout, 0.0, 1.0, high_open=True)
        as_float(self, "dropout")


class MLPModel(LanguageModel):
    """Embeddings of the last `context` tokens -> Linear -> tanh -> dropout -> Linear to V."""

    family = "mlp"
    title = "MLP (Bengio 2003)"
    description = "Embeds a fixed window of previous tokens and predicts the next one with a one-hidden-layer MLP."
    Config = MLPConfig

    def __init__(self, config: MLPConfig, vocab_size: int, block_size: int) -> None:
        super().__init__(config, vocab_size, block_size)
        if config.context > block_size:
            raise UserError(
                f"context ({config.context}) is longer than the block size ({block_size}); "
                "lower context or raise the block size."
            )
        self.context = config.context
        # Row `vocab_size` is a learned "before the start" token, padding windows near the start of a row.
        self.wte = nn.Embedding(vocab_size + 1, config.n_embd)
        self.hidden = nn.Linear(config.context * config.n_embd, config.n_hidden)
        self.drop = nn.Dropout(config.dropout)
        self.lm_head = nn.Linear(config.n_hidden, vocab_size)

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Logits (B, T, V) where position t sees idx[:, t-context+1 : t+1], and the mean loss."""
        B, T = idx.shape
        padded = F.pad(idx, (self.context - 1, 0), value=self.vocab_size)  # (B, context-1+T)
        windows = padded.unfold(1, self.context, 1)  # (B, T, context): window t ends at idx[:, t]
        x = self.wte(windows).reshape(B, T, -1)  # (B, T, context * n_embd), embeddings concatenated
        h = self.drop(torch.tanh(self.hidden(x)))  # (B, T, n_hidden)
        logits = self.lm_head(h)  # (B, T, V)
        loss = None if targets is None else self.cross_entropy(logits, targets)
        return logits, loss
