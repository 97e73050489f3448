"""The library never imports Streamlit: it must work from the CLI, notebooks and tests alone."""

import pkgutil
import subprocess
import sys

import core


def test_core_imports_without_streamlit():
    modules = [f"core.{m.name}" for m in pkgutil.walk_packages(core.__path__) if m.name != "__main__"]
    code = "import sys; sys.modules['streamlit'] = None\n" + "".join(f"import {m}\n" for m in modules)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
