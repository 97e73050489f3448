"""A training run as one zip file, to hand to someone else or move to another machine, and back.

The archive holds the run directory's files flat, under their own names (config.json, tokenizer.json, corpus.txt,
metrics.jsonl, samples.jsonl, status.json, model.safetensors), plus the probe snapshots as
probe-step-NNNNNNN.safetensors. An uploaded archive is untrusted: `import_run` accepts only those names, refuses
zip bombs, symlinks, paths and encryption, checks that the config is valid, the tokenizer loads and the
checkpoint's tensors fit the model the config describes, and only then renames a staging folder into place, so a
bad archive never leaves half a run behind. Nothing in it is ever unpickled or executed.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
from pathlib import Path

from core.errors import ErrorKind, UserError
from core.runs import Run, runs_root, sanitize_run_name, unique_run_path

# An archive is read into memory whole; a run past these sizes is not a tiny model any more (the default GPT's
# archive is about 10 MB). The Runs page's uploads stop earlier, at the server's maxUploadSize (20 MB,
# .streamlit/config.toml, which the server enforces for every upload); a bigger run moves with the CLI below.
MAX_ARCHIVE_BYTES = 200 * 1024**2
MAX_UNPACKED_BYTES = 1024**3
FILES = ("config.json", "tokenizer.json", "corpus.txt", "metrics.jsonl", "samples.jsonl", "status.json")
CHECKPOINT = "model.safetensors"
REQUIRED = ("config.json", "tokenizer.json", CHECKPOINT)
PROBE_MEMBER = re.compile(r"probe-step-(\d{7})\.safetensors")
PROBE_TENSORS = {"ids", "top_ids", "top_probs"}  # what core.probes.load reads from every snapshot
_CHUNK = 1024**2


def _fail(message: str) -> UserError:
    return UserError(message, ErrorKind.RUN)


# -- export -----------------------------------------------------------------------------------------------------
def export_run(run: Run) -> bytes:
    """The run as zip bytes: its files as they are on disk (byte for byte) and its probe snapshots."""
    if run.is_running:
        raise _fail(f"Run {run.name} is still training; stop it or wait for it to finish, then export it.")
    if not run.has_checkpoint():
        raise _fail(f"Run {run.name} has no checkpoint yet; wait for its first evaluation, then export it.")
    from core.probes import probe_folder, steps

    members = [(name, run.path / name) for name in (*FILES, CHECKPOINT) if (run.path / name).is_file()]
    for step in steps(run):
        members.append((f"probe-step-{step:07d}.safetensors", probe_folder(run) / f"step-{step:07d}.safetensors"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, path in members:
            # Weights barely compress; storing them keeps export and import fast.
            method = zipfile.ZIP_STORED if name.endswith(".safetensors") else zipfile.ZIP_DEFLATED
            archive.write(path, name, compress_type=method)
    return buffer.getvalue()


# -- import -----------------------------------------------------------------------------------------------------
def _target(name: str) -> str:
    """Where an archive member goes inside the run directory; a UserError for any name not in the layout."""
    if name in FILES or name == CHECKPOINT:
        return name
    if match := PROBE_MEMBER.fullmatch(name):
        return f"probes/step-{match.group(1)}.safetensors"
    shown = name if len(name) <= 80 else name[:77] + "…"
    raise _fail(
        f"The archive holds {shown!r}, which is not part of a run. A run archive holds only "
        f"{', '.join((*FILES, CHECKPOINT))} and probe snapshots, side by side with no folders; export the run "
        "again from the Runs page."
    )


def _members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's entries, checked for names, links, encryption and total size before anything is unpacked."""
    infos = archive.infolist()
    seen: set[str] = set()
    for info in infos:
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _fail(f"The archive holds a symbolic link ({info.filename!r}); a run archive holds plain files only.")
        if info.flag_bits & 0x1:
            raise _fail("The archive is encrypted; export the run again without a password.")
        _target(info.filename)
        if info.filename in seen:
            raise _fail(f"The archive holds {info.filename!r} twice; export the run again.")
        seen.add(info.filename)
    missing = [name for name in REQUIRED if name not in seen]
    if missing:
        raise _fail(f"The archive lacks {', '.join(missing)}; it is not a complete run. Export the run again.")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise _fail(
            f"The archive would unpack to {unpacked / 1e6:,.0f} MB, more than the {MAX_UNPACKED_BYTES / 1e6:,.0f} MB "
            "a run may take; import a smaller run."
        )
    return infos


def _unpack(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], folder: Path) -> None:
    """Copy every member into `folder`, never writing more than the declared sizes allow in all."""
    budget = MAX_UNPACKED_BYTES
    for info in infos:
        path = folder / _target(info.filename)
        path.parent.mkdir(exist_ok=True)
        with archive.open(info) as src, open(path, "wb") as dst:
            while chunk := src.read(_CHUNK):
                budget -= len(chunk)
                if budget < 0:
                    raise _fail("The archive unpacks to more than its entries declare; it is damaged or hostile.")
                dst.write(chunk)


def _check_config(folder: Path) -> dict:
    from core.train import TrainConfig

    try:
        data = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        TrainConfig.from_dict(data)
    except (UnicodeDecodeError, ValueError, TypeError) as err:  # UserError is a ValueError
        raise _fail(f"The archive's config.json is not a valid training config ({err}). Fix or re-export it.") from None
    return data


def _check_tokenizer(folder: Path):
    from core.tokenization import load_tokenizer

    try:
        return load_tokenizer(folder / "tokenizer.json")
    except Exception as err:  # noqa: BLE001 (the tokenizers library raises plain Exception on a bad file)
        raise _fail(f"The archive's tokenizer.json does not load ({err}). Export the run again.") from None


def _check_jsonl(path: Path) -> None:
    """metrics.jsonl and samples.jsonl: one JSON object per line, as core.runs reads them."""
    if not path.exists():
        return
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not isinstance(json.loads(line), dict):
                raise ValueError("a line is not a JSON object")
    except (UnicodeDecodeError, ValueError) as err:
        raise _fail(f"The archive's {path.name} is damaged ({err}). Export the run again.") from None


def _tensor_shapes(path: Path, label: str) -> tuple[dict[str, tuple[int, ...]], dict[str, str]]:
    """(name -> shape, metadata) of a safetensors file, read from its header with safe_open (no pickle)."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            shapes = {key: tuple(f.get_slice(key).get_shape()) for key in f.keys()}  # noqa: SIM118
            return shapes, f.metadata() or {}
    except (SafetensorError, OSError) as err:
        raise _fail(f"The archive's {label} is damaged or truncated ({err}). Export the run again.") from None


def _check_checkpoint(folder: Path, config: dict, vocab_size: int) -> None:
    """The checkpoint opens, holds exactly the model's tensors (names, and shapes of the learned weights) plus
    resume state, loads into the model the config describes, and that model runs."""
    import torch

    from core.checkpoint import OPTIM, RNG, unpack
    from core.models import build_model

    shapes, metadata = _tensor_shapes(folder / CHECKPOINT, CHECKPOINT)
    try:
        meta = json.loads(metadata.get("meta", "{}"))
        if not isinstance(meta, dict):
            raise ValueError("not a JSON object")
    except ValueError as err:
        raise _fail(f"The archive's {CHECKPOINT} has damaged metadata ({err}). Export the run again.") from None
    bad_optim = [k for k in shapes if k.startswith(OPTIM) and not re.fullmatch(r"optim\.\d+\..+", k)]
    if bad_optim or (any(k.startswith(OPTIM) for k in shapes) and "param_groups" not in meta):
        raise _fail(f"The archive's {CHECKPOINT} holds a damaged optimizer state. Export the run again.")
    model = build_model(config["model"], config["model_params"], vocab_size, config["block_size"])
    expected = {name: tuple(t.shape) for name, t in model.state_tensors().items()}
    fixed = model.state_dict().keys()  # learned weights have fixed shapes; an n-gram's count tables grow with data
    found = {k: v for k, v in shapes.items() if not k.startswith((OPTIM, RNG))}
    problems = [f"missing {k}" for k in expected.keys() - found.keys()]
    problems += [f"unexpected {k}" for k in found.keys() - expected.keys()]
    problems += [f"{k} is {found[k]}, not {expected[k]}" for k in fixed & found.keys() if found[k] != expected[k]]
    if problems:
        raise _fail(
            f"The archive's {CHECKPOINT} does not fit the model its config.json describes "
            f"({'; '.join(sorted(problems)[:3])}{' …' if len(problems) > 3 else ''}). Export the run again."
        )
    try:
        tensors, meta = Run(folder).load_checkpoint()  # also checks the digest of its tensors, where it has one
    except UserError:
        raise _fail(f"The archive's {CHECKPOINT} is damaged (its tensors do not load). Export the run again.") from None
    try:
        model.load_state_tensors(unpack(tensors, meta)[0])
        with torch.no_grad():
            model.eval()(torch.zeros(1, 1, dtype=torch.long))
    except (RuntimeError, ValueError, IndexError, KeyError) as err:  # UserError is a ValueError
        raise _fail(
            f"The archive's {CHECKPOINT} does not fit the model its config.json describes "
            f"({str(err).splitlines()[0]}). Export the run again."
        ) from None


def _check_probes(folder: Path) -> None:
    for path in sorted((folder / "probes").glob("step-*.safetensors")):
        shapes, _ = _tensor_shapes(path, f"probe snapshot {path.name}")
        if not shapes.keys() >= PROBE_TENSORS:
            raise _fail(f"The archive's probe snapshot {path.name} lacks {', '.join(sorted(PROBE_TENSORS))}.")


def _settle_status(folder: Path, source: str) -> None:
    """An imported run is never running: its trainer is elsewhere or gone. A running, missing or damaged status
    becomes stopped (resumable from the checkpoint); a finished run's status.json stays as it was."""
    path = folder / "status.json"
    try:
        status = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (UnicodeDecodeError, ValueError):
        status = {}
    if isinstance(status, dict) and status.get("state") in ("completed", "stopped", "failed", "interrupted"):
        return
    kept = ("step", "max_steps", "n_params")
    fields = {k: v for k, v in status.items() if k in kept} if isinstance(status, dict) else {}
    status = {
        "state": "stopped",
        "message": f"Imported from {source}; resume it to continue training from its checkpoint.",
        "pid": None,
        "updated": time.time(),
        **fields,
    }
    path.write_text(json.dumps(status), encoding="utf-8")


def _name_from(filename: str | None, config: dict) -> str:
    """The run's name: the archive's file name without .zip, else the model family with -import."""
    stem = Path(filename or "").name.removesuffix(".zip")
    try:
        return sanitize_run_name(stem)
    except UserError:
        return f"{config['model']}-import"


def import_run(data: bytes, root: Path | None = None, filename: str | None = None) -> Run:
    """Validate a run archive made by `export_run` and add it to the runs under a free name.

    `filename` is the uploaded file's name (it names the run); `root` defaults to the runs root.
    """
    if len(data) > MAX_ARCHIVE_BYTES:
        raise _fail(
            f"The archive is {len(data) / 1e6:,.0f} MB, more than the {MAX_ARCHIVE_BYTES / 1e6:,.0f} MB a run may "
            "take; import a smaller run."
        )
    root = (root or runs_root()).resolve()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".import.", suffix=".creating"))
    try:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                _unpack(archive, _members(archive), staging)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as err:
            raise _fail(f"That file is not a readable zip archive ({err}); choose a run exported as .zip.") from None
        config = _check_config(staging)
        tokenizer = _check_tokenizer(staging)
        _check_checkpoint(staging, config, tokenizer.vocab_size)
        _check_probes(staging)
        for name in ("metrics.jsonl", "samples.jsonl"):
            _check_jsonl(staging / name)
        if (staging / "corpus.txt").exists():
            try:
                (staging / "corpus.txt").read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise _fail("The archive's corpus.txt is not UTF-8 text. Export the run again.") from None
        _settle_status(staging, Path(filename).name if filename else "an archive")
        name = _name_from(filename, config)
        for _ in range(100):  # another import may take the free name between the check and the rename
            path = unique_run_path(name, root)
            try:
                os.rename(staging, path)
                return Run(path)
            except OSError:
                if not path.exists():
                    raise
        raise _fail(f"Could not find a free name for run {name}; rename the archive and import it again.")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# -- command line -------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    """`python -m core.run_archive export RUN_DIR [--out FILE.zip]` and `... import FILE.zip [--runs DIR]`; the
    last line printed is one JSON object, bad input exits with code 2 and one line."""
    from core.cli import OneLineParser, exit_on_user_error
    from core.runs import open_run

    parser = OneLineParser(
        prog="python -m core.run_archive", description="Export a training run as a zip, or import one."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="write a run folder as one zip file")
    export.add_argument("run", type=Path, help="the run folder, e.g. runs/shakespeare-gpt")
    export.add_argument("--out", type=Path, help="the zip to write (default: RUN_NAME.zip here)")
    imports = commands.add_parser("import", help="check a run zip and add it to the runs")
    imports.add_argument("archive", type=Path, help="a zip made by export (its name names the run)")
    imports.add_argument("--runs", type=Path, help="the runs folder (default: $LLM_DASHBOARD_RUNS or runs/)")
    args = parser.parse_args(argv)

    def body() -> None:
        if args.command == "export":
            run = open_run(args.run)
            out = args.out or Path(f"{run.name}.zip")
            data = export_run(run)
            try:
                out.write_bytes(data)
            except OSError as err:
                raise _fail(f"Cannot write {out} ({err.strerror}); choose another --out.") from None
            print(json.dumps({"archive": str(out), "bytes": len(data)}))
            return
        try:
            if args.archive.stat().st_size > MAX_ARCHIVE_BYTES:  # refused before it is read into memory
                raise _fail(f"{args.archive} is larger than the {MAX_ARCHIVE_BYTES / 1e6:,.0f} MB a run may take.")
            data = args.archive.read_bytes()
        except OSError as err:
            raise _fail(f"Cannot read {args.archive} ({err.strerror}).") from None
        run = import_run(data, args.runs, args.archive.name)
        print(json.dumps({"run": str(run.path), "name": run.name}))

    exit_on_user_error(body)


if __name__ == "__main__":
    main()
