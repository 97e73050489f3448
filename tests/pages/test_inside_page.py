from tests.pages.conftest import open_page, widget


def test_without_runs_it_points_to_training():
    assert "No trained runs" in open_page("inside").info[0].value


def test_shows_the_view_of_each_family(trained_runs):
    at = open_page("inside")
    run_box = widget(at.selectbox, "Run")
    run_box.set_value("tiny-ngram").run()
    assert not at.exception and not at.error
    assert "Transition matrix" in at.markdown[0].value
    widget(at.selectbox, "Run").set_value("tiny-gpt").run()
    assert not at.exception and not at.error
    assert "Embedding map" in at.markdown[0].value
