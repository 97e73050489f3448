"""Runs: every training run in a table, loss curves overlaid, samples, generation, export and clean-up."""

import json
from functools import partial

import streamlit as st

from core.run_summary import metrics_frame, runs_table
from core.runs import list_runs
from core.sampling import generate_text
from dashboard.cache import run_model
from dashboard.charts import X_AXES, loss_curves
from dashboard.jobs import job_queue
from dashboard.navigation import PAGES
from dashboard.report_views import export_button, import_uploader, report_button, runs_sections
from dashboard.run_views import samples_view
from dashboard.widgets import user_errors

st.title("Runs")
with st.expander("Import a run (.zip)", icon=":material/upload_file:"):
    import_uploader()
runs = {run.name: run for run in list_runs()}
if not runs:
    st.info("No runs yet. Train a model first.")
    st.page_link(PAGES[1].page(), label="Go to Train", icon=":material/model_training:")
    st.stop()

st.dataframe(runs_table(list(runs.values())), hide_index=True)
chosen = st.multiselect("Runs to compare", list(runs), default=list(runs)[:2])
x_col, log_col, smooth_col = st.columns([2, 1, 2])
x_axis = x_col.segmented_control("X axis", list(X_AXES), format_func=X_AXES.get, default="step", required=True)
log_y = log_col.toggle("Log-scale loss")
smoothing = smooth_col.slider("Smoothing (EMA)", 0.0, 0.99, 0.6, help="The raw curve stays faintly behind.")
curves = {name: metrics_frame(runs[name]) for name in chosen}
st.plotly_chart(loss_curves(curves, x=x_axis, log_y=log_y, smoothing=smoothing))

for name in chosen:
    run = runs[name]
    state = run.status()["state"]
    with st.expander(f"{name} · {state}", expanded=len(chosen) == 1):
        samples_tab, generate_tab, config_tab, manage_tab = st.tabs(["Samples", "Generate", "Config", "Manage"])
        with samples_tab:
            samples_view(run)
        with generate_tab, st.form(f"generate-{name}"):
            prompt = st.text_area("Prompt", key=f"prompt-{name}")
            c1, c2, c3, c4 = st.columns(4)
            max_new = c1.number_input("New tokens", value=200, step=50, key=f"new-{name}")
            temperature = c2.number_input("Temperature", value=0.8, step=0.1, key=f"temp-{name}")
            top_k = c3.number_input("Top-k (0 = all)", value=0, step=5, key=f"topk-{name}")
            seed = c4.number_input("Seed", value=0, step=1, key=f"seed-{name}")
            if st.form_submit_button("Generate"):
                with user_errors():
                    model, tokenizer = run_model(run)
                    text = generate_text(model, tokenizer, prompt, int(max_new), temperature, int(top_k), int(seed))
                    st.code(prompt + text, language=None, wrap_lines=True)
        with config_tab:
            st.code(json.dumps(run.config(), indent=2), language="json")
        with manage_tab, user_errors():
            st.download_button(
                "Metrics as CSV",
                metrics_frame(run).to_csv(index=False),
                f"{name}-metrics.csv",
                "text/csv",
                key=f"csv-{name}",
            )
            export_button(run)
            if state in ("stopped", "interrupted") and st.button("Resume training", key=f"resume-{name}"):
                job_queue().submit(run)
                st.session_state.train_run = str(run.path)
                st.switch_page(PAGES[1].page())
            with st.popover("Delete run", icon=":material/delete:"):
                st.warning(f"Delete {name} and its checkpoint for good?")
                if st.button("Delete", type="primary", key=f"delete-{name}"):
                    run.delete()
                    st.rerun()

if chosen:
    shown = [runs[name] for name in chosen]
    report_button("Runs", partial(runs_sections, shown, x_axis, log_y, smoothing), key="runs.report")
