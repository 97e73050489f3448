"""Every page with results offers its report as a download; the Runs page exports each run as a zip and imports
one, with a clear message for a bad file. (What the reports hold is tested in tests/dashboard/test_report.py.)"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.run_archive import export_run
from tests.pages.conftest import APP, open_page, widget

REPORT = "Download report (HTML)"


def downloads(at: AppTest) -> dict[str, object]:
    return {d.label: d for d in at.get("download_button")}


def test_compare_offers_a_report_once_there_are_answers():
    from core.answers import Answer
    from dashboard.generation_views import SlotResult

    at = open_page("compare")
    assert REPORT not in downloads(at)
    answer = Answer("tiny", "fp32", "An answer.", 3, 0.1, 30.0, 0.2, "cpu", "float32", "none", 1.0, 0.1, 1000)
    at.session_state["compare_results"] = [SlotResult("1. tiny · fp32", answer)]
    at.run()
    assert not at.exception
    assert "self-contained HTML" in downloads(at)[REPORT].help


def test_runs_offers_a_report_and_a_zip_per_run(trained_runs):
    at = open_page("runs")
    widget(at.multiselect, "Runs to compare").set_value(["tiny-gpt"]).run()
    buttons = downloads(at)
    assert {REPORT, "Export zip", "Metrics as CSV"} <= buttons.keys()
    assert not buttons["Export zip"].proto.disabled


def test_runs_imports_a_zip_once_and_explains_a_bad_one(trained_runs):
    at = open_page("runs")
    archive = export_run(trained_runs[1])
    uploader = at.file_uploader(key="runs.import")
    uploader.set_value(("shared-gpt.zip", archive, "application/zip")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Imported shared-gpt.zip as run shared-gpt." in at.success[0].value
    assert "shared-gpt" in set(at.dataframe[0].value["run"])
    at.run()  # the file stays in the uploader: no second import
    assert set(at.dataframe[0].value["run"]) == {"tiny-ngram", "tiny-gpt", "shared-gpt"}

    at.file_uploader(key="runs.import").set_value(("broken.zip", b"not a zip", "application/zip")).run()
    assert not at.exception
    assert "not a readable zip archive" in at.error[0].value
    at.run()
    assert "not a readable zip archive" in at.error[0].value  # still explained while the file is there


def test_scale_offers_a_report():
    at = open_page("scale")
    assert "self-contained HTML" in downloads(at)[REPORT].help


def test_attention_offers_a_report(trained_runs):
    gpt = next(r for r in trained_runs if r.name == "tiny-gpt")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["attention.model"] = str(gpt.path)  # skip loading SmolLM2, the page's default
    at.session_state["attention.text"] = "The cat sat."  # characters the char-level run knows
    at.run()
    at.switch_page("../pages/attention.py")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert REPORT in downloads(at)
