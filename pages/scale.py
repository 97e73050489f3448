"""Model scale: notable LLMs by parameters, tokens and compute over time, your own models on the same map, and
how much memory a model needs."""

from functools import partial

import pandas as pd
import streamlit as st

from core.catalog import filter_catalog, load_catalog, local_models
from core.memory import available_memory_bytes
from core.runs import list_runs
from dashboard.cache import model_cache
from dashboard.report_views import report_button, scale_sections
from dashboard.scale_charts import compute_over_time, params_over_time, scale_bubbles, tokens_vs_params
from dashboard.scale_views import catalog_filters, catalog_table, memory_calculator
from dashboard.widgets import user_errors

st.title("Model scale")
st.caption(
    "94 notable language models, 2017 to 2025, each number checked against the source in the table; an empty "
    "cell means not disclosed, and such models are left out of a chart rather than guessed. Compute is reported, "
    "6·N·D from the same row, or a labelled third-party estimate (see the compute_basis column)."
)
catalog = st.cache_data(load_catalog)()

with user_errors():
    filters = catalog_filters(catalog)
    shown = filter_catalog(catalog, filters)
    mine = local_models(list_runs(), model_cache().loaded())
    left, right = st.columns([3, 1])
    defaults = [n for n in ("GPT-3 175B", "SmolLM2-135M") if n in catalog["name"].values]
    highlight = left.multiselect(
        "Highlight",
        catalog["name"].tolist(),
        default=defaults,
        key="scale.highlight",
        help="Models labelled on every chart.",
    )
    show_mine = right.toggle("Show my models", value=True, key="scale.mine", help=f"{len(mine)} runs or loaded models")
    plotted = pd.concat([shown, mine]) if show_mine and not mine.empty else shown
    st.caption(f"{len(shown)} of {len(catalog)} catalog models match the filters.")

    tabs = st.tabs(["Over time", "Tokens and parameters", "Table", "Memory calculator"])
    with tabs[0]:
        st.plotly_chart(params_over_time(plotted, highlight))
        st.plotly_chart(compute_over_time(plotted, highlight))
    with tabs[1]:
        st.plotly_chart(tokens_vs_params(plotted, highlight))
        st.plotly_chart(scale_bubbles(plotted, highlight))
    with tabs[2]:
        catalog_table(plotted)
    with tabs[3]:
        memory_calculator(catalog, available_memory_bytes())
    sections = partial(scale_sections, filters, plotted, highlight, len(shown), len(catalog))
    report_button("Model scale", sections, key="scale.report")
