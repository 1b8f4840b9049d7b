"""Computation graph -> ``graphviz.Digraph``, drawn the way the lectures draw it.

Two styles:

- ``"lecture"`` (CS231n / lecture 002): inputs as labelled boxes, operations as small gate
  circles (``+``, ``*``, ``*-1``, ``exp``, ``+1``, ``1/x``), and on every edge the value that
  flows forward (green, above) and the gradient that flows back (red, below). A number mixed
  into an expression is folded into its gate (``d + 1`` draws one ``+1`` gate).
- ``"record"`` (micrograd): one box ``label | data | grad`` per value, op nodes between them.

Colours (the legend): blue boxes are leaves that require grad (inputs, parameters), grey
boxes are constants, the orange box is the output, white circles are gates, a yellow node
and a thick orange edge are the current step of a :class:`viz.BackpropStepper`, violet boxes
are collapsed ``nn`` modules (with the parameters they own). Green numbers are forward values,
red numbers are gradients, small grey names (``n5 =``) are the generated names of unlabelled
intermediates, the same the stepper's texts use.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .chain import chain_rule_steps
from .format import constant_gate, fmt_any, is_array, parse_constant_gate, shape_text
from .graph import Graph, check_dpi, check_save_path
from .labels import dot_html, dot_record
from .nodes import CONSTANT, GATE, LEAF, GraphInfo, is_constant, is_tensor

MODES = ("forward", "backward", "both")
STYLES = ("lecture", "record")
COLLAPSE = (None, "module")
RANKDIRS = ("LR", "RL", "TB", "BT")

VALUE_COLOR = "#1e7b1e"
GRAD_COLOR = "#d62728"
SHAPE_COLOR = "#555555"
NAME_COLOR = "#777777"
FILL = {LEAF: "#dbe9f6", CONSTANT: "#eeeeee", GATE: "#ffffff", "output": "#fde2c0",
        "scope": "#ece2f6"}
HIGHLIGHT_FILL = "#ffe066"
HIGHLIGHT_LINE = "#e67e00"
OUTPUT_ID = "output"
_FOLDABLE = ("+", "-", "*", "/", "**")


@dataclass
class View:
    """Which numbers a drawing shows (the stepper passes partial views, frame by frame).

    ``values`` is the set of ids of nodes whose value is known (``None``: all of them);
    ``grads`` maps ids to gradients; ``edge_grads`` maps ``(id(consumer), slot)`` to the
    share that flowed along that edge (shown at fan-outs, where the shares differ from the
    total). ``highlight`` is a node and ``highlight_edge`` a ``(consumer, slot)`` pair or
    ``"output"``.
    """

    values: set[int] | None = None
    grads: dict[int, Any] = field(default_factory=dict)
    edge_grads: dict[tuple[int, int], Any] = field(default_factory=dict)
    highlight: Any = None
    highlight_edge: Any = None
    note: str = ""


def _has_gradients(info: GraphInfo) -> bool:
    """True once ``backward()`` ran: some node holds a gradient that is not all zeros.

    (A fresh ``Value`` graph holds ``0.0`` everywhere, a fresh ``Tensor`` graph ``None``;
    after a Tensor backward only the leaves keep theirs.)
    """
    for node in info.order:
        g = getattr(node, "grad", None)
        if g is not None and bool(np.any(np.asarray(g) != 0)):
            return True
    return False


def graph_view(info: GraphInfo) -> View:
    """The view of a finished computation: all values, and gradients if backward ran."""
    view = View()
    if not _has_gradients(info):
        view.note = "no gradients yet: call backward() on the output"
        return view
    side, steps = chain_rule_steps(info)
    for node in info.order:
        if not info.needs_grad(node):
            continue
        g = getattr(node, "grad", None)
        view.grads[id(node)] = g if g is not None else side.get(id(node))
    for s in steps:
        view.edge_grads[(id(s.node), s.slot)] = s.contribution
    return view


def draw(
    root: Any,
    mode: str = "both",
    rankdir: str = "LR",
    style: str = "lecture",
    precision: int = 2,
    show_labels: bool = True,
    collapse: str | None = None,
    max_elements: int = 36,
    fold_constants: bool = True,
) -> Graph:
    """Draw the computation graph that produced ``root``.

    Parameters
    ----------
    root : Value or Tensor
        The output node. Its gradients are shown if ``root.backward()`` ran (a graph drawn
        before that shows no gradients rather than misleading zeros).
    mode : {"both", "forward", "backward"}
        Show forward values (green), gradients (red), or both.
    rankdir : {"LR", "TB", "RL", "BT"}
        Graphviz layout direction (left to right like the slides by default).
    style : {"lecture", "record"}
        Gates with numbers on the edges (slides), or micrograd-like ``label | data | grad``
        boxes.
    precision : int
        Decimals printed; integral numbers print without them (``-4``, ``0.73``).
    show_labels : bool
        Name every intermediate result on its outgoing edges, as the stepper's texts do:
        a user's label with the value (``q = 3``, green), a generated name (``n5``, the
        node's position in topological order, the same as in :class:`viz.BackpropStepper`)
        small and grey before the value, so the slide's numbers stay as they were.
    collapse : {None, "module"}
        ``"module"`` draws every ``nn`` module (nodes sharing a ``scope``) as one box,
        with the parameters it owns inside (their number and shapes are listed).
    max_elements : int
        Tensors with at most this many elements show their values and gradients as
        matrices; bigger ones show shape and dtype only.
    fold_constants : bool
        Lecture style: draw ``d + 1`` as one ``+1`` gate instead of a constant leaf.

    Returns
    -------
    Graph
        A ``graphviz.Digraph`` subclass: ``.source`` is the DOT text (no Graphviz needed),
        ``.save("f.svg")`` renders, and Jupyter displays it inline.

    Examples
    --------
    >>> from autograd import Value
    >>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    >>> q = x + y; q.label = "q"
    >>> f = q * z; f.label = "f"
    >>> f.backward()
    >>> g = draw(f)
    >>> "q = 3" in g.source and "-12" in g.source
    True
    """
    _check_options(mode, rankdir, style, precision, collapse)
    info = GraphInfo(root)
    return render_view(info, graph_view(info), mode=mode, rankdir=rankdir, style=style,
                       precision=precision, show_labels=show_labels, collapse=collapse,
                       max_elements=max_elements, fold_constants=fold_constants)


def _check_options(mode: str, rankdir: str, style: str, precision: int, collapse: Any) -> None:
    if mode not in MODES:
        raise ValueError(f"draw: mode must be one of {MODES}, got {mode!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if style not in STYLES:
        raise ValueError(f"draw: style must be one of {STYLES}, got {style!r}")
    if collapse not in COLLAPSE:
        raise ValueError(f"draw: collapse must be one of {COLLAPSE}, got {collapse!r}")
    if not isinstance(precision, int) or isinstance(precision, bool) or not 0 <= precision <= 12:
        raise ValueError(f"draw: precision must be an int in 0..12, got {precision!r}")


# --------------------------------------------------------------------------- helpers
def is_parameter(node: Any) -> bool:
    """Whether ``node`` is an ``nn.Parameter`` (no ``nn`` loaded: no node can be one)."""
    module = sys.modules.get("nn.module")
    cls = getattr(module, "Parameter", None)
    return isinstance(cls, type) and isinstance(node, cls)


def module_scope(info: GraphInfo, node: Any) -> str:
    """The ``nn`` module a node belongs to, for ``collapse="module"`` (``""``: none).

    Ops record the scope of the module whose forward created them. Parameters are created
    with their module, outside any forward call, so they carry no scope: a Parameter
    belongs to the module whose ops consume it, when exactly one does (a weight shared by
    two modules, or also used outside them, stays a node of its own).
    """
    scope = str(getattr(node, "scope", "") or "")
    if scope or node.parents or not is_parameter(node):
        return scope
    owners = {str(getattr(c, "scope", "") or "") for c, _ in info.consumers[id(node)]}
    return owners.pop() if len(owners) == 1 else ""


def constant_text(node: Any) -> str:
    """A constant as it appears in a gate label: ``1``, ``-1``, ``0.5``."""
    v = float(np.asarray(node.data).reshape(-1)[0])
    return f"{v:g}"


def folded_constant_slot(node: Any) -> int | None:
    """Slot of the one scalar constant operand of a binary arithmetic gate, else None."""
    if node.op not in _FOLDABLE or len(node.parents) != 2:
        return None
    a, b = (is_constant(p) and np.size(p.data) == 1 for p in node.parents)
    if a == b:
        return None
    return 0 if a else 1


def gate_label(node: Any, fold: bool = True) -> str:
    """The text in a gate circle: the op, with a folded constant (``+1``, ``*-1``, ``1/x``).

    Negative constants follow :mod:`viz.format`'s rule: ``-(-3)``, ``+(-3)``, ``(-2)**x``,
    but ``*-1``.
    """
    slot = folded_constant_slot(node) if fold else None
    if slot is None:
        parts = parse_constant_gate(node.op)  # Value's one-operand gates: "**2", "--3"
        return constant_gate(*parts) if parts else node.op
    c = constant_text(node.parents[slot])
    # a constant on the right, or in a commutative op, is drawn on the right: "+1", "*-1"
    return constant_gate(node.op, c, left=slot == 0 and node.op not in ("+", "*"))


def _esc(text: str) -> str:
    """Any text as an HTML-like or quoted DOT label (see :mod:`viz.labels`)."""
    return dot_html(text)


def _colored(color: str, text: str) -> str:
    lines = str(text).split("\n")
    return "<br/>".join(f'<font color="{color}">{_esc(line)}</font>' for line in lines)


def _html(parts: list[str]) -> str | None:
    parts = [p for p in parts if p]
    return "<" + "<br/>".join(parts) + ">" if parts else None


class _Renderer:
    """Shared state for one drawing (both styles)."""

    def __init__(self, info: GraphInfo, view: View, *, mode: str, rankdir: str, style: str,
                 precision: int, show_labels: bool, collapse: str | None, max_elements: int,
                 fold_constants: bool) -> None:
        self.info, self.view = info, view
        self.show_values = mode in ("forward", "both")
        self.show_grads = mode in ("backward", "both")
        self.precision, self.show_labels = precision, show_labels
        self.max_elements, self.style = max_elements, style
        self.fold = fold_constants and style == "lecture"
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
        if collapse == "module":
            for node in info.order:
                scope = module_scope(info, node)
                if scope:
                    self.scope_of[id(node)] = scope
                    self.scope_ids.setdefault(scope, f"m{len(self.scope_ids)}")
                    self.scope_members.setdefault(scope, []).append(node)
        self.out_edges: dict[int, int] = {
            id(n): sum(1 for c, s in info.consumers[id(n)] if id(n) not in self.folded)
            for n in info.order
        }
        self.out_edges[id(info.root)] += 1  # the edge to the output marker
        graph_attr = {"rankdir": rankdir, "nodesep": "0.3", "ranksep": "0.45",
                      "fontname": "Helvetica", "fontsize": "11"}
        if view.note:
            graph_attr.update(label=view.note, labelloc="b", fontcolor="#777777")
        self.g = Graph(
            name="chainrule",
            graph_attr=graph_attr,
            node_attr={"fontname": "Helvetica", "fontsize": "12"},
            edge_attr={"fontname": "Helvetica", "fontsize": "11", "arrowsize": "0.7"},
        )

    # ------------------------------------------------------------------ numbers
    def value_of(self, node: Any) -> Any:
        if self.view.values is not None and id(node) not in self.view.values:
            if not is_constant(node):
                return None
        return node.data

    def num(self, x: Any) -> str:
        return fmt_any(x, self.precision, self.max_elements)

    def display_id(self, node: Any) -> str:
        scope = self.scope_of.get(id(node))
        return self.scope_ids[scope] if scope else self.info.nid(node)

    def is_highlighted(self, node: Any) -> bool:
        h = self.view.highlight
        if h is None:
            return False
        return self.display_id(h) == self.display_id(node)

    def node_style(self, kind: str, node: Any | None) -> dict[str, str]:
        attrs = {"style": "filled", "fillcolor": FILL[kind], "color": "#444444"}
        if kind in (LEAF, CONSTANT, "output", "scope"):
            attrs["style"] = "rounded,filled" if kind != CONSTANT else "rounded,filled,dashed"
        if node is not None and self.is_highlighted(node):
            attrs.update(fillcolor=HIGHLIGHT_FILL, color=HIGHLIGHT_LINE, penwidth="3")
        return attrs

    def edge_style(self, key: Any) -> dict[str, str]:
        if key is not None and self.view.highlight_edge == key:
            return {"color": HIGHLIGHT_LINE, "penwidth": "3"}
        return {}

    def edge_key(self, consumer: Any, slot: int) -> Any:
        he = self.view.highlight_edge
        if isinstance(he, tuple) and he[0] is consumer and he[1] == slot:
            return he
        return None

    def value_parts(self, node: Any, with_name: bool) -> list[str]:
        """Green value lines (and a grey shape line for tensors)."""
        parts = []
        if is_tensor(node):
            parts.append(_colored(SHAPE_COLOR, f"{shape_text(node.data.shape)} {node.data.dtype}"))
        if self.show_values:
            v = self.value_of(node)
            if v is not None and (not is_array(v) or v.size <= self.max_elements):
                lines = self.num(v).split("\n")
                name = self.info.name(node) if with_name else ""
                if name and getattr(node, "label", ""):
                    lines[0] = f"{name} = {lines[0]}"  # the user's name, as the slides print q
                rows = [_colored(VALUE_COLOR, line) for line in lines]
                if name and not getattr(node, "label", ""):
                    rows[0] = (f'<font color="{NAME_COLOR}" point-size="9">{_esc(name)} = </font>'
                               + rows[0])  # a generated name: quiet, for matching step texts
                parts.append("<br/>".join(rows))
        return parts

    def grad_of(self, node: Any) -> Any:
        return self.view.grads.get(id(node))

    def grad_part(self, grad: Any) -> str:
        if not self.show_grads or grad is None:
            return ""
        if is_array(grad) and grad.size > self.max_elements:
            return ""
        return _colored(GRAD_COLOR, self.num(grad))

    def named(self, node: Any) -> bool:
        """Intermediates are named on their edges (leaves are boxes with their name)."""
        return self.show_labels and bool(node.parents)

    # -------------------------------------------------------------------- build
    def build(self) -> Graph:
        if self.style == "record":
            self.build_record()
        else:
            self.build_lecture()
        return self.g

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
                    self.emit_scope(scope)
                continue
            yield node

    def build_lecture(self) -> None:
        info, g = self.info, self.g
        for node in self.nodes_to_draw(skip_folded=True):
            nid = info.nid(node)
            kind = info.kind(node)
            xlabel = self.fanout_total(node)
            if kind == GATE:
                attrs = self.node_style(GATE, node)
                if xlabel:
                    attrs["xlabel"] = xlabel
                label = _esc(gate_label(node, self.fold))
                shape = "circle" if len(label) <= 4 else "ellipse"
                g.node(nid, label=label, shape=shape, margin="0.02", **attrs)
            else:
                is_root = node is info.root
                attrs = self.node_style("output" if is_root else kind, node)
                text = info.name(node)
                if kind == CONSTANT and not getattr(node, "label", ""):
                    text = self.num(node.data)
                parts = [_esc(line) for line in text.split("\n")]  # a matrix: one row a line
                if is_tensor(node) and not is_root:
                    parts.append(_colored(SHAPE_COLOR, shape_text(node.data.shape)))
                if is_root:  # a lone leaf: its numbers go inside the box
                    parts += self.value_parts(node, False) + [self.grad_part(self.grad_of(node))]
                if xlabel:
                    attrs["xlabel"] = xlabel
                g.node(nid, label=_html(parts), shape="box", **attrs)
        seen: set[tuple[str, str, int]] = set()
        for node in info.order:
            for slot, parent in enumerate(node.parents):
                if id(parent) in self.folded:
                    continue
                src, dst = self.display_id(parent), self.display_id(node)
                if src == dst:
                    continue
                if id(parent) in self.scope_of or id(node) in self.scope_of:
                    # Collapsed modules: one edge per value crossing a module boundary.
                    if (src, dst, id(parent)) in seen:
                        continue
                    seen.add((src, dst, id(parent)))
                if self.out_edges[id(parent)] > 1:
                    grad = self.view.edge_grads.get((id(node), slot))
                else:
                    grad = self.grad_of(parent)
                label = _html(self.value_parts(parent, self.named(parent)) + [self.grad_part(grad)])
                attrs = self.edge_style(self.edge_key(node, slot))
                if label:
                    attrs["label"] = label
                g.edge(src, dst, **attrs)
        root = info.root
        if root.parents:
            attrs = self.node_style("output", None)
            if self.view.highlight_edge == "output":
                attrs.update(fillcolor=HIGHLIGHT_FILL, color=HIGHLIGHT_LINE, penwidth="3")
            g.node(OUTPUT_ID, label=_esc(info.name(root)), shape="box", **attrs)
            label = _html(self.value_parts(root, False) + [self.grad_part(self.grad_of(root))])
            attrs = self.edge_style("output" if self.view.highlight_edge == "output" else None)
            if label:
                attrs["label"] = label
            g.edge(self.display_id(root), OUTPUT_ID, **attrs)

    def fanout_total(self, node: Any) -> str | None:
        """At a fork each edge carries its own share; the node shows the total (a sum)."""
        if self.out_edges[id(node)] < 2 or not self.show_grads:
            return None
        total = self.grad_of(node)
        if total is None or not self.grad_part(total):
            return None
        return _html([_colored(GRAD_COLOR, f"Σ {self.num(total)}")])

    def emit_scope(self, scope: str) -> None:
        members = self.scope_members[scope]
        ops = sum(1 for n in members if n.parents)
        params = [n for n in members if not n.parents and not is_constant(n)]
        count = f"{ops} op{'s' * (ops != 1)}"
        if params:  # "3 ops, 2 parameters (16 numbers)"
            count += (f", {len(params)} parameter{'s' * (len(params) != 1)} "
                      f"({sum(int(np.size(n.data)) for n in params)} numbers)")
        lines = [f"<b>{_esc(scope)}</b>", _esc(count)]
        if params:  # which ones: "weight 4x3, bias 4"
            names = [self.info.name(n) + (f" {shape_text(n.data.shape)}" if is_tensor(n) else "")
                     for n in params]
            if len(names) > 4:
                names = names[:4] + [f"and {len(names) - 4} more"]
            lines.append(_colored(SHAPE_COLOR, ", ".join(names)))
        highlighted = self.view.highlight is not None and self.is_highlighted(members[0])
        attrs = self.node_style("scope", members[0] if highlighted else None)
        self.g.node(self.scope_ids[scope], label=_html(lines), shape="box", **attrs)

    def build_record(self) -> None:
        info, g = self.info, self.g
        for node in self.nodes_to_draw(skip_folded=False):
            nid = info.nid(node)
            kind = "output" if node is info.root else info.kind(node)
            fields = [_rec(info.name(node) if kind != CONSTANT or node.label else "const")]
            if is_tensor(node):
                fields.append(_rec(f"{shape_text(node.data.shape)} {node.data.dtype}"))
            if self.show_values:
                v = self.value_of(node)
                fields.append(_rec_rows("data", self.num(v) if v is not None else "?"))
            if self.show_grads and info.needs_grad(node):
                gr = self.grad_of(node)
                fields.append(_rec_rows("grad", self.num(gr) if gr is not None else "?"))
            attrs = self.node_style(kind if kind != GATE else LEAF, node)
            if kind == GATE:
                attrs["fillcolor"] = "#ffffff" if not self.is_highlighted(node) else HIGHLIGHT_FILL
            g.node(nid, label="{ " + " | ".join(fields) + " }", shape="record", **attrs)
            if node.parents:
                g.node(nid + "_op", label=_esc(gate_label(node, fold=False)), shape="ellipse",
                       **self.node_style(GATE, None))
                g.edge(nid + "_op", nid)
        seen: set[tuple[str, str]] = set()
        for node in info.order:
            for slot, parent in enumerate(node.parents):
                src = self.display_id(parent)
                dst = self.display_id(node)
                if dst == info.nid(node):
                    dst += "_op"
                if src == dst:
                    continue
                if id(parent) in self.scope_of or id(node) in self.scope_of:
                    if (src, dst) in seen:
                        continue
                    seen.add((src, dst))
                g.edge(src, dst, **self.edge_style(self.edge_key(node, slot)))


def _rec(text: str) -> str:
    """Any text as one field of a record label (see :mod:`viz.labels`)."""
    return dot_record(text)


#: Longest record field, in characters: DOT refuses a quoted string over 16,384 bytes.
_REC_BUDGET = 4000


def _rec_rows(title: str, text: str) -> str:
    """A record field ``data 3``; a matrix goes below its title, one row a line."""
    rows = text.split("\n")
    if len(rows) == 1:
        return _rec(f"{title} {text}")
    kept, used = [title], len(title)
    for i, line in enumerate(rows):
        used += len(line) + 2
        if used > _REC_BUDGET:  # keep the field renderable; say what was left out
            kept.append(f"\u2026 ({len(rows) - i} more rows)")
            break
        kept.append(line)
    return "\\n".join(_rec(line) for line in kept)  # DOT's \n: a centred break


def render_view(info: GraphInfo, view: View, *, mode: str = "both", rankdir: str = "LR",
                style: str = "lecture", precision: int = 2, show_labels: bool = True,
                collapse: str | None = None, max_elements: int = 36,
                fold_constants: bool = True) -> Graph:
    """Draw ``info``'s graph showing exactly the numbers in ``view`` (used by the stepper)."""
    _check_options(mode, rankdir, style, precision, collapse)
    return _Renderer(info, view, mode=mode, rankdir=rankdir, style=style, precision=precision,
                     show_labels=show_labels, collapse=collapse, max_elements=max_elements,
                     fold_constants=fold_constants).build()


def save(graph_or_root: Any, path: str, dpi: float | None = None, **draw_options: Any) -> str:
    """Render a drawing (or a graph's output node, drawn first) to ``.svg``/``.png``/``.pdf``.

    Parameters
    ----------
    graph_or_root : Graph or graphviz.Digraph or Value or Tensor
        What to save; a node is drawn with ``draw(node, **draw_options)``.
    path : str
        Target file; the extension picks the format: ``.svg``, ``.png``, ``.pdf``,
        ``.jpg``/``.jpeg``, or ``.dot``/``.gv`` for the DOT source. A missing or unknown
        extension raises ``ValueError`` before anything is drawn or written.
    dpi : float, optional
        Resolution of ``.png``/``.jpg`` (default ``viz.graph.DEFAULT_DPI`` = 192, sharp on a
        1080p projector).

    Returns
    -------
    str
        The path written.
    """
    import graphviz

    check_save_path(path)
    check_dpi(dpi)
    if isinstance(graph_or_root, Graph):
        graph = graph_or_root
    elif isinstance(graph_or_root, graphviz.Digraph):
        graph = Graph(body=list(graph_or_root.body), graph_attr=dict(graph_or_root.graph_attr),
                      node_attr=dict(graph_or_root.node_attr),
                      edge_attr=dict(graph_or_root.edge_attr))
    else:
        graph = draw(graph_or_root, **draw_options)
    return graph.save(path, dpi=dpi)
