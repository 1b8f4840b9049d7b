"""The lecture style (CS231n / lecture 002): gates as circles, numbers on the edges.

Inputs are labelled boxes, operations small gate circles (``+``, ``*``, ``exp``, ``+1``), and
on every edge the value flowing forward (green, above the line) and the gradient flowing back
(red, below it); at a fork each edge carries its own share and the node shows their sum.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from ..labels import dot_html
from ..nodes import CONSTANT, GATE, is_tensor
from ..palette import GRAD_COLOR, HIGHLIGHT_FILL, HIGHLIGHT_LINE, SHAPE_COLOR, TRANSPARENT
from ..texts.conv import node_args, op_args_text
from .base import colored, html_label
from .gates import gate_label
from .graph import OUTPUT_ID, GraphRenderer, same_edge


class LectureRenderer(GraphRenderer):
    """The lecture style's elements (see the module docstring)."""

    def plan(self) -> None:
        """Leaves and gates as nodes, every edge with its numbers, then the output marker."""
        info = self.info
        for node in self.nodes_to_draw(skip_folded=True):
            self.add(info.nid(node), partial(self.lecture_node, node))
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
                self.add(key, partial(self.lecture_edge, node, slot, parent, key))
        if info.root.parents:
            self.add(OUTPUT_ID, self.output_node)
            self.add("e" + OUTPUT_ID, self.output_edge)
        self.add("input-order", self.input_order)

    def input_order(self) -> None:
        """Pin the leaves that feed one gate side by side top to bottom in reading order.

        ``ordering=in`` orders a gate's incoming edges, not their sources: in 2*(a*b + a), a
        also feeds the +, and dot would put b above a. An invisible edge a -> b in one rank
        keeps a first. Pairs follow first use (``info.order``), so they never form a cycle."""
        info = self.info
        first = {id(n): i for i, n in enumerate(info.order)}
        pairs: dict[tuple[str, str], None] = {}
        for node in info.order:
            leaves = [p for p in node.parents if not p.parents and id(p) not in self.folded
                      and id(p) not in self.scope_of]
            for a, b in zip(leaves, leaves[1:]):
                if first[id(a)] < first[id(b)]:
                    pairs[(info.nid(a), info.nid(b))] = None
        for a, b in pairs:
            self.g.body.append(f"\t{{rank=same; {a} -> {b} [style=invis]}}\n")

    def lecture_node(self, node: Any) -> None:
        info, g = self.info, self.g
        nid = info.nid(node)
        kind = info.kind(node)
        xlabel = self.fanout_total(node)
        if kind == GATE:
            attrs = self.node_style(GATE, node)
            if xlabel:
                attrs["xlabel"] = xlabel
            label = dot_html(gate_label(node, self.fold))
            shape = "circle" if len(label) <= 4 else "ellipse"
            args = node_args(node)
            if args is not None:  # conv/pool: k=3×3 s=2 p=1 under the op
                small = f'<font point-size="10">{dot_html(op_args_text(args))}</font>'
                label, shape = html_label([label, small]) or label, "ellipse"
            g.node(nid, label=label, shape=shape, margin="0.02", id=nid, **attrs)
            return
        is_root = node is info.root
        attrs = self.node_style("output" if is_root else kind, node)
        text = info.name(node)
        if kind == CONSTANT and not getattr(node, "label", ""):
            text = self.num(node.data)
        parts = [dot_html(line) for line in text.split("\n")]  # a matrix: one row a line
        if is_tensor(node) and not is_root:
            parts.append(colored(SHAPE_COLOR, self.shape_line(node)))
        if is_root:  # a lone leaf: its numbers go inside the box
            parts += self.value_parts(node, False) + [self.grad_part(self.grad_of(node))]
        if xlabel:
            attrs["xlabel"] = xlabel
        g.node(nid, label=html_label(parts), shape="box", id=nid, **attrs)

    def lecture_edge(self, node: Any, slot: int, parent: Any, key: str) -> None:
        if self.out_edges[id(parent)] > 1:
            grad = self.share_of(node, slot)
        else:
            grad = self.grad_of(parent)
        attrs = self.edge_style((node, slot))
        self.labelled_edge(self.display_id(parent), self.display_id(node), key, attrs,
                           self.value_parts(parent, self.named(parent)), self.grad_part(grad))

    def output_node(self) -> None:
        attrs = self.node_style("output", None)
        self.touch(("he", "output"))
        lit = same_edge(self.view.highlight_edge, "output")
        if lit:
            attrs.update(fillcolor=HIGHLIGHT_FILL, color=HIGHLIGHT_LINE, penwidth="3")
        self.role("h", lit)
        self.g.node(OUTPUT_ID, label=dot_html(self.info.name(self.info.root)), shape="box",
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
        if found is None or self.num(found[0]).startswith(("in [", "all ")):
            self.role("g", None)  # a range is no sum of the edges' ranges: leave it out
            return None
        total, shown = found
        text = f"Σ {self.num(total)}"
        self.role("g", text if shown else None)
        return html_label([colored(GRAD_COLOR if shown else TRANSPARENT, text)])
