"""Training on several processes or GPUs with torchrun: who this process is, and the few collectives the trainer needs.

    python -m torch.distributed.run --standalone --nproc_per_node=2 -m core.train --model gpt ... --out DIR

torchrun starts one process per rank and sets RANK, WORLD_SIZE and LOCAL_RANK. With a world of one (a plain
`python -m core.train`, the dashboard's jobs, tests) there is no `Distributed` object at all, so the trainer
makes no collective call and the single-process path stays exactly as it was.

Batch semantics: `batch_size` is the GLOBAL batch. Every rank draws the same global batch of window starts from
one shared random stream (seeded alike, so identical on every rank) and trains on its own contiguous slice of it,
batch_size / world_size rows. DDP averages the gradients of the slices, which is the gradient of the mean loss
over the whole global batch: a 2-process run sees exactly the data of a 1-process run with the same seed and
batch size, and its curve matches up to floating-point rounding. Why one shared stream rather than a shard of the
text per rank or a stream per rank: the ranks still never train on the same rows of a step, resuming needs one
random state (every rank's is the same, so rank 0's checkpoint restores all of them), and a run can even be
resumed with a different number of processes. Tokens and tokens/s count the global batch. Dropout is the one
randomness that must differ per rank: each step reseeds it from (seed, step, rank), so it needs no saved state.

Rank 0 alone writes the run directory; the others compute the same records in memory and never touch the disk.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import torch

from core.errors import UserError
from core.models import family_class

T = TypeVar("T")
CUDA_OR_CPU = "Training on several processes runs on CUDA GPUs or on the CPU; use --device cuda or cpu."


def world_size_from_env() -> int:
    """How many processes torchrun started for this job (1 outside torchrun)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main_process() -> bool:
    """Rank 0, or the only process: the one that prints and writes."""
    return int(os.environ.get("RANK", "0")) == 0


def check_config(model: str, batch_size: int, device: str, world_size: int) -> None:
    """Refuse, before anything is written, a run that cannot train on `world_size` processes."""
    if family_class(model).learns_by_counting:
        raise UserError(
            f"The {model} model learns by counting, not by gradients, so it cannot train on several processes; "
            "run it with plain `python -m core.train`."
        )
    if batch_size % world_size:
        raise UserError(
            f"batch_size is the global batch and must divide evenly over the {world_size} processes; "
            f"{batch_size} does not (try {max(world_size, batch_size - batch_size % world_size)})."
        )
    if device == "mps":
        raise UserError(CUDA_OR_CPU)


@dataclass(frozen=True)
class Distributed:
    """This process's place in a torchrun job, and the collectives the trainer uses."""

    rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def batch_rows(self, global_batch: int) -> slice:
        """This rank's contiguous slice of a global batch of `global_batch` rows."""
        local = global_batch // self.world_size
        return slice(self.rank * local, (self.rank + 1) * local)

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """The model inside DistributedDataParallel, which averages gradients across ranks during backward."""
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def mean(self, value: float) -> float:
        """The mean of `value` over all ranks (NaN anywhere makes it NaN everywhere)."""
        import torch.distributed as dist

        tensor = torch.tensor([value], dtype=torch.float64 if self.device.type == "cpu" else torch.float32)
        tensor = tensor.to(self.device)
        dist.all_reduce(tensor)
        return tensor.item() / self.world_size

    def any(self, flag: bool) -> bool:
        """True on every rank when it is true on any rank: a stop agreed before the same step everywhere."""
        import torch.distributed as dist

        tensor = torch.tensor([int(flag)], device=self.device)
        dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
        return bool(tensor.item())

    def from_main(self, make: Callable[[], T]) -> T:
        """Run `make` on rank 0 only and hand its result (or its UserError) to every rank.

        Used to create or open the run: rank 0 alone touches the disk, the others wait here, then use the same
        value; a refusal on rank 0 becomes the same UserError on every rank, so no rank waits forever.
        """
        import torch.distributed as dist

        box: list[Any] = [None]
        if self.is_main:
            try:
                box[0] = ("ok", make())
            except UserError as err:
                box[0] = ("error", str(err))
        dist.broadcast_object_list(box, src=0, device=self.device)
        kind, value = box[0]
        if kind == "error":
            raise UserError(value)
        return value


def start(device: str) -> Distributed:
    """Join the torchrun job: NCCL on CUDA (one GPU per process, cuda:LOCAL_RANK), gloo on the CPU."""
    import torch.distributed as dist

    from core.devices import pick_device

    rank, world_size, local_rank = (int(os.environ[k]) for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))
    picked = pick_device(device)
    if picked.type == "cuda":
        if local_rank >= torch.cuda.device_count():
            raise UserError(
                f"This machine has {torch.cuda.device_count()} GPU(s) but torchrun started more processes on it; "
                "set --nproc_per_node to at most the number of GPUs."
            )
        picked = torch.device("cuda", local_rank)
        torch.cuda.set_device(picked)
    elif picked.type != "cpu":
        raise UserError(CUDA_OR_CPU)
    dist.init_process_group("nccl" if picked.type == "cuda" else "gloo", rank=rank, world_size=world_size)
    return Distributed(rank=rank, world_size=world_size, device=picked)


def stop() -> None:
    """Leave the job; safe to call whether or not it was joined."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
