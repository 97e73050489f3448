"""The one place expensive resources are cached for the whole server process."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.runs import Run
from core.sampling import load_run_model


@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def _run_model(path: str, checkpoint_mtime: float):
    return load_run_model(Run(Path(path)))


def run_model(run: Run):
    """A run's model and tokenizer, reloaded when its checkpoint changes; at most 4 kept in memory."""
    mtime = run.checkpoint_path.stat().st_mtime if run.has_checkpoint() else 0.0
    return _run_model(str(run.path), mtime)
