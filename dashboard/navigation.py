"""The list of pages: the sidebar navigation and the Home page's cards are both built from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"


@dataclass(frozen=True)
class PageInfo:
    file: str
    title: str
    icon: str
    section: str
    description: str

    def page(self) -> st.Page:
        return st.Page(PAGES_DIR / self.file, title=self.title, icon=self.icon, default=self.file == "home.py")


PAGES = [
    PageInfo("home.py", "Home", ":material/home:", "Overview", "What this dashboard is for, and where to start."),
    PageInfo(
        "train.py",
        "Train",
        ":material/model_training:",
        "Tiny models",
        "Train an n-gram, MLP, LSTM or GPT on Shakespeare, Chinese poems or your own text, and watch it learn live.",
    ),
    PageInfo(
        "runs.py",
        "Runs",
        ":material/stacked_line_chart:",
        "Tiny models",
        "Compare the loss curves of your runs, read their samples, generate from any of them, export metrics.",
    ),
]


def sections() -> dict[str, list[st.Page]]:
    grouped: dict[str, list[st.Page]] = {}
    for info in PAGES:
        grouped.setdefault(info.section, []).append(info.page())
    return grouped
