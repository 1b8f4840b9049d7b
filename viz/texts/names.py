"""Names for the nodes a user did not label, taken from what the drawing shows.

A step text names every node it mentions, and the reader has to find that node in the
picture. So an unlabelled node is named after what is drawn for it:

- the output: ``L`` when a loss made it (an ``nn`` loss module's scope or a loss op), ``f``
  otherwise, as the lectures write them;
- an intermediate: its gate as the circle shows it, in brackets (``[exp]``, ``[1/x]``,
  ``[+1]``, ``[*-1]``: "the output of the ``exp`` gate"); where two drawn gates look the same
  they are told apart by a subscript in topological order (``[+]₁``, ``[+]₂``), and the
  drawing then writes that name, small and grey, before the node's value (a *shown tag*,
  :func:`needs_tag`);
- a leaf keeps the generated ``n<k>``, which its box shows.

A user's label is never replaced, and a generated name never equals a user's label.

>>> from viz.demo import sigmoid_circuit
>>> from viz.nodes import GraphInfo
>>> info = GraphInfo(sigmoid_circuit())
>>> name_by_gates(info, lambda n: n.op)
>>> sorted(n for n in info.names.values() if n[0] not in "wx")
['[*-1]', '[*]₁', '[*]₂', '[+1]', '[+]₁', '[+]₂', '[exp]', 'f']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..nodes import GraphInfo

SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def is_loss(node: Any) -> bool:
    """Whether ``node`` was made by a loss (an ``nn`` loss module's scope or a loss op)."""
    text = f"{getattr(node, 'scope', '') or ''} {getattr(node, 'op', '') or ''}".lower()
    return "loss" in text or "entropy" in text


def _free(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "'"
    taken.add(name)
    return name


def name_by_gates(info: GraphInfo, gate_of: Callable[[Any], str]) -> None:
    """Rename ``info``'s unlabelled output and gates after what the drawing shows, in place.

    Parameters
    ----------
    info : GraphInfo
        Its ``names`` are updated.
    gate_of : callable
        ``node -> str``: the text the drawing writes in the node's gate circle.
    """
    taken = {str(getattr(n, "label", "") or "") for n in info.order} - {""}
    root = info.root
    if root.parents and not getattr(root, "label", ""):
        info.names[id(root)] = _free("L" if is_loss(root) else "f", taken)
    gates: dict[str, list[Any]] = {}
    for node in info.order:
        if node.parents and not getattr(node, "label", "") and node is not root:
            gates.setdefault(gate_of(node), []).append(node)
    for gate, nodes in gates.items():
        for k, node in enumerate(nodes, 1):
            suffix = str(k).translate(SUBSCRIPTS) if len(nodes) > 1 else ""
            info.names[id(node)] = _free(f"[{gate}]{suffix}", taken)


def needs_tag(info: GraphInfo, node: Any, gate_of: Callable[[Any], str]) -> bool:
    """Whether the picture must write ``node``'s name: its gate alone does not identify it."""
    return bool(node.parents) and not getattr(node, "label", "") and \
        node is not info.root and info.name(node) != f"[{gate_of(node)}]"
