"""Backpropagation, written once: the graph walk and the reverse pass shared by ``Value``,
``Tensor``, ``autograd.grad`` and ``viz``'s stepper.

A node is any object with

* ``parents``: a tuple of nodes (argument order, duplicates kept: ``a * a`` has two), and
* ``shares(upstream, create_graph)``: given the upstream gradient dJ/d(node), one share
  dJ/d(parent) contributed through this node per parent (``None`` where a parent needs
  none). For a ``Value`` a share is ``local * upstream``; for a ``Tensor`` it is a
  vector-Jacobian product.

Reverse-mode differentiation visits the nodes in reverse topological order and applies the
multivariate chain rule ``dJ/dx += dJ/dy * dy/dx`` along every edge: that is
:func:`backpropagate`, the whole algorithm.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Callable
from typing import Any

#: ``on_step(node, slot, parent, upstream, share, previous, total)``: one chain-rule step.
StepCallback = Callable[[Any, int, Any, Any, Any, Any, Any], None]


def no_grad_error(where: str, node: Any) -> RuntimeError:
    """The error for differentiating a result that recorded no graph (Value and Tensor)."""
    kind = type(node).__name__
    return RuntimeError(
        f"{where}: this {kind} does not require grad (no input had requires_grad=True, or it "
        "was computed under no_grad())"
    )


def topological_order(root: Any) -> list[Any]:
    """Return every node reachable from ``root``, each after all of its parents.

    Iterative depth-first search (no recursion, so a chain of a million nodes works at
    Python's default recursion limit). Popping a node the first time expands it: it goes
    back on the stack under a marker, with its unvisited parents above; when the marker
    comes off again, all of its parents have been emitted, so the node is emitted. Parents
    are explored in argument order, so the same graph always yields the same list: for
    ``f = (x + y) * z`` it is x, y, q, z, f.
    """
    order: list[Any] = []
    visited: set[Any] = set()
    stack = [root]
    push, pop, emit, visit = stack.append, stack.pop, order.append, visited.add
    while stack:
        node = pop()
        if node is _EMIT:  # every parent of the node below the marker is done
            emit(pop())
            continue
        if node in visited:  # reached again through another consumer
            continue
        visit(node)
        parents = node.parents
        if not parents:
            emit(node)
            continue
        push(node)
        push(_EMIT)
        for parent in reversed(parents):  # reversed push = argument-order visits
            if parent not in visited:
                push(parent)
    return order


_EMIT = object()


def gc_paused() -> contextlib.AbstractContextManager[None]:
    """Pause Python's cyclic garbage collector for the duration of a graph walk.

    The engine creates no reference cycles (nodes point only to their parents, and no
    backward rule captures its own output), so reference counting frees every graph
    and the cyclic collector would only re-scan live nodes: in a backward pass over a
    large graph that scan costs more than the arithmetic.

    Every walk of :data:`PAUSE_FROM` nodes or more enters it (``backward()``,
    ``autograd.grad``, ``viz``'s stepper; see :func:`pause_for`); enter it yourself to keep
    the collector out of a whole training step.

    Safe across threads and nested uses: a locked count of the walks inside; the first one
    in notes whether the collector was enabled and disables it, the last one out enables it
    again only if it was (a collector the user disabled stays disabled).
    """
    return _PAUSE


class _CollectorPause(contextlib.AbstractContextManager):
    """:func:`gc_paused`'s context manager: a class rather than a generator (a generator-based
    one cost 1.6 us of a 13 us one-op pass)."""

    def __enter__(self) -> None:
        global _pausers, _enable_after
        with _pause_lock:
            if not _pausers:
                _enable_after = gc.isenabled()
                gc.disable()
            _pausers += 1

    def __exit__(self, *exc: object) -> None:
        global _pausers
        with _pause_lock:
            _pausers = max(_pausers - 1, 0)  # 0 again after a fork from inside a walk
            if not _pausers and _enable_after:
                gc.enable()


_PAUSE = _CollectorPause()
_NO_PAUSE = contextlib.nullcontext()

#: Walks of at least this many nodes pause the collector (:func:`gc_paused`). A smaller walk
#: allocates far fewer tracked objects (share tuples, dictionary slots) than the young
#: threshold (:data:`GC_THRESHOLD`), so the collector seldom runs inside it, and the pause
#: would cost more than it saves (its lock and the collector calls: 3-4 us of a 100 us MLP
#: backward at batch 8).
PAUSE_FROM = 256


def pause_for(nodes: int) -> contextlib.AbstractContextManager[None]:
    """What a walk over ``nodes`` nodes enters: :func:`gc_paused` from :data:`PAUSE_FROM`
    nodes on, below that a context manager that does nothing."""
    return _PAUSE if nodes >= PAUSE_FROM else _NO_PAUSE


_pause_lock = threading.Lock()
_pausers = 0  # graph walks inside gc_paused, in all threads
_enable_after = False  # whether the collector was enabled when the first of them came in


def _pauses_after_fork() -> None:
    """A forked child has only the forking thread: no walk of another thread is inside."""
    global _pause_lock, _pausers
    _pause_lock = threading.Lock()
    if _pausers and _enable_after:
        gc.enable()
    _pausers = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_pauses_after_fork)


def backpropagate(
    root: Any,
    seed: Any,
    create_graph: bool = False,
    keep: Callable[[Any], bool] | None = None,
    on_step: StepCallback | None = None,
) -> dict[Any, Any]:
    """The reverse pass: d root / d node for every node reachable from ``root``.

    Parameters
    ----------
    root : node
        The output J whose gradient is taken.
    seed : float, ndarray, Value or Tensor
        dJ/d(root), usually 1 (or ones).
    create_graph : bool
        Ask each node for shares computed with the engine's own ops, so the gradients are
        themselves graph nodes that can be differentiated again.
    keep : callable, optional
        ``keep(node)`` says whose gradient to return; ``None`` keeps every node's. The
        others are dropped as soon as they have been passed on (less memory).
    on_step : callable, optional
        Called after every chain-rule step with ``(node, slot, parent, upstream, share,
        previous, total)``: ``viz``'s stepper records exactly these steps.

    Returns
    -------
    dict
        ``node -> dJ/d(node)`` (identity-keyed) for the kept nodes the pass reached.

    Examples
    --------
    >>> from autograd import Value
    >>> x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    >>> q = x + y
    >>> f = q * z
    >>> grads = backpropagate(f, 1.0)
    >>> grads[x], grads[y], grads[z], grads[q]
    (-4.0, -4.0, 3.0, -4.0)
    """
    order = topological_order(root)
    pending = {root: seed}  # gradients still being summed (all consumers not yet visited)
    kept: dict[Any, Any] = {}
    with pause_for(len(order)):
        for node in reversed(order):
            upstream = pending.pop(node, None)  # every consumer of node has been visited
            if upstream is None:
                continue  # no path from root's gradient reaches this node
            if keep is None or keep(node):
                kept[node] = upstream
            if not node.parents:
                continue
            shares = node.shares(upstream, create_graph)
            slot = -1
            for parent, share in zip(node.parents, shares):
                slot += 1  # (a counter, not enumerate: this loop runs for every edge)
                if share is None:
                    continue
                previous = pending.get(parent)
                total = share if previous is None else previous + share  # dJ/dx += dJ/dy * dy/dx
                pending[parent] = total
                if on_step is not None:
                    on_step(node, slot, parent, upstream, share, previous, total)
    return kept


# ------------------------------------------------------------------- the collector
#: Young-generation threshold of Python's cyclic garbage collector while autograd is loaded.
#: Graphs have no reference cycles (nodes point only to their parents and rules never
#: capture their output node), so reference counting frees them, but the collector still
#: runs every ``threshold`` container allocations and re-scans the nodes of the graph being
#: built: at CPython's default of 700 that is about half of the time of a scalar forward
#: pass. Importing autograd raises the threshold to this value (never lowers it); other
#: generations keep their settings. Restore the default with ``gc.set_threshold(700)``.
GC_THRESHOLD = 20_000


def _relax_collector() -> None:
    young, middle, old = gc.get_threshold()
    if 0 < young < GC_THRESHOLD:
        gc.set_threshold(GC_THRESHOLD, middle, old)


_relax_collector()
