"""HTML reports: self-contained (plotly.js inline once, nothing fetched), every figure in its own div, every
user or model text escaped; and the sections each page's button puts in them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from dashboard.report import Section, build_report

EVIL = "<script>alert(1)</script>"
MACHINE = {"cpu": "Test CPU <b>", "cores": 2, "torch": "2.13.0+cpu", "device": "cpu"}


def report(sections, title="A report") -> str:
    return build_report(title, sections, machine=MACHINE, when="2026-12-02 06:00 UTC")


def markup(html: str) -> str:
    """The document without the inlined plotly.js bundle (whose code mentions URLs in strings)."""
    assert html.count(get_plotlyjs()) == 1
    return html.replace(get_plotlyjs(), "")


def hostile_sections() -> list[Section]:
    figure = go.Figure(go.Bar(x=[EVIL, "b"], y=[1, 2], name=EVIL), layout={"title": EVIL})
    table = pd.DataFrame({"token": [EVIL, "ok"], "p": [0.5, np.nan]})
    return [Section(f"Run {EVIL}", [f"Prompt: {EVIL}\nsecond line", figure, table]), Section("Two", [go.Figure()])]


def test_report_is_self_contained_with_one_div_per_figure():
    html = report(hostile_sections())
    assert html.startswith("<!DOCTYPE html>")
    rest = markup(html)  # plotly.js is inline, exactly once
    assert len(re.findall(r'<div id="figure-\d+" class="plotly-graph-div"', rest)) == 2
    assert 'id="figure-1"' in rest and 'id="figure-2"' in rest
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert not re.search(r"""\b(src|href)\s*=\s*["']?(https?:)?//""", rest)
    assert "<link" not in rest


def test_user_and_model_text_is_escaped_everywhere():
    html = report(hostile_sections(), title=EVIL)
    rest = markup(html)
    assert EVIL not in rest
    assert rest.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 5  # title, h1, heading, paragraph, table cell
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in rest
    assert "\\u003cscript\\u003e" in rest  # inside figure JSON, as plotly writes it
    assert "Prompt: &lt;script&gt;alert(1)&lt;/script&gt;\nsecond line" in rest  # line breaks kept (pre-wrap)
    assert "Test CPU &lt;b&gt;, 2 cores, torch 2.13.0+cpu, device cpu" in rest
    assert "2026-12-02 06:00 UTC" in rest


def test_footer_defaults_to_this_machine():
    from core.machine import machine

    assert f"{machine()['cores']} cores, torch " in build_report("r", [])


# -- the pages' sections -------------------------------------------------------------------------------------------
def figures(sections) -> list[go.Figure]:
    return [p for s in sections for p in s.parts if isinstance(p, go.Figure)]


def test_compare_sections_hold_prompt_settings_slots_and_chart():
    from core.answers import Answer
    from dashboard.generation_views import SlotResult
    from dashboard.report_views import compare_sections

    answer = Answer(EVIL, "fp32", f"Because {EVIL}", 5, 0.1, 20.0, 0.3, "cpu", "float32", "none", 500.0, 1.0, 135)
    results = [SlotResult(f"1. {EVIL} · fp32", answer), SlotResult("2. broken · nf4", error="Out of memory.")]
    sections = compare_sections(EVIL, {"temperature": 0.0, "stop": ("\n",)}, results)
    assert [s.heading for s in sections][:4] == ["Prompt", "Settings", f"1. {EVIL} · fp32", "2. broken · nf4"]
    assert sections[0].parts == [EVIL]
    assert f"Because {EVIL}" in sections[2].parts and "No answer: Out of memory." in sections[3].parts
    assert len(figures(sections)) == 1
    html = markup(report(sections))
    assert EVIL not in html and "Because &lt;script&gt;" in html


def test_runs_sections_hold_curves_final_figures_and_configs(make_run):
    from dashboard.report_views import runs_sections

    runs = [make_run("ngram", name="a"), make_run("ngram", name="b")]
    sections = runs_sections(runs, "step", True, 0.5)
    curves = figures(sections)
    assert len(curves) == 1 and {t.name for t in curves[0].data} >= {"a · train", "b · train"}
    configs = sections[2].parts[0]
    assert list(configs["run"]) == ["a", "b"] and "model_params" in configs
    assert list(sections[1].parts[0]["run"]) == ["a", "b"]


def test_scale_sections_show_the_filtered_models():
    from core.catalog import CatalogFilter, filter_catalog, load_catalog
    from dashboard.report_views import scale_sections

    catalog = load_catalog()
    filters = CatalogFilter(open_weights="open")
    shown = filter_catalog(catalog, filters)
    sections = scale_sections(filters, shown, ["SmolLM2-135M"], len(shown), len(catalog))
    assert len(figures(sections)) == 4
    assert f"{len(shown)} of {len(catalog)} catalog models" in sections[0].parts[0]
    assert "open_weights: open" in sections[0].parts[0]
    assert len(sections[-1].parts[0]) == len(shown)


@pytest.mark.parametrize("n_models", [1, 2])
def test_attention_sections_hold_summary_top_heads_and_chosen_head(n_models):
    from core.attention import AttentionMaps
    from dashboard.report_views import attention_sections

    rng = np.random.default_rng(0)
    weights = rng.random((2, 2, 4, 4)).astype(np.float32)
    weights /= weights.sum(-1, keepdims=True)
    maps = AttentionMaps([EVIL, "b", "c", "d"], weights, False, f"model {EVIL}")
    summary = pd.DataFrame(
        [{"layer": layer, "head": head, "previous_token": rng.random()} for layer in range(2) for head in range(2)]
    )
    sections = attention_sections("text", [(maps, summary)] * n_models, "previous_token", [(1, 0)] * n_models)
    assert [s.heading for s in sections[2:]] == [f"model {EVIL}"] * n_models
    assert len(figures(sections)) == 2 * n_models
    assert figures(sections)[1].layout.title.text == "Layer 1, head 0"
    assert EVIL not in markup(report(sections))
