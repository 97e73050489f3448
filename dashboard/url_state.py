"""A view's main settings in the URL, so that a link reopens the same view.

Each page lists the widget keys worth sharing (`PARAMS`, by the page's URL path); the query parameter has the
widget key's name. `app.py` calls `restore` before the page runs, which copies a new URL's parameters into the
widgets' state (a value that does not parse or is not allowed is ignored), and `save` after, which writes the
widgets' current values back. `queue` holds settings for the next page to open (the tour's presenter defaults, a
replayed scene), which `restore` applies too. Parsing and encoding are pure functions, tested without Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from core.corpus import BUNDLED

KINDS = ("str", "int", "float", "bool", "strs", "ints")
_WRITTEN = "_url_state.written"  # (page, {name: values}) as last written by `save`
_QUEUED = "_url_state.queued"  # (page, {key: value}) to apply when that page next runs
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Param:
    """One widget's value in the URL. `kind`: str, int, float, bool, strs (a list) or ints (a tuple, e.g. a
    range slider's). `choices`: the values allowed (each item of a list), or None for any."""

    key: str
    kind: str = "str"
    choices: tuple[Any, ...] | None = None

    def parse(self, raw: Sequence[str]) -> Any | None:
        """The widget value for the URL's values of this parameter; None when they are invalid."""
        try:
            if self.kind in ("strs", "ints"):
                items = [str(v) for v in raw] if self.kind == "strs" else [int(v) for v in raw]
                value: Any = items if self.kind == "strs" else tuple(items)
            elif len(raw) != 1:
                return None
            elif self.kind == "bool":
                value = _bool(raw[0])
            else:
                value = {"str": str, "int": int, "float": float}[self.kind](raw[0])
        except ValueError:
            return None
        if value is None or (self.kind == "float" and value != value):  # NaN is no setting
            return None
        items = value if self.kind in ("strs", "ints") else [value]
        if self.choices is not None and any(v not in self.choices for v in items):
            return None
        return value

    def encode(self, value: Any) -> list[str]:
        """The URL's values for a widget value (a list, one item for a single value)."""
        if self.kind in ("strs", "ints"):
            return [str(v) for v in value]
        if self.kind == "bool":
            return ["true" if value else "false"]
        return [str(value)]


def _bool(text: str) -> bool | None:
    low = text.lower()
    return True if low in _TRUE else False if low in _FALSE else None


def _slots(*names: str) -> tuple[Param, ...]:
    """The model pickers of the Compare page's slots: model, precision and the "Other…" text."""
    return tuple(Param(f"slot{i}.{name}") for i in range(4) for name in names)


PARAMS: dict[str, tuple[Param, ...]] = {
    "ecosystem": (Param("ecosystem.layers", "strs"), Param("ecosystem.types", "strs")),
    "scale": (
        Param("scale.orgs", "strs"),
        Param("scale.countries", "strs"),
        Param("scale.weights", choices=("all", "open", "closed")),
        Param("scale.arch", "strs"),
        Param("scale.years", "ints"),
        Param("scale.search"),
        Param("scale.highlight", "strs"),
        Param("scale.mine", "bool"),
    ),
    "train": (
        Param("corpus_choice", choices=(*BUNDLED, "upload", "paste")),
        Param("train.tokenizer", choices=("char", "bpe")),
        Param("train.family", choices=("ngram", "mlp", "lstm", "gpt")),
        Param("train.steps", "int"),
        Param("train.batch", "int"),
        Param("train.block", "int"),
        Param("train.lr", "float"),
        Param("gpt.n_layer", "int"),
        Param("gpt.n_head", "int"),
        Param("gpt.n_embd", "int"),
    ),
    "attention": (
        Param("attention.model"),
        Param("attention.other"),
        Param("attention.text"),
        Param("attention.metric", choices=("previous_token", "sink", "induction", "entropy", "mean_distance")),
        Param("attention.0.layer", "int"),
        Param("attention.0.head", "int"),
        Param("attention.compare", "bool"),
        Param("attention.second.model"),
        Param("attention.second.other"),
        Param("attention.1.layer", "int"),
        Param("attention.1.head", "int"),
    ),
    "compare": (
        Param("compare.slots", "int", choices=(2, 3, 4)),
        *_slots("model", "precision", "other"),
        Param("compare.prompt"),
        Param("compare.new", "int"),
    ),
}


def page_params(page: str) -> tuple[Param, ...]:
    return PARAMS.get(page, ())


def parse_params(params: Sequence[Param], url: dict[str, list[str]]) -> dict[str, Any]:
    """The widget values a URL sets: {key: value} for each known parameter present and valid."""
    values = {p.key: p.parse(url[p.key]) for p in params if url.get(p.key)}
    return {k: v for k, v in values.items() if v is not None}


def encode_params(params: Sequence[Param], state: dict[str, Any]) -> dict[str, list[str]]:
    """The URL's parameters for the widgets' current values (widgets not shown, or empty, are left out)."""
    return {p.key: p.encode(state[p.key]) for p in params if state.get(p.key) not in (None, "", [], ())}


def _url(params: Sequence[Param]) -> dict[str, list[str]]:
    return {p.key: st.query_params.get_all(p.key) for p in params if p.key in st.query_params}


def restore(page: str) -> None:
    """Before `page` runs: copy a URL's settings into its widgets' state, then anything queued for it. Only a URL
    this session has not written itself counts (a link just opened), so the URL never undoes a change made in
    the widgets."""
    params = page_params(page)
    url = _url(params)
    if url and st.session_state.get(_WRITTEN) != (page, url):
        st.session_state.update(parse_params(params, url))
    apply_queued(page)


def save(page: str) -> None:
    """After `page` ran: its widgets' current values into the URL, so that a copied link reopens this view."""
    params = page_params(page)
    if not params:
        return
    wanted = encode_params(params, {p.key: st.session_state.get(p.key) for p in params})
    for name in _url(params):
        if name not in wanted:
            del st.query_params[name]
    for name, values in wanted.items():
        if st.query_params.get_all(name) != values:
            st.query_params[name] = values if len(values) != 1 else values[0]
    st.session_state[_WRITTEN] = (page, wanted)


def queue(page: str, values: dict[str, Any]) -> None:
    """Settings for `page` to apply when it next runs, before its widgets (the tour's presenter defaults, a
    replayed scene): set now, right before `st.switch_page`, they could be dropped with the old page's widgets."""
    st.session_state[_QUEUED] = (page, values)


def apply_queued(page: str) -> None:
    """Before `page` runs: apply what was queued for it, once."""
    queued = st.session_state.get(_QUEUED)
    if queued and queued[0] == page:
        del st.session_state[_QUEUED]
        st.session_state.update(queued[1])
