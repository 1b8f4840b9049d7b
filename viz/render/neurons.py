"""Neurons of an ``nn.scalar`` network: finding them in a graph, naming them, one box each."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..labels import dot_html
from ..nodes import GraphInfo, is_constant
from ..palette import GRAD_COLOR, TRANSPARENT, VALUE_COLOR
from ..texts.numbers import parse_constant_gate
from .gates import constant_text

if TYPE_CHECKING:
    pass

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
        const = parse_constant_gate(node.op)
        if const and const[0] == "*" and len(parents) == 1:  # w * 0.35, a float input: "*0.35"
            if gs[0] and not parents[0].parents and gs[0] not in closed:
                group[id(node)] = gs[0]
        elif node.op == "*" and len(parents) == 2:
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


def neuron_box(r: Any, scope: str) -> None:
    """One neuron as one box: its activation, and a row per weight (value, gradient)."""
    members = r.scope_members[scope]
    out = members[-1]  # topological order: the activation (or the last sum) comes last
    act = out.op if out.op != "+" else "linear"
    biased = any(_BIAS.match(str(getattr(n, "label", "") or "")) for n in members)
    total = "Σ w·x + b" if biased else "Σ w·x"
    rows = [f'<tr><td colspan="3"><b>{dot_html(scope)}</b> = {dot_html(act)}({total})</td></tr>']
    n_param = 0
    for node in members:
        if node.parents or is_constant(node):
            continue
        name = r.info.name(node)
        for consumer, slot in r.info.consumers[id(node)]:
            other = consumer.parents[1 - slot] if len(consumer.parents) == 2 else None
            if consumer.op == "*" and other is not None and id(other) in r.folded:
                name += f" × {constant_text(other)}"  # a plain number as input
            const = parse_constant_gate(consumer.op)
            if const and const[0] == "*" and len(consumer.parents) == 1:
                name += f" × {const[1]}"  # Value's "*0.35" gate: w * 0.35
        cells = [f'<td align="left">{dot_html(name)}</td>']
        found = r.value_of(node)
        shown = found is not None and found[1]
        color = VALUE_COLOR if shown else TRANSPARENT
        cells.append(f'<td align="right"><font color="{color}">{dot_html(r.num(node.data))}'
                     "</font></td>")
        r.role(f"v#{n_param}", r.num(node.data) if shown else None)
        if r.show_grads:
            g = r.grad_of(node)
            if g is not None:
                text = r.num(g[0])
                color = GRAD_COLOR if g[1] else TRANSPARENT
                r.role(f"g#{n_param}", text if g[1] else None)
                cells.append(f'<td align="right"><font color="{color}">{dot_html(text)}'
                             "</font></td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
        n_param += 1
    label = ('<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
             + "".join(rows) + "</table>>")
    attrs = r.node_style("scope", members[0])
    sid = r.scope_ids[scope]
    r.g.node(sid, label=label, shape="box", id=sid, **attrs)
