"""Which torch device to compute on, chosen the same way by training, generation and the pages."""

from __future__ import annotations

import torch

from core.errors import UserError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def pick_device(requested: str = "auto") -> torch.device:
    """`auto` prefers CUDA, then Apple's MPS, then the CPU; an explicit device must exist here."""
    available = {
        "cuda": torch.cuda.is_available(),
        "mps": torch.backends.mps.is_available(),
        "cpu": True,
    }
    if requested == "auto":
        return torch.device(next(name for name, ok in available.items() if ok))
    if requested not in available:
        raise UserError(f"Unknown device {requested!r}; choose one of {', '.join(DEVICE_CHOICES)}.")
    if not available[requested]:
        raise UserError(f"This machine has no {requested} device; use 'auto' or 'cpu'.")
    return torch.device(requested)
