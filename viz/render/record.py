"""The record style (micrograd): one ``label | data | grad`` box per value, op nodes between."""

from __future__ import annotations

from functools import partial
from typing import Any

from ..labels import dot_html, dot_record
from ..nodes import CONSTANT, GATE, LEAF, is_tensor
from ..palette import HIGHLIGHT_FILL
from .gates import gate_label
from .graph import GraphRenderer


class RecordRenderer(GraphRenderer):
    """The record style's elements (see the module docstring)."""

    def plan(self) -> None:
        """A record box per value, an op node before each computed one, plain edges."""
        info = self.info
        for node in self.nodes_to_draw(skip_folded=False):
            self.add(info.nid(node), partial(self.record_node, node))
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
                self.add(key, partial(self.plain_edge, node, slot, src, dst, key))

    def plain_edge(self, node: Any, slot: int, src: str, dst: str, key: str) -> None:
        """The edge into operand ``slot`` of ``node``'s op (highlighted at its step)."""
        self.g.edge(src, dst, id=key, **self.edge_style((node, slot)))

    def record_node(self, node: Any) -> None:
        info, g = self.info, self.g
        nid = info.nid(node)
        kind = "output" if node is info.root else info.kind(node)
        fields = [record_field(info.name(node) if kind != CONSTANT or node.label else "const")]
        if is_tensor(node):
            fields.append(record_field(self.shape_line(node)))
        if self.show_values:
            found = self.value_of(node)
            shown = found is not None and found[1]
            text = self.num(found[0]) if found is not None and shown else "?"
            self.role("v", text if shown else None)
            fields.append(record_rows("data", text))
        if self.show_grads and info.needs_grad(node):
            found = self.grad_of(node)
            shown = found is not None and found[1]
            text = self.num(found[0]) if found is not None and shown else "?"
            self.role("g", text if shown else None)
            fields.append(record_rows("grad", text))
        attrs = self.node_style(kind if kind != GATE else LEAF, node)
        if kind == GATE:
            attrs["fillcolor"] = (HIGHLIGHT_FILL if attrs["fillcolor"] == HIGHLIGHT_FILL
                                  else "#ffffff")
        g.node(nid, label="{ " + " | ".join(fields) + " }", shape="record", id=nid, **attrs)
        if node.parents:
            g.node(nid + "_op", label=dot_html(gate_label(node, fold=False)), shape="ellipse",
                   **self.node_style(GATE, None))
            g.edge(nid + "_op", nid)





def record_field(text: str) -> str:
    """Any text as one field of a record label (see :mod:`viz.labels`)."""
    return dot_record(text)


#: Longest record field, in characters: DOT refuses a quoted string over 16,384 bytes.
RECORD_BUDGET = 4000


def record_rows(title: str, text: str) -> str:
    """A record field ``data 3``; a matrix goes below its title, one row a line."""
    rows = text.split("\n")
    if len(rows) == 1:
        return record_field(f"{title} {text}")
    kept, used = [title], len(title)
    for i, line in enumerate(rows):
        used += len(line) + 2
        if used > RECORD_BUDGET:  # keep the field renderable; say what was left out
            kept.append(f"\u2026 ({len(rows) - i} more rows)")
            break
        kept.append(line)
    return "\\n".join(record_field(line) for line in kept)  # DOT's \n: a centred break
