"""The dashboard's starting settings: small enough to finish in under a minute on a 2-core laptop CPU, big
enough that the loss visibly falls and the samples turn from noise into words.

Each family's preset overrides its config defaults; the training settings apply to all families.
"""

from __future__ import annotations

from typing import Any

TRAIN_DEFAULTS: dict[str, Any] = {
    "corpus": "tinyshakespeare",
    "tokenizer": "char",
    "vocab_size": 512,
    "block_size": 64,
    "batch_size": 16,
    "max_steps": 600,
    "lr": 2e-3,
    "schedule": "cosine",
    "warmup_steps": 50,
    "weight_decay": 0.1,
    "grad_clip": 1.0,
    "seed": 1337,
    "eval_interval": 50,
    "eval_iters": 10,
    "log_interval": 10,
    "sample_interval": 100,
    "sample_tokens": 200,
}

MODEL_PRESETS: dict[str, dict[str, Any]] = {
    "ngram": {"n": 4},
    "mlp": {"context": 8, "n_embd": 32, "n_hidden": 256},
    "lstm": {"n_embd": 64, "n_hidden": 256, "n_layer": 1},
    "gpt": {"n_layer": 4, "n_head": 4, "n_embd": 128},
}
