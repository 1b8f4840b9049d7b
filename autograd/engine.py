"""The graph walk shared by ``Value``, ``Tensor`` and ``viz``.

A node is any object with a ``parents`` tuple (argument order, duplicates kept) and
identity hashing. Reverse-mode differentiation visits nodes in reverse topological order
and applies the multivariate chain rule ``dJ/dx += dJ/dy * dy/dx`` along every edge.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any


def topological_order(root: Any) -> list[Any]:
    """Return every node reachable from ``root``, each after all of its parents.

    Iterative depth-first search (no recursion, so a chain of a million nodes works at
    Python's default recursion limit). A node stays on the stack until all its parents
    are emitted, then is emitted itself. Parents are explored in argument order, so the
    same graph always yields the same list: for ``f = (x + y) * z`` it is x, y, q, z, f.
    """
    order: list[Any] = []
    done: set[Any] = set()
    stack = [root]
    push, pop, emit, mark = stack.append, stack.pop, order.append, done.add
    while stack:
        node = stack[-1]
        if node in done:  # pushed twice (shared by two children) and already emitted
            pop()
            continue
        waiting = False
        for parent in reversed(node.parents):  # reversed push = argument-order visits
            if parent not in done:
                push(parent)
                waiting = True
        if not waiting:
            pop()
            mark(node)
            emit(node)
    return order


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of a graph walk.

    The engine creates no reference cycles (nodes point only to their parents, and no
    backward rule captures its own output), so reference counting frees every graph
    and the cyclic collector would only re-scan live nodes: in a backward pass over a
    large graph that scan costs more than the arithmetic. Nested uses are safe.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
