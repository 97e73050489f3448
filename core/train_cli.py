"""Command line for the trainer: `python -m core.train ...`; flags come from TrainConfig and the families' configs.

Ends with one JSON line (run directory, steps, final losses, tokens/s, elapsed seconds). Bad arguments exit
with code 2 and a one-line reason, before any run directory is created.

Under torchrun (`python -m torch.distributed.run --nproc_per_node=N -m core.train ...`) every rank runs this
same command: all check the arguments, then join the job; rank 0 alone creates (or opens) the run, prints and
writes, the others wait for it and train their slice of each global batch (see core.distributed).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from core import distributed
from core.cli import OneLineParser
from core.errors import UserError
from core.models import FAMILIES
from core.runs import Run, default_run_name, open_run, unique_run_path
from core.train import TrainConfig, create_run, train

# TrainConfig fields that are not plain flags: the family's own fields become flags of their own.
_NOT_FLAGS = {"model_params"}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _model_fields() -> dict[str, dataclasses.Field]:
    """Every field of every family's config, e.g. n_layer (gpt, lstm) or smoothing (ngram)."""
    fields: dict[str, dataclasses.Field] = {}
    for cls in FAMILIES.values():
        for f in dataclasses.fields(cls.Config):
            fields.setdefault(f.name, f)
    return fields


def _arg_type(default: object):
    if isinstance(default, bool):
        return lambda s: {"true": True, "1": True, "false": False, "0": False}[s.lower()]
    return type(default)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m core.train", description=__doc__.splitlines()[0])
    for f in dataclasses.fields(TrainConfig):
        if f.name not in _NOT_FLAGS:
            parser.add_argument(
                _flag(f.name), type=_arg_type(f.default), default=argparse.SUPPRESS, help=f"default: {f.default}"
            )
    group = parser.add_argument_group("model (each applies to the families that have it)")
    for name, f in _model_fields().items():
        owners = [fam for fam, cls in FAMILIES.items() if name in {x.name for x in dataclasses.fields(cls.Config)}]
        group.add_argument(
            _flag(name),
            type=_arg_type(f.default),
            default=argparse.SUPPRESS,
            help=f"{', '.join(owners)}; default {f.default}",
        )
    parser.add_argument("--out", type=Path, help="run directory (default: a new one under the runs folder)")
    parser.add_argument("--resume", action="store_true", help="continue the run at --out from its checkpoint")
    parser.add_argument("--quiet", action="store_true", help="print only the final JSON line")
    return parser


def _config_from_args(given: dict) -> TrainConfig:
    train_names = {f.name for f in dataclasses.fields(TrainConfig)}
    model_params = {k: v for k, v in given.items() if k not in train_names}
    family = given.get("model", TrainConfig.model)
    if family in FAMILIES:
        own = {f.name for f in dataclasses.fields(FAMILIES[family].Config)}
        foreign = sorted(set(model_params) - own)
        if foreign:
            raise UserError(f"{', '.join(_flag(n) for n in foreign)} does not apply to --model {family}.")
    settings = {k: v for k, v in given.items() if k in train_names}
    if "warmup_steps" not in settings and "max_steps" in settings:  # keep the default warmup inside short runs
        settings["warmup_steps"] = min(TrainConfig.warmup_steps, settings["max_steps"] // 10)
    return TrainConfig(**settings, model_params=model_params)


def _print_progress(rec: dict) -> None:
    parts = [f"step {rec['step']:>6}"]
    for key, label in (("train_loss", "train"), ("val_loss", "val")):
        if rec[key] is not None:
            parts.append(f"{label} {rec[key]:.4f}")
    if rec["lr"] is not None:
        parts.append(f"lr {rec['lr']:.2e}")
    if rec["tokens_per_s"]:
        parts.append(f"{rec['tokens_per_s']:,.0f} tok/s")
    parts.append(f"{rec['elapsed_s']:.1f}s")
    print(" | ".join(parts), flush=True)


def _prepare(args: dict, out: Path | None, resume: bool) -> tuple[TrainConfig, Callable[[], Run]]:
    """Check the arguments (touching nothing) and return the config and how to create or open the run."""
    if resume:
        if out is None:
            raise UserError("--resume needs --out, the run directory to continue.")
        if args:
            raise UserError(f"--resume continues the saved config; drop {', '.join(map(_flag, args))}.")
        return TrainConfig.from_dict(open_run(out).config()), lambda: open_run(out)
    cfg = _config_from_args(args)
    return cfg, lambda: create_run(cfg, out or unique_run_path(default_run_name(cfg.model)))


def _train(cfg: TrainConfig, make_run: Callable[[], Run], quiet: bool, stop: Callable[[], bool]):
    """Train in this process, or as one rank of a torchrun job (the group is always left, however it ends)."""
    world_size = distributed.world_size_from_env()
    if world_size == 1:
        return train(make_run(), on_log=None if quiet else _print_progress, stop=stop)
    distributed.check_config(cfg.model, cfg.batch_size, cfg.device, world_size)
    dist = distributed.start(cfg.device)
    try:
        path = dist.from_main(lambda: str(make_run().path))  # rank 0 creates the run; the others then open it
        on_log = None if quiet or not dist.is_main else _print_progress
        return train(Run(Path(path)), on_log=on_log, stop=stop, dist=dist)
    finally:
        distributed.stop()


def main(argv: list[str] | None = None) -> None:
    args = vars(build_parser().parse_args(argv))
    out, resume, quiet = args.pop("out"), args.pop("resume"), args.pop("quiet")
    stop_signals = []
    for sig in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C or a job's terminate: checkpoint, then stop
        signal.signal(sig, lambda *_: stop_signals.append(True))
    speaks = distributed.is_main_process()  # under torchrun only rank 0 prints, so each line appears once
    try:
        cfg, make_run = _prepare(args, out, resume)
        summary = _train(cfg, make_run, quiet, stop=lambda: bool(stop_signals))
    except UserError as err:
        if speaks:
            print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    if speaks:
        print(json.dumps(dataclasses.asdict(summary)), flush=True)
    if summary.state in ("failed", "diverged"):
        if speaks:
            print(f"error: {summary.message}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
