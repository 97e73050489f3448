"""The trainer: one loop for all four families, used by the Train page's background jobs and by the CLI.

    python -m core.train --model gpt --corpus tinyshakespeare --max-steps 2000 --out runs/NAME

`create_run` validates everything (config, corpus, tokenizer, model size) before a run directory exists, so bad
input never leaves a half-written run; `train` then trains that run from its last checkpoint (or from scratch),
writing metrics, samples and checkpoints through `core.runs`. Progress leaves through the run directory and an
optional `on_log` callback, so the trainer knows nothing of any UI. Under torchrun the same loop trains with
DistributedDataParallel (see `core.distributed` for what the batch means there).

Faults end a run cleanly: a loss or gradient norm that is not finite stops it before the optimizer touches the
weights (state "diverged", the last checkpoint kept, a message saying what to change); running out of memory
marks it "failed" with what to shrink, releases the memory and returns instead of raising.
"""

from __future__ import annotations

import gc
import math
import time
import warnings
from collections.abc import Callable
from typing import Any

import torch

from core import checkpoint, probes
from core.corpus import load_corpus, split_point
from core.devices import pick_device
from core.distributed import Distributed, check_config
from core.errors import UserError
from core.models import LanguageModel, build_model
from core.runs import Run
from core.sampling import generate_text
from core.schedules import build_scheduler
from core.train_config import TrainConfig, TrainSummary, create_run

__all__ = ["Diverged", "TrainConfig", "TrainSummary", "create_run", "train"]


class Diverged(Exception):
    """The loss or the gradient norm stopped being finite; raised before the optimizer step it would spoil."""


class _Trainer:
    """The state of one training session on one run; `train` below is its only user.

    With `dist` (a torchrun job) every rank runs this same loop on its slice of each global batch; rank 0 alone
    writes the run, the others keep the same records in memory. Without it no collective is ever called.
    """

    def __init__(
        self,
        run: Run,
        on_log: Callable[[dict], None] | None,
        stop: Callable[[], bool] | None,
        dist: Distributed | None = None,
    ):
        self.run, self.on_log, self.external_stop, self.dist = run, on_log, stop, dist
        self.is_main = dist is None or dist.is_main
        self.cfg = TrainConfig.from_dict(run.config())
        self.world_size = 1 if dist is None else dist.world_size
        if dist is not None:
            check_config(self.cfg.model, self.cfg.batch_size, self.cfg.device, dist.world_size)
        self.device = pick_device(self.cfg.device) if dist is None else dist.device
        if self.is_main:
            run.clean_leftovers()
        self.tokenizer = run.tokenizer()
        text = run.corpus_text() or load_corpus(self.cfg.corpus)
        ids = torch.tensor(self.tokenizer.encode(text), dtype=torch.long)
        cut = split_point(len(ids))
        self.data = {"train": ids[:cut], "val": ids[cut:]}
        self.probe_ids = probes.probe_ids(self.data["val"], self.cfg.block_size)

        torch.manual_seed(self.cfg.seed)
        self.model: LanguageModel = build_model(
            self.cfg.model, self.cfg.model_params, self.tokenizer.vocab_size, self.cfg.block_size
        ).to(self.device)
        # What the training step calls: the model itself, or under torchrun its DDP wrapper (same parameters).
        self.forward = self.model if dist is None else dist.wrap(self.model)
        self.optimizer = None if self.model.learns_by_counting else self._make_optimizer()
        self.scheduler = None
        if self.optimizer is not None:
            self.scheduler = build_scheduler(
                self.optimizer, self.cfg.schedule, self.cfg.max_steps, self.cfg.warmup_steps, self.cfg.min_lr_ratio
            )
        self.batch_rng = torch.Generator().manual_seed(self.cfg.seed)
        self.step, self.elapsed_before, self.checkpoint_step = 0, 0.0, None
        self.metrics: list[dict] = []
        self.samples: list[dict] = []
        self._restore()

    # -- setup ---------------------------------------------------------------------------------------------
    def _make_optimizer(self) -> torch.optim.Optimizer:
        # Decay matrices only, not biases and LayerNorm gains (as in nanoGPT and GPT-2).
        params = [p for p in self.model.parameters() if p.requires_grad]
        groups = [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": self.cfg.weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ]
        fused = self.device.type == "cuda"
        return torch.optim.AdamW(groups, lr=self.cfg.lr, betas=(0.9, 0.99), fused=fused)

    def _restore(self) -> None:
        """Continue from the last checkpoint: weights, optimizer, RNGs, and metrics cut back to its step."""
        if not self.run.has_checkpoint():
            if self.is_main:
                self.run.write_metrics([])
                self.run.write_samples([])
                probes.drop_after(self.run, -1)
            return
        tensors, meta = self.run.load_checkpoint()
        model_tensors, optim_state, rngs = checkpoint.unpack(tensors, meta)
        self.model.load_state_tensors(model_tensors)
        self.model.to(self.device)
        if self.optimizer is not None and optim_state is not None:
            self.optimizer.load_state_dict(optim_state)
        self.step, self.elapsed_before = meta["step"], meta["elapsed_s"]
        self.checkpoint_step = self.step
        if self.scheduler is not None:
            with warnings.catch_warnings():  # replaying without optimizer steps is intended here
                warnings.simplefilter("ignore", UserWarning)
                for _ in range(self.step):  # LR schedules are functions of the step alone: replay them
                    self.scheduler.step()
        self.batch_rng.set_state(rngs["batch"])
        torch.set_rng_state(rngs["torch"])
        if "cuda" in rngs and self.device.type == "cuda":
            torch.cuda.set_rng_state(rngs["cuda"], self.device)
        self.metrics = [m for m in self.run.metrics() if m["step"] <= self.step]
        self.samples = [s for s in self.run.samples() if s["step"] <= self.step]
        if self.is_main:
            probes.drop_after(self.run, self.step)
            self.run.write_metrics(self.metrics)
            self.run.write_samples(self.samples)

    # -- pieces of the loop ----------------------------------------------------------------------------------
    def batch(self, split: str, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Random windows of block_size + 1 tokens: x (B, T) and y = x shifted by one (B, T).

        Under torchrun every rank draws the same global batch and keeps its own rows of it (B / world_size).
        """
        data, T = self.data[split], self.cfg.block_size
        starts = torch.randint(len(data) - T, (self.cfg.batch_size,), generator=rng)
        if self.dist is not None:
            starts = starts[self.dist.batch_rows(self.cfg.batch_size)]
        windows = data[starts[:, None] + torch.arange(T + 1)]  # (B, T+1)
        return windows[:, :-1].to(self.device), windows[:, 1:].to(self.device)

    def autocast(self):
        return torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.device.type == "cuda")

    @torch.no_grad()
    def evaluate(self, split: str) -> float:
        """Mean loss over the same eval_iters batches every time, so successive values are comparable; under
        torchrun the mean over all ranks' slices, the same number on every rank."""
        rng = torch.Generator().manual_seed(self.cfg.seed + 1)
        self.model.eval()
        losses = []
        for _ in range(self.cfg.eval_iters):
            x, y = self.batch(split, rng)
            with self.autocast():
                losses.append(self.model(x, y)[1].item())
        self.model.train()
        mean = sum(losses) / len(losses)
        return mean if self.dist is None else self.dist.mean(mean)

    def train_step(self) -> float:
        """One step on one batch; returns its loss (under torchrun, the mean over the global batch).

        Raises Diverged, before the optimizer touches the weights, when the loss or the gradient norm is not
        finite. The check reads the loss the step reports anyway and the norm clipping computes anyway.
        """
        x, y = self.batch("train", self.batch_rng)
        if self.model.learns_by_counting:
            with torch.no_grad():
                loss = self.model(x, y)[1]  # scored before counting: an honest held-out loss for this batch
            self.model.observe(x, y)
            return loss.item()
        if self.dist is not None:  # each rank its own dropout masks, a function of the step alone (resume-exact)
            torch.manual_seed(self.cfg.seed + self.step * self.dist.world_size + self.dist.rank)
        with self.autocast():
            _, loss = self.forward(x, y)
        loss.backward()
        norm = None
        if self.cfg.grad_clip > 0:
            norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        value = loss.item() if self.dist is None else self.dist.mean(loss.item())
        if not math.isfinite(value) or (norm is not None and not math.isfinite(norm)):
            self.optimizer.zero_grad(set_to_none=True)
            what = f"the loss was {value}" + ("" if norm is None else f" and the gradient norm {float(norm)}")
            raise Diverged(self._diverged_message(what, self.step + 1))
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.scheduler.step()
        return value

    def _diverged_message(self, what: str, step: int) -> str:
        cfg = self.cfg
        kept = "nothing was saved" if self.checkpoint_step is None else f"the checkpoint of step {self.checkpoint_step}"
        fixes = [f"lower the learning rate (now {cfg.lr:g})"]
        if cfg.grad_clip == 0:
            fixes.append("turn on gradient clipping (grad_clip 1.0)")
        fixes.append(f"lengthen the warmup (now {cfg.warmup_steps} steps)")
        return (
            f"Training diverged at step {step}: {what}. It stopped before updating the weights, and {kept} is kept. "
            f"Start a new run and {', '.join(fixes[:-1])} or {fixes[-1]}."
        )

    @property
    def lr(self) -> float | None:
        return None if self.optimizer is None else self.optimizer.param_groups[0]["lr"]

    def sample(self) -> None:
        seed = self.cfg.seed + self.step
        text = generate_text(self.model, self.tokenizer, "", self.cfg.sample_tokens, temperature=1.0, seed=seed)
        self.samples.append({"step": self.step, "text": text})
        self.run.write_samples(self.samples)

    def probe(self) -> None:
        probes.record(self.run, self.model, self.tokenizer, self.probe_ids, self.step, seed=self.cfg.seed)

    def save(self) -> None:
        """Checkpoint (rank 0 only: every rank's model, optimizer and random states are the same)."""
        rngs = {"batch": self.batch_rng.get_state(), "torch": torch.get_rng_state()}
        if self.device.type == "cuda":
            rngs["cuda"] = torch.cuda.get_rng_state(self.device)
        tensors, meta = checkpoint.pack(self.model.state_tensors(), self.optimizer, rngs)
        meta.update(step=self.step, elapsed_s=self.elapsed)
        self.run.save_checkpoint(tensors, meta)
        self.checkpoint_step = self.step

    @property
    def elapsed(self) -> float:
        return self.elapsed_before + time.perf_counter() - self.started

    def record(self, **values: Any) -> dict:
        rec = {
            "step": self.step,
            "tokens": self.step * self.cfg.batch_size * self.cfg.block_size,  # the global batch: all ranks
            "elapsed_s": round(self.elapsed, 3),
            "train_loss": None,
            "val_loss": None,
            "lr": self.lr,
            "tokens_per_s": None,
            "world_size": self.world_size,
            **values,
        }
        self.metrics.append(rec)
        if self.is_main:
            self.run.write_metrics(self.metrics)
            self.write_status("running")
            if self.on_log:
                self.on_log(rec)
        return rec

    def write_status(self, state: str, message: str = "") -> None:
        if self.is_main:
            self.run.write_status(
                state,
                message,
                step=self.step,
                max_steps=self.cfg.max_steps,
                n_params=self.model.num_params(),
                checkpoint_step=self.checkpoint_step,
                world_size=self.world_size,
                global_batch=self.cfg.batch_size,
            )

    def should_stop(self) -> bool:
        """A stop request (STOP file, read by rank 0; a signal, on any rank), agreed by all ranks."""
        asked = (self.is_main and self.run.stop_requested()) or bool(self.external_stop and self.external_stop())
        return asked if self.dist is None else self.dist.any(asked)

    # -- the loop ------------------------------------------------------------------------------------------
    def fit(self) -> TrainSummary:
        self.started = time.perf_counter()
        if self.is_main:
            self.run.clear_stop()
        self.write_status("running")
        try:
            state, message = self._loop()
        except Diverged as err:
            state, message = "diverged", str(err)
        if state != "diverged" and self.is_main:
            self.save()
        self.write_status(state, message)
        if self.is_main:
            self.run.clear_stop()
        return self.summary(state, message)

    def _loop(self) -> tuple[str, str]:
        """Train to max_steps; returns how it ended (completed or stopped) and why."""
        cfg = self.cfg
        if not self.metrics:  # a fresh run (one stopped at step 0 has its row already)
            self.record(train_loss=self.evaluate("train"), val_loss=self.evaluate("val"))
            if self.is_main:
                self.probe()
        window_losses: list[float] = []
        window_time = 0.0
        while self.step < cfg.max_steps:
            if self.should_stop():
                return "stopped", f"Stopped at step {self.step} of {cfg.max_steps}."
            t0 = time.perf_counter()
            loss = self.train_step()
            window_time += time.perf_counter() - t0
            self.step += 1
            window_losses.append(loss)
            is_eval = self.step % cfg.eval_interval == 0 or self.step == cfg.max_steps
            if is_eval or self.step % cfg.log_interval == 0:
                val_loss = self.evaluate("val") if is_eval else None
                if val_loss is not None and not math.isfinite(val_loss):  # e.g. weights spoilt without clipping
                    raise Diverged(self._diverged_message(f"the validation loss was {val_loss}", self.step))
                tokens = len(window_losses) * cfg.batch_size * cfg.block_size
                self.record(
                    train_loss=sum(window_losses) / len(window_losses),
                    val_loss=val_loss,
                    tokens_per_s=tokens / window_time if window_time > 0 else None,
                )
                window_losses, window_time = [], 0.0
            if not self.is_main:
                continue
            if cfg.sample_interval and (self.step % cfg.sample_interval == 0 or self.step == cfg.max_steps):
                self.sample()
            if is_eval:
                self.probe()
                self.save()
                self.write_status("running")  # status names the checkpoint just completed
        return "completed", ""

    def summary(self, state: str, message: str) -> TrainSummary:
        last = next((m for m in reversed(self.metrics) if m["train_loss"] is not None), {})
        last_val = next((m["val_loss"] for m in reversed(self.metrics) if m["val_loss"] is not None), None)
        speeds = [m["tokens_per_s"] for m in self.metrics if m["tokens_per_s"]]
        return TrainSummary(
            run_dir=str(self.run.path),
            state=state,
            steps=self.step,
            train_loss=last.get("train_loss"),
            val_loss=last_val,
            tokens_per_s=round(sum(speeds) / len(speeds), 1) if speeds else None,
            elapsed_s=round(self.elapsed, 2),
            message=message,
        )


def _out_of_memory_message(err: BaseException, cfg: TrainConfig | None, step: int) -> str:
    where = "the GPU" if isinstance(err, torch.OutOfMemoryError) else "this machine"
    sizes = "" if cfg is None else f" (now batch {cfg.batch_size}, context {cfg.block_size})"
    return (
        f"Out of memory on {where} at step {step}: lower the batch size or the context length{sizes}, or make "
        "the model smaller (fewer layers or a narrower width), then start a new run. The last checkpoint is kept."
    )


def _release_memory() -> None:
    """Give back what a failed step held, so the process that called `train` (a server, say) carries on."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def train(
    run: Run,
    on_log: Callable[[dict], None] | None = None,
    stop: Callable[[], bool] | None = None,
    dist: Distributed | None = None,
) -> TrainSummary:
    """Train `run` to its max_steps from its last checkpoint; stops early on `run.request_stop()` or `stop()`.

    The run's status.json says how it ended; a UserError or crash marks it failed with the reason and is
    raised, running out of memory marks it failed and returns; the last checkpoint and the metrics up to it stay
    intact. `dist` (from `core.distributed.start`) trains one rank of a torchrun job.
    """
    trainer = None
    is_main = dist is None or dist.is_main
    try:
        trainer = _Trainer(run, on_log, stop, dist)
        return trainer.fit()
    except (torch.OutOfMemoryError, MemoryError) as err:
        cfg, step = (trainer.cfg, trainer.step) if trainer is not None else (None, 0)
        message = _out_of_memory_message(err, cfg, step)
    except UserError as err:
        if is_main:
            run.write_status("failed", str(err))
        raise
    except BaseException as err:
        if is_main:
            run.write_status("failed", f"Training crashed: {type(err).__name__}: {err}")
        raise
    # Out of memory. Only here, outside the except block, is the traceback (and the batch it holds) gone.
    if trainer is None or not hasattr(trainer, "started"):
        summary = TrainSummary(str(run.path), "failed", 0, None, None, None, 0.0, message)
        if is_main:
            run.write_status("failed", message)
    else:
        summary = trainer.summary("failed", message)
        trainer.write_status("failed", message)
    del trainer
    _release_memory()
    return summary


if __name__ == "__main__":
    from core.train_cli import main

    main()
