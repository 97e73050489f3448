"""How a sweep or a head-to-head is shown: live progress while its runs train, then fits and comparisons."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.runs import Run
from core.scaling import group_progress, head_to_head_results, sweep_done, sweep_fits, sweep_results
from dashboard.jobs import job_queue
from dashboard.scaling_charts import head_to_head_chart, power_law_chart

REFRESH_SECONDS = 2.0


def _progress(runs: list[Run]) -> None:
    fraction, table = group_progress(runs)
    st.progress(min(fraction, 1.0), text=f"{fraction:.0%} of all steps · runs train one after another")
    st.dataframe(table, hide_index=True)
    if st.button("Stop all", icon=":material/stop:", key=f"stop-{runs[0].name}"):
        for run in runs:
            run.request_stop()  # the running job checkpoints and ends; queued ones are skipped
        st.toast("Stopping: the running job ends after its current step; queued runs will not start.")


def sweep_view(runs: list[Run]) -> None:
    results = sweep_results(runs)
    fits = sweep_fits(results)
    if not fits:
        st.warning("Fewer than 3 runs of this sweep completed, too few to fit a power law.")
        st.dataframe(results.drop(columns="sample"), hide_index=True)
        return
    left, right = st.columns(2)
    left.plotly_chart(power_law_chart(results, "params", fits["params"]), key="sweep-params")
    right.plotly_chart(power_law_chart(results, "compute", fits["compute"]), key="sweep-compute")
    a, b = st.columns(2)
    a.metric("Loss ∝ N^b, b =", f"{fits['params'].exponent:.3f} ± {fits['params'].exponent_se:.3f}")
    b.metric("Loss ∝ C^b, b =", f"{fits['compute'].exponent:.3f} ± {fits['compute'].exponent_se:.3f}")
    st.caption(
        "Every run saw the same tokens, so compute is proportional to parameters and both fits share one slope. "
        "Kaplan et al. (2020) report about -0.076 for loss against parameters in large models; tiny, briefly "
        "trained models on characters sit near their data's entropy floor and bend the line flatter."
    )
    st.dataframe(results.drop(columns="sample"), hide_index=True)


def head_to_head_view(runs: list[Run]) -> None:
    results = head_to_head_results(runs)
    cols = st.columns(3)
    for col, x in zip(cols, ("params", "compute", "wall_s"), strict=True):
        col.plotly_chart(head_to_head_chart(results, x), key=f"h2h-{x}")
    st.caption("The n-gram counts instead of computing gradients, so it has no 6·N·D compute.")
    st.dataframe(results.drop(columns="sample"), hide_index=True)
    for col, (_, row) in zip(st.columns(len(results)), results.iterrows(), strict=True):
        col.markdown(f"**{row['family']}**")
        col.code(row["sample"] or "(no sample)", language=None, wrap_lines=True)  # model text: never HTML


@st.fragment(run_every=REFRESH_SECONDS)
def _live(paths: list[str], kind: str) -> None:
    runs = [Run(Path(p)) for p in paths]
    _progress(runs)
    queue = job_queue()
    waiting = queue.queued() | set(queue.running())
    orphans = [r for r in runs if r.status().get("state") == "created" and r.path not in waiting]
    if orphans and not any(r.path in waiting for r in runs):
        st.warning(f"{len(orphans)} runs are waiting, but no queue is running (the server restarted?).")
        if st.button("Continue", icon=":material/play_arrow:", key=f"continue-{runs[0].name}"):
            queue.submit_all(orphans)
    if sweep_done(runs):
        st.rerun()


def group_view(runs: list[Run], kind: str) -> None:
    """Progress while any run is queued or training (refreshing from disk), the results once all have ended."""
    if not sweep_done(runs):
        _live([str(r.path) for r in runs], kind)
    elif kind == "sweep":
        sweep_view(runs)
    else:
        head_to_head_view(runs)
