"""What defines a training run and how it ends: `TrainConfig` (stored as config.json, validated on construction),
`create_run` (which checks corpus, tokenizer and model size before a run directory exists) and `TrainSummary`.

The trainer itself is core.train, which re-exports these three.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.corpus import BUNDLED, check_length, load_corpus
from core.devices import DEVICE_CHOICES
from core.errors import UserError
from core.models import FAMILIES, build_model, model_config
from core.runs import Run
from core.runs import create_run as create_run_dir
from core.schedules import SCHEDULES
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
    state: str  # completed, stopped, diverged or failed
    steps: int
    train_loss: float | None
    val_loss: float | None
    tokens_per_s: float | None
    elapsed_s: float
    message: str = ""


def activation_bytes(cfg: TrainConfig) -> int:
    """Rough bytes a training step keeps for its backward pass in fp32, beyond the logits.

    A GPT keeps about 34·C + 5·n_head·T values per token and layer at 16 bits (Korthikanti et al., 2022, "Reducing
    Activation Recomputation in Large Transformer Models"), so twice that in bytes at fp32; an LSTM about a dozen
    values per hidden unit, token and layer. The MLP and n-gram keep little beside their logits.
    """
    p, tokens = cfg.model_params, cfg.batch_size * cfg.block_size
    if cfg.model == "gpt":
        c, heads, layers = p.get("n_embd", 128), p.get("n_head", 4), p.get("n_layer", 4)
        return 2 * tokens * layers * (34 * c + 5 * heads * cfg.block_size)
    if cfg.model == "lstm":
        return 4 * tokens * p.get("n_layer", 1) * 12 * p.get("n_hidden", 256)
    return 0


def check_activation_memory(cfg: TrainConfig) -> None:
    """Refuse, before anything is allocated, a step that would need more than most of this machine's memory."""
    from core.memory import available_memory_bytes

    needed, available = activation_bytes(cfg), available_memory_bytes()
    if available and needed > 0.8 * available:
        raise UserError(
            f"One training step of this model would keep about {needed / 1e9:,.0f} GB of activations, more than "
            f"this machine's {available / 1e9:,.0f} GB of free memory; lower the batch size, the context length, or "
            "the model's width or layers."
        )


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
    build_model(cfg.model, cfg.model_params, tokenizer.vocab_size, cfg.block_size)  # refuses too many parameters
    check_activation_memory(cfg)
    keep_text = corpus_text is not None or cfg.corpus not in BUNDLED
    return create_run_dir(out, cfg.to_dict(), tokenizer.to_json(), text if keep_text else None)
