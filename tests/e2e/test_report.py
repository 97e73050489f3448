"""A downloaded report opens in a browser with the network cut off and draws every figure: nothing it needs is
fetched, and hostile text in it stays text."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.report import Section, build_report
from tests.e2e.test_dashboard import wait_app

pytestmark = pytest.mark.e2e

EVIL = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>"


def test_report_renders_every_figure_offline(page, make_run, tmp_path):
    from core.catalog import CatalogFilter, filter_catalog, load_catalog
    from dashboard.report_views import runs_sections, scale_sections

    run = make_run("ngram", name="offline")
    catalog = load_catalog()
    shown = filter_catalog(catalog, CatalogFilter())
    sections = [
        Section(f"Prompt {EVIL}", [EVIL]),
        *runs_sections([run], "step", False, 0.6),
        *scale_sections(CatalogFilter(), shown, [], len(shown), len(catalog)),
    ]
    n_figures = sum(1 for s in sections for p in s.parts if hasattr(p, "to_plotly_json"))
    assert n_figures == 5
    path = tmp_path / "report.html"
    path.write_text(build_report(f"Report {EVIL}", sections), encoding="utf-8")

    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    offline = lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort()  # noqa: E731
    page.context.route("**/*", offline)
    page.goto(path.as_uri())
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {n_figures}")
    plots = page.locator(".js-plotly-plot")
    assert plots.count() == n_figures
    for i in range(n_figures):
        # Each figure drew its data: an SVG with at least one trace (scatter points or lines, or bars) in it.
        assert plots.nth(i).locator("svg.main-svg").count() >= 1
        assert plots.nth(i).locator("g.trace").count() >= 1
    assert page.title() == f"Report {EVIL}"  # the title shows the markup as text; no script ran
    assert page.locator("h2").first.inner_text() == f"Prompt {EVIL}"
    assert page.locator("img").count() == 0
    assert [url for url in requests if not url.startswith(("file:", "data:", "blob:"))] == []


def test_runs_page_downloads_a_report_and_a_run_that_imports_elsewhere(server, page, make_run, tmp_path):
    from core.run_archive import import_run

    run = make_run("ngram", name="shared")
    page.goto(f"{server}/runs")
    page.get_by_role("heading", name="Runs").wait_for(timeout=60_000)
    wait_app(page)
    with page.expect_download(timeout=60_000) as report:
        page.get_by_role("button", name="Download report (HTML)").click()
    html = Path(report.value.path()).read_text(encoding="utf-8")
    assert report.value.suggested_filename.endswith(".html")
    assert html.count('class="plotly-graph-div"') == 1 and "<td>shared</td>" in html

    page.get_by_role("tab", name="Manage").click()
    with page.expect_download(timeout=60_000) as archive:
        page.get_by_role("button", name="Export zip").click()
    assert archive.value.suggested_filename == "shared.zip"
    data = Path(archive.value.path()).read_bytes()
    copy = import_run(data, tmp_path / "elsewhere", archive.value.suggested_filename)
    assert copy.name == "shared" and copy.checkpoint_path.read_bytes() == run.checkpoint_path.read_bytes()
