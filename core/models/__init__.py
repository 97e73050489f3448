"""The four tiny model families behind one interface, and the one place that builds them from a config."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from core.errors import UserError
from core.models.base import LanguageModel
from core.models.gpt import GPTModel
from core.models.lstm import LSTMModel
from core.models.mlp import MLPModel
from core.models.ngram import NGramModel

FAMILIES: dict[str, type[LanguageModel]] = {cls.family: cls for cls in (NGramModel, MLPModel, LSTMModel, GPTModel)}

# A model past this many learned values would take minutes per step on a laptop CPU and gigabytes of memory;
# refusing it up front beats an out-of-memory crash halfway through a run.
MAX_PARAMS = 200_000_000


def family_class(family: str) -> type[LanguageModel]:
    """The model class of a family name, or a UserError listing the known names."""
    try:
        return FAMILIES[family]
    except KeyError:
        raise UserError(f"Unknown model family {family!r}; choose one of {', '.join(FAMILIES)}.") from None


def model_config(family: str, params: dict[str, Any]) -> Any:
    """Build and validate a family's frozen config dataclass from plain values (as stored in config.json)."""
    cls = family_class(family)
    known = {f.name for f in dataclasses.fields(cls.Config)}
    if not isinstance(params, dict):
        raise UserError(f"The {family} model's settings must be a mapping of names to values; got {params!r}.")
    unknown = sorted(set(params) - known)
    if unknown:
        raise UserError(
            f"{', '.join(unknown)} does not apply to the {family} model; it takes {', '.join(sorted(known))}."
        )
    return cls.Config(**params)


def build_model(family: str, params: dict[str, Any], vocab_size: int, block_size: int) -> LanguageModel:
    """Construct a model, refusing sizes that would exhaust memory before allocating anything."""
    cls = family_class(family)
    config = model_config(family, params)
    with torch.device("meta"):  # shapes only: counts parameters without allocating them
        n_params = cls(config, vocab_size, block_size).num_params()
    if n_params > MAX_PARAMS:
        raise UserError(
            f"This {family} model would have {n_params:,} parameters, more than the {MAX_PARAMS:,} this "
            "dashboard trains; make it narrower or shallower."
        )
    return cls(config, vocab_size, block_size)


__all__ = ["FAMILIES", "LanguageModel", "build_model", "family_class", "model_config"]
