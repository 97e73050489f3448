"""Scaling laws: the Chinchilla calculator, a sweep of tiny GPTs fitted to a power law, and families head to head."""

import time

import streamlit as st

from core.scaling import (
    chinchilla_loss,
    compute_optimal,
    estimated_seconds,
    head_to_head_configs,
    load_groups,
    save_group,
    start_head_to_head,
    start_sweep,
    sweep_configs,
)
from dashboard.jobs import job_queue
from dashboard.scaling_charts import chinchilla_landscape, loss_along_budget
from dashboard.scaling_views import group_view
from dashboard.widgets import user_errors

st.title("Scaling laws")
calc_tab, sweep_tab, h2h_tab = st.tabs(["Chinchilla calculator", "Sweep of tiny GPTs", "Families head to head"])

with calc_tab, user_errors():
    st.caption(
        "L(N, D) = E + A/N^α + B/D^β, the fit of Hoffmann et al. 2022 (Approach 3): E 1.69, A 406.4, "
        "B 410.7, α 0.34, β 0.28. Losses are in nats per token on their data set."
    )
    n_col, d_col, c_col = st.columns(3)
    n_params = n_col.number_input("Parameters N", min_value=1e3, value=7e9, format="%.3e")
    n_tokens = d_col.number_input("Training tokens D", min_value=1e3, value=2e12, format="%.3e")
    budget = c_col.number_input("Compute budget C (FLOPs)", min_value=1e10, value=1e23, format="%.3e")
    n_opt, d_opt = compute_optimal(budget)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Predicted loss for N, D", f"{chinchilla_loss(n_params, n_tokens):.3f}")
    m2.metric("Its compute 6·N·D", f"{6 * n_params * n_tokens:.2e} FLOPs")
    m3.metric("Optimal N for C", f"{n_opt:.3g}")
    m4.metric("Optimal D for C", f"{d_opt:.3g}", help=f"{d_opt / n_opt:.0f} tokens per parameter")
    left, right = st.columns([3, 2])
    left.plotly_chart(chinchilla_landscape(n_params, n_tokens, (budget,)))
    right.plotly_chart(loss_along_budget(budget))

KINDS = {
    "sweep": (sweep_tab, sweep_configs, start_sweep),
    "head_to_head": (h2h_tab, head_to_head_configs, start_head_to_head),
}
for kind, (tab, make_configs, start) in KINDS.items():
    with tab:
        configs = make_configs()
        minutes = sum(estimated_seconds(c) if c.model == "gpt" else 10 for c in configs) / 60
        st.caption(
            f"{len(configs)} runs on tinyshakespeare (characters), {configs[0].max_steps} steps of "
            f"{configs[0].batch_size}×{configs[0].block_size} tokens each, one after another: at most "
            f"about {minutes:.0f} min on 2 CPU cores."
        )
        st.session_state.setdefault(f"{kind}-name", f"{kind.replace('_', '-')}-{time.strftime('%H%M%S')}")
        name = st.text_input("Name", key=f"{kind}-name")
        if st.button("Start", type="primary", icon=":material/play_arrow:", key=f"{kind}-start"):
            with user_errors():
                runs = start(name, configs)
                save_group(kind, name, runs)
                job_queue().submit_all(runs)
                st.session_state[f"{kind}-shown"] = name
        groups = load_groups(kind)
        if not groups:
            st.info("Nothing run yet: press Start.")
            continue
        names = list(groups)
        shown = st.session_state.get(f"{kind}-shown")
        pick = st.selectbox("Show", names, index=names.index(shown) if shown in names else 0, key=f"{kind}-pick")
        group_view(groups[pick], kind)
