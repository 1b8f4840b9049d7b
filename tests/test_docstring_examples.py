"""Every docstring example in autograd, nn and viz runs and prints what it says.

Modules are discovered, so a new module's examples are covered without editing this file.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("autograd", "nn", "viz")


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package)
        path = importlib.import_module(package).__path__
        names += [m.name for m in pkgutil.walk_packages(path, prefix=f"{package}.")
                  if not m.name.endswith(".__main__")]  # subpackages' modules too
    return sorted(names)


MODULES = _modules()


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_has_examples(package):
    attempted = sum(doctest.testmod(importlib.import_module(m)).attempted
                    for m in MODULES if m.split(".")[0] == package)
    assert attempted >= 10
