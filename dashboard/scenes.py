"""The Scenes panel in the sidebar: save the current view as a named scene, list, replay and delete scenes.

A scene is the page, its shareable widget settings (`dashboard.url_state.PARAMS`) and the results the page
keeps in the session (`RESULTS`), stored by `core.scenes` as JSON. Replaying queues the settings and results for
the page and switches to it: the page shows the saved results as its own, without loading or computing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from core.errors import UserError
from core.scenes import Scene, delete_scene, list_scenes, load_scene, save_scene
from dashboard import url_state
from dashboard.navigation import PAGES, page_of
from dashboard.widgets import user_errors


# The comparison's types come with torch: imported when a scene holds one, so that every page stays light.
def slots_to_data(results: list) -> list[dict[str, Any]]:
    """A comparison's slots (`SlotResult`s, what `st.session_state.compare_results` holds) as plain data."""
    return [dataclasses.asdict(result) for result in results]


def slots_from_data(data: list[dict[str, Any]]) -> list:
    """The `SlotResult`s back from `slots_to_data`; a KeyError or TypeError for data that is not one."""
    from core.answers import Answer
    from dashboard.generation_views import SlotResult

    answer_fields = {f.name for f in dataclasses.fields(Answer)}

    def answer(d: dict[str, Any] | None):
        return None if d is None else Answer(**{k: v for k, v in d.items() if k in answer_fields})

    return [SlotResult(str(d["title"]), answer(d["answer"]), d["error"]) for d in data]


@dataclass(frozen=True)
class Codec:
    dump: Callable[[Any], Any]
    load: Callable[[Any], Any]


# The results each page keeps in the session, by session key: what a scene saves beside the settings.
RESULTS: dict[str, dict[str, Codec]] = {
    "compare": {"compare_results": Codec(slots_to_data, slots_from_data)},
    "train": {"train_run": Codec(str, str)},  # the run shown (its metrics and samples stay on disk)
}


def capture(page: str, name: str) -> Scene:
    """The current view of `page` as a scene called `name`."""
    params = url_state.page_params(page)
    widgets = url_state.encode_params(params, {p.key: st.session_state.get(p.key) for p in params})
    results = {
        key: codec.dump(st.session_state[key])
        for key, codec in RESULTS.get(page, {}).items()
        if st.session_state.get(key) is not None
    }
    return Scene(name, page, widgets, results)


def replay(name: str) -> None:
    """Load the scene, queue its settings and results for its page, and switch there."""
    scene = load_scene(name)
    if not any(info.file == f"{scene.page}.py" for info in PAGES):
        raise UserError(f"The scene {name!r} is of a page this dashboard does not have ({scene.page!r}).")
    values = url_state.parse_params(url_state.page_params(scene.page), scene.widgets)
    codecs = RESULTS.get(scene.page, {})
    try:
        results = {key: codecs[key].load(data) for key, data in scene.results.items() if key in codecs}
    except (KeyError, TypeError, ValueError) as err:
        raise UserError(f"The results saved in the scene {name!r} cannot be read ({err!r}); save it again.") from err
    url_state.queue(scene.page, {**values, **results})
    st.switch_page(page_of(scene.page))


def sidebar(page: str) -> None:
    """Save the current view as a scene, and replay or delete saved ones."""
    with st.sidebar.expander("Scenes", icon=":material/photo_library:"), user_errors():
        name = st.text_input(
            "Save this view as…",
            key="scenes.name",
            placeholder="e.g. nf4-vs-fp32",
            help="Saves this page's settings and the results it shows (e.g. a comparison's answers) as a scene "
            "to replay instantly, offline, later. A scene of the same name is replaced.",
        )
        if st.button("Save scene", key="scenes.save", icon=":material/save:", disabled=not name.strip()):
            path = save_scene(capture(page, name))
            st.toast(f"Saved the scene {path.stem!r}.", icon=":material/check:")
        names = list_scenes()
        if not names:
            st.caption("No scenes saved yet.")
            return
        chosen = st.selectbox("Saved scenes", names, key="scenes.chosen", help="Scenes in the scenes folder.")
        replay_col, delete_col = st.columns(2)
        if replay_col.button("Replay", key="scenes.replay", icon=":material/replay:", type="primary"):
            replay(chosen)
        if delete_col.button("Delete", key="scenes.delete", icon=":material/delete:"):
            delete_scene(chosen)
            st.rerun()
