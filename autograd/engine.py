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

    Iterative depth-first post-order (no recursion, so a chain of a million nodes works
    at Python's default recursion limit). The order is deterministic: parents are
    explored in argument order, so the same graph always yields the same list.
    """
    order: list[Any] = []
    visited = {root}
    # Each stack entry is (node, index of the next parent to explore).
    stack: list[tuple[Any, int]] = [(root, 0)]
    push, pop, mark, emit = stack.append, stack.pop, visited.add, order.append
    while stack:
        node, i = pop()
        parents = node.parents
        # Skip parents already seen; descend into the first unseen one.
        n = len(parents)
        while i < n and parents[i] in visited:
            i += 1
        if i == n:
            emit(node)
            continue
        push((node, i + 1))
        child = parents[i]
        mark(child)
        push((child, 0))
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
