"""A decoder-only transformer in the style of nanoGPT (Karpathy), after GPT-2 (Radford et al., 2019).

Each token attends to every earlier token in the block through causal self-attention, so unlike the MLP its
view is not a fixed window and unlike the LSTM nothing has to survive a long chain of recurrent steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from core.errors import ErrorKind, UserError
from core.models.base import LanguageModel
from core.validation import as_float, check_bool, check_float, check_int


@dataclass(frozen=True)
class GPTConfig:
    n_layer: int = 4  # transformer blocks
    n_head: int = 4  # attention heads per block; each sees n_embd // n_head dimensions
    n_embd: int = 128  # width of the residual stream
    dropout: float = 0.0
    bias: bool = False  # biases in Linear and LayerNorm; GPT-2 has them, nanoGPT finds them unneeded

    def __post_init__(self) -> None:
        check_int("n_layer", self.n_layer, 1, 48)
        check_int("n_head", self.n_head, 1, 64)
        check_int("n_embd", self.n_embd, 1, 16384)
        check_float("dropout", self.dropout, 0.0, 1.0, high_open=True)
        as_float(self, "dropout")
        check_bool("bias", self.bias)
        if self.n_embd % self.n_head:
            below, above = (
                self.n_embd // self.n_head * self.n_head,
                (self.n_embd // self.n_head + 1) * self.n_head,
            )
            tries = f"{below} or {above}" if below else f"{above}"
            raise UserError(f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head}): try {tries}.")


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t only sees positions <= t."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head, self.n_embd, self.dropout = config.n_head, config.n_embd, config.dropout
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # q, k, v in one matmul
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)

    def qkv(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Queries, keys and values, each (B, nh, T, hs); kept apart so attention maps can be recomputed."""
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)  # each (B, T, C)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        return q, k, v

    def forward(self, x: Tensor) -> Tensor:
        B, T, C = x.size()
        q, k, v = self.qkv(x)
        # softmax(q k^T / sqrt(hs)) v with a causal mask, fused (flash attention where the hardware allows)
        dropout_p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p, is_causal=True)  # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """Position-wise feed-forward: expand 4x, GELU, project back (the 4x is GPT-2's)."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """Pre-LayerNorm transformer block: attention, then MLP, each added to the residual stream."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPTModel(LanguageModel):
    """Token + position embeddings -> n_layer blocks -> LayerNorm -> lm_head tied to the token embedding."""

    family = "gpt"
    title = "GPT (transformer)"
    description = "A small decoder-only transformer: every token attends to all earlier tokens in its block."
    Config = GPTConfig

    def __init__(self, config: GPTConfig, vocab_size: int, block_size: int) -> None:
        super().__init__(config, vocab_size, block_size)
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(vocab_size, config.n_embd),
                wpe=nn.Embedding(block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
            )
        )
        self.lm_head = nn.Linear(config.n_embd, vocab_size, bias=False)
        # Weight tying (Press & Wolf, 2017): reading a token in and writing it out share one matrix.
        self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                # GPT-2: each block adds two outputs to the residual stream; scaling keeps its variance flat.
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Logits (B, T, V) and the mean loss; T may not exceed block_size, the positions it has learned."""
        if idx.size(1) > self.block_size:
            raise UserError(
                f"This GPT reads at most {self.block_size} tokens at once, got {idx.size(1)}; shorten the input.",
                ErrorKind.PROMPT,
            )
        pos = torch.arange(idx.size(1), dtype=torch.long, device=idx.device)  # (T,)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))  # (B, T, n_embd)
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))  # (B, T, V)
        loss = None if targets is None else self.cross_entropy(logits, targets)
        return logits, loss
