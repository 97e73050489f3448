"""A recurrent language model: an LSTM (Hochreiter & Schmidhuber, 1997) reads the row left to right.

Its memory is a fixed-size state carried from token to token, so in principle it sees the whole row; in
practice gradients through many steps fade, which is the gap attention (see gpt.py) closes.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor, nn

from core.models.base import LanguageModel
from core.validation import as_float, check_float, check_int


@dataclass(frozen=True)
class LSTMConfig:
    n_embd: int = 64  # size of each token's embedding
    n_hidden: int = 256  # size of the hidden and cell state of each layer
    n_layer: int = 2  # stacked LSTM layers
    dropout: float = 0.0  # between stacked layers and before the output layer

    def __post_init__(self) -> None:
        check_int("n_embd", self.n_embd, 1, 4096)
        check_int("n_hidden", self.n_hidden, 1, 8192)
        check_int("n_layer", self.n_layer, 1, 8)
        check_float("dropout", self.dropout, 0.0, 1.0, high_open=True)
        as_float(self, "dropout")


class LSTMModel(LanguageModel):
    """Embedding -> n_layer LSTM -> dropout -> Linear to V."""

    family = "lstm"
    title = "LSTM"
    description = "Reads tokens one at a time, carrying a learned memory state forward to predict the next one."
    Config = LSTMConfig

    def __init__(self, config: LSTMConfig, vocab_size: int, block_size: int) -> None:
        super().__init__(config, vocab_size, block_size)
        self.wte = nn.Embedding(vocab_size, config.n_embd)
        self.lstm = nn.LSTM(
            config.n_embd,
            config.n_hidden,
            num_layers=config.n_layer,
            batch_first=True,
            dropout=config.dropout if config.n_layer > 1 else 0.0,  # PyTorch applies it between layers only
        )
        self.drop = nn.Dropout(config.dropout)
        self.lm_head = nn.Linear(config.n_hidden, vocab_size)

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Logits (B, T, V) and the mean loss; every call starts from a zero state, as GPT starts afresh."""
        x = self.wte(idx)  # (B, T, n_embd)
        h, _ = self.lstm(x)  # (B, T, n_hidden); no initial state given means zeros
        logits = self.lm_head(self.drop(h))  # (B, T, V)
        loss = None if targets is None else self.cross_entropy(logits, targets)
        return logits, loss
