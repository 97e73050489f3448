"""The server settings that keep the dashboard safe to open in a browser, read from .streamlit/config.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

from core.corpus import MAX_CORPUS_BYTES

CONFIG = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())


def test_errors_never_show_tracebacks_to_the_browser():
    assert CONFIG["client"]["showErrorDetails"] == "none"  # not "full" (tracebacks), nor "stacktrace"


def test_the_server_listens_on_this_machine_only_with_xsrf_and_cors_protection():
    server = CONFIG["server"]
    assert server["address"] == "localhost"
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True


def test_uploads_are_capped_at_the_corpus_limit():
    assert 1 <= CONFIG["server"]["maxUploadSize"] <= 200  # MB
    assert CONFIG["server"]["maxUploadSize"] * 1024 * 1024 == MAX_CORPUS_BYTES


def test_no_usage_statistics_leave_the_machine():
    assert CONFIG["browser"]["gatherUsageStats"] is False
