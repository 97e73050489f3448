"""Bad input to the three command lines: each exits with code 2 and one line on stderr, never a traceback, and never
runs code from a file it was handed. The command lines accept any path (the person at the shell owns the
machine); only the dashboard confines paths to its allowed folders."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from core import attention, generate, train_cli
from tests.hostile import Payload, with_custom_code

CLIS = {"train": train_cli.main, "generate": generate.main, "attention": attention.main}


@pytest.fixture
def files(tmp_path, tiny_hf_model, make_run, monkeypatch) -> dict[str, str]:
    """Paths the cases below refer to by name ({binary}, {pickled}, ...)."""
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    binary = tmp_path / "corpus.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    short = tmp_path / "short.txt"
    short.write_text("too short")
    pickled = with_custom_code(tiny_hf_model, tmp_path / "pickled", tmp_path / "unused")
    (pickled / "model.safetensors").unlink()
    torch.save({"w": Payload(tmp_path / "executed.txt")}, pickled / "pytorch_model.bin")
    gguf = tmp_path / "evil.gguf"
    gguf.write_bytes(b"GGUF" + struct.pack("<IQQQ", 3, 0, 1, 1) + b"x" + struct.pack("<IIQ", 9, 8, 2**63))
    return {
        "binary": str(binary),
        "short": str(short),
        "pickled": str(pickled),
        "custom": str(with_custom_code(tiny_hf_model, tmp_path / "custom", tmp_path / "executed.txt")),
        "gguf": str(gguf),
        "hf": str(tiny_hf_model),
        "ngram_run": str(make_run("ngram", name="ngram").path),
        "missing": str(tmp_path / "missing"),
        "marker": str(tmp_path / "executed.txt"),
    }


CASES = [
    ("train", "--model transformer-xl", "model must be one of"),
    ("train", "--lr nan", "learning rate"),
    ("train", "--block-size 0", "block_size"),
    ("train", "--n-embd wide", "invalid"),
    ("train", "--corpus {missing}", "No corpus"),
    ("train", "--corpus {binary}", "binary"),
    ("train", "--corpus {short} --block-size 64", "too short"),
    ("train", "--resume", "--resume needs --out"),
    ("generate", "--model {missing} --prompt hi", "No model"),
    ("generate", "--model {pickled} --prompt hi", "no safetensors weights"),
    ("generate", "--model {custom} --prompt hi", "--trust-remote-code"),
    ("generate", "--model {gguf} --prompt hi", "not a valid GGUF"),
    ("generate", "--model {hf} --prompt hi --top-p 0", "top-p"),
    ("generate", "--model {hf} --prompt hi --max-new-tokens 0", "max new tokens"),
    ("generate", "--model {hf} --prompt hi --temperature -1", "temperature"),
    ("generate", "--model {hf} --prompt hi --precision fp4", "needs a CUDA GPU"),
    ("generate", "--model {hf} --prompt ''", "prompt is empty"),
    ("generate", "--model {hf}", "required: --prompt"),
    ("attention", "--model {missing} --text hi", "No model"),
    ("attention", "--model {hf} --text ' '", "Type some text"),
    ("attention", "--model {ngram_run} --text the", "no attention"),
    ("attention", "--model {hf} --text hi --precision int3", "Unknown precision"),
]


@pytest.mark.parametrize(("cli", "args", "fragment"), CASES, ids=[f"{c}: {a}" for c, a, _ in CASES])
def test_bad_input_exits_2_with_one_line(cli, args, fragment, files, capsys):
    import shlex

    with pytest.raises(SystemExit) as exited:
        CLIS[cli](shlex.split(args.format(**files)))
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert fragment in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert not Path(files["marker"]).exists()  # no file's code ran


def test_a_real_process_prints_one_line_and_no_traceback(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "core.generate", "--model", str(tmp_path / "nothing"), "--prompt", "hi"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "No model" in out.stderr
