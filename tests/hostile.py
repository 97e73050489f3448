"""Hostile files for the tests that make sure they are refused: a pickle that proves it ran by writing a marker
file, damaged safetensors, and a model folder that ships its own Python code."""

from __future__ import annotations

import json
import shutil
import struct
import textwrap
from pathlib import Path


class Payload:
    """Unpickling this writes `marker`: proof that a loader executed the file."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('pwned')",))


DAMAGES = ("truncated", "trailing bytes", "bad header length", "header not JSON", "empty")


def damage(good: bytes, how: str) -> bytes:
    """A safetensors file's bytes, damaged in one of the DAMAGES ways."""
    header_len = int.from_bytes(good[:8], "little")
    return {
        "truncated": good[: len(good) // 2],
        "trailing bytes": good + b"\0trailing" * 8,
        "bad header length": struct.pack("<Q", 2**40) + good[8:],
        "header not JSON": struct.pack("<Q", 10) + b"not json!!" + good[8 + header_len :],
        "empty": b"",
    }[how]


def with_custom_code(model: Path, folder: Path, marker: Path) -> Path:
    """A copy of a Llama folder whose config maps AutoModelForCausalLM to a modeling file that writes `marker`
    when imported."""
    shutil.copytree(model, folder)
    (folder / "modeling_custom.py").write_text(
        textwrap.dedent(f"""
        open({str(marker)!r}, "w").write("custom code ran")
        from transformers import LlamaForCausalLM

        class CustomForCausalLM(LlamaForCausalLM):
            pass
        """)
    )
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoModelForCausalLM": "modeling_custom.CustomForCausalLM"}
    (folder / "config.json").write_text(json.dumps(config))
    return folder
