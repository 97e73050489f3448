"""A page's results as one self-contained HTML file: headings, text, Plotly figures and tables, with plotly.js
inlined once, so the report opens offline, years later, with nothing fetched from anywhere.

Every piece of text that a user or a model wrote (prompts, answers, run names, tokens) is escaped, here and in the
tables, so a report never runs what it shows. Figures keep their interactivity (hover, zoom).
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

Part = str | go.Figure | pd.DataFrame

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1F2333; margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; }
h1 { color: #4F46E5; } h2 { border-bottom: 1px solid #E2E4F0; padding-bottom: .3rem; margin-top: 2rem; }
p.text { white-space: pre-wrap; line-height: 1.45; }
table.table { border-collapse: collapse; font-size: .9rem; margin: .5rem 0 1rem; }
table.table th, table.table td { border: 1px solid #E2E4F0; padding: .25rem .5rem; text-align: right; }
table.table th { background: #F4F5FB; }
.figure { margin: .5rem 0 1rem; }
footer { margin-top: 3rem; color: #6B7090; font-size: .85rem; border-top: 1px solid #E2E4F0; padding-top: .5rem; }
"""


@dataclass(frozen=True)
class Section:
    """A heading and what follows it, in order: text (shown as written, line breaks kept), figures, tables."""

    heading: str
    parts: Sequence[Part] = field(default_factory=tuple)


def _part_html(part: Part, figure_number: int) -> str:
    if isinstance(part, go.Figure):
        # One div per figure; plotly.js itself is inlined once in <head>, never fetched.
        figure = part.to_html(
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            div_id=f"figure-{figure_number}",
            config={"displaylogo": False, "responsive": True},
        )
        return f'<div class="figure">{figure}</div>'
    if isinstance(part, pd.DataFrame):
        return part.to_html(index=False, escape=True, na_rep="–", border=0, classes="table")
    return f'<p class="text">{html.escape(str(part))}</p>'


def machine_line(machine: dict[str, object]) -> str:
    """'AMD EPYC, 2 cores, torch 2.13.0+cpu, device cpu' from core.machine.machine()."""
    return f"{machine['cpu']}, {machine['cores']} cores, torch {machine['torch']}, device {machine['device']}"


def build_report(
    title: str,
    sections: Iterable[Section],
    machine: dict[str, object] | None = None,
    when: str | None = None,
) -> str:
    """The whole report as one HTML document. `machine` (default: this machine, see core.machine) and `when`
    (default: now, in UTC) fill the footer."""
    from plotly.offline import get_plotlyjs

    from core.machine import machine as this_machine

    body, figures = [], 0
    for section in sections:
        body.append(f"<section><h2>{html.escape(section.heading)}</h2>")
        for part in section.parts:
            figures += isinstance(part, go.Figure)
            body.append(_part_html(part, figures))
        body.append("</section>")
    when = when or time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    footer = f"Made with LLM Ecosystem Dashboard on {when} · {machine_line(machine or this_machine())}"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title>",
            f"<style>{STYLE}</style>",
            f'<script type="text/javascript">{get_plotlyjs()}</script>',
            "</head><body>",
            f"<h1>{html.escape(title)}</h1>",
            *body,
            f"<footer>{html.escape(footer)}</footer>",
            "</body></html>",
        ]
    )
