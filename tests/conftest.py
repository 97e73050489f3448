"""Shared fixtures: every test gets its own runs folder, and a tiny corpus with Chinese and emoji."""

from __future__ import annotations

import pytest

from core.runs import RUNS_DIR_ENV

TINY_TEXT = "The cat sat on the mat. The dog sat on the log. 猫坐在垫子上。🙂 A cat and a dog met on the mat.\n" * 40


@pytest.fixture(autouse=True)
def runs_dir(tmp_path, monkeypatch):
    """Point the runs root at a fresh temporary folder, so no test touches real runs."""
    path = tmp_path / "runs"
    monkeypatch.setenv(RUNS_DIR_ENV, str(path))
    return path


@pytest.fixture
def tiny_text() -> str:
    return TINY_TEXT
