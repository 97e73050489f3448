"""Through the pages: paths outside the allowed folders are refused, a model that ships its own code runs only after
"Trust remote code" is ticked for it, and an unexpected error anywhere shows a short reference, not a traceback."""

from __future__ import annotations

import sys

import pytest

from tests.hostile import with_custom_code
from tests.pages.conftest import open_page, pick_model

pytestmark = pytest.mark.usefixtures("empty_model_cache")
TIMEOUT = 120


@pytest.mark.parametrize("path", ["/etc", "/etc/passwd", "~", "../../.."])
def test_a_path_outside_the_allowed_folders_is_refused(path):
    at = open_page("generate")
    pick_model(at, "generate", path)
    at.chat_input[0].set_value("Hello").run(timeout=TIMEOUT)
    assert not at.exception
    assert "outside the folders" in at.error[0].value


def test_the_attention_page_confines_paths_too():
    at = open_page("attention")
    at.selectbox(key="attention.model").set_value("__other__").run()
    at.text_input(key="attention.other").set_value("/etc").run(timeout=TIMEOUT)
    assert not at.exception
    assert "outside the folders" in at.error[0].value


def test_remote_code_needs_the_tick_for_that_model(tmp_path, tiny_hf_model, monkeypatch):
    import transformers.dynamic_module_utils as dynamic

    monkeypatch.setattr(dynamic, "HF_MODULES_CACHE", str(tmp_path / "modules"))  # keep ~/.cache clean
    monkeypatch.setattr(sys, "path", list(sys.path))
    marker = tmp_path / "executed.txt"
    folder = str(with_custom_code(tiny_hf_model, tmp_path / "custom", marker))
    at = open_page("generate")
    pick_model(at, "generate", folder)
    at.number_input(key="generate.new").set_value(4)
    at.chat_input[0].set_value("Hello").run(timeout=TIMEOUT)
    assert "asks to run its own Python code" in at.error[0].value
    assert not marker.exists() and not at.warning

    at.checkbox(key=f"generate.trust.{folder}").check().run()
    assert "may now run its own Python code" in at.warning[0].value
    at.chat_input[0].set_value("Hello").run(timeout=TIMEOUT)
    assert not at.exception and not at.error, at.error
    assert marker.exists()

    at.text_input(key="generate.other").set_value(str(tiny_hf_model)).run()  # another model starts unticked
    assert not at.checkbox(key=f"generate.trust.{tiny_hf_model}").value and not at.warning


def test_an_unexpected_error_on_any_page_shows_a_reference_not_a_traceback(monkeypatch, caplog):
    import core.runs

    def broken(*args, **kwargs):
        raise RuntimeError("a bug, with /secret/paths in its traceback")

    monkeypatch.setattr(core.runs, "list_runs", broken)
    at = open_page("runs")
    assert not at.exception
    [error] = at.error
    assert "Something went wrong on our side (reference " in error.value and "secret" not in error.value
    reference = error.value.split("reference ")[1][:8]
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)
    caplog.clear()  # logged as it should be; not a failure of this test
