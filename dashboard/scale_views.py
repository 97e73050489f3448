"""Widget groups of the "Model scale" page: the catalog filters, the table, and the memory calculator."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.catalog import CatalogFilter, display_table, split_values
from core.memory import GPU_SIZES_GB, PRESETS, Architecture, MemoryQuery, memory_table
from dashboard.widgets import user_errors

NUMBERS = ["params_total", "params_active", "training_tokens", "training_compute_flop"]
CUSTOM = "Custom size…"


def catalog_filters(catalog: pd.DataFrame) -> CatalogFilter:
    """Organization, country, open weights, architecture, years and a search box, in one row of columns."""
    years = catalog["release_date"].dt.year
    first, last = int(years.min()), int(years.max())
    cols = st.columns([3, 2, 1.4, 2, 2.4, 2])
    orgs = cols[0].multiselect(
        "Organization", split_values(catalog["organization"]), key="scale.orgs", help="Empty: every organization."
    )
    countries = cols[1].multiselect(
        "Country", split_values(catalog["country"]), key="scale.countries", help="Empty: every country."
    )
    weights = cols[2].selectbox(
        "Weights", ["all", "open", "closed"], key="scale.weights", help="Open: the weights can be downloaded."
    )
    archs = sorted(a for a in catalog["architecture"].unique() if a)
    arch = cols[3].multiselect("Architecture", archs, key="scale.arch", help="Empty: every architecture.")
    span = cols[4].slider("Years", first, last, (first, last), key="scale.years", help="Release years to include.")
    search = cols[5].text_input(
        "Search",
        placeholder="name, family, organization",
        key="scale.search",
        help="Keeps models whose name, family or organization contains this text.",
    )
    return CatalogFilter(tuple(orgs), tuple(countries), weights, tuple(arch), tuple(span), search)


def catalog_table(df: pd.DataFrame) -> None:
    """Sortable table. Numbers stay numbers so columns sort by value; Streamlit draws an unknown number as
    "None" whatever the formatting, so the caption says what it means; text columns read "unknown"."""
    table = display_table(df)
    # The grid cannot format numbers beyond 2^53 (compute reaches 1e26 FLOP): show compute in zettaFLOP (1e21).
    table["training_compute_flop"] = table["training_compute_flop"] / 1e21
    table = table.rename(columns={"training_compute_flop": "compute (1e21 FLOP)"})
    config = {col: st.column_config.NumberColumn(format="compact") for col in NUMBERS[:3]} | {
        "compute (1e21 FLOP)": st.column_config.NumberColumn(format="%.4g"),
        "tokens_per_param": st.column_config.NumberColumn(format="%.1f"),
    }
    st.dataframe(table, hide_index=True, height=560, column_config=config)
    st.caption('"None" and "unknown" mean not disclosed or not verified: nothing was guessed. Click a header to sort.')


def memory_calculator(catalog: pd.DataFrame, free_bytes: int | None) -> None:
    """Pick a catalog model or a custom size, the context and batch: weights per precision plus KV cache,
    against common GPU sizes and this machine's free memory."""
    names = catalog.dropna(subset=["params_total"])["name"].tolist()
    default = names.index("Llama 3 70B") + 1 if "Llama 3 70B" in names else 0
    cols = st.columns(4)
    model = cols[0].selectbox(
        "Model", [CUSTOM, *names], index=default, key="scale.mem.model", help="A catalog model, or a size you enter."
    )
    if model == CUSTOM:
        billions = cols[1].number_input(
            "Parameters (billions)", 0.001, 5000.0, 7.0, key="scale.mem.size", help="Total parameters, in billions."
        )
        n_params = billions * 1e9
    else:
        n_params = float(catalog.loc[catalog["name"] == model, "params_total"].iloc[0])
        cols[1].metric("Parameters", f"{n_params / 1e9:.3g} B")
    context = cols[2].number_input(
        "Context length (tokens)",
        1,
        10_000_000,
        8192,
        step=1024,
        key="scale.mem.ctx",
        help="Tokens held in the KV cache per sequence.",
    )
    batch = cols[3].number_input(
        "Batch (sequences)", 1, 4096, 1, key="scale.mem.batch", help="Sequences served at once, each with its cache."
    )
    preset = PRESETS.get(model)
    st.caption(
        f"KV cache needs the architecture. Preset for {model}: {preset.source}."
        if preset
        else "KV cache needs the architecture, which the catalog does not hold: enter it from the model's config."
    )
    arch_cols = st.columns(3)
    suffix = model.replace(" ", "_")  # fresh inputs per model, so a preset fills them in
    layers = arch_cols[0].number_input(
        "Layers", 0, 1000, preset.layers if preset else 0, key=f"scale.mem.l.{suffix}", help="Transformer blocks."
    )
    kv_heads = arch_cols[1].number_input(
        "KV heads",
        0,
        1000,
        preset.kv_heads if preset else 0,
        key=f"scale.mem.h.{suffix}",
        help="Key/value heads (fewer than query heads with grouped-query attention).",
    )
    head_dim = arch_cols[2].number_input(
        "Head dim", 0, 4096, preset.head_dim if preset else 0, key=f"scale.mem.d.{suffix}", help="Width of one head."
    )
    with user_errors():
        arch = Architecture(layers, kv_heads, head_dim, "entered") if min(layers, kv_heads, head_dim) > 0 else None
        query = MemoryQuery(n_params, arch, int(context), int(batch))
        st.dataframe(
            memory_table(query, free_bytes),
            hide_index=True,
            column_config={
                c: st.column_config.NumberColumn(format="%.2f") for c in ("weights (GB)", "KV cache (GB)", "total (GB)")
            },
        )
        st.caption(
            f"GPU sizes {', '.join(map(str, GPU_SIZES_GB))} GB (10⁹ bytes). Weights only, no activations or framework "
            "overhead; nf4 counts 0.5625 byte/param (4 bits + one fp32 constant per 64 weights); KV cache in bf16"
            + ("" if arch else " (left out: enter layers, KV heads and head dim)")
            + "."
        )
