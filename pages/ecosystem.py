"""Ecosystem: the industry chain around LLMs as a map, the field's milestones, open vs closed, CPUs vs LLMs."""

import streamlit as st

from core.catalog import load_catalog
from core.ecosystem import (
    LAYERS,
    NODE_TYPES,
    cpu_doubling,
    filter_ecosystem,
    llm_params_doubling,
    load_cpus,
    load_ecosystem,
    load_milestones,
    open_share_by_year,
)
from dashboard.ecosystem_charts import cpu_vs_llm, network_map, open_share_bars, timeline
from dashboard.widgets import user_errors

st.title("Ecosystem")
st.caption("Who builds on whom: chips → clouds → data and research → software → labs → models → products.")

with user_errors():
    eco = load_ecosystem()
    catalog = load_catalog()

    st.subheader("The map")
    layer_col, type_col = st.columns(2)
    layers = layer_col.multiselect(
        "Layers",
        LAYERS,
        default=list(LAYERS),
        key="ecosystem.layers",
        help="The links of the chain to show, from chips on the left to applications on the right.",
    )
    types = type_col.multiselect(
        "Types",
        NODE_TYPES,
        default=list(NODE_TYPES),
        key="ecosystem.types",
        help="Kinds of organisations, projects and models to show.",
    )
    shown = filter_ecosystem(eco, layers, types)
    if shown.nodes.empty:
        st.info("Nothing matches these filters: pick at least one layer and one type.")
    else:
        st.plotly_chart(network_map(shown))
        st.caption(f"{len(shown.nodes)} organisations, projects and models; {len(shown.links)} links. Hover a node.")

    st.subheader("Milestones")
    milestones = load_milestones()
    st.plotly_chart(timeline(milestones))
    st.dataframe(milestones.assign(date=milestones["date"].dt.strftime("%Y-%m")), hide_index=True)

    st.subheader("Open weights vs closed, by year")
    share = open_share_by_year(catalog)
    st.plotly_chart(open_share_bars(share))
    st.caption("Models of the catalog whose weights can be downloaded, against API-only ones; unknowns left out.")

    st.subheader("Moore's law as a yardstick")
    cpus = load_cpus()
    cpu_fit, llm_fit = cpu_doubling(cpus), llm_params_doubling(catalog)
    st.plotly_chart(cpu_vs_llm(cpus, cpu_fit, catalog, llm_fit))
    a, b = st.columns(2)
    a.metric("CPU transistors double every", f"{cpu_fit.doubling_months / 12:.1f} years")
    b.metric("LLM parameters double every", f"{llm_fit.doubling_months:.0f} months")
    st.caption("Log2-linear least squares over landmark CPUs and the catalog's models (± is one standard error).")
