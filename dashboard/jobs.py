"""The server's one training job queue (core.jobs), shared by every session, page and tab of this process."""

from __future__ import annotations

import streamlit as st

from core.jobs import JobQueue


@st.cache_resource
def job_queue() -> JobQueue:
    """The queue of this server process: sessions hold only their runs' paths, the queue holds the jobs."""
    return JobQueue()
