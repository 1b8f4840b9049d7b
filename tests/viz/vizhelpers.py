"""Helpers for the viz tests: a small DOT reader, the "needs dot" policy, a fixture graph."""

from __future__ import annotations

import html
import os
import re
import shutil
from dataclasses import dataclass, field

import pytest

from autograd import Tensor

VALUE_COLOR = "#1e7b1e"
GRAD_COLOR = "#d62728"
NAME_COLOR = "#777777"
IN_CI = os.environ.get("CI") == "true"

_NODE = re.compile(r"^\t(\w+) \[(.*)\]$")
_EDGE = re.compile(r"^\t(\w+)(?::\w+)? -> (\w+)(?::\w+)?(?: \[(.*)\])?$")
_LABEL = re.compile(r"(?<![x\w])label=(<.*?>(?= \w+=|$)|\"(?:[^\"\\]|\\.)*\"|\S+)")
_XLABEL = re.compile(r"xlabel=(<.*?>(?= \w+=|$))")


def _fonts(label: str, color: str) -> list[str]:
    found = re.findall(rf'<font color="{color}"[^>]*>(.*?)</font>', label)
    return [html.unescape(t) for t in found]


def _plain(label: str) -> str:
    text = re.sub(r"<br/>", "\n", label[1:-1] if label.startswith("<") else label)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text.strip('"'))


@dataclass
class Edge:
    src: str
    dst: str
    label: str = ""

    @property
    def values(self) -> list[str]:
        return _fonts(self.label, VALUE_COLOR)

    @property
    def grads(self) -> list[str]:
        return _fonts(self.label, GRAD_COLOR)

    @property
    def names(self) -> list[str]:
        """Generated names of intermediates (small grey ``n5 = `` before the value)."""
        return [t.removesuffix(" = ") for t in _fonts(self.label, NAME_COLOR)]


@dataclass
class Dot:
    """Nodes (id -> first line of their label text) and edges, read from DOT source."""

    nodes: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, str] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def node_id(self, text: str) -> str:
        found = [k for k, v in self.nodes.items() if v == text]
        assert len(found) == 1, f"expected one node labelled {text!r}, found {found}"
        return found[0]

    def node_ids(self, text: str) -> list[str]:
        return [k for k, v in self.nodes.items() if v == text]

    def edges_between(self, src: str, dst: str) -> list[Edge]:
        return [e for e in self.edges if e.src == src and e.dst == dst]

    def edge(self, src: str, dst: str) -> Edge:
        found = self.edges_between(src, dst)
        assert len(found) == 1, f"expected one edge {src} -> {dst}, found {len(found)}"
        return found[0]

    def into(self, dst: str) -> list[Edge]:
        return [e for e in self.edges if e.dst == dst]

    def out_of(self, src: str) -> list[Edge]:
        return [e for e in self.edges if e.src == src]


def parse_dot(source: str) -> Dot:
    """Read nodes and edges; an edge drawn through a label node (``class="cr-label"``: the
    value above the line, the gradient below) is read as one edge carrying that label."""
    dot = Dot()
    labels: dict[str, str] = {}
    raw: list[tuple[str, str, str]] = []
    for line in source.splitlines():
        m = _EDGE.match(line)
        if m:
            src, dst, attrs = m.groups()
            label = _LABEL.search(attrs or "")
            raw.append((src, dst, label.group(1) if label else ""))
            continue
        m = _NODE.match(line)
        if m and m.group(1) not in ("graph", "node", "edge"):
            nid, attrs = m.groups()
            label = _LABEL.search(attrs)
            if 'class="cr-label"' in attrs or "class=cr-label" in attrs:
                labels[nid] = label.group(1) if label else ""
                continue
            dot.nodes[nid] = _plain(label.group(1)).split("\n")[0] if label else nid
            dot.attrs[nid] = attrs
    into = {dst: src for src, dst, _ in raw if dst in labels}
    for src, dst, label in raw:
        if dst in labels:
            continue  # the first half: read with the second
        if src in labels:
            dot.edges.append(Edge(into[src], dst, labels[src]))
        else:
            dot.edges.append(Edge(src, dst, label))
    return dot


def require_dot() -> None:
    """Skip when Graphviz's dot is missing, except in CI where it must be installed."""
    if shutil.which("dot") is None:
        if IN_CI:
            pytest.fail("Graphviz 'dot' must be installed in CI (make deps installs it)")
        pytest.skip("Graphviz 'dot' is not installed")


def norm_wx():
    """Lecture 002's vectorized example f = ||W x||^2, with q = W x: returns W, x, q, f."""
    W = Tensor([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, dtype="float64", label="W")
    x = Tensor([0.2, 0.4], requires_grad=True, dtype="float64", label="x")
    q = W @ x
    q.label = "q"
    f = (q * q).sum()
    f.label = "f"
    return W, x, q, f


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# ---------------------------------------------------------------- layouts (dot -Tjson)
def _bezier(points: list[tuple[float, float]], steps: int = 24) -> list[tuple[float, float]]:
    """Points along a piecewise cubic Bézier (dot's spline: p0 c1 c2 p1 c1 c2 p2 ...)."""
    out = []
    for k in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[k:k + 4]
        for s in range(steps + 1):
            t = s / steps
            a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
            out.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                        a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return out


def layout_json(source: str) -> dict:
    """Graphviz's layout of DOT ``source`` (``dot -Tjson``)."""
    import json

    from viz.graph import run_dot

    return json.loads(run_dot(source, "json"))


def edges_through_nodes(source: str, inset: float = 1.0) -> list[tuple[str, str, str]]:
    """``(tail, head, node)`` for every visible edge whose drawn spline enters the box of a
    node other than its two ends (boxes shrunk by ``inset`` points; invisible edges and the
    arrowheads' last few points are ignored)."""
    layout = layout_json(source)
    objects = layout.get("objects", [])
    boxes = {}
    for o in objects:
        if "pos" not in o or "width" not in o:
            continue  # a cluster or the graph
        x, y = (float(v) for v in o["pos"].split(","))
        w, h = float(o["width"]) * 72 / 2 - inset, float(o["height"]) * 72 / 2 - inset
        boxes[o["_gvid"]] = (o["name"], x - w, y - h, x + w, y + h)
    found = []
    for e in layout.get("edges", []):
        if "invis" in e.get("style", ""):
            continue
        pts = [tuple(p) for op in e.get("_draw_", []) if op.get("op") == "b"
               for p in op["points"]]
        for gvid, (name, x0, y0, x1, y1) in boxes.items():
            if gvid in (e["tail"], e["head"]):
                continue
            if any(x0 < px < x1 and y0 < py < y1 for px, py in _bezier(pts)):
                found.append((boxes[e["tail"]][0], boxes[e["head"]][0], name))
    return found


def tiny_recording(every: int = 2, epochs: int = 6):
    """A TrainingRecorder of a 2-2-2 tanh net on 32 XOR points (epochs 2, 4, 6 by default):
    small enough for the slower exports and the browser (needs matplotlib to be viewed)."""
    import nn
    import viz

    X, y = nn.xor(32, noise=0.05, seed=0)
    model = nn.Sequential(nn.Linear(2, 2, seed=0), nn.Tanh(), nn.Linear(2, 2, seed=1))
    rec = viz.TrainingRecorder(model, X, y, every=every)
    opt = nn.optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
    nn.fit(model, nn.CrossEntropyLoss(), opt, nn.DataLoader(X, y, batch_size=8),
           epochs=epochs, progress=False, callback=rec)
    return rec
