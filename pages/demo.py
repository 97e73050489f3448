"""Demo tour: the story for an audience in five steps, and the button that starts it."""

import streamlit as st

from core.demo_assets import demo_run
from dashboard import tour

st.title("Demo tour")
st.markdown(
    "A guided tour for presenting the dashboard: five pages in the order of the story, each with a short caption "
    "and settings chosen to show results within seconds on a laptop CPU. A bar at the top of each page says "
    "where you are, with **Previous**, **Next** and **Exit**. Nothing needs a GPU or the network."
)
for i, step in enumerate(tour.STEPS, start=1):
    st.markdown(f"{i}. **{step.title}**: {step.caption}")

if demo_run():
    st.success(
        "The demo run is ready: step 4 shows the GPT trained on Shakespeare beside SmolLM2.", icon=":material/check:"
    )
else:
    st.info(
        f"The demo run is not made yet, so step 4 will show SmolLM2 alone. Run {tour.SETUP} once to prepare it; "
        "`make run` does so by itself.",
        icon=":material/info:",
    )
st.caption(
    "Share a view: every tour page keeps its settings in the URL, so a copied link reopens it. Save a view with "
    "its results as a scene in the sidebar and replay it instantly, offline, later."
)

start, leave = st.columns([1, 4])
if (step := tour.current()) is None:
    if start.button("Start the tour", type="primary", icon=":material/play_arrow:", key="tour.start"):
        tour.go(0)
else:
    if start.button(f"Resume at step {step + 1}", type="primary", icon=":material/play_arrow:", key="tour.resume"):
        tour.go(step)
    if leave.button("Exit tour", icon=":material/close:", key="tour.leave"):
        tour.stop()
