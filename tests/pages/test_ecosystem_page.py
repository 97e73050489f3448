from tests.pages.conftest import open_page, widget


def test_ecosystem_page_shows_map_timeline_share_and_cpus():
    at = open_page("ecosystem")
    assert [s.value for s in at.subheader] == [
        "The map",
        "Milestones",
        "Open weights vs closed, by year",
        "Moore's law as a yardstick",
    ]
    assert not at.error
    assert len(at.get("plotly_chart")) == 4
    assert "years" in at.metric[0].value and "months" in at.metric[1].value


def test_filtering_the_map_by_type():
    at = open_page("ecosystem")
    widget(at.multiselect, "Types").set_value(["hardware", "cloud"]).run()
    assert not at.exception
    assert any(c.value.startswith("7 organisations") for c in at.caption)
    widget(at.multiselect, "Types").set_value([]).run()
    assert any("Nothing matches" in i.value for i in at.info)
