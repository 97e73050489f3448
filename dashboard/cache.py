"""The one place expensive resources are cached for the whole server process: loaded models stay loaded across
reruns, pages and browser sessions, within a memory budget, until someone unloads them."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import streamlit as st

from core.errors import ErrorKind, UserError
from core.loading import LoadedModel, allowed_model_dirs, load_model
from core.runs import Run
from core.sampling import load_run_model

# Loaded pretrained models may use this much memory together; the least recently used go first beyond it.
MODEL_BUDGET_BYTES = 3 * 1024**3
# Session state: {model picker key: the spec this browser session let run its own code there}.
TRUSTED_KEY = "trusted_remote_code"


def set_trusted(picker: str, spec: str | None) -> None:
    """Record the one model (or None) that the model picker `picker` lets run its own code in this session."""
    st.session_state.setdefault(TRUSTED_KEY, {})[picker] = spec


def trusted(spec: str) -> bool:
    """Whether this browser session ticked "Trust remote code" for exactly this model."""
    return spec in st.session_state.get(TRUSTED_KEY, {}).values()


@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def _run_model(path: str, checkpoint_mtime: float):
    return load_run_model(Run(Path(path)))


def run_model(run: Run):
    """A run's model and tokenizer, reloaded when its checkpoint changes; at most 4 kept in memory."""
    mtime = run.checkpoint_path.stat().st_mtime if run.has_checkpoint() else 0.0
    return _run_model(str(run.path), mtime)


class ModelCache:
    """Loaded models keyed by (source, precision, device), least recently used first out past the budget."""

    def __init__(self, budget_bytes: int = MODEL_BUDGET_BYTES) -> None:
        self.budget_bytes = budget_bytes
        self._models: OrderedDict[tuple[str, str, str], LoadedModel] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, spec: str, precision: str, device: str = "auto") -> LoadedModel:
        """The model, loaded on first use. Paths are confined to `allowed_model_dirs()` (a browser may be anyone's),
        and the model may run its own code only if this session trusted it (`trusted`), even when another
        session already loaded it that way."""
        key = (spec, precision, device)
        trust = trusted(spec)
        with self._lock:
            if key in self._models:
                if self._models[key].remote_code and not trust:
                    raise UserError(
                        f"{spec} runs its own code; tick 'Trust remote code' under Other… to use it.", ErrorKind.MODEL
                    )
                self._models.move_to_end(key)
                return self._models[key]
            loaded = load_model(spec, precision, device, trust_remote_code=trust, allowed_dirs=allowed_model_dirs())
            self._models[key] = loaded
            while len(self._models) > 1 and self.used_bytes() > self.budget_bytes:
                self._models.popitem(last=False)
            return loaded

    def used_bytes(self) -> int:
        return sum(m.memory_bytes for m in self._models.values())

    def loaded(self) -> list[tuple[tuple[str, str, str], LoadedModel]]:
        return list(self._models.items())

    def unload(self, key: tuple[str, str, str] | None = None) -> None:
        """Forget one model (or all); Python frees its memory once no page holds it."""
        with self._lock:
            if key is None:
                self._models.clear()
            else:
                self._models.pop(key, None)


@st.cache_resource
def model_cache() -> ModelCache:
    """The one model cache of this server process."""
    return ModelCache()
