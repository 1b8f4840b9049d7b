"""The distribution: import names, the shadowing guard, the wheel's contents, the README."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMPORT_NAMES = ("autograd", "nn", "viz")


@pytest.mark.parametrize("name", IMPORT_NAMES)
def test_import_name_is_ours_only(name):
    owners = set(packages_distributions().get(name, []))
    assert owners <= {"chainrule"}, f"{name!r} is also provided by {owners - {'chainrule'}}"
    module = importlib.import_module(name)
    assert Path(module.__file__).resolve().is_relative_to(ROOT / name)


@pytest.mark.parametrize("importer", ["nn", "viz"])
def test_shadowing_autograd_fails_loudly(tmp_path, importer):
    fake = tmp_path / "autograd"
    fake.mkdir()
    (fake / "__init__.py").write_text("# some other autograd\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", f"import {importer}"], env=env,
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert "chainrule's 'autograd'" in result.stderr
    assert "fresh virtual environment" in result.stderr


def test_wheel_contains_exactly_the_three_packages_and_the_data(tmp_path):
    pytest.importorskip("hatchling")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True)
    (wheel,) = tmp_path.glob("chainrule-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    import autograd

    assert top == {"autograd", "nn", "viz", f"chainrule-{autograd.__version__}.dist-info"}
    for package in IMPORT_NAMES:
        assert f"{package}/py.typed" in names
    assert any(n.startswith("nn/") and n.endswith("digits.csv.gz") for n in names)


def test_readme_quickstart_prints_what_it_says():
    text = (ROOT / "README.md").read_text()
    match = re.search(r"## Quickstart.*?```python\n(.*?)```\s*\nprints\s*\n\s*```\n(.*?)```",
                      text, re.S)
    assert match, "README quickstart block not found"
    code, expected = match.groups()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout == expected


def test_readme_gives_the_two_commands_first():
    text = (ROOT / "README.md").read_text()
    first_block = text.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block
    assert "make test" in (ROOT / ".ci" / "run").read_text()
