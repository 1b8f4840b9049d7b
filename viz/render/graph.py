"""The graph renderer: a computation graph's numbers, styles and boxes, shared by both styles.

It reads a :class:`~viz.nodes.GraphInfo` and a :class:`~viz.render.view.View` (which numbers
are known) and answers what each element shows: a node's value lines, a gradient, an edge's
share at a fork, the highlight, a collapsed module's box. The lecture and record styles
(:mod:`viz.render.lecture`, :mod:`viz.render.record`) are subclasses that say which elements
there are; every read goes through :meth:`~viz.render.base.Renderer.touch`, so a stepper
re-runs only what a step changed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from functools import partial
from typing import Any

import numpy as np

from ..graph import Graph
from ..labels import dot_html
from ..nodes import CONSTANT, LEAF, GraphInfo, is_constant, is_tensor
from ..options import DrawOptions
from ..palette import (
    FILL,
    GRAD_COLOR,
    HIGHLIGHT_FILL,
    HIGHLIGHT_LINE,
    NAME_COLOR,
    SHAPE_COLOR,
    TRANSPARENT,
    VALUE_COLOR,
)
from ..texts.conv import node_args, op_args_text
from ..texts.names import needs_tag
from ..texts.numbers import fmt_any, is_array
from ..texts.tensor import dims, value_range
from .base import Renderer, colored, html_label
from .gates import folded_constant_slot, folds, gate_label, module_scope
from .neurons import neuron_box, neuron_groups
from .view import View

OUTPUT_ID = "output"
#: Longest line of the caption under a drawing (its notes and dtype), in characters.
CAPTION_CHARS = 72
#: Longest matrix row a drawing prints; wider arrays show their range (``in [-1, 2]``).
MAX_ROW = 10


def scope_title(scope: str) -> str:
    """A module's name in a collapsed drawing: its path in the model, as
    ``named_parameters()`` spells it, and its class (``Sequential.0:Conv2d`` -> ``0: Conv2d``).

    >>> scope_title("Sequential.0:Conv2d"), scope_title("Net.fc1"), scope_title("fc1")
    ('0: Conv2d', 'fc1', 'fc1')
    """
    path = scope.split(".")
    inner = path[1:] if len(path) > 1 else path
    parts = [p.partition(":") for p in inner]
    name = ".".join(p[0] for p in parts)
    kind = parts[-1][2]
    return f"{name}: {kind}" if kind else name


def same_edge(highlighted: Any, key: Any) -> bool:
    """Whether the highlighted edge (``(consumer, slot)`` or ``"output"``) is ``key``."""
    if isinstance(highlighted, tuple) and isinstance(key, tuple):
        return highlighted[0] is key[0] and highlighted[1] == key[1]
    return isinstance(highlighted, str) and highlighted == key


class GraphRenderer(Renderer):
    """A computation graph's drawing: the numbers, styles and boxes both drawing styles share.

    The drawing is a list of *elements* (a node, an edge, a collapsed module), each one or a
    few DOT statements. While an element is built, every number it reads (a value, a
    gradient, an edge's share, the highlight) is recorded as one of its *sources*, and the
    numbers it shows are recorded as its *roles* (``"v"``: green value lines, ``"g"``: red
    gradient lines, ``"h"``: highlighted). A stepper that changes a few sources from one
    frame to the next re-renders only the elements that read them (:mod:`viz.render.base`).

    Subclasses draw one style (:class:`viz.render.lecture.LectureRenderer`,
    :class:`viz.render.record.RecordRenderer`); :func:`viz.render.renderer_for` picks one.

    With ``layout_view`` (the finished computation: every value and gradient), numbers the
    current ``view`` does not show yet are still written, in a transparent colour: every
    frame then has the same label sizes, so Graphviz lays every frame out identically.
    """

    def __init__(self, info: GraphInfo, view: View, options: DrawOptions,
                 layout_view: View | None = None) -> None:
        self.info, self.view, self.layout_view = info, view, layout_view
        self.options = options
        collapse, rankdir = options.collapse, options.rankdir
        self.show_values = options.mode in ("forward", "both")
        self.show_grads = options.mode in ("backward", "both")
        self.precision, self.show_labels, self.tags = (options.precision, options.show_labels,
                                                       options.tags)
        self.max_elements, self.style = options.max_elements, options.style
        self.fold = folds(options)
        self.folded: set[int] = set()
        if self.fold:
            for node in info.order:
                slot = folded_constant_slot(node)
                if slot is not None:
                    self.folded.add(id(node.parents[slot]))
        # A folded constant may also be used elsewhere unfolded: then keep it as a node.
        for node in info.order:
            for slot, parent in enumerate(node.parents):
                if id(parent) in self.folded and (
                    folded_constant_slot(node) != slot or not self.fold
                ):
                    self.folded.discard(id(parent))
        self.scope_of: dict[int, str] = {}
        self.scope_ids: dict[str, str] = {}
        self.scope_members: dict[str, list[Any]] = {}
        self.neurons = collapse == "neuron"
        if collapse in ("module", "neuron"):
            groups = neuron_groups(info) if self.neurons else {}
            for node in info.order:
                scope = groups.get(id(node), "") if self.neurons else module_scope(info, node)
                if scope:
                    self.scope_of[id(node)] = scope
                    self.scope_ids.setdefault(scope, f"m{len(self.scope_ids)}")
                    self.scope_members.setdefault(scope, []).append(node)
        if self.neurons:  # a labelled input (x1) is drawn once, feeding every neuron
            for node in info.order:
                if id(node) in self.scope_of:
                    for parent in node.parents:
                        if id(parent) in self.folded and bool(getattr(parent, "label", "")):
                            self.folded.discard(id(parent))
        self.out_edges: dict[int, int] = {
            id(n): sum(1 for c, s in info.consumers[id(n)] if id(n) not in self.folded)
            for n in info.order
        }
        self.out_edges[id(info.root)] += 1  # the edge to the output marker
        # ordering=in: a gate's inputs are placed in operand order (w0 above x0), so leaves
        # read top to bottom as the expression reads
        graph_attr = {"rankdir": rankdir, "nodesep": "0.3", "ranksep": "0.3",
                      "fontname": "Helvetica", "fontsize": "11", "ordering": "in"}
        # the dtype is said once, under the drawing (and on an edge only where it differs)
        dtypes = [np.asarray(n.data).dtype for n in info.order if is_tensor(n)]
        dtypes = [d for d in dtypes if d.kind == "f"] or dtypes  # indices are not the point
        self.dtype = max(set(dtypes), key=dtypes.count) if dtypes else None
        caption = [view.note] if view.note else []
        if self.dtype is not None:
            caption.append(f"arrays are {self.dtype}")
        if caption:
            # one line per part, wrapped: a long note must not make the drawing wider
            lines = [line for part in caption for line in textwrap.wrap(part, CAPTION_CHARS)]
            graph_attr.update(label="\\n".join(lines), labelloc="b", fontcolor="#777777")
        super().__init__(Graph(
            name="chainrule",
            graph_attr=graph_attr,
            node_attr={"fontname": "Helvetica", "fontsize": "12"},
            edge_attr={"fontname": "Helvetica", "fontsize": "11", "arrowsize": "0.7"},
        ))

    # ------------------------------------------------------------------ numbers
    def value_of(self, node: Any) -> tuple[Any, bool] | None:
        """(value, shown) for a node's value, or None when nothing is drawn for it."""
        self.touch(("v", id(node)))
        if self.view.values is None or id(node) in self.view.values or is_constant(node):
            return node.data, True
        if self.layout_view is not None:
            return node.data, False  # written invisibly, so every frame has the same layout
        return None

    def grad_of(self, node: Any) -> tuple[Any, bool] | None:
        self.touch(("g", id(node)))
        final = self.layout_view.grads if self.layout_view is not None else None
        return self._lookup(self.view.grads, final, id(node))

    def share_of(self, consumer: Any, slot: int) -> tuple[Any, bool] | None:
        self.touch(("s", id(consumer), slot))
        final = self.layout_view.edge_grads if self.layout_view is not None else None
        return self._lookup(self.view.edge_grads, final, (id(consumer), slot))

    @staticmethod
    def _lookup(now: dict, final: dict | None, key: Any) -> tuple[Any, bool] | None:
        g = now.get(key)
        if g is not None:
            return g, True
        if final is not None and final.get(key) is not None:
            return final[key], False
        return None

    def num(self, x: Any) -> str:
        if is_array(x) and (x.ndim > 2 or x.size > self.max_elements
                            or x.shape[-1] > MAX_ROW):
            return value_range(x, self.precision)  # the shape is on the line above
        return fmt_any(x, self.precision, self.max_elements)

    def shape_line(self, node: Any) -> str:
        """``2×3``, with the dtype only where it is not the drawing's (said once, below)."""
        data = np.asarray(node.data)
        text = dims(data.shape) if data.ndim else "scalar"
        return text if data.dtype == self.dtype else f"{text} {data.dtype}"

    def display_id(self, node: Any) -> str:
        scope = self.scope_of.get(id(node))
        return self.scope_ids[scope] if scope else self.info.nid(node)

    def is_highlighted(self, node: Any) -> bool:
        did = self.display_id(node)
        self.touch(("h", did))
        h = self.view.highlight
        lit = h is not None and self.display_id(h) == did
        self.role("h", lit)
        return lit

    def node_style(self, kind: str, node: Any | None) -> dict[str, str]:
        attrs = {"style": "filled", "fillcolor": FILL[kind], "color": "#444444"}
        if kind in (LEAF, CONSTANT, "output", "scope"):
            attrs["style"] = "rounded,filled" if kind != CONSTANT else "rounded,filled,dashed"
        if node is not None and self.is_highlighted(node):
            attrs.update(fillcolor=HIGHLIGHT_FILL, color=HIGHLIGHT_LINE, penwidth="3")
        return attrs

    def edge_style(self, key: Any) -> dict[str, str]:
        self.touch(("he", "output") if key == "output" else ("he", id(key[0]), key[1]))
        lit = self.view.highlight_edge is not None and same_edge(self.view.highlight_edge, key)
        self.role("h", lit)
        return {"color": HIGHLIGHT_LINE, "penwidth": "3"} if lit else {}

    def value_parts(self, node: Any, with_name: bool) -> list[str]:
        """Green value lines (and a grey shape line for tensors)."""
        parts = []
        if is_tensor(node):
            parts.append(colored(SHAPE_COLOR, self.shape_line(node)))
        if not self.show_values:
            return parts
        found = self.value_of(node)
        if found is None:
            self.role("v", None)
            return parts
        v, shown = found
        lines = self.num(v).split("\n")
        name = self.info.name(node) if with_name else ""
        labelled = bool(getattr(node, "label", ""))
        if name and labelled:
            lines[0] = f"{name} = {lines[0]}"  # the user's name, as the slides print q
        color = VALUE_COLOR if shown else TRANSPARENT
        rows = [colored(color, line) for line in lines]
        if name and not labelled and (self.tags or needs_tag(self.info, node, self.gate)):
            tag_color = NAME_COLOR if shown else TRANSPARENT
            rows[0] = (f'<font color="{tag_color}" point-size="9">{dot_html(name)} = </font>'
                       + rows[0])  # a generated name: quiet, for matching step texts
        self.role("v", "\n".join(lines) if shown else None)
        parts.append("<br/>".join(rows))
        return parts

    def grad_part(self, found: tuple[Any, bool] | None) -> str:
        if not self.show_grads or found is None:
            if self.show_grads:
                self.role("g", None)
            return ""
        grad, shown = found
        text = self.num(grad)
        self.role("g", text if shown else None)
        return colored(GRAD_COLOR if shown else TRANSPARENT, text)

    def gate(self, node: Any) -> str:
        """The text in ``node``'s gate circle."""
        return gate_label(node, self.fold)

    def named(self, node: Any) -> bool:
        """Intermediates are named on their edges (leaves are boxes with their name)."""
        return self.show_labels and bool(node.parents)

    # ------------------------------------------------------------------ boxes
    def nodes_to_draw(self, skip_folded: bool) -> Iterator[Any]:
        """Nodes drawn one by one, in order; a collapsed module is drawn once, as its box."""
        emitted_scopes: set[str] = set()
        for node in self.info.order:
            if skip_folded and id(node) in self.folded:
                continue
            scope = self.scope_of.get(id(node))
            if scope:
                if scope not in emitted_scopes:
                    emitted_scopes.add(scope)
                    self.add(self.scope_ids[scope], partial(self.emit_scope, scope))
                continue
            yield node

    def emit_scope(self, scope: str) -> None:
        if self.neurons:
            neuron_box(self, scope)
            return
        members = self.scope_members[scope]
        ops = sum(1 for n in members if n.parents)
        params = [n for n in members if not n.parents and not is_constant(n)]
        count = f"{ops} op{'s' * (ops != 1)}"
        if params:  # "3 ops, 2 parameters (16 numbers)"
            count += (f", {len(params)} parameter{'s' * (len(params) != 1)} "
                      f"({sum(int(np.size(n.data)) for n in params)} numbers)")
        lines = [f"<b>{dot_html(scope_title(scope))}</b>"]
        convs = [a for a in (node_args(n) for n in members) if a is not None]
        out = [n for n in members if n.parents]
        if convs or (out and is_tensor(out[-1])):  # "k=3×3 s=2 p=1 → 2×4×4×4"
            last = np.shape(out[-1].data) if out and is_tensor(out[-1]) else None
            shape = "" if last is None else f"→ {dims(last) if last else 'scalar'}"
            lines.append(dot_html(" ".join(filter(None, [
                op_args_text(convs[0]) if convs else "", shape]))))
        lines.append(dot_html(count))
        if params:  # which ones: "0.weight 4×1×3×3, 0.bias 4"
            names = [self.info.name(n) + (f" {dims(n.data.shape)}" if is_tensor(n) else "")
                     for n in params]
            if len(names) > 4:
                names = names[:4] + [f"and {len(names) - 4} more"]
            lines.append(colored(SHAPE_COLOR, ", ".join(names)))
        attrs = self.node_style("scope", members[0])
        sid = self.scope_ids[scope]
        self.g.node(sid, label=html_label(lines), shape="box", id=sid, **attrs)
