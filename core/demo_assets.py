"""What the stakeholder demo needs ready before it starts, made once: `python -m core.demo_assets`.

The demo's "look inside" step shows a GPT that has already learned something, and its quantization step loads
SmolLM2; neither may make an audience wait. So a set-up step (run by `make run` when the demo run is missing)
trains a small GPT on Tiny Shakespeare into the runs folder and converts the bundled SmolLM2 GGUF once into the
model cache. It is idempotent: what exists is skipped. Nothing is committed and nothing is downloaded.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.cli import OneLineParser, exit_on_user_error
from core.errors import UserError
from core.runs import Run, run_path

DEMO_RUN = "demo-shakespeare-gpt"

# A 0.34M-parameter GPT for 600 steps (about 0.6M tokens): validation loss 2.2, samples that look like play lines,
# and an evaluation every 100 steps keeps snapshots for the "Attention over training" page. It is about twice the
# tour's live Train step, so expect a minute on 2 idle CPU cores (13 min were measured on 2 cores shared with
# load 8, and 107 s for the Train step there).
DEMO_SETTINGS: dict[str, Any] = {
    "model": "gpt",
    "model_params": {"n_layer": 3, "n_head": 4, "n_embd": 96},
    "corpus": "tinyshakespeare",
    "tokenizer": "char",
    "block_size": 64,
    "batch_size": 16,
    "max_steps": 600,
    "lr": 2e-3,
    "warmup_steps": 50,
    "eval_interval": 100,
    "eval_iters": 10,
    "sample_interval": 300,
    "device": "cpu",
}


def demo_run_path(root: Path | None = None) -> Path:
    return run_path(DEMO_RUN, root)


def demo_run(root: Path | None = None) -> Run | None:
    """The finished demo run, or None when the set-up step has not made it yet."""
    path = demo_run_path(root)
    run = Run(path)
    return run if path.is_dir() and run.has_checkpoint() else None


def ensure_demo_run(
    root: Path | None = None, settings: dict[str, Any] | None = None, log: Callable[[str], None] = print
) -> tuple[Path, bool]:
    """The demo run's folder and whether it was trained now: trained in a hidden staging folder and renamed into
    place when finished, so the runs list never shows a half-trained demo run and an interrupted set-up leaves
    nothing behind. `settings` replaces DEMO_SETTINGS (tests pass a tiny one)."""
    from core.train import TrainConfig, create_run, train

    path = demo_run_path(root)
    if demo_run(root) is not None:
        log(f"demo run: {path} exists, skipped")
        return path, False
    if path.exists():
        raise UserError(f"{path} exists but holds no finished model: delete it, then run this again.")
    staging = path.parent / f".{path.name}.training"
    shutil.rmtree(staging, ignore_errors=True)  # left over from an interrupted set-up
    log(f"demo run: training a small GPT on Tiny Shakespeare into {path}…")
    try:
        run = create_run(TrainConfig(**(settings or DEMO_SETTINGS)), staging)
        summary = train(run)
        if summary.state != "completed":
            raise UserError(f"Training the demo run ended {summary.state}: {summary.message}")
        staging.rename(path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"demo run: done in {summary.elapsed_s:.0f} s, validation loss {summary.val_loss:.2f}")
    return path, True


def ensure_smollm2(log: Callable[[str], None] = print) -> Path | None:
    """The bundled SmolLM2 converted once into the model cache (about 30 s the first time), so that the demo's
    first load takes seconds; None, with a note, when the package is not installed."""
    from core.loading import bundled_gguf, converted_gguf

    try:
        gguf = bundled_gguf()
    except UserError as err:
        log(f"SmolLM2: skipped ({err})")
        return None
    folder = converted_gguf(gguf)
    log(f"SmolLM2: ready in {folder}")
    return folder


def main(argv: list[str] | None = None) -> None:
    parser = OneLineParser(prog="python -m core.demo_assets", description=__doc__.splitlines()[0])
    parser.add_argument("--skip-smollm2", action="store_true", help="do not convert the bundled SmolLM2")
    args = parser.parse_args(argv)

    def body() -> None:
        ensure_demo_run()
        if not args.skip_smollm2:
            ensure_smollm2()

    exit_on_user_error(body)


if __name__ == "__main__":
    main()
