"""Taking results off the dashboard: each page's "Download report" button (one HTML file, see dashboard.report)
with the sections it holds, and the Runs page's zip export and import of a run (see core.run_archive).

The section builders are pure (data in, `Section`s out) and run only when the button is clicked, in Streamlit's
download thread: they must not call Streamlit, and they only read the objects they were given.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from core.run_summary import metrics_frame, runs_table
from core.runs import Run
from dashboard.report import Section, build_report

REPORT_HELP = (
    "One self-contained HTML file with the figures, tables and text shown here (interactive, with the date and "
    "this machine at the bottom). It opens in any browser, offline; nothing in it is fetched from the internet."
)


def report_button(title: str, sections: Callable[[], Iterable[Section]], key: str) -> None:
    """A download button for a report of `title`; `sections` is called, and the HTML built, only on click."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    st.download_button(
        "Download report (HTML)",
        data=lambda: build_report(title, sections()),
        file_name=f"{slug}-{time.strftime('%Y%m%d-%H%M')}.html",
        mime="text/html",
        key=key,
        help=REPORT_HELP,
        icon=":material/download:",
        on_click="ignore",
    )


# -- Compare ------------------------------------------------------------------------------------------------------
def compare_sections(prompt: str, values: dict[str, Any], results: Sequence) -> list[Section]:
    """The prompt and settings, each slot's model, precision, answer and figures, and the comparison chart."""
    from dashboard.charts import slot_figures
    from dashboard.generation_views import figures_text, model_text, slot_rows

    settings = pd.DataFrame([{k: ", ".join(map(repr, v)) if isinstance(v, tuple) else v for k, v in values.items()}])
    sections = [Section("Prompt", [prompt]), Section("Settings", [settings])]
    for result in results:
        parts: list = []
        if result.error:
            parts.append(f"No answer: {result.error}")
        if result.answer:
            parts += [result.answer.text or "(no text)", figures_text(result.answer), model_text(result.answer)]
        sections.append(Section(result.title, parts))
    if rows := slot_rows(results):
        sections.append(Section("Memory, speed and first token", [slot_figures(rows)]))
    return sections


# -- Runs ---------------------------------------------------------------------------------------------------------
def runs_sections(runs: Sequence[Run], x_axis: str, log_y: bool, smoothing: float) -> list[Section]:
    """The selected runs' loss curves as shown, their final figures and their configs."""
    from dashboard.charts import loss_curves

    curves = {run.name: metrics_frame(run) for run in runs}
    configs = pd.DataFrame(
        [
            {"run": run.name, **{k: json.dumps(v) if isinstance(v, dict) else v for k, v in run.config().items()}}
            for run in runs
        ]
    )
    return [
        Section("Loss curves", [loss_curves(curves, x=x_axis, log_y=log_y, smoothing=smoothing)]),
        Section("Final figures", [runs_table(list(runs))]),
        Section("Configs", [configs]),
    ]


def export_button(run: Run) -> None:
    """Download one run as a zip (built on click); a run still training or without a checkpoint cannot go yet."""
    from core.run_archive import export_run

    ready = not run.is_running and run.has_checkpoint()
    st.download_button(
        "Export zip",
        data=lambda: export_run(run),
        file_name=f"{run.name}.zip",
        mime="application/zip",
        key=f"export-{run.name}",
        help="The whole run (config, tokenizer, corpus, metrics, samples, checkpoint, probe snapshots) as one zip, "
        "to import on another machine from this page."
        if ready
        else "Available once the run has stopped and has a checkpoint.",
        icon=":material/archive:",
        disabled=not ready,
        on_click="ignore",
    )


def import_uploader() -> None:
    """A zip uploader that adds the run inside it, once per uploaded file, and says how that went."""
    from core.run_archive import import_run
    from dashboard.widgets import user_errors

    upload = st.file_uploader(
        "Import a run (.zip)",
        type="zip",
        key="runs.import",
        help='A run exported with "Export zip" on this page, on this or another machine. It is checked before it '
        "is added (only the run's own files, a valid config and tokenizer, weights that fit the model); a name "
        f"already taken gets -2, -3, …. Uploads stop at {st.get_option('server.maxUploadSize')} MB; a bigger run "
        "moves with python -m core.run_archive.",
    )
    if upload is None:
        return
    done = st.session_state.setdefault("runs.imported", {})  # file id -> (imported run name, error)
    if upload.file_id not in done:  # the file stays in the widget after the import: import it once, not every rerun
        run = None
        with user_errors() as outcome:
            run = import_run(upload.getvalue(), filename=upload.name)
        done[upload.file_id] = (run.name if run else None, outcome.error)
        if outcome.error:
            return  # user_errors has shown it
    name, error = done[upload.file_id]
    if error:
        st.error(error, icon=":material/error:")
    else:
        st.success(f"Imported {upload.name} as run {name}.", icon=":material/check_circle:")


# -- Model scale --------------------------------------------------------------------------------------------------
def scale_sections(
    filters, plotted: pd.DataFrame, highlight: Sequence[str], matching: int, total: int
) -> list[Section]:
    """The four charts and the table for the models on the map, with the filters that chose them."""
    from core.catalog import display_table
    from dashboard.scale_charts import compute_over_time, params_over_time, scale_bubbles, tokens_vs_params

    chosen = {k: v for k, v in dataclasses.asdict(filters).items() if v not in ((), "", "all", None)}
    described = "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, tuple) else v}" for k, v in chosen.items())
    summary = f"{matching} of {total} catalog models match the filters ({described or 'none'})."
    if highlight:
        summary += f"\nHighlighted: {', '.join(highlight)}."
    charts = [
        chart(plotted, highlight) for chart in (params_over_time, compute_over_time, tokens_vs_params, scale_bubbles)
    ]
    return [
        Section("Filters", [summary]),
        Section("Over time", charts[:2]),
        Section("Tokens and parameters", charts[2:]),
        Section("The models", [display_table(plotted)]),
    ]


# -- Attention ----------------------------------------------------------------------------------------------------
def attention_sections(text: str, results: Sequence, metric: str, picks: Sequence[tuple[int, int]]) -> list[Section]:
    """For each model: its tokens, the summary heatmap for `metric`, the strongest heads and the chosen head."""
    from dashboard.attention_charts import METRICS, attention_heatmap, strongest_heads, summary_heatmap
    from dashboard.attention_views import CAPTIONS, first_tokens

    sections = [
        Section("Text", [text]),
        Section(f"Looking for: {METRICS[metric][0]}", [CAPTIONS[metric].replace("**", "")]),
    ]
    for (maps, summary), (layer, head) in zip(results, picks, strict=True):
        weights, tokens = first_tokens(maps)
        shape = f"{len(maps.tokens)} tokens, {maps.n_layers} layers × {maps.n_heads} heads"
        sections.append(
            Section(
                maps.label,
                [
                    f"{shape}:\n{' '.join(maps.tokens)}",
                    summary_heatmap(summary, metric),
                    strongest_heads(summary, metric),
                    attention_heatmap(weights[layer, head], tokens, f"Layer {layer}, head {head}"),
                ],
            )
        )
    return sections
