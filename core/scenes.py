"""Scenes: a named view a presenter saved (a page, its widget settings and the results it showed) to replay
instantly, offline, later.

One JSON file per scene in the scenes folder ($LLM_DASHBOARD_SCENES, else scenes/ at the repository root).
Nothing is unpickled: a scene is plain JSON, checked when read, and a file that is not a scene is refused with a
message that names it. Widget settings are kept as their URL encoding (lists of strings, see
`dashboard.url_state`) and results as whatever plain data their page's `to_dict` gave.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.errors import UserError
from core.runs import write_atomic

SCENES_DIR_ENV = "LLM_DASHBOARD_SCENES"
DEFAULT_SCENES_DIR = Path(__file__).resolve().parent.parent / "scenes"
MAX_NAME_LENGTH = 64
MAX_SCENE_BYTES = 10 * 1024**2  # a scene holds settings and a few answers: anything bigger is not one
VERSION = 1


def scenes_root() -> Path:
    """Where scenes live: $LLM_DASHBOARD_SCENES, else scenes/ at the repository root."""
    return Path(os.environ.get(SCENES_DIR_ENV) or DEFAULT_SCENES_DIR).resolve()


def sanitize_scene_name(name: str) -> str:
    """A scene name safe as one file name: letters, digits, '.', '_' and '-' only, no leading dot."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip()).strip(".-")[:MAX_NAME_LENGTH]
    if not cleaned:
        raise UserError(f"{name!r} is not usable as a scene name; use letters, digits, '-', '_' or '.'.")
    return cleaned


def scene_path(name: str, root: Path | None = None) -> Path:
    return (root or scenes_root()) / f"{sanitize_scene_name(name)}.json"


@dataclass(frozen=True)
class Scene:
    name: str
    page: str  # the page's URL path, e.g. "compare"
    widgets: dict[str, list[str]] = field(default_factory=dict)  # widget key -> its values as in a URL
    results: dict[str, Any] = field(default_factory=dict)  # session key -> plain data of a result shown
    saved_at: str = ""  # UTC, ISO 8601

    def to_dict(self) -> dict[str, Any]:
        return {"version": VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Any, source: str = "the scene") -> Scene:
        """A scene from plain data; a UserError naming `source` when the data is not one."""

        def refuse(what: str) -> UserError:
            return UserError(f"{source} is not a scene this dashboard can replay: {what}.")

        if not isinstance(data, dict):
            raise refuse("it is not a JSON object")
        if data.get("version") != VERSION:
            raise refuse(f"version {data.get('version')!r}, expected {VERSION}")
        for key, kind in (("name", str), ("page", str), ("widgets", dict), ("results", dict), ("saved_at", str)):
            if not isinstance(data.get(key), kind):
                raise refuse(f"{key!r} is missing or not a {kind.__name__}")
        widgets = data["widgets"]
        if not all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in widgets.values()):
            raise refuse("a widget setting is not a list of strings")
        return cls(data["name"], data["page"], widgets, data["results"], data["saved_at"])


def save_scene(scene: Scene, root: Path | None = None) -> Path:
    """Write `scene` (replacing one of the same name) atomically; returns its file."""
    path = scene_path(scene.name, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    stamped = Scene(path.stem, scene.page, scene.widgets, scene.results, now)
    try:
        text = json.dumps(stamped.to_dict(), ensure_ascii=False, indent=1, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise UserError(f"The scene {scene.name!r} holds something that is not plain data ({err}).") from err
    write_atomic(path, text)
    return path


def list_scenes(root: Path | None = None) -> list[str]:
    """The names of the saved scenes, alphabetically."""
    root = root or scenes_root()
    return sorted(p.stem for p in root.glob("*.json") if not p.name.startswith(".")) if root.is_dir() else []


def load_scene(name: str, root: Path | None = None) -> Scene:
    """The scene called `name`; a UserError that says what is wrong with a missing or bad file."""
    path = scene_path(name, root)
    if not path.is_file():
        raise UserError(f"No scene called {name!r} in {path.parent}.")
    if path.stat().st_size > MAX_SCENE_BYTES:
        raise UserError(f"{path} is {path.stat().st_size / 1e6:.0f} MB: too big for a scene, so it was not read.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UserError(f"{path} is not a scene this dashboard can replay: it is not valid JSON ({err}).") from err
    return Scene.from_dict(data, source=str(path))


def delete_scene(name: str, root: Path | None = None) -> None:
    scene_path(name, root).unlink(missing_ok=True)
