"""Name scopes: tag the nodes an ``nn`` module creates, so ``viz`` can collapse by layer.

Scopes are per thread (a :class:`contextvars.ContextVar`), like grad mode.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

#: The dotted name of the innermost active scope ("" outside any).
SCOPE: ContextVar[str] = ContextVar("chainrule_scope", default="")


def current_scope() -> str:
    """The dotted name of the innermost active scope (``""`` outside any)."""
    return SCOPE.get()


@contextlib.contextmanager
def name_scope(name: str) -> Iterator[str]:
    """Nodes created inside get ``scope == "<outer>.<name>"``.

    >>> with name_scope("layer1"):
    ...     with name_scope("fc"):
    ...         print(current_scope())
    layer1.fc
    """
    previous = SCOPE.get()
    full = f"{previous}.{name}" if previous else str(name)
    token = SCOPE.set(full)
    try:
        yield full
    finally:
        SCOPE.reset(token)
