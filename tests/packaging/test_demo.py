"""`make demo` runs examples/demo.py: it must print the lecture numbers and write its files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_demo_prints_lecture_numbers_and_writes_outputs(tmp_path):
    have_dot = shutil.which("dot") is not None
    if not have_dot and os.environ.get("CI") == "true":
        pytest.fail("Graphviz 'dot' must be installed in CI (make test installs it)")
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "demo.py")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "q = x + y = 3   f = q z = -12" in out
    assert "df/dx = df/dq * dq/dx = -4   df/dy = -4" in out
    assert "df/dw0 = -0.20  df/dx0 = 0.39  df/dw1 = -0.39  df/dx1 = -0.59  df/dw2 = 0.20" in out
    assert (tmp_path / "out" / "digits_mlp.npz").stat().st_size > 1000
    expected = ["digits_mlp.npz"]
    if have_dot:
        expected += ["xyz.svg", "sigmoid.svg", "sigmoid_steps.html"]
        assert (tmp_path / "out" / "xyz.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    for name in expected:
        assert f"out/{name}" in out.split("== where things went ==")[1]
