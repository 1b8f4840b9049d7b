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
red numbers are gradients; with ``tags=True``, small grey names (``n5 =``) are the generated
names of unlabelled intermediates, the same the stepper's texts use. Each input's value is
above its edge's gradient, and a gate's inputs are placed in operand order (``ordering=in``),
so leaves read top to bottom as the expression reads (w0, x0, w1, x1).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .chain import chain_rule_steps, seed_for
from .format import constant_gate, fmt_any, is_array, parse_constant_gate, shape_text
from .graph import Graph, check_dpi, check_save_path
from .labels import dot_html, dot_record
from .nodes import CONSTANT, GATE, LEAF, GraphInfo, is_constant, is_tensor
from .options import COLLAPSE, MODES, RANKDIRS, STYLES, DrawOptions

__all__ = ["COLLAPSE", "MODES", "RANKDIRS", "STYLES", "DrawOptions", "draw", "save"]


VALUE_COLOR = "#1e7b1e"
GRAD_COLOR = "#d62728"
SHAPE_COLOR = "#555555"
NAME_COLOR = "#777777"
FILL = {LEAF: "#dbe9f6", CONSTANT: "#eeeeee", GATE: "#ffffff", "output": "#fde2c0",
        "scope": "#ece2f6"}
HIGHLIGHT_FILL = "#ffe066"
HIGHLIGHT_LINE = "#e67e00"
TRANSPARENT = "transparent"  # numbers a stepper frame does not show yet (same layout)
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


def graph_view(info: GraphInfo, seed: Any = None) -> View:
    """The view of a finished computation: all values, and gradients if backward ran.

    The interior gradients are recomputed on the side from dJ/d(root): 1 for a one-element
    root, ``seed`` otherwise. A root with several elements drawn without ``seed`` shows the
    gradients the leaves hold and says why the interior ones are missing.
    """
    view = View()
    if not _has_gradients(info):
        view.note = "no gradients yet: call backward() on the output"
        return view
    if seed is None and is_tensor(info.root) and np.size(info.root.data) != 1:
        for node in info.order:
            g = getattr(node, "grad", None)
            if g is not None and info.needs_grad(node):
                view.grads[id(node)] = g
        view.note = (f"the output is {shape_text(np.shape(info.root.data))}, not a scalar: "
                     "pass seed= (the gradient given to backward) to see every gradient")
        return view
    side, steps = chain_rule_steps(info, seed_for(info.root, seed, "viz.draw()"))
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
    tags: bool = False,
    seed: Any = None,
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
    collapse : {None, "module", "neuron"}
        ``"module"`` draws every ``nn`` module (nodes sharing a ``scope``) as one box,
        with the parameters it owns inside (their number and shapes are listed).
        ``"neuron"`` draws every neuron of an ``nn.scalar`` network (its ``*`` and ``+``
        gates and its activation) as one box with a row per weight and bias (value, and
        gradient after backward), so an MLP reads as layers; labelled inputs are drawn
        once and feed every neuron.
    max_elements : int
        Tensors with at most this many elements show their values and gradients as
        matrices; bigger ones show shape and dtype only.
    fold_constants : bool
        Lecture style: draw ``d + 1`` as one ``+1`` gate instead of a constant leaf.
    tags : bool
        Also write the generated name of an unlabelled intermediate (small and grey,
        ``n5 =``) before its value, to match the stepper's texts. Off by default: the
        slide's numbers stand alone.
    seed : array_like, optional
        dJ/d(root) for a root with more than one element: the ``gradient=`` that was passed
        to ``root.backward``. Without it such a drawing shows only the leaves' gradients.

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
    options = DrawOptions(mode=mode, rankdir=rankdir, style=style, precision=precision,
                          show_labels=show_labels, collapse=collapse,
                          max_elements=max_elements, fold_constants=fold_constants, tags=tags)
    info = GraphInfo(root)
    return render_view(info, graph_view(info, seed), options)


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
    """Shared state for one drawing (both styles).

    The drawing is a list of *elements* (a node, an edge, a collapsed module), each one or a
    few DOT statements. While an element is built, every number it reads (a value, a
    gradient, an edge's share, the highlight) is recorded as one of its *sources*, and the
    numbers it shows are recorded as its *roles* (``"v"``: green value lines, ``"g"``: red
    gradient lines, ``"h"``: highlighted). A stepper that changes a few sources from one
    frame to the next re-renders only the elements that read them (:class:`FrameDrawings`).

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
        self.fold = options.fold_constants and self.style == "lecture"
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
                        if id(parent) in self.folded and getattr(parent, "label", ""):
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
        if view.note:
            graph_attr.update(label=view.note, labelloc="b", fontcolor="#777777")
        self.g = Graph(
            name="chainrule",
            graph_attr=graph_attr,
            node_attr={"fontname": "Helvetica", "fontsize": "12"},
            edge_attr={"fontname": "Helvetica", "fontsize": "11", "arrowsize": "0.7"},
        )
        self.header = len(self.g.body)
        # element bookkeeping (see the class docstring)
        self.elements: list[tuple[str, Callable[[], None]]] = []
        self.chunks: dict[str, list[str]] = {}
        self.deps: dict[Any, set[str]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self._fn: dict[str, Callable[[], None]] = {}
        self._cur: str = ""

    # ------------------------------------------------------------ bookkeeping
    def _touch(self, source: Any) -> None:
        self.deps.setdefault(source, set()).add(self._cur)

    def _role(self, role: str, value: Any) -> None:
        self.roles.setdefault(self._cur, {})[role] = value

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

    def add(self, key: str, fn: Callable[[], None]) -> None:
        self.elements.append((key, fn))
        self._fn[key] = fn

    # ------------------------------------------------------------------ numbers
    def value_of(self, node: Any) -> tuple[Any, bool] | None:
        """(value, shown) for a node's value, or None when nothing is drawn for it."""
        self._touch(("v", id(node)))
        if self.view.values is None or id(node) in self.view.values or is_constant(node):
            return node.data, True
        if self.layout_view is not None:
            return node.data, False  # written invisibly, so every frame has the same layout
        return None

    def grad_of(self, node: Any) -> tuple[Any, bool] | None:
        self._touch(("g", id(node)))
        return self._lookup(self.view.grads, self.layout_view and self.layout_view.grads,
                            id(node))

    def share_of(self, consumer: Any, slot: int) -> tuple[Any, bool] | None:
        self._touch(("s", id(consumer), slot))
        return self._lookup(self.view.edge_grads,
                            self.layout_view and self.layout_view.edge_grads,
                            (id(consumer), slot))

    @staticmethod
    def _lookup(now: dict, final: dict | None, key: Any) -> tuple[Any, bool] | None:
        g = now.get(key)
        if g is not None:
            return g, True
        if final is not None and final.get(key) is not None:
            return final[key], False
        return None

    def num(self, x: Any) -> str:
        return fmt_any(x, self.precision, self.max_elements)

    def display_id(self, node: Any) -> str:
        scope = self.scope_of.get(id(node))
        return self.scope_ids[scope] if scope else self.info.nid(node)

    def is_highlighted(self, node: Any) -> bool:
        did = self.display_id(node)
        self._touch(("h", did))
        h = self.view.highlight
        lit = h is not None and self.display_id(h) == did
        self._role("h", lit)
        return lit

    def node_style(self, kind: str, node: Any | None) -> dict[str, str]:
        attrs = {"style": "filled", "fillcolor": FILL[kind], "color": "#444444"}
        if kind in (LEAF, CONSTANT, "output", "scope"):
            attrs["style"] = "rounded,filled" if kind != CONSTANT else "rounded,filled,dashed"
        if node is not None and self.is_highlighted(node):
            attrs.update(fillcolor=HIGHLIGHT_FILL, color=HIGHLIGHT_LINE, penwidth="3")
        return attrs

    def edge_style(self, key: Any) -> dict[str, str]:
        self._touch(("he", "output") if key == "output" else ("he", id(key[0]), key[1]))
        lit = self.view.highlight_edge is not None and _same_edge(self.view.highlight_edge, key)
        self._role("h", lit)
        return {"color": HIGHLIGHT_LINE, "penwidth": "3"} if lit else {}

    def value_parts(self, node: Any, with_name: bool) -> list[str]:
        """Green value lines (and a grey shape line for tensors)."""
        parts = []
        if is_tensor(node):
            parts.append(_colored(SHAPE_COLOR, f"{shape_text(node.data.shape)} {node.data.dtype}"))
        if not self.show_values:
            return parts
        found = self.value_of(node)
        if found is None:
            self._role("v", None)
            return parts
        v, shown = found
        if is_array(v) and v.size > self.max_elements:
            return parts
        lines = self.num(v).split("\n")
        name = self.info.name(node) if with_name else ""
        labelled = bool(getattr(node, "label", ""))
        if name and labelled:
            lines[0] = f"{name} = {lines[0]}"  # the user's name, as the slides print q
        color = VALUE_COLOR if shown else TRANSPARENT
        rows = [_colored(color, line) for line in lines]
        if name and not labelled and self.tags:
            tag_color = NAME_COLOR if shown else TRANSPARENT
            rows[0] = (f'<font color="{tag_color}" point-size="9">{_esc(name)} = </font>'
                       + rows[0])  # a generated name: quiet, for matching step texts
        self._role("v", "\n".join(lines) if shown else None)
        parts.append("<br/>".join(rows))
        return parts

    def grad_part(self, found: tuple[Any, bool] | None) -> str:
        if not self.show_grads or found is None:
            if self.show_grads:
                self._role("g", None)
            return ""
        grad, shown = found
        if is_array(grad) and grad.size > self.max_elements:
            return ""
        text = self.num(grad)
        self._role("g", text if shown else None)
        return _colored(GRAD_COLOR if shown else TRANSPARENT, text)

    def named(self, node: Any) -> bool:
        """Intermediates are named on their edges (leaves are boxes with their name)."""
        return self.show_labels and bool(node.parents)

    # -------------------------------------------------------------------- build
    def build(self) -> Graph:
        if self.style == "record":
            self.plan_record()
        else:
            self.plan_lecture()
        for key, _ in self.elements:
            self.g.body.extend(self.run(key))
        return self.g

    def snapshot(self) -> Graph:
        """A new drawing of the current state (after :meth:`build` and any re-runs)."""
        g = self.g
        body = [line for key, _ in self.elements for line in self.chunks[key]]
        return Graph(name=g.name, graph_attr=dict(g.graph_attr), node_attr=dict(g.node_attr),
                     edge_attr=dict(g.edge_attr), body=g.body[: self.header] + body)

    def source(self) -> str:
        """The DOT source of the current state."""
        return self.snapshot().source

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
                    self.add(self.scope_ids[scope], lambda s=scope: self.emit_scope(s))
                continue
            yield node

    def plan_lecture(self) -> None:
        info = self.info
        for node in self.nodes_to_draw(skip_folded=True):
            self.add(info.nid(node), lambda n=node: self.lecture_node(n))
        seen: set[tuple[str, str, int]] = set()
        for node in info.order:
            for slot, parent in enumerate(node.parents):
                if id(parent) in self.folded:
                    continue
                src, dst = self.display_id(parent), self.display_id(node)
                if src == dst:
                    continue
                key = f"e{info.nid(node)}_{slot}"
                if id(parent) in self.scope_of or id(node) in self.scope_of:
                    # Collapsed modules: one edge per value crossing a module boundary.
                    if (src, dst, id(parent)) in seen:
                        continue
                    seen.add((src, dst, id(parent)))
                self.add(key, lambda n=node, s=slot, p=parent, k=key:
                         self.lecture_edge(n, s, p, k))
        if info.root.parents:
            self.add(OUTPUT_ID, self.output_node)
            self.add("e" + OUTPUT_ID, self.output_edge)

    def lecture_node(self, node: Any) -> None:
        info, g = self.info, self.g
        nid = info.nid(node)
        kind = info.kind(node)
        xlabel = self.fanout_total(node)
        if kind == GATE:
            attrs = self.node_style(GATE, node)
            if xlabel:
                attrs["xlabel"] = xlabel
            label = _esc(gate_label(node, self.fold))
            shape = "circle" if len(label) <= 4 else "ellipse"
            g.node(nid, label=label, shape=shape, margin="0.02", id=nid, **attrs)
            return
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
        g.node(nid, label=_html(parts), shape="box", id=nid, **attrs)

    def lecture_edge(self, node: Any, slot: int, parent: Any, key: str) -> None:
        if self.out_edges[id(parent)] > 1:
            grad = self.share_of(node, slot)
        else:
            grad = self.grad_of(parent)
        attrs = self.edge_style((node, slot))
        self.labelled_edge(self.display_id(parent), self.display_id(node), key, attrs,
                           self.value_parts(parent, self.named(parent)), self.grad_part(grad))

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
            self.g.edge(src, dst, id=key, label=_html(values + [grad]), **attrs)
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

    def output_node(self) -> None:
        attrs = self.node_style("output", None)
        self._touch(("he", "output"))
        lit = _same_edge(self.view.highlight_edge, "output")
        if lit:
            attrs.update(fillcolor=HIGHLIGHT_FILL, color=HIGHLIGHT_LINE, penwidth="3")
        self._role("h", lit)
        self.g.node(OUTPUT_ID, label=_esc(self.info.name(self.info.root)), shape="box",
                    id=OUTPUT_ID, **attrs)

    def output_edge(self) -> None:
        root = self.info.root
        attrs = self.edge_style("output")
        self.labelled_edge(self.display_id(root), OUTPUT_ID, "e" + OUTPUT_ID, attrs,
                           self.value_parts(root, False), self.grad_part(self.grad_of(root)))

    def fanout_total(self, node: Any) -> str | None:
        """At a fork each edge carries its own share; the node shows the total (a sum)."""
        if self.out_edges[id(node)] < 2 or not self.show_grads:
            return None
        found = self.grad_of(node)
        if found is None or (is_array(found[0]) and found[0].size > self.max_elements):
            self._role("g", None)
            return None
        total, shown = found
        text = f"Σ {self.num(total)}"
        self._role("g", text if shown else None)
        return _html([_colored(GRAD_COLOR if shown else TRANSPARENT, text)])

    def emit_scope(self, scope: str) -> None:
        if self.neurons:
            self.emit_neuron(scope)
            return
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
        attrs = self.node_style("scope", members[0])
        sid = self.scope_ids[scope]
        self.g.node(sid, label=_html(lines), shape="box", id=sid, **attrs)

    def emit_neuron(self, scope: str) -> None:
        """One neuron as one box: its activation, and a row per weight (value, gradient)."""
        members = self.scope_members[scope]
        out = members[-1]  # topological order: the activation (or the last sum) comes last
        act = out.op if out.op != "+" else "linear"
        biased = any(_BIAS.match(str(getattr(n, "label", "") or "")) for n in members)
        total = "Σ w·x + b" if biased else "Σ w·x"
        rows = [f'<tr><td colspan="3"><b>{_esc(scope)}</b> = {_esc(act)}({total})</td></tr>']
        n_param = 0
        for node in members:
            if node.parents or is_constant(node):
                continue
            name = self.info.name(node)
            for consumer, slot in self.info.consumers[id(node)]:
                other = consumer.parents[1 - slot] if len(consumer.parents) == 2 else None
                if consumer.op == "*" and other is not None and id(other) in self.folded:
                    name += f" × {constant_text(other)}"  # a plain number as input
            cells = [f'<td align="left">{_esc(name)}</td>']
            found = self.value_of(node)
            shown = found is not None and found[1]
            color = VALUE_COLOR if shown else TRANSPARENT
            cells.append(f'<td align="right"><font color="{color}">{_esc(self.num(node.data))}'
                         "</font></td>")
            self._role(f"v#{n_param}", self.num(node.data) if shown else None)
            if self.show_grads:
                g = self.grad_of(node)
                if g is not None:
                    text = self.num(g[0])
                    color = GRAD_COLOR if g[1] else TRANSPARENT
                    self._role(f"g#{n_param}", text if g[1] else None)
                    cells.append(f'<td align="right"><font color="{color}">{_esc(text)}'
                                 "</font></td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
            n_param += 1
        label = ('<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
                 + "".join(rows) + "</table>>")
        attrs = self.node_style("scope", members[0])
        sid = self.scope_ids[scope]
        self.g.node(sid, label=label, shape="box", id=sid, **attrs)

    def plan_record(self) -> None:
        info = self.info
        for node in self.nodes_to_draw(skip_folded=False):
            self.add(info.nid(node), lambda n=node: self.record_node(n))
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
                key = f"e{info.nid(node)}_{slot}"
                self.add(key, lambda n=node, s=slot, a=src, b=dst, k=key: self.g.edge(
                    a, b, id=k, **self.edge_style((n, s))))

    def record_node(self, node: Any) -> None:
        info, g = self.info, self.g
        nid = info.nid(node)
        kind = "output" if node is info.root else info.kind(node)
        fields = [_rec(info.name(node) if kind != CONSTANT or node.label else "const")]
        if is_tensor(node):
            fields.append(_rec(f"{shape_text(node.data.shape)} {node.data.dtype}"))
        if self.show_values:
            found = self.value_of(node)
            shown = found is not None and found[1]
            text = self.num(found[0]) if shown else "?"
            self._role("v", text if shown else None)
            fields.append(_rec_rows("data", text))
        if self.show_grads and info.needs_grad(node):
            found = self.grad_of(node)
            shown = found is not None and found[1]
            text = self.num(found[0]) if shown else "?"
            self._role("g", text if shown else None)
            fields.append(_rec_rows("grad", text))
        attrs = self.node_style(kind if kind != GATE else LEAF, node)
        if kind == GATE:
            attrs["fillcolor"] = (HIGHLIGHT_FILL if attrs["fillcolor"] == HIGHLIGHT_FILL
                                  else "#ffffff")
        g.node(nid, label="{ " + " | ".join(fields) + " }", shape="record", id=nid, **attrs)
        if node.parents:
            g.node(nid + "_op", label=_esc(gate_label(node, fold=False)), shape="ellipse",
                   **self.node_style(GATE, None))
            g.edge(nid + "_op", nid)


_WEIGHT = re.compile(r"^W(\d+)_(?:(\d+),(\d+)|(\d)(\d+))$")
_BIAS = re.compile(r"^b(\d+)_(\d+)$")
_ACTIVATIONS = ("relu", "tanh", "sigmoid")


def neuron_groups(info: GraphInfo) -> dict[int, str]:
    """``id(node) -> "x<l>_<i>"`` for the nodes of each neuron of an ``nn.scalar`` network.

    A neuron is found from its parameters' labels (``W<l>_<ij>``, ``b<l>_<i>``, as
    ``nn.scalar.Layer`` names them): a ``*`` gate with one of them as operand, ``+`` gates
    whose operands are all in one neuron, and one activation gate after them. The group is
    named after the neuron's output in lecture 001's notation, ``x<l>_<i>``.
    """
    group: dict[int, str] = {}
    closed: set[str] = set()
    for node in info.order:
        parents = node.parents
        if not parents:
            if is_constant(node):
                continue
            label = str(getattr(node, "label", "") or "")
            m, b = _WEIGHT.match(label), _BIAS.match(label)
            if m:
                group[id(node)] = f"x{m.group(1)}_{m.group(2) or m.group(4)}"
            elif b:
                group[id(node)] = f"x{b.group(1)}_{b.group(2)}"
            continue
        gs = [group.get(id(p)) for p in parents]
        if node.op == "*" and len(parents) == 2:
            own = [g for p, g in zip(parents, gs, strict=True) if g and not p.parents]
            if len(own) == 1 and own[0] not in closed and gs.count(own[0]) == 1:
                group[id(node)] = own[0]
        elif node.op == "+" and len(parents) == 2 and gs[0] and gs[0] == gs[1] \
                and gs[0] not in closed:
            group[id(node)] = gs[0]
        elif node.op in _ACTIVATIONS and gs[0] and gs[0] not in closed \
                and parents[0].op == "+":
            group[id(node)] = gs[0]
            closed.add(gs[0])
    return group


def name_neurons(info: GraphInfo) -> None:
    """Name unlabelled neuron nodes as lecture 001 does: ``net1_2`` (the weighted sum going
    into the activation) and ``x1_2`` (the neuron's output), for the stepper's texts."""
    groups = neuron_groups(info)
    members: dict[str, list[Any]] = {}
    for node in info.order:
        if id(node) in groups and node.parents:
            members.setdefault(groups[id(node)], []).append(node)
    taken = set(info.names.values())
    for group, nodes in members.items():
        out = nodes[-1]
        named = [(out, group)]
        if out.op in _ACTIVATIONS:
            named.append((out.parents[0], "net" + group[1:]))
        else:
            named = [(out, "net" + group[1:])]
        for node, name in named:
            if not getattr(node, "label", "") and name not in taken:
                info.names[id(node)] = name
                taken.add(name)


def _same_edge(highlighted: Any, key: Any) -> bool:
    if isinstance(highlighted, tuple) and isinstance(key, tuple):
        return highlighted[0] is key[0] and highlighted[1] == key[1]
    return isinstance(highlighted, str) and highlighted == key


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


def render_view(info: GraphInfo, view: View, options: DrawOptions | None = None, *,
                layout_view: View | None = None, **keywords: Any) -> Graph:
    """Draw ``info``'s graph showing exactly the numbers in ``view`` (used by the stepper).

    ``options`` (default :class:`DrawOptions`), with any of its fields given as keywords
    changed. With ``layout_view`` (all the numbers of the finished computation), numbers
    ``view`` does not show are written transparently, so every frame has the same layout.
    """
    options = (options or DrawOptions()).replace(**keywords)
    return _Renderer(info, view, options, layout_view=layout_view).build()


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
