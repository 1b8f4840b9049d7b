"""The renderer base: a drawing built element by element, each element re-runnable on its own.

A drawing is a list of *elements* (a node, an edge, a collapsed module...), each a function
that writes one or a few DOT statements. While an element runs, every number it reads (a
value, a gradient, an edge's share, the highlight) is recorded as one of its *sources*
(:meth:`Renderer.touch`), and what it shows as its *roles* (:meth:`Renderer.role`: ``"v"``
green value lines, ``"g"`` red gradient lines, ``"h"`` highlighted). A stepper that changes a
few sources from one frame to the next re-runs only the elements in ``deps`` of those sources,
and the player sends only the roles that changed (:func:`viz.player.diff_roles`).

Subclasses say what the elements are in :meth:`Renderer.plan` (calling :meth:`Renderer.add`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from ..graph import Graph
from ..labels import dot_html
from ..palette import TRANSPARENT


def html_label(parts: list[str]) -> str | None:
    """Lines joined into one HTML-like DOT label (``None`` when there are none)."""
    parts = [p for p in parts if p]
    return "<" + "<br/>".join(parts) + ">" if parts else None


def colored(color: str, text: str) -> str:
    """Text in one colour, line by line, escaped for an HTML-like label."""
    lines = str(text).split("\n")
    return "<br/>".join(f'<font color="{color}">{dot_html(line)}</font>' for line in lines)


class Renderer(ABC):
    """A drawing made of re-runnable elements (see the module docstring).

    Parameters
    ----------
    graph : Graph
        The drawing; statements already in its body are its header, kept by every snapshot.
    """

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.header = len(graph.body)
        self.elements: list[tuple[str, Callable[[], None]]] = []
        self.chunks: dict[str, list[str]] = {}
        self.deps: dict[Any, set[str]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self._fn: dict[str, Callable[[], None]] = {}
        self._cur: str = ""

    # ------------------------------------------------------------- what to draw
    @abstractmethod
    def plan(self) -> None:
        """Add every element of the drawing, in order (:meth:`add`)."""

    def add(self, key: str, fn: Callable[[], None]) -> None:
        """Add the element ``key``, drawn by ``fn``."""
        self.elements.append((key, fn))
        self._fn[key] = fn

    # --------------------------------------------------- while an element runs
    @property
    def current(self) -> str:
        """The key of the element running now."""
        return self._cur

    def touch(self, source: Any) -> None:
        """The running element reads ``source``: re-run it when ``source`` changes."""
        self.deps.setdefault(source, set()).add(self._cur)

    def role(self, role: str, value: Any) -> None:
        """The running element shows ``value`` as ``role`` (``None``: hidden)."""
        self.roles.setdefault(self._cur, {})[role] = value

    # ------------------------------------------------------------------ running
    def run(self, key: str) -> list[str]:
        """(Re-)build one element; returns its DOT statements."""
        fn = self._fn[key]
        body = self.g.body
        start = len(body)
        self._cur = key
        self.roles[key] = {}
        fn()
        lines = body[start:]
        del body[start:]
        self.chunks[key] = lines
        return lines

    def build(self) -> Graph:
        """Plan and run every element; returns the drawing."""
        self.plan()
        for key, _ in self.elements:
            self.g.body.extend(self.run(key))
        return self.g

    def rerun_all(self) -> set[str]:
        """Re-run every element; returns their keys."""
        for key, _ in self.elements:
            self.run(key)
        return {k for k, _ in self.elements}

    def snapshot(self) -> Graph:
        """A new drawing of the current state (after :meth:`build` and any re-runs)."""
        g = self.g
        body = [line for key, _ in self.elements for line in self.chunks[key]]
        return Graph(name=g.name, graph_attr=dict(g.graph_attr), node_attr=dict(g.node_attr),
                     edge_attr=dict(g.edge_attr), body=g.body[: self.header] + body)

    def source(self) -> str:
        """The DOT source of the current state."""
        return self.snapshot().source

    # ------------------------------------------------------------ shared drawing
    def labelled_edge(self, src: str, dst: str, key: str, attrs: dict[str, str],
                      values: list[str], grad: str) -> None:
        """An edge with its value above the line and its gradient below, as on the slides.

        Left-to-right (and right-to-left) drawings route the edge through a small label node
        (``class="cr-label"``): a table whose middle rule continues the edge, the value lines
        above it and the gradient lines below. Top-to-bottom drawings use a plain edge label
        (value, then gradient).
        """
        top = [line for part in values for line in part.split("<br/>")]
        bottom = grad.split("<br/>") if grad else []
        if not top and not bottom:
            self.g.edge(src, dst, id=key, **attrs)
            return
        if self.g.graph_attr.get("rankdir") not in ("LR", "RL"):
            self.g.edge(src, dst, id=key, label=html_label(values + [grad]), **attrs)
            return
        n = max(len(top), len(bottom))
        blank = f'<font color="{TRANSPARENT}">0</font>'  # keeps the rule at mid-height
        top = [blank] * (n - len(top)) + top
        bottom = bottom + [blank] * (n - len(bottom))
        # the rule keeps one width (a highlight only colours it): same size, same layout
        rule = (f'<tr><td sides="t" border="1" color="{attrs.get("color", "#000000")}" '
                'height="0" cellpadding="0"></td></tr>')
        rows = [f"<tr><td>{t}</td></tr>" for t in top] + [rule] + [
            f"<tr><td>{t}</td></tr>" for t in bottom]
        label = ('<<table border="0" cellspacing="0" cellpadding="1">' + "".join(rows)
                 + "</table>>")
        self.g.node(key, label=label, shape="plaintext", margin="0", width="0", height="0",
                    fontsize="11", id=key, **{"class": "cr-label"})
        into, out = ("w", "e") if self.g.graph_attr["rankdir"] == "LR" else ("e", "w")
        self.g.edge(src, f"{key}:{into}", arrowhead="none", id=key + "~a", **attrs)
        self.g.edge(f"{key}:{out}", dst, id=key + "~b", **attrs)
