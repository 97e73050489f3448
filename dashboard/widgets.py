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


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a UserError as what went wrong and what to do; log anything else and show a short reference."""
    try:
        yield
    except UserError as err:
        st.error(str(err), icon=":material/error:")
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("unexpected error, reference %s", reference)
        st.error(
            f"Something went wrong on our side (reference {reference}). Try again; if it persists, report the "
            "reference with what you did.",
            icon=":material/bug_report:",
        )


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
    choice = st.radio("Corpus", list(labels), format_func=labels.get, key="corpus_choice")
    if choice in BUNDLED:
        st.caption(BUNDLED[choice].description)
        return CorpusChoice(choice)
    if choice == "upload":
        upload = st.file_uploader("A UTF-8 text file", key="corpus_upload")
        if upload is None:
            return CorpusChoice("upload:")
        return CorpusChoice(f"upload:{upload.name}", upload.getvalue(), upload.name)
    pasted = st.text_area("Your text", height=150, key="corpus_paste", placeholder="Paste a few pages of text…")
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
