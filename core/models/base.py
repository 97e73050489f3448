"""The small interface every model family shares, so the trainer, the runs store and the pages treat them alike.

A model maps token ids `idx` of shape (B, T) to next-token logits of shape (B, T, V); position t predicts the
token that follows idx[:, t]. Neural families learn by gradient descent; count-based ones (`learns_by_counting`)
learn by `observe`-ing batches, so the same training loop and loss chart serve both.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor, nn
from torch.nn import functional as F


class LanguageModel(nn.Module):
    """Base class of the four families; subclasses set `family`, `title`, `Config` and implement `forward`."""

    family: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    Config: ClassVar[type]
    learns_by_counting: ClassVar[bool] = False

    def __init__(self, config: object, vocab_size: int, block_size: int) -> None:
        super().__init__()
        self.config = config
        self.vocab_size = vocab_size
        self.block_size = block_size  # longest context the model is shown, in training and generation

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Return logits (B, T, V) and, when `targets` (B, T) is given, the mean cross-entropy loss."""
        raise NotImplementedError

    def observe(self, idx: Tensor, targets: Tensor) -> None:
        """Update count statistics from one batch; only count-based families learn this way."""
        raise NotImplementedError(f"{self.family} learns by gradient descent, not by counting")

    def num_params(self) -> int:
        """Number of learned values: weights for neural families, stored counts for count-based ones."""
        return sum(p.numel() for p in self.parameters())

    def state_tensors(self) -> dict[str, Tensor]:
        """Everything needed to restore the model, as plain tensors for safetensors (tied weights copied)."""
        return {name: t.detach().clone().contiguous().cpu() for name, t in self.state_dict().items()}

    def load_state_tensors(self, tensors: dict[str, Tensor]) -> None:
        """Inverse of `state_tensors`."""
        self.load_state_dict(tensors, strict=True)

    @staticmethod
    def cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
        """Mean next-token cross-entropy over all B*T positions, in nats."""
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))

    @torch.no_grad()
    def generate(
        self,
        idx: Tensor,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        generator: torch.Generator | None = None,
    ) -> Tensor:
        """Extend `idx` (B, T) by `max_new_tokens` sampled tokens; temperature 0 means greedy."""
        was_training = self.training
        self.eval()
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -self.block_size :])
            logits = logits[:, -1, :].float()  # (B, V)
            if temperature == 0:
                next_id = logits.argmax(dim=-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k:
                    kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, [-1]]
                    logits = logits.masked_fill(logits < kth, float("-inf"))
                probs = F.softmax(logits, dim=-1)
                next_id = torch.multinomial(probs, num_samples=1, generator=generator)
            idx = torch.cat([idx, next_id], dim=1)
        self.train(was_training)
        return idx
