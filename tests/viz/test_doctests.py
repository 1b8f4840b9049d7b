"""Every docstring example in viz runs."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["viz.format", "viz.graph", "viz.draw", "viz.stepper", "viz.expr", "viz.demo",
           "viz.nodes", "viz.chain", "viz.player", "viz.cli"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"


def test_examples_exist():
    total = sum(doctest.testmod(importlib.import_module(m)).attempted for m in MODULES)
    assert total >= 10
