"""How one run is shown: progress, loss chart and samples, live (refreshing from disk) while it trains."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.run_summary import Progress, metrics_frame, progress
from core.runs import Run
from dashboard.charts import loss_curves
from dashboard.jobs import job_queue

REFRESH_SECONDS = 1.5  # the issue asks for at least every 2 s; each refresh costs the CPU training shares


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def progress_text(p: Progress) -> str:
    parts = [f"Step {p.step:,} / {p.max_steps:,}"]
    if p.tokens_per_s:
        parts.append(f"{p.tokens_per_s:,.0f} tokens/s")
    if p.eta_s is not None:
        parts.append(f"about {_duration(p.eta_s)} left")
    return " · ".join(parts)


def samples_view(run: Run, limit: int = 3) -> None:
    """The newest samples, as plain text (never HTML), newest first."""
    samples = run.samples()
    if not samples:
        st.caption("No samples yet: the model writes one every few hundred steps.")
    for sample in reversed(samples[-limit:]):
        st.caption(f"Step {sample['step']:,}")
        st.code(sample["text"], language=None, wrap_lines=True)


def run_overview(run: Run, live: bool) -> None:
    p = progress(run)
    state_line = {
        "running": ":material/progress_activity: Training",
        "completed": ":material/check_circle: Finished",
        "stopped": ":material/stop_circle: Stopped",
        "diverged": ":material/trending_up: Diverged",
        "failed": ":material/error: Failed",
        "interrupted": ":material/warning: Interrupted",
        "created": ":material/hourglass_empty: Waiting to start",
    }[p.state]
    st.subheader(f"{run.name}")
    st.markdown(f"**{state_line}**")
    if p.state == "created" and (position := job_queue().position(run)):
        ahead = "the run training now" if position == 1 else f"the run training now and {position - 1} more"
        st.info(f"In the queue, position {position}: it starts after {ahead} (one run trains at a time).")
    if p.state in ("diverged", "failed", "interrupted") and p.message:
        st.error(p.message)
    st.progress(p.fraction, text=progress_text(p))
    cols = st.columns(4)
    cols[0].metric("Train loss", "–" if p.train_loss is None else f"{p.train_loss:.3f}")
    cols[1].metric("Validation loss", "–" if p.val_loss is None else f"{p.val_loss:.3f}")
    cols[2].metric("Tokens/s", "–" if p.tokens_per_s is None else f"{p.tokens_per_s:,.0f}")
    cols[3].metric("Elapsed", _duration(p.elapsed_s))
    if live and st.button("Stop training", icon=":material/stop:", key=f"stop-{run.name}"):
        run.request_stop()
        st.toast("Stopping after the current step; the checkpoint is kept.")
    st.plotly_chart(loss_curves({run.name: metrics_frame(run)}), key=f"loss-{run.name}")
    samples_view(run)


@st.fragment(run_every=REFRESH_SECONDS)
def _live_overview(path: str) -> None:
    run = Run(Path(path))
    run_overview(run, live=True)
    if not _in_progress(run):
        st.rerun()  # the whole page redraws once more, as a finished run, and the refreshing stops


def _in_progress(run: Run) -> bool:
    # The queue first: a job leaves it only once its status says running, so one of the two always holds.
    return run.path in job_queue().queued() or run.is_running


def show_run(run: Run) -> None:
    """Show a run; while it waits in the queue or trains, the view re-reads it from disk every REFRESH_SECONDS."""
    if _in_progress(run):
        _live_overview(str(run.path))
    else:
        run_overview(run, live=False)
