"""Through the Generate page: paths outside the allowed folders are refused, and a model that ships its own code
runs only after "Trust remote code" is ticked for it."""

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
