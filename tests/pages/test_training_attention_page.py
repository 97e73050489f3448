from tests.pages.conftest import open_page, widget


def test_without_snapshots_it_points_to_training():
    assert "No run has snapshots" in open_page("training_attention").info[0].value


def test_scrubs_through_a_gpt_runs_snapshots(trained_runs):
    at = open_page("training_attention")
    widget(at.selectbox, "Run").set_value("tiny-gpt").run()
    assert not at.exception and not at.error
    slider = widget(at.select_slider, "Training step")
    assert slider.value == 20
    slider.set_value(0).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns[:3]) == ["position", "token", "actual next"]
    assert len(at.get("plotly_chart")) == 2  # head formation and the chosen head


def test_other_families_show_their_guesses(trained_runs):
    at = open_page("training_attention")
    widget(at.selectbox, "Run").set_value("tiny-ngram").run()
    assert not at.exception and "no attention" in at.caption[1].value
    assert len(at.dataframe) == 1
