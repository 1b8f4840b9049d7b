"""What a node's box or gate circle says: gate labels with folded constants, parameters, scopes."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ..nodes import GraphInfo, is_constant
from ..options import DrawOptions
from ..texts.names import name_by_gates
from ..texts.numbers import constant_gate, parse_constant_gate

_FOLDABLE = ("+", "-", "*", "/", "**")


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
    # only an unlabelled number is folded: a labelled constant (x1 = 1.0) stays a box
    a, b = (is_constant(p) and np.size(p.data) == 1 and not getattr(p, "label", "")
            for p in node.parents)
    if a == b:
        return None
    return 0 if a else 1


def gate_label(node: Any, fold: bool = True) -> str:
    """The text in a gate circle: the op, with a folded constant (``+1``, ``*-1``, ``1/x``).

    Negative constants follow :mod:`viz.texts.numbers`'s rule: ``-(-3)``, ``+(-3)``, ``(-2)**x``,
    but ``*-1``.
    """
    slot = folded_constant_slot(node) if fold else None
    if slot is None:
        parts = parse_constant_gate(node.op)  # Value's one-operand gates: "**2", "--3"
        return constant_gate(*parts) if parts else node.op
    c = constant_text(node.parents[slot])
    # a constant on the right, or in a commutative op, is drawn on the right: "+1", "*-1"
    return constant_gate(node.op, c, left=slot == 0 and node.op not in ("+", "*"))


def folds(options: DrawOptions) -> bool:
    """Whether ``options`` fold a number into its gate (the lecture style's ``+1``)."""
    return options.fold_constants and options.style == "lecture"


def name_nodes(info: GraphInfo, options: DrawOptions) -> None:
    """Name ``info``'s unlabelled nodes after what a drawing with ``options`` shows
    (:mod:`viz.texts.names`: ``f``/``L``, ``[exp]``, ``[+]₁``)."""
    fold = folds(options)
    name_by_gates(info, lambda n: gate_label(n, fold))
