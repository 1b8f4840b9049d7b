"""Fail loudly when another distribution's ``autograd`` shadows chainrule's."""

from __future__ import annotations

import importlib


def require_chainrule_autograd(importer: str) -> None:
    """Raise ImportError unless ``import autograd`` gives chainrule's engine.

    PyPI's unrelated ``autograd`` (HIPS) installs into the same import name and silently
    replaces ours; without this check ``nn``/``viz`` would half-work with the wrong engine.
    """
    module = importlib.import_module("autograd")
    if getattr(module, "__chainrule__", False) is True:
        return
    from importlib.metadata import packages_distributions

    owners = sorted(set(packages_distributions().get("autograd", [])) - {"chainrule"})
    where = getattr(module, "__file__", None) or "a folder left without its __init__.py"
    culprit = ", ".join(owners) if owners else f"the module at {where}"
    # Uninstalling the other one also deletes the files it overwrote (autograd/__init__.py),
    # so chainrule must be reinstalled after it, not just left in place.
    raise ImportError(
        f"{importer} needs chainrule's 'autograd' package, but 'import autograd' gives "
        f"{culprit}. Put chainrule's back with: {recovery_command(owners)} "
        "(or install chainrule in a fresh virtual environment)."
    )


def recovery_command(owners: list[str]) -> str:
    """The shell command that removes the other ``autograd`` and restores chainrule's.

    >>> recovery_command(["autograd"])
    'pip uninstall -y autograd && pip install --force-reinstall chainrule'
    """
    removed = " ".join(owners) if owners else "autograd"
    return f"pip uninstall -y {removed} && pip install --force-reinstall chainrule"
