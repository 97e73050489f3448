"""The dashboard's starting settings: small enough to finish in under a minute on a 2-core laptop CPU, big
enough that the loss visibly falls and the samples turn from noise into words.

The GPT recipe is tuned for wall time to a validation loss of 1.87 on Tiny Shakespeare (benchmarks.train_speed):
three layers instead of four cost a quarter less per token, batch 24 keeps the two cores' matrix units busy
(about 24k tokens/s against 15k at the reference's batch 12), and a 4x higher learning rate with a cosine decay
over 800 steps reaches the target at about step 750, on 1.15M tokens instead of the reference's 1.5M.

Each family's preset overrides its config defaults; the training settings apply to all families.
"""

from __future__ import annotations

from typing import Any

TRAIN_DEFAULTS: dict[str, Any] = {
    "corpus": "tinyshakespeare",
    "tokenizer": "char",
    "vocab_size": 512,
    "block_size": 64,
    "batch_size": 24,
    "max_steps": 800,
    "lr": 4e-3,
    "schedule": "cosine",
    "warmup_steps": 40,
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
    "gpt": {"n_layer": 3, "n_head": 4, "n_embd": 128},
}
