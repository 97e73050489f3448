import pytest

from dashboard import tour
from dashboard.navigation import PAGES
from dashboard.url_state import PARAMS, Param, encode_params, parse_params


@pytest.mark.parametrize(
    ("param", "raw", "value"),
    [
        (Param("a"), ["诗 🙂"], "诗 🙂"),
        (Param("a", "int"), ["32"], 32),
        (Param("a", "int"), ["3.5"], None),
        (Param("a", "int"), ["1", "2"], None),
        (Param("a", "float"), ["0.003"], 0.003),
        (Param("a", "float"), ["nan"], None),
        (Param("a", "bool"), ["true"], True),
        (Param("a", "bool"), ["0"], False),
        (Param("a", "bool"), ["maybe"], None),
        (Param("a", "strs"), ["x", "y"], ["x", "y"]),
        (Param("a", "ints"), ["2017", "2025"], (2017, 2025)),
        (Param("a", "ints"), ["2017", "soon"], None),
        (Param("a", choices=("fp32", "nf4")), ["nf4"], "nf4"),
        (Param("a", choices=("fp32", "nf4")), ["fp64"], None),
        (Param("a", "strs", choices=("x", "y")), ["x", "z"], None),
    ],
)
def test_parse_reads_valid_values_and_refuses_the_rest(param, raw, value):
    assert param.parse(raw) == value


def test_encode_and_parse_round_trip_and_skip_empty_values():
    params = (Param("s"), Param("n", "int"), Param("b", "bool"), Param("l", "strs"), Param("r", "ints"), Param("e"))
    state = {"s": "a b", "n": 3, "b": False, "l": ["x", "y"], "r": (1, 2), "e": "", "unknown": 1}
    url = encode_params(params, state)
    assert url == {"s": ["a b"], "n": ["3"], "b": ["false"], "l": ["x", "y"], "r": ["1", "2"]}
    assert parse_params(params, {**url, "unknown": ["1"], "n": ["three"]}) == {
        "s": "a b",
        "b": False,
        "l": ["x", "y"],
        "r": (1, 2),
    }


def test_the_attention_steps_sentence_fits_the_demo_runs_context():
    from core.demo_assets import DEMO_SETTINGS

    assert len(tour.DEMO_TEXT) <= DEMO_SETTINGS["block_size"]  # characters are its tokens


def test_tour_navigation():
    assert [tour.step_of(s.page) for s in tour.STEPS] == [0, 1, 2, 3, 4]
    assert tour.step_of("runs") is None
    assert tour.neighbours(0) == (None, 1) and tour.neighbours(2) == (1, 3) and tour.neighbours(4) == (3, None)


def test_every_tour_step_is_a_page_whose_defaults_travel_in_its_url():
    pages = {info.file.removesuffix(".py") for info in PAGES}
    assert [s.page for s in tour.STEPS] == ["ecosystem", "scale", "train", "attention", "compare"]
    for step in tour.STEPS:
        assert step.page in pages and step.caption
        keys = {p.key: p for p in PARAMS[step.page]}
        for key, value in step.defaults().items():  # the tour sets only what a link or a scene can carry
            assert key in keys, f"{step.page}: {key} is not in url_state.PARAMS"
            assert keys[key].parse(keys[key].encode(value)) == value
