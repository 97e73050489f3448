"""User and model text shown as text, never as markup.

Plotly reads a small subset of HTML in titles, axis labels, legends, annotations and hover text (<b>, <br>,
<a href="...">, entities), so a token such as "<b>" or a run name with a link in it would be drawn as markup, or
become a clickable javascript: link. Every chart builder that puts user or model text into a figure passes it
through `plotly_text` first. In the page itself long text goes through `st.text` (see `stream_text`), which parses
neither Markdown nor HTML, instead of `st.markdown` or `st.write_stream`; a short name inside Markdown (a bold
heading, a caption) goes through `markdown_text`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable


def plotly_text(text: object) -> str:
    """`text` as Plotly should print it: literally, with <, > and & escaped."""
    return html.escape(str(text), quote=False)


def plotly_texts(values: Iterable[object]) -> list[str]:
    """`plotly_text` of each value, for a trace's text, labels or custom data."""
    return [plotly_text(v) for v in values]


# The characters that can start Markdown inside a line: code, emphasis, links and images ([), HTML (<), tables,
# strikethrough, math ($) and Streamlit's coloured text (:red[...], which needs the bracket). CommonMark lets a
# backslash escape each, which then reads as itself; the rest (-, ., #, ...) only matter at the start of a line,
# and a colon alone makes at most an emoji or an icon.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|~$])")


def markdown_text(text: object) -> str:
    """`text` as Markdown that shows it literally, for a name placed inside a line of st.markdown or st.caption."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))


def stream_text(chunks: Iterable[str]) -> str:
    """Show text as it streams in, as plain text (no Markdown, no HTML), and return all of it."""
    import streamlit as st

    box, text = st.empty(), ""
    for chunk in chunks:
        text += chunk
        box.text(text)
    return text
