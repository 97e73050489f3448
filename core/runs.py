"""Training runs on disk: one directory per run, the source of truth that pages, CLIs and jobs all read.

A run directory holds
    config.json         the TrainConfig it was started with
    tokenizer.json      the tokenizer trained on its corpus
    corpus.txt          the training text, unless it is a bundled corpus
    status.json         running / completed / stopped / diverged / failed, with a message, the trainer's pid
                        and the step of the last complete checkpoint
    metrics.jsonl       one record per logged step: step, tokens, elapsed_s, train_loss, val_loss, lr, tokens_per_s
    samples.jsonl       text sampled from the model every few hundred steps
    model.safetensors   weights of the last checkpoint, plus the optimizer state needed to resume (`optim.*`)
Every file is written whole to a temporary name and renamed into place, so a crash or a stop at any moment
leaves the previous version intact; readers never see half a file. A checkpoint also carries the SHA-256 of its
own tensors, checked on every load, so a file damaged after it was written is reported instead of trained on;
status.json, written after each checkpoint, names its step. Temporary files a killed process left behind
(`.NAME.*.tmp` in a run, `.NAME.*.creating` folders in the runs root) are ignored and cleaned up.

A run folder that is, or holds, a symbolic link is refused: it could make the dashboard read, train into or
delete files outside the runs folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ErrorKind, UserError

RUNS_DIR_ENV = "LLM_DASHBOARD_RUNS"
DEFAULT_RUNS_DIR = Path(__file__).resolve().parent.parent / "runs"
MAX_NAME_LENGTH = 64
STATES = ("created", "running", "completed", "stopped", "diverged", "failed", "interrupted")
DIGEST = "sha256"  # checkpoint metadata key: hex digest of the tensors, see `tensors_digest`
STALE_CREATING_S = 600  # a `.creating` folder this old belongs to a process that died mid-create
log = logging.getLogger(__name__)


def runs_root() -> Path:
    """Where runs live: $LLM_DASHBOARD_RUNS, else runs/ at the repository root."""
    return Path(os.environ.get(RUNS_DIR_ENV) or DEFAULT_RUNS_DIR).resolve()


def sanitize_run_name(name: str) -> str:
    """A run name safe as one directory name: letters, digits, '.', '_' and '-' only, no leading dot."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip()).strip(".-")[:MAX_NAME_LENGTH]
    if not cleaned:
        raise UserError(f"{name!r} is not usable as a run name; use letters, digits, '-', '_' or '.'.", ErrorKind.RUN)
    return cleaned


def default_run_name(family: str) -> str:
    return f"{family}-{time.strftime('%Y%m%d-%H%M%S')}"


def run_path(name: str, root: Path | None = None) -> Path:
    """Directory of the run called `name` inside the runs root; it can never point outside it."""
    root = (root or runs_root()).resolve()
    path = (root / sanitize_run_name(name)).resolve()
    if path.parent != root:
        raise UserError(f"Run name {name!r} would leave the runs folder.", ErrorKind.RUN)
    return path


def unique_run_path(name: str, root: Path | None = None) -> Path:
    """`run_path(name)`, or NAME-2, NAME-3 … when a run (or anything else) already has that name."""
    root = (root or runs_root()).resolve()
    base = candidate = sanitize_run_name(name)
    n = 2
    while os.path.lexists(root / candidate):  # lexists: a link, even a dangling one, takes its name too
        suffix = f"-{n}"
        candidate, n = base[: MAX_NAME_LENGTH - len(suffix)] + suffix, n + 1
    return run_path(candidate, root)


def check_no_symlinks(path: Path) -> None:
    """Refuse a run folder that is a symbolic link or holds one (among its files or its probes)."""
    if path.is_symlink():
        raise UserError(f"{path.name} is a symbolic link, not a run folder; runs are refused as links.", ErrorKind.RUN)
    if not path.is_dir():
        return
    probes = path / "probes"
    entries = [*path.iterdir(), *(probes.iterdir() if probes.is_dir() and not probes.is_symlink() else ())]
    links = sorted(str(p.relative_to(path)) for p in entries if p.is_symlink())
    if links:
        raise UserError(
            f"Run {path.name} holds symbolic links ({', '.join(links)}); a run must contain only its own files. "
            "Replace the links with copies, or delete them.",
            ErrorKind.RUN,
        )


def tensors_digest(tensors: dict) -> str:
    """SHA-256 over the names and raw bytes of `tensors` in name order: what a checkpoint must still hold."""
    import torch

    digest = hashlib.sha256()
    for name in sorted(tensors):
        tensor = tensors[name].detach().cpu().contiguous().reshape(-1)
        digest.update(f"{name}:{tensor.dtype}:{tensor.numel()};".encode())
        digest.update(tensor.view(torch.uint8).numpy())
    return digest.hexdigest()


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a whole file under a temporary name in the same folder, then rename it over `path`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes files private; runs are shared like any other output
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            records.append(json.loads(line))
    return records


def _jsonl(records: Iterable[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Run:
    """A handle on one run directory; every read goes to disk, so it always shows the current truth."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    # -- config, tokenizer, corpus -----------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        return json.loads((self.path / "config.json").read_text(encoding="utf-8"))

    def tokenizer(self):  # -> core.tokenization.Tokenizer
        from core.tokenization import load_tokenizer

        return load_tokenizer(self.path / "tokenizer.json")

    def corpus_text(self) -> str | None:
        """The run's own copy of its training text, or None for a bundled corpus."""
        path = self.path / "corpus.txt"
        return path.read_text(encoding="utf-8") if path.exists() else None

    # -- status ------------------------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """The run's state; a run marked running whose process has died is reported as interrupted."""
        path = self.path / "status.json"
        status = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"state": "created"}
        if status.get("state") == "running" and not _pid_alive(status.get("pid")):
            status = {**status, "state": "interrupted", "message": "The training process ended unexpectedly."}
        return status

    def write_status(self, state: str, message: str = "", **fields: Any) -> None:
        assert state in STATES, state
        status = {"state": state, "message": message, "pid": os.getpid(), "updated": time.time(), **fields}
        write_atomic(self.path / "status.json", json.dumps(status))

    @property
    def is_running(self) -> bool:
        return self.status()["state"] == "running"

    def request_stop(self) -> None:
        """Ask the trainer, in whatever process it runs, to checkpoint and stop after its current step."""
        (self.path / "STOP").touch()

    def stop_requested(self) -> bool:
        return (self.path / "STOP").exists()

    def clear_stop(self) -> None:
        (self.path / "STOP").unlink(missing_ok=True)

    # -- metrics and samples -----------------------------------------------------------------------------------
    def metrics(self) -> list[dict[str, Any]]:
        return _read_jsonl(self.path / "metrics.jsonl")

    def write_metrics(self, records: list[dict[str, Any]]) -> None:
        write_atomic(self.path / "metrics.jsonl", _jsonl(records))

    def samples(self) -> list[dict[str, Any]]:
        return _read_jsonl(self.path / "samples.jsonl")

    def write_samples(self, records: list[dict[str, Any]]) -> None:
        write_atomic(self.path / "samples.jsonl", _jsonl(records))

    # -- checkpoint --------------------------------------------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path:
        return self.path / "model.safetensors"

    def has_checkpoint(self) -> bool:
        return self.checkpoint_path.exists()

    def save_checkpoint(self, tensors: dict, meta: dict[str, Any]) -> None:
        """Save weights (and optimizer state under `optim.*`) with JSON-able `meta`, as one atomic file that
        carries the digest of its own tensors."""
        from safetensors.torch import save

        meta = {**meta, DIGEST: tensors_digest(tensors)}
        write_atomic(self.checkpoint_path, save(tensors, metadata={"meta": json.dumps(meta)}))

    def load_checkpoint(self) -> tuple[dict, dict[str, Any]]:
        """Tensors and meta of the last checkpoint; a damaged file is reported, never half-loaded."""
        from safetensors import SafetensorError, safe_open

        try:
            with safe_open(str(self.checkpoint_path), framework="pt") as f:
                meta = json.loads((f.metadata() or {}).get("meta", "{}"))
                tensors = {key: f.get_tensor(key) for key in f.keys()}  # noqa: SIM118 (safe_open has no iter)
        except (SafetensorError, OSError, json.JSONDecodeError) as err:
            raise UserError(f"The checkpoint of run {self.name} is damaged ({err}).", ErrorKind.RUN) from None
        expected = meta.pop(DIGEST, None)  # checkpoints written before digests existed have none
        if expected is not None and expected != tensors_digest(tensors):
            raise UserError(
                f"The checkpoint of run {self.name} is damaged (its tensors no longer match their digest).",
                ErrorKind.RUN,
            )
        return tensors, meta

    def clean_leftovers(self) -> None:
        """Delete temporary files a killed writer left in the run (call only while nothing writes to it)."""
        for folder in (self.path, self.path / "probes"):
            for tmp in folder.glob(".*.tmp") if folder.is_dir() else ():
                tmp.unlink(missing_ok=True)

    def delete(self) -> None:
        check_no_symlinks(self.path)
        if self.is_running:
            raise UserError(f"Run {self.name} is still training; stop it before deleting it.", ErrorKind.RUN)
        shutil.rmtree(self.path)


def create_run(path: Path, config: dict[str, Any], tokenizer_json: str, corpus_text: str | None) -> Run:
    """Create a run directory complete with config, tokenizer and corpus, or not at all."""
    path = path.resolve()
    if path.exists():
        raise UserError(f"A run already exists at {path}; choose another name, or resume it.", ErrorKind.RUN)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".creating"))
    try:
        (staging / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        (staging / "tokenizer.json").write_text(tokenizer_json, encoding="utf-8")
        if corpus_text is not None:
            (staging / "corpus.txt").write_text(corpus_text, encoding="utf-8")
        os.rename(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Run(path)


def open_run(path: Path) -> Run:
    """A handle on an existing run directory, or a UserError when there is none (or it holds links)."""
    check_no_symlinks(path)
    if not (path / "config.json").is_file():
        raise UserError(f"{path} is not a training run (no config.json there).", ErrorKind.RUN)
    return Run(path.resolve())


def _usable(path: Path) -> bool:
    """A complete run folder without symbolic links; a refused one is logged, not listed (one planted link must
    not take the whole runs table down)."""
    if path.name.startswith(".") or not (path / "config.json").is_file():
        return False
    try:
        check_no_symlinks(path)
    except UserError as err:
        log.warning("Skipping run folder: %s", err)
        return False
    return True


def _remove_stale_creating(root: Path) -> None:
    """Remove `.NAME.*.creating` folders of create_run calls that died; recent ones may still be in progress."""
    for staging in root.glob(".*.creating"):
        try:
            if not staging.is_symlink() and time.time() - staging.stat().st_mtime > STALE_CREATING_S:
                shutil.rmtree(staging, ignore_errors=True)
        except FileNotFoundError:  # its creator finished (renamed it) meanwhile
            pass


def list_runs(root: Path | None = None) -> list[Run]:
    """All complete runs under the runs root, newest first (folders being created and symbolic links skipped)."""
    root = root or runs_root()
    if not root.is_dir():
        return []
    _remove_stale_creating(root)
    runs = [Run(p) for p in root.iterdir() if _usable(p)]
    return sorted(runs, key=lambda r: (r.path / "config.json").stat().st_mtime, reverse=True)
