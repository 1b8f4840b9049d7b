"""No module of autograd, nn or viz uses another module's private names.

A private name (``_x``) is an implementation detail of the module that defines it; a module
that needs it should use a public name. Checked on the syntax trees: ``from m import _x``,
and ``m._x`` where ``m`` is a name bound by an import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("autograd", "nn", "viz")
FILES = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(source: str) -> list[str]:
    """Cross-module private names used in ``source`` (one text per use, with its line)."""
    tree = ast.parse(source)
    modules: set[str] = set()  # names bound to imported modules (or anything imported)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:  # our modules, not sys._getframe
                    modules.add(alias.asname or alias.name.split(".")[0])
                if any(_private(part) for part in alias.name.split(".")):
                    found.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if node.level or (node.module or "").split(".")[0] in PACKAGES:
                    modules.add(alias.asname or alias.name)
                if _private(alias.name):
                    where = "." * node.level + (node.module or "")
                    found.append(f"line {node.lineno}: from {where} import {alias.name}")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and _private(node.attr)
                and isinstance(node.value, ast.Name) and node.value.id in modules):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_the_check_finds_what_it_looks_for():
    source = ("from .draw import _Renderer, draw\nimport nn.functional as F\n"
              "from . import _guard\nx = F._check(1)\ny = self._z\nimport a._b\n"
              "import sys\nsys._getframe()\n")
    assert sorted(private_uses(source)) == ["line 1: from .draw import _Renderer",
                                            "line 3: from . import _guard", "line 4: F._check",
                                            "line 6: import a._b"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_crosses_a_module(path):
    uses = private_uses(path.read_text(encoding="utf-8"))
    assert not uses, f"{path.relative_to(ROOT)} uses private names of other modules: {uses}"
