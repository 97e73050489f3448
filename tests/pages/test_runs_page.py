from tests.pages.conftest import button, open_page, widget


def test_without_runs_it_points_to_training():
    at = open_page("runs")
    assert "No runs yet" in at.info[0].value


def test_lists_runs_and_overlays_the_selected_curves(trained_runs):
    at = open_page("runs")
    table = at.dataframe[0].value
    assert set(table["run"]) == {"tiny-ngram", "tiny-gpt"}
    assert set(table["state"]) == {"completed"}
    compare = widget(at.multiselect, "Runs to compare")
    assert len(compare.value) == 2
    compare.set_value(["tiny-gpt"]).run()
    assert not at.exception
    assert [e.label for e in at.expander if e.label.startswith("tiny-")] == ["tiny-gpt · completed"]  # one per run


def test_generates_from_a_run(trained_runs):
    at = open_page("runs")
    widget(at.multiselect, "Runs to compare").set_value(["tiny-ngram"]).run()
    widget(at.text_area, "Prompt").set_value("The cat")
    widget(at.number_input, "New tokens").set_value(40)
    button(at, "Generate").click().run()
    assert not at.exception and not at.error
    generated = [c.value for c in at.code if c.value.startswith("The cat")]
    assert generated and len(generated[0]) > len("The cat")


def test_bad_generation_settings_get_a_message(trained_runs):
    at = open_page("runs")
    widget(at.multiselect, "Runs to compare").set_value(["tiny-gpt"]).run()
    widget(at.number_input, "New tokens").set_value(0)
    button(at, "Generate").click().run()
    assert "max new tokens" in at.error[0].value


def test_deletes_a_run(trained_runs):
    at = open_page("runs")
    widget(at.multiselect, "Runs to compare").set_value(["tiny-ngram"]).run()
    button(at, "Delete").click().run()
    assert not trained_runs[0].path.exists()
    assert trained_runs[1].path.exists()
    assert set(at.dataframe[0].value["run"]) == {"tiny-gpt"}
