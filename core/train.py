"""The trainer: one loop for all four families, used by the Train page's background jobs and by the CLI.

    python -m core.train --model gpt --corpus tinyshakespeare --max-steps 2000 --out runs/NAME

`create_run` validates everything (config, corpus, tokenizer, model size) before a run directory exists, so bad
input never leaves a half-written run; `train` then trains that run from its last checkpoint (or from scratch),
writing metrics, samples and checkpoints through `core.runs`. Progress leaves through the run directory and an
optional `on_log` callback, so the trainer knows nothing of any UI.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from core import checkpoint, probes
from core.corpus import BUNDLED, check_length, load_corpus, split_point
from core.devices import DEVICE_CHOICES, pick_device
from core.errors import UserError
from core.models import FAMILIES, LanguageModel, build_model, model_config
from core.runs import Run
from core.runs import create_run as create_run_dir
from core.sampling import generate_text
from core.schedules import SCHEDULES, build_scheduler
from core.tokenization import BPE_MAX_VOCAB, BPE_MIN_VOCAB, KINDS, train_tokenizer
from core.validation import check_choice, check_float, check_int

# Logits of one batch (B * T * V floats, kept ~3 times over by softmax and backward) must fit comfortably.
MAX_LOGITS_BYTES = 4 * 1024**3


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run; stored as config.json and validated on construction."""

    model: str = "gpt"
    model_params: dict[str, Any] = field(default_factory=dict)  # the family's own config, e.g. n_layer
    corpus: str = "tinyshakespeare"  # a bundled corpus name, a file path, or a label for user text
    tokenizer: str = "char"
    vocab_size: int = 512  # BPE only
    block_size: int = 64  # context length: tokens per training window
    batch_size: int = 12
    max_steps: int = 2000
    lr: float = 1e-3
    schedule: str = "cosine"
    warmup_steps: int = 100
    min_lr_ratio: float = 0.1  # where cosine and exponential decay end, as a fraction of lr
    weight_decay: float = 0.1
    grad_clip: float = 1.0  # max gradient norm; 0 turns clipping off
    seed: int = 1337
    device: str = "auto"
    eval_interval: int = 100  # steps between validation losses (and checkpoints)
    eval_iters: int = 20  # batches averaged per validation loss
    log_interval: int = 10  # steps between metric records
    sample_interval: int = 500  # steps between text samples; 0 for none
    sample_tokens: int = 200

    def __post_init__(self) -> None:
        check_choice("model", self.model, FAMILIES)
        model_config(self.model, self.model_params)  # the family validates its own fields
        check_choice("tokenizer", self.tokenizer, KINDS)
        check_int("vocab_size", self.vocab_size, BPE_MIN_VOCAB, BPE_MAX_VOCAB)
        check_int("block_size (context length)", self.block_size, 1, 4096)
        check_int("batch_size", self.batch_size, 1, 4096)
        check_int("max_steps", self.max_steps, 1, 10_000_000)
        check_float("learning rate", self.lr, 0.0, 10.0, low_open=True)
        check_choice("schedule", self.schedule, SCHEDULES)
        check_int("warmup_steps", self.warmup_steps, 0, 10_000_000)
        if self.warmup_steps >= self.max_steps:
            raise UserError(
                f"Warmup steps ({self.warmup_steps:,}) must be fewer than the training steps "
                f"({self.max_steps:,}); lower the warmup or train for more steps."
            )
        check_float("min_lr_ratio", self.min_lr_ratio, 0.0, 1.0)
        check_float("weight_decay", self.weight_decay, 0.0, 10.0)
        check_float("grad_clip", self.grad_clip, 0.0, 1e6)
        check_int("seed", self.seed, 0, 2**63 - 1)
        check_choice("device", self.device, DEVICE_CHOICES)
        check_int("eval_interval", self.eval_interval, 1, 10_000_000)
        check_int("eval_iters", self.eval_iters, 1, 10_000)
        check_int("log_interval", self.log_interval, 1, 10_000_000)
        check_int("sample_interval", self.sample_interval, 0, 10_000_000)
        check_int("sample_tokens", self.sample_tokens, 1, 10_000)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UserError(f"Unknown training settings: {', '.join(unknown)}.")
        return cls(**data)


@dataclass(frozen=True)
class TrainSummary:
    """How a call to `train` ended; printed by the CLI as its last line."""

    run_dir: str
    state: str  # completed, stopped or failed
    steps: int
    train_loss: float | None
    val_loss: float | None
    tokens_per_s: float | None
    elapsed_s: float
    message: str = ""


def create_run(cfg: TrainConfig, out: Path, corpus_text: str | None = None) -> Run:
    """Validate corpus, tokenizer and model for `cfg`, then create the run directory at `out`.

    `corpus_text` is user text (upload or paste); without it `cfg.corpus` names a bundled corpus or a file.
    Anything but a bundled corpus is copied into the run, so it can always be resumed and inspected.
    """
    text = load_corpus(cfg.corpus) if corpus_text is None else corpus_text
    tokenizer = train_tokenizer(cfg.tokenizer, text, cfg.vocab_size)
    check_length(len(tokenizer.encode(text)), cfg.block_size)
    logits_bytes = cfg.batch_size * cfg.block_size * tokenizer.vocab_size * 4 * 3
    if logits_bytes > MAX_LOGITS_BYTES:
        raise UserError(
            f"batch_size x block_size x vocabulary ({cfg.batch_size} x {cfg.block_size} x "
            f"{tokenizer.vocab_size}) needs about {logits_bytes / 1e9:.0f} GB; lower one of them.",
        )
    build_model(cfg.model, cfg.model_params, tokenizer.vocab_size, cfg.block_size)
    keep_text = corpus_text is not None or cfg.corpus not in BUNDLED
    return create_run_dir(out, cfg.to_dict(), tokenizer.to_json(), text if keep_text else None)


class _Trainer:
    """The state of one training session on one run; `train` below is its only user."""

    def __init__(self, run: Run, on_log: Callable[[dict], None] | None, stop: Callable[[], bool] | None):
        self.run, self.on_log, self.external_stop = run, on_log, stop
        self.cfg = TrainConfig.from_dict(run.config())
        self.device = pick_device(self.cfg.device)
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
        self.optimizer = None if self.model.learns_by_counting else self._make_optimizer()
        self.scheduler = None
        if self.optimizer is not None:
            self.scheduler = build_scheduler(
                self.optimizer, self.cfg.schedule, self.cfg.max_steps, self.cfg.warmup_steps, self.cfg.min_lr_ratio
            )
        self.batch_rng = torch.Generator().manual_seed(self.cfg.seed)
        self.step, self.elapsed_before = 0, 0.0
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
        if self.scheduler is not None:
            with warnings.catch_warnings():  # replaying without optimizer steps is intended here
                warnings.simplefilter("ignore", UserWarning)
                for _ in range(self.step):  # LR schedules are functions of the step alone: replay them
                    self.scheduler.step()
        self.batch_rng.set_state(rngs["batch"])
        torch.set_rng_state(rngs["torch"])
        probes.drop_after(self.run, self.step)
        self.metrics = [m for m in self.run.metrics() if m["step"] <= self.step]
        self.samples = [s for s in self.run.samples() if s["step"] <= self.step]
        self.run.write_metrics(self.metrics)
        self.run.write_samples(self.samples)

    # -- pieces of the loop ----------------------------------------------------------------------------------
    def batch(self, split: str, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Random windows of block_size + 1 tokens: x (B, T) and y = x shifted by one (B, T)."""
        data, T = self.data[split], self.cfg.block_size
        starts = torch.randint(len(data) - T, (self.cfg.batch_size,), generator=rng)
        windows = data[starts[:, None] + torch.arange(T + 1)]  # (B, T+1)
        return windows[:, :-1].to(self.device), windows[:, 1:].to(self.device)

    def autocast(self):
        return torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.device.type == "cuda")

    @torch.no_grad()
    def evaluate(self, split: str) -> float:
        """Mean loss over the same eval_iters batches every time, so successive values are comparable."""
        rng = torch.Generator().manual_seed(self.cfg.seed + 1)
        self.model.eval()
        losses = []
        for _ in range(self.cfg.eval_iters):
            x, y = self.batch(split, rng)
            with self.autocast():
                losses.append(self.model(x, y)[1].item())
        self.model.train()
        return sum(losses) / len(losses)

    def train_step(self) -> float:
        x, y = self.batch("train", self.batch_rng)
        if self.model.learns_by_counting:
            with torch.no_grad():
                loss = self.model(x, y)[1]  # scored before counting: an honest held-out loss for this batch
            self.model.observe(x, y)
            return loss.item()
        with self.autocast():
            _, loss = self.model(x, y)
        loss.backward()
        if self.cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.scheduler.step()
        return loss.item()

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
        rngs = {"batch": self.batch_rng.get_state(), "torch": torch.get_rng_state()}
        tensors, meta = checkpoint.pack(self.model.state_tensors(), self.optimizer, rngs)
        meta.update(step=self.step, elapsed_s=self.elapsed)
        self.run.save_checkpoint(tensors, meta)

    @property
    def elapsed(self) -> float:
        return self.elapsed_before + time.perf_counter() - self.started

    def record(self, **values: Any) -> dict:
        rec = {
            "step": self.step,
            "tokens": self.step * self.cfg.batch_size * self.cfg.block_size,
            "elapsed_s": round(self.elapsed, 3),
            "train_loss": None,
            "val_loss": None,
            "lr": self.lr,
            "tokens_per_s": None,
            **values,
        }
        self.metrics.append(rec)
        self.run.write_metrics(self.metrics)
        self.write_status("running")
        if self.on_log:
            self.on_log(rec)
        return rec

    def write_status(self, state: str, message: str = "") -> None:
        self.run.write_status(
            state, message, step=self.step, max_steps=self.cfg.max_steps, n_params=self.model.num_params()
        )

    def should_stop(self) -> bool:
        return self.run.stop_requested() or bool(self.external_stop and self.external_stop())

    # -- the loop ------------------------------------------------------------------------------------------
    def fit(self) -> TrainSummary:
        cfg = self.cfg
        self.started = time.perf_counter()
        self.run.clear_stop()
        self.write_status("running")
        if self.step == 0:
            self.record(train_loss=self.evaluate("train"), val_loss=self.evaluate("val"))
            self.probe()
        window_losses: list[float] = []
        window_time = 0.0
        state, message = "completed", ""
        while self.step < cfg.max_steps:
            if self.should_stop():
                state, message = "stopped", f"Stopped at step {self.step} of {cfg.max_steps}."
                break
            t0 = time.perf_counter()
            loss = self.train_step()
            window_time += time.perf_counter() - t0
            if not math.isfinite(loss):
                state = "failed"
                message = (
                    f"The loss became {loss} at step {self.step + 1}, so training stopped; the last checkpoint "
                    f"is kept. Lower the learning rate (now {cfg.lr:g}) or turn on gradient clipping."
                )
                break
            self.step += 1
            window_losses.append(loss)
            is_eval = self.step % cfg.eval_interval == 0 or self.step == cfg.max_steps
            if is_eval or self.step % cfg.log_interval == 0:
                tokens = len(window_losses) * cfg.batch_size * cfg.block_size
                self.record(
                    train_loss=sum(window_losses) / len(window_losses),
                    val_loss=self.evaluate("val") if is_eval else None,
                    tokens_per_s=tokens / window_time if window_time > 0 else None,
                )
                window_losses, window_time = [], 0.0
            if cfg.sample_interval and (self.step % cfg.sample_interval == 0 or self.step == cfg.max_steps):
                self.sample()
            if is_eval:
                self.probe()
                self.save()
        if state != "failed":
            self.save()
        self.write_status(state, message)
        self.run.clear_stop()
        return self.summary(state, message)

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


def train(
    run: Run, on_log: Callable[[dict], None] | None = None, stop: Callable[[], bool] | None = None
) -> TrainSummary:
    """Train `run` to its max_steps from its last checkpoint; stops early on `run.request_stop()` or `stop()`.

    The run's status.json says how it ended; a UserError or crash marks it failed with the reason, and the
    last checkpoint and the metrics up to it stay intact.
    """
    try:
        return _Trainer(run, on_log, stop).fit()
    except UserError as err:
        run.write_status("failed", str(err))
        raise
    except BaseException as err:
        run.write_status("failed", f"Training crashed: {type(err).__name__}: {err}")
        raise


if __name__ == "__main__":
    from core.train_cli import main

    main()
