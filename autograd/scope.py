"""Name scopes: tag the nodes an ``nn`` module creates, so ``viz`` can collapse by layer."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

_state = {"name": ""}


def current_scope() -> str:
    """The dotted name of the innermost active scope (``""`` outside any)."""
    return _state["name"]


@contextlib.contextmanager
def name_scope(name: str) -> Iterator[str]:
    """Nodes created inside get ``scope == "<outer>.<name>"``.

    >>> with name_scope("layer1"):
    ...     with name_scope("fc"):
    ...         print(current_scope())
    layer1.fc
    """
    previous = _state["name"]
    _state["name"] = f"{previous}.{name}" if previous else str(name)
    try:
        yield _state["name"]
    finally:
        _state["name"] = previous
