"""Learning-rate schedules, built from torch.optim.lr_scheduler so their behaviour is the library's.

Every schedule may start with a linear warmup; after it, the rate stays constant, follows a half cosine down to
`min_lr_ratio * lr` at the last step (as in nanoGPT and Chinchilla), or decays exponentially to that same floor.
"""

from __future__ import annotations

import torch
from torch.optim import lr_scheduler

SCHEDULES = ("constant", "cosine", "exponential")


def build_scheduler(
    optimizer: torch.optim.Optimizer,
    schedule: str,
    max_steps: int,
    warmup_steps: int = 0,
    min_lr_ratio: float = 0.1,
) -> lr_scheduler.LRScheduler:
    """A scheduler to `.step()` once per optimizer step; `max_steps` > `warmup_steps` is assumed (validated)."""
    decay_steps = max(1, max_steps - warmup_steps)
    if schedule == "constant":
        main = lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)
    elif schedule == "cosine":
        base_lr = optimizer.param_groups[0]["lr"]
        main = lr_scheduler.CosineAnnealingLR(optimizer, T_max=decay_steps, eta_min=base_lr * min_lr_ratio)
    elif schedule == "exponential":
        gamma = max(min_lr_ratio, 1e-8) ** (1.0 / decay_steps)
        main = lr_scheduler.ExponentialLR(optimizer, gamma=gamma)
    else:
        raise ValueError(f"unknown schedule {schedule!r}")
    if warmup_steps == 0:
        return main
    warmup = lr_scheduler.LinearLR(optimizer, start_factor=1.0 / (warmup_steps + 1), total_iters=warmup_steps)
    return lr_scheduler.SequentialLR(optimizer, [warmup, main], milestones=[warmup_steps])


def lr_curve(schedule: str, lr: float, max_steps: int, warmup_steps: int = 0, min_lr_ratio: float = 0.1) -> list[float]:
    """The learning rate at every step 0..max_steps-1, e.g. to preview a schedule before training."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=lr)
    scheduler = build_scheduler(optimizer, schedule, max_steps, warmup_steps, min_lr_ratio)
    rates = []
    for _ in range(max_steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates
