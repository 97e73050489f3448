"""The product's code never unpickles, never trusts remote code by itself and never renders raw HTML: a scan of its
syntax trees (comments and docstrings may mention these names freely)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("core", "dashboard", "pages", "benchmarks")
PICKLE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "joblib", "cloudpickle", "shelve", "marshal"}


def _dotted(node: ast.AST) -> str:
    """'torch.load' for the expression torch.load, '' for anything that is not a plain dotted name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (base := _dotted(node.value)):
        return f"{base}.{node.attr}"
    return ""


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def findings(source: str) -> list[str]:
    """What in `source` could execute a file's contents or render raw HTML, one line per finding."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"{where}: imports {n}" for n in names if n.split(".")[0] in PICKLE_MODULES]
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if name.endswith("torch.load") and not _is_true(_keyword(node, "weights_only")):
            found.append(f"{where}: torch.load without weights_only=True")
        if name.endswith("read_pickle") or (name.endswith(".load") and _is_true(_keyword(node, "allow_pickle"))):
            found.append(f"{where}: {name} unpickles")
        if _is_true(_keyword(node, "trust_remote_code")):
            found.append(f"{where}: trust_remote_code=True hard-coded")
        if _is_true(_keyword(node, "unsafe_allow_html")) or name in ("st.html", "components.html"):
            found.append(f"{where}: {name} renders raw HTML")
    return found


def product_files() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import torch\ntorch.load('x')", "torch.load without weights_only=True"),
        ("import torch\ntorch.load('x', weights_only=False)", "torch.load without"),
        ("import pickle", "imports pickle"),
        ("from joblib import load", "imports joblib"),
        ("import pandas as pd\npd.read_pickle('x')", "unpickles"),
        ("import numpy as np\nnp.load('x', allow_pickle=True)", "unpickles"),
        ("m = AutoModel.from_pretrained('x', trust_remote_code=True)", "trust_remote_code=True"),
        ("st.markdown(text, unsafe_allow_html=True)", "raw HTML"),
        ("st.html(text)", "raw HTML"),
    ],
)
def test_the_scan_finds_each_danger(source, expected):
    assert any(expected in f for f in findings(source)), findings(source)


def test_the_scan_lets_safe_code_pass():
    safe = "torch.load('x', weights_only=True)\nload_model(spec, trust_remote_code=flag)\n'''import pickle'''"
    assert findings(safe) == []


def test_the_product_code_has_none():
    files = product_files()
    assert len(files) > 50  # the scan reaches the code
    problems = [f"{p.relative_to(ROOT)} {f}" for p in files for f in findings(p.read_text(encoding="utf-8"))]
    assert problems == []
