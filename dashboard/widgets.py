"""Shared Streamlit inputs and the one error display, so pages stay a few lines each."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from core.corpus import BUNDLED, text_from_bytes
from core.errors import UserError

log = logging.getLogger("dashboard")

# Friendly labels and help for config fields, keyed by field name (shared across families).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "n": ("n (tokens per n-gram)", "The model predicts from the previous n-1 tokens."),
    "smoothing": ("Smoothing", "How probability is kept for n-grams never seen in training."),
    "k": ("k (add-k pseudo-count)", "Added to every count; larger is smoother."),
    "discount": ("Discount", "Kneser-Ney absolute discount subtracted from every seen count."),
    "context": ("Context tokens", "How many previous tokens the MLP sees."),
    "n_embd": ("Embedding width", "Size of each token's vector (and of the residual stream in a GPT)."),
    "n_hidden": ("Hidden units", "Width of the hidden layer or LSTM state."),
    "n_layer": ("Layers", "Stacked LSTM layers or transformer blocks."),
    "n_head": ("Attention heads", "Heads per block; the embedding width must divide evenly among them."),
    "dropout": ("Dropout", "Share of activations zeroed in training, against overfitting."),
    "bias": ("Biases", "Biases in linear and LayerNorm layers (GPT-2 has them)."),
}
CHOICES: dict[str, tuple[str, ...]] = {"smoothing": ("kneser-ney", "add-k")}


@dataclasses.dataclass
class Outcome:
    """What `user_errors` caught: `error` is the message shown, None while all went well."""

    error: str | None = None


@contextmanager
def user_errors() -> Iterator[Outcome]:
    """Show a UserError as what went wrong and what to do; log anything else and show a short reference.

    `with user_errors() as outcome:` tells afterwards whether the block failed, and with which message.
    """
    outcome = Outcome()
    try:
        yield outcome
    except UserError as err:
        outcome.error = str(err)
        st.error(outcome.error, icon=":material/error:")
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("unexpected error, reference %s", reference)
        outcome.error = (
            f"Something went wrong on our side (reference {reference}). Try again; if it persists, report the "
            "reference with what you did."
        )
        st.error(outcome.error, icon=":material/bug_report:")


@dataclasses.dataclass(frozen=True)
class CorpusChoice:
    """What the corpus input holds; `text()` validates it only when training starts, not while typing."""

    label: str  # stored as the run's corpus: a bundled name, "upload:NAME" or "pasted text"
    raw: bytes | None = None  # user text as typed or uploaded; None for a bundled corpus
    name: str = ""

    def text(self) -> str | None:
        """The user text, validated; None for a bundled corpus."""
        if self.label in BUNDLED:
            return None
        if self.raw is None:
            raise UserError("No file chosen yet: upload a UTF-8 text file, or pick a bundled corpus.")
        return text_from_bytes(self.raw, name=self.name)


def corpus_input() -> CorpusChoice:
    """Pick a bundled corpus, upload a file or paste text."""
    labels = {**{k: c.title for k, c in BUNDLED.items()}, "upload": "Upload a file", "paste": "Paste text"}
    choice = st.radio(
        "Corpus",
        list(labels),
        format_func=labels.get,
        key="corpus_choice",
        help="The text the model learns from: a bundled corpus, a UTF-8 file of your own, or pasted text.",
    )
    if choice in BUNDLED:
        st.caption(BUNDLED[choice].description)
        return CorpusChoice(choice)
    if choice == "upload":
        upload = st.file_uploader(
            "A UTF-8 text file",
            key="corpus_upload",
            help="Plain text in UTF-8; it is copied into the run, so the run can be resumed and inspected later.",
        )
        if upload is None:
            return CorpusChoice("upload:")
        return CorpusChoice(f"upload:{upload.name}", upload.getvalue(), upload.name)
    pasted = st.text_area(
        "Your text",
        height=150,
        key="corpus_paste",
        placeholder="Paste a few pages of text…",
        help="A few pages at least: the model needs more text than its context length to learn from.",
    )
    return CorpusChoice("pasted text", pasted.encode("utf-8"), "The pasted text")


def config_inputs(config_cls: type, defaults: dict[str, Any], key: str) -> dict[str, Any]:
    """One input per field of a config dataclass, typed from its default; values go unchecked to the config,
    whose own validation explains anything out of range."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(config_cls):
        default = defaults.get(f.name, f.default)
        label, help_text = FIELD_LABELS.get(f.name, (f.name, None))
        widget_key = f"{key}.{f.name}"
        if isinstance(default, bool):
            values[f.name] = st.checkbox(label, value=default, help=help_text, key=widget_key)
        elif f.name in CHOICES:
            values[f.name] = st.selectbox(label, CHOICES[f.name], help=help_text, key=widget_key)
        elif isinstance(default, int):
            values[f.name] = int(st.number_input(label, value=default, step=1, help=help_text, key=widget_key))
        else:
            values[f.name] = st.number_input(label, value=float(default), step=0.05, help=help_text, key=widget_key)
    return values


# -- pretrained models -----------------------------------------------------------------------------------------
BUNDLED_LABEL = "SmolLM2-135M-Instruct (bundled)"
OTHER = "__other__"  # the "Other…" choice of the model picker
ENDPOINT = "__endpoint__"  # its "OpenAI-compatible endpoint…" choice, where a page offers it
PRECISION_LABELS = {
    "fp32": "fp32 (full precision)",
    "bf16": "bf16",
    "fp16": "fp16",
    "int8-wo": "int8 weight-only (PyTorch; fastest on a CPU)",
    "int8": "int8 (bitsandbytes LLM.int8)",
    "nf4": "nf4 (bitsandbytes 4-bit)",
    "fp4": "fp4 (bitsandbytes 4-bit, CUDA only)",
}


def model_picker(key: str, precision: str = "fp32", endpoint: bool = False) -> tuple[str, str] | dict[str, str]:
    """Pick a model and a precision; returns `(spec, precision)`, ready for `model_cache().get(spec, precision)`.
    With `endpoint`, a model served over HTTP may be picked too: then the endpoint's fields come back instead
    (see `endpoint_inputs`).

    The models: the bundled SmolLM2 (spec "smollm2"), every training run (spec: its folder; offered at fp32, bf16
    and fp16 only) and "Other…", which asks for a Hugging Face folder, a .gguf file or a hub id. `key` keeps
    several pickers on one page apart (widget keys `{key}.model`, `{key}.other`, `{key}.precision`); `precision`
    is the one first selected. Nothing is loaded or checked here: a bad choice is explained when it loads.
    """
    from core.loading import BUNDLED_NAME, DTYPES, PRECISIONS
    from core.runs import list_runs

    runs = {str(run.path): f"run {run.name}" for run in list_runs()}
    choices = {BUNDLED_NAME: BUNDLED_LABEL, **runs, OTHER: "Other…"}
    if endpoint:
        choices[ENDPOINT] = "OpenAI-compatible endpoint…"
    spec = st.selectbox(
        "Model",
        list(choices),
        format_func=choices.get,
        key=f"{key}.model",
        help="The bundled SmolLM2-135M-Instruct, one of your training runs, or any other model"
        + (", or a model served over HTTP (vLLM, TGI, llama.cpp's server, Ollama)." if endpoint else "."),
    )
    if spec == OTHER:
        spec = st.text_input(
            "Folder, .gguf file or hub id",
            key=f"{key}.other",
            placeholder="HuggingFaceTB/SmolLM2-135M-Instruct",
            help="A Hugging Face model folder, a GGUF file, a run folder, or a hub id (online or already cached).",
        ).strip()
    remote_code_opt_in(key, spec if spec not in choices else "")
    if spec == ENDPOINT:
        return endpoint_inputs(key)
    options = tuple(DTYPES) if spec in runs else PRECISIONS  # tiny runs are not bitsandbytes models
    chosen = st.selectbox(
        "Precision",
        options,
        index=options.index(precision) if precision in options else 0,
        format_func=PRECISION_LABELS.get,
        key=f"{key}.precision" + (".run" if spec in runs else ""),
        help="int8-wo stores the weights as int8 and computes in bf16 (fastest on a CPU); int8 and nf4 quantize "
        "with bitsandbytes as they load; fp4 needs a CUDA GPU.",
    )
    return spec, chosen


def endpoint_inputs(key: str) -> dict[str, str]:
    """Base URL, model name and the NAME of the environment variable with the API key, as keyword arguments for
    `core.endpoint.EndpointConfig`, which checks them when the slot runs. The key itself is never asked for, so
    it never reaches the browser, the session or a log."""
    from core.endpoint import DEFAULT_KEY_ENV

    return dict(
        base_url=st.text_input(
            "Base URL",
            key=f"{key}.base_url",
            placeholder="http://localhost:8000",
            help="The server's address, with or without /v1: vLLM and TGI often listen on :8000 or :8080, "
            "llama.cpp's server on :8080, Ollama on :11434. Answers come from POST {base}/v1/chat/completions.",
        ),
        model=st.text_input(
            "Model name",
            key=f"{key}.endpoint_model",
            placeholder="Qwen/Qwen2.5-0.5B-Instruct",
            help="The model's name as the server knows it (what GET /v1/models lists; for Ollama e.g. qwen2.5:0.5b).",
        ),
        api_key_env=st.text_input(
            "API key variable",
            value=DEFAULT_KEY_ENV,
            key=f"{key}.key_env",
            help="The NAME of an environment variable of the dashboard's process that holds the API key, never the "
            "key itself. If it is unset (or this is empty), no key is sent: local servers usually need none.",
        ),
    )


def remote_code_opt_in(key: str, spec: str) -> None:
    """Under "Other…": let this one model run the Python code its folder or hub repo ships, after a warning.

    The tick holds for this picker, this spec and this browser session only (a new spec starts unticked); it
    reaches `core.loading` through `dashboard.cache.ModelCache.get`. An empty spec clears it.
    """
    from dashboard.cache import set_trusted

    ticked = bool(spec) and st.checkbox(
        "Trust remote code",
        key=f"{key}.trust.{spec}",
        help="Some models ship their own Python code (an auto_map in their config). It runs with this dashboard's "
        "rights and can do anything on this machine, so it is refused unless you tick this.",
    )
    if ticked:
        st.warning("This model may now run its own Python code on this machine. Only do this for authors you trust.")
    set_trusted(key, spec if ticked else None)


def parse_stop(text: str) -> tuple[str, ...]:
    """Stop strings as typed: separated by |, with \\n for a line break."""
    return tuple(s.replace("\\n", "\n") for s in text.split("|") if s)


def generation_inputs(key: str, max_new_tokens: int | None = None) -> dict[str, Any]:
    """Generation settings in an expander, as keyword arguments for `core.generation.GenerationSettings`, which
    validates them (build it inside `user_errors()`)."""
    from core.generation import GenerationSettings

    d = GenerationSettings()
    with st.expander("Generation settings", icon=":material/tune:"):
        c1, c2, c3 = st.columns(3)
        values = dict(
            max_new_tokens=int(
                c1.number_input(
                    "Max new tokens",
                    value=max_new_tokens or d.max_new_tokens,
                    step=16,
                    key=f"{key}.new",
                    help="The answer stops after this many tokens at most.",
                )
            ),
            temperature=c2.number_input(
                "Temperature (0 = greedy)",
                value=d.temperature,
                step=0.1,
                key=f"{key}.temperature",
                help="0 always takes the likeliest token; higher values sample more freely.",
            ),
            top_k=int(
                c3.number_input(
                    "Top-k (0 = off)",
                    value=d.top_k,
                    step=5,
                    key=f"{key}.top_k",
                    help="Sample only among the k likeliest tokens.",
                )
            ),
            top_p=c1.number_input(
                "Top-p",
                value=d.top_p,
                step=0.05,
                key=f"{key}.top_p",
                help="Sample only among the likeliest tokens that together reach this probability.",
            ),
            repetition_penalty=c2.number_input(
                "Repetition penalty",
                value=d.repetition_penalty,
                step=0.05,
                key=f"{key}.repetition",
                help="Above 1, tokens already in the text become less likely.",
            ),
            seed=int(
                c3.number_input(
                    "Seed", value=d.seed, step=1, key=f"{key}.seed", help="The same seed repeats a sampled answer."
                )
            ),
        )
        stop = st.text_input(
            "Stop strings", key=f"{key}.stop", help="Separate several with |; write \\n for a line break."
        )
        values["stop"] = parse_stop(stop)
        values["chat"] = st.toggle(
            "Chat template",
            value=d.chat,
            key=f"{key}.chat",
            help="Wrap the prompt in the model's chat template, when it has one (instruct models do; runs do not).",
        )
    return values
