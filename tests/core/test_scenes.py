import json

import pytest

from core.errors import UserError
from core.scenes import (
    SCENES_DIR_ENV,
    Scene,
    delete_scene,
    list_scenes,
    load_scene,
    sanitize_scene_name,
    save_scene,
    scenes_root,
)

SCENE = Scene(
    "nf4 vs fp32",
    "compare",
    {"compare.slots": ["2"], "slot1.precision": ["nf4"], "compare.prompt": ["诗 and 🙂"]},
    {"compare_results": [{"title": "1. SmolLM2 · fp32", "answer": None, "error": "boom"}]},
)


def test_save_list_load_round_trip(tmp_path):
    path = save_scene(SCENE, tmp_path)
    assert path == tmp_path / "nf4-vs-fp32.json"
    assert list_scenes(tmp_path) == ["nf4-vs-fp32"]
    loaded = load_scene("nf4 vs fp32", tmp_path)  # the name as typed finds the sanitised file
    assert (loaded.page, loaded.widgets, loaded.results) == (SCENE.page, SCENE.widgets, SCENE.results)
    assert loaded.name == "nf4-vs-fp32" and loaded.saved_at.endswith("Z")
    assert "诗 and 🙂" in path.read_text(encoding="utf-8")  # readable JSON, not escapes


def test_saving_again_replaces_and_delete_removes(tmp_path):
    save_scene(SCENE, tmp_path)
    save_scene(Scene("nf4 vs fp32", "scale"), tmp_path)
    assert load_scene("nf4-vs-fp32", tmp_path).page == "scale"
    save_scene(Scene("another", "home"), tmp_path)
    assert list_scenes(tmp_path) == ["another", "nf4-vs-fp32"]
    delete_scene("another", tmp_path)
    assert list_scenes(tmp_path) == ["nf4-vs-fp32"]
    assert list(tmp_path.glob(".*")) == []  # no temporary files left behind


def test_root_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(SCENES_DIR_ENV, str(tmp_path / "elsewhere"))
    assert scenes_root() == (tmp_path / "elsewhere").resolve()
    assert list_scenes() == []
    save_scene(Scene("x", "home"))
    assert list_scenes() == ["x"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("../../etc/passwd", "etc-passwd"), ("a b/c", "a-b-c"), (".hidden", "hidden"), ("演示", None), ("  ", None)],
)
def test_names_are_sanitised_and_never_leave_the_folder(name, expected):
    if expected is None:
        with pytest.raises(UserError, match="not usable as a scene name"):
            sanitize_scene_name(name)
    else:
        assert sanitize_scene_name(name) == expected


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\x80\x81 not text", "not valid JSON"),
        (b"{ not json", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({"version": 99}).encode(), "version 99"),
        (json.dumps({**SCENE.to_dict(), "page": 3}).encode(), "'page' is missing or not a str"),
        (json.dumps({**SCENE.to_dict(), "widgets": {"k": [1]}}).encode(), "not a list of strings"),
    ],
)
def test_bad_files_are_refused_with_a_message_naming_them(tmp_path, content, fragment):
    (tmp_path / "bad.json").write_bytes(content)
    assert list_scenes(tmp_path) == ["bad"]
    with pytest.raises(UserError, match=fragment) as err:
        load_scene("bad", tmp_path)
    assert "bad.json" in str(err.value)


def test_missing_scene_and_unserialisable_results_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="No scene called 'nope'"):
        load_scene("nope", tmp_path)
    with pytest.raises(UserError, match="not plain data"):
        save_scene(Scene("x", "compare", results={"compare_results": object()}), tmp_path)
    assert list_scenes(tmp_path) == []
