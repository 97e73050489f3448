"""Everything a run needs to resume exactly, flattened into plain tensors and JSON for one safetensors file.

Keys: model tensors under their own names, optimizer state under `optim.<param index>.<name>`, random-number
generator states under `rng.*`; the optimizer's hyperparameter groups travel as JSON in the metadata.
"""

from __future__ import annotations

from typing import Any

import torch

OPTIM = "optim."
RNG = "rng."


def pack(
    model_tensors: dict[str, torch.Tensor],
    optimizer: torch.optim.Optimizer | None,
    rngs: dict[str, torch.Tensor],
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Tensors and JSON-able meta for `Run.save_checkpoint`."""
    tensors = dict(model_tensors)
    meta: dict[str, Any] = {}
    if optimizer is not None:
        state = optimizer.state_dict()
        for index, values in state["state"].items():
            for name, value in values.items():
                tensors[f"{OPTIM}{index}.{name}"] = torch.as_tensor(value).detach().cpu().contiguous()
        meta["param_groups"] = state["param_groups"]
    for name, value in rngs.items():
        tensors[RNG + name] = value.cpu().contiguous()
    return tensors, meta


def unpack(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> tuple[dict, dict | None, dict]:
    """Split a checkpoint into model tensors, an optimizer state_dict (or None) and RNG states."""
    model, rngs, optim_state = {}, {}, {}
    for key, value in tensors.items():
        if key.startswith(OPTIM):
            index, name = key[len(OPTIM) :].split(".", 1)
            optim_state.setdefault(int(index), {})[name] = value
        elif key.startswith(RNG):
            rngs[key[len(RNG) :]] = value
        else:
            model[key] = value
    optimizer = {"state": optim_state, "param_groups": meta["param_groups"]} if "param_groups" in meta else None
    return model, optimizer, rngs
