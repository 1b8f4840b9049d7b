"""Every docstring example in nn runs and prints what it says."""

import doctest
import importlib

import pytest

MODULES = [
    "nn", "nn.data", "nn.functional", "nn.init", "nn.layers", "nn.losses", "nn.module",
    "nn.optim", "nn.perceptron", "nn.scalar", "nn.training",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
    if name in ("nn.data", "nn.losses", "nn.module", "nn.perceptron", "nn.training"):
        assert result.attempted > 0
