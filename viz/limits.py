"""Bounds on what rendering may cost: a node limit, a timeout and a memory cap on ``dot``.

Graphviz's ``dot`` is fast on the graphs the lectures draw and very slow on a few shapes:
its crossing minimisation works on one "virtual node" per rank an edge spans, so one value
used by many gates far apart (``x*x*...*x``) grows the work quadratically. Measured with
Graphviz 2.43 on this project's machine (2 shared cores, loaded), ``dot -Tsvg`` of lecture-style
drawings:

=================================  =====  =====  ==============
graph                              nodes  edges  time
=================================  =====  =====  ==============
scalar MLP 3-4-2 (lecture 003)        80     89  0.03 s
scalar MLP 8-16-1                    477    593  0.19 s
scalar MLP 16-16-1                   869  1,105  0.5 s
scalar MLP 16-32-4                 2,013  2,601  10-14 s
chain ``x+1+1...`` (600 gates)       605    601  0.08 s
product ``x*x*...*x``, 50 factors     54     99  2.2 s
product, 70 factors                   74    139  36 s
product, 500 factors                 504    999  > 60 s, 0.8 GB
=================================  =====  =====  ==============

So the limits are two: :data:`MAX_RENDER_NODES` (graphs up to it lay out in about a second
when their values are not reused far apart) refuses big graphs up front with a clear
:class:`GraphTooLargeError`, and :data:`DOT_TIMEOUT` / :data:`DOT_MEMORY_LIMIT` bound every
``dot`` call, so the few small-but-pathological graphs fail with a :class:`DotTimeoutError`
instead of hanging. PNGs are capped at :data:`MAX_IMAGE_PIXELS` per side (a 2,000-node graph
at 192 dpi would otherwise be a 25,000-pixel-wide bitmap needing 1.8 GB).

All values are module attributes read at call time: ``viz.limits.DOT_TIMEOUT = 120`` raises the
timeout for the whole process.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

#: Largest graph (drawn nodes) that is rendered or played; beyond it: GraphTooLargeError.
MAX_RENDER_NODES: int = 1000
#: Seconds one ``dot`` call may take before it is stopped (DotTimeoutError).
DOT_TIMEOUT: float = 30.0
#: Address-space limit of a ``dot`` process in bytes (Linux; ignored elsewhere).
DOT_MEMORY_LIMIT: int = 1 << 30
#: Largest width or height, in pixels, of a rendered PNG/JPEG (bigger drawings are scaled down).
MAX_IMAGE_PIXELS: int = 6000
#: Longest label text drawn; longer labels are cut visibly (``"abc… (+17,000 characters)"``).
MAX_LABEL_CHARS: int = 1000
#: Largest graph (nodes other than constants) that ``draw`` and the steppers build at all:
#: bigger ones are refused after a walk of this many nodes, before any drawing work (the DOT
#: text of 20,000 scalar gates takes seconds to build, a stepper of them ~80,000 frames).
MAX_GRAPH_NODES: int = 20_000

_deadline: ContextVar[tuple[float, str] | None] = ContextVar("chainrule_render_deadline",
                                                             default=None)


class GraphTooLargeError(ValueError):
    """A graph has more nodes than :data:`MAX_RENDER_NODES` allows to render or play."""


class DotTimeoutError(RuntimeError):
    """A ``dot`` call ran out of time (:data:`DOT_TIMEOUT`, or a :func:`render_budget`)."""


def check_node_count(n: int, what: str, at_least: bool = False) -> None:
    """Refuse to render or play a graph of ``n`` nodes when ``n > MAX_RENDER_NODES``.

    Parameters
    ----------
    n : int
        Number of nodes to lay out.
    what : str
        What was asked for, for the message (``"drawing"``, ``"player"``...).
    at_least : bool
        ``n`` is where a bounded count stopped (the graph has at least ``n`` nodes).

    Raises
    ------
    GraphTooLargeError
        Naming the count, the limit and the ways out.

    Examples
    --------
    >>> check_node_count(10, "drawing")
    >>> check_node_count(5000, "player")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    viz.limits.GraphTooLargeError: player: the graph has 5000 nodes, more than ...
    """
    if n > MAX_RENDER_NODES:
        raise GraphTooLargeError(
            f"{what}: the graph has {'over ' * at_least}{n - at_least} nodes, more than "
            f"viz.limits.MAX_RENDER_NODES = "
            f"{MAX_RENDER_NODES} that Graphviz lays out in a few seconds; draw it with "
            "collapse= (\"module\" for nn models), draw a smaller part, or save the DOT source "
            "(.source, or a .dot file) and run dot yourself"
        )


def count_nodes(root: Any, stop: int) -> int:
    """Nodes reachable from ``root`` that are not constants, counted no further than
    ``stop + 1``: the walk ends as soon as the count passes ``stop``, so refusing a graph of
    a million nodes costs what counting ``stop`` of them does.

    Constants (leaves that do not require grad: numbers mixed into an expression) are
    left out because drawings fold them into their gates; every other node is drawn.

    >>> from autograd import Value
    >>> y = x = Value(1.0)
    >>> for _ in range(100):
    ...     y = y * 2.0
    >>> count_nodes(y, 1000), count_nodes(y, 10)
    (101, 11)
    """
    if not hasattr(root, "parents"):
        return 0  # not a graph node: the caller's own check names it
    seen = {id(root)}
    stack = [root]
    count = 0
    while stack:
        node = stack.pop()
        parents = node.parents
        if parents or getattr(node, "requires_grad", True):
            count += 1
            if count > stop:
                break
        for parent in parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return count


def check_graph_size(root: Any, what: str, limit: int | None = None) -> None:
    """Refuse, before building anything, a graph with more than ``limit`` drawn nodes
    (default :data:`MAX_GRAPH_NODES`); with ``limit=MAX_RENDER_NODES`` the message is the
    one a render gives (:func:`check_node_count`)."""
    render = limit is not None and limit == MAX_RENDER_NODES
    limit = MAX_GRAPH_NODES if limit is None else limit
    n = count_nodes(root, limit)
    if n <= limit:
        return
    if render:
        check_node_count(n, what, at_least=True)
    raise GraphTooLargeError(
        f"{what}: the graph has more than {limit:,} nodes (viz.limits.MAX_GRAPH_NODES = "
        f"{MAX_GRAPH_NODES:,}), too many to draw or step through (refused before building "
        "anything); draw a smaller part (a few layers, a smaller expression or batch)"
    )


@contextmanager
def render_budget(seconds: float, name: str = "the render budget") -> Iterator[None]:
    """Bound the total time of all ``dot`` calls made inside the block (this thread/task).

    Each call gets ``min(DOT_TIMEOUT, time left)``; once the budget is spent the next call
    raises :class:`DotTimeoutError` without starting ``dot``. The command line uses it so that
    one invocation, however many frames it writes, ends within a known time. ``name`` is how
    the messages call the budget.
    """
    token = _deadline.set((time.monotonic() + float(seconds), name))
    try:
        yield
    finally:
        _deadline.reset(token)


def dot_timeout(graphs: int = 1) -> tuple[float, str]:
    """The timeout for the next ``dot`` call (rendering ``graphs`` graphs) and the name of
    the limit that sets it."""
    budget = _deadline.get()
    full = DOT_TIMEOUT * max(int(graphs), 1)
    if budget is not None:
        left = budget[0] - time.monotonic()
        if left < full:
            return max(left, 0.0), budget[1]
    per = f"viz.limits.DOT_TIMEOUT = {DOT_TIMEOUT:g} s"
    return full, per if graphs <= 1 else f"{graphs} graphs x {per}"
