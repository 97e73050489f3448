from streamlit.testing.v1 import AppTest

from tests.pages.conftest import APP, widget


def open_with(page: str, query: dict) -> AppTest:
    """The app opened from a link: `page` with `query` in the URL, in a fresh session."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.query_params = dict(query)
    at.switch_page(f"../pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def test_a_link_sets_the_compare_page_and_bad_values_are_ignored():
    at = open_with(
        "compare",
        {"compare.slots": "2", "slot1.precision": "nf4", "compare.prompt": "诗是什么?", "compare.new": "many"},
    )
    assert at.button_group(key="compare.slots").value == 2
    assert at.selectbox(key="slot1.precision").value == "nf4"
    assert at.text_area(key="compare.prompt").value == "诗是什么?"
    assert at.number_input(key="compare.new").value == 64  # "many" is no number: the default stays
    assert at.query_params["compare.new"] == "64"  # and the URL now says what the page shows


def test_a_link_sets_the_scale_filters_and_widget_changes_win_over_the_old_url():
    at = open_with(
        "scale",
        {
            "scale.weights": "open",
            "scale.years": ["2020", "2023"],
            "scale.highlight": ["GPT-3 175B", "Llama 3 70B"],
            "scale.mine": "false",
            "scale.search": "maybe",
        },
    )
    assert widget(at.selectbox, "Weights").value == "open"
    assert widget(at.slider, "Years").value == (2020, 2023)
    assert widget(at.multiselect, "Highlight").value == ["GPT-3 175B", "Llama 3 70B"]
    assert at.toggle(key="scale.mine").value is False
    widget(at.selectbox, "Weights").set_value("closed").run()
    assert widget(at.selectbox, "Weights").value == "closed"  # not undone by the URL it was opened with
    assert at.query_params["scale.weights"] == "closed"
    widget(at.text_input, "Search").set_value("").run()
    assert "scale.search" not in at.query_params  # an empty setting leaves the URL


def test_the_train_settings_and_ecosystem_layers_come_from_the_url():
    at = open_with("train", {"train.family": "lstm", "train.steps": "120", "corpus_choice": "chinese-poems"})
    assert widget(at.selectbox, "Family").value == "lstm"
    assert widget(at.number_input, "Steps").value == 120
    assert at.radio(key="corpus_choice").value == "chinese-poems"
    at = open_with("ecosystem", {"ecosystem.layers": ["Chips", "Models", "Nonsense"]})
    assert widget(at.multiselect, "Layers").value == ["Chips", "Models"]  # an unknown layer is dropped
    assert at.query_params["ecosystem.layers"] == ["Chips", "Models"]
