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
    culprit = ", ".join(owners) if owners else f"the module at {getattr(module, '__file__', '?')}"
    raise ImportError(
        f"{importer} needs chainrule's 'autograd' package, but 'import autograd' gives "
        f"{culprit}. Install chainrule in a fresh virtual environment, or remove the other "
        f"one (pip uninstall {owners[0] if owners else 'autograd'})."
    )
