"""What the drawings and the stepper need to know about a graph, computed once.

Works on any node with ``data``, ``grad``, ``parents`` (tuple, duplicates kept), ``op``
(``""`` for a leaf) and ``label``: chainrule's ``Value`` and ``Tensor`` alike (duck typing).
Everything here is derived from :func:`autograd.topological_order`, so it is iterative and
deterministic: the same graph always gives the same ids, names and order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor, topological_order

from .labels import visible

#: Node kinds, used for colours (see :func:`viz.draw` for the legend).
LEAF, CONSTANT, GATE = "leaf", "constant", "gate"


def is_constant(node: Any) -> bool:
    """A leaf that does not require grad: a number mixed into an expression, or data."""
    return not node.parents and not getattr(node, "requires_grad", True)


def is_tensor(node: Any) -> bool:
    """Tensor nodes hold an ndarray (Values hold a Python float).

    Checked by class first: a 0-d result (a loss after ``.sum()``, ``+ 1`` or ``/ n``) may
    hold a numpy scalar, which is no ndarray but still a Tensor's value.
    """
    return isinstance(node, Tensor) or isinstance(node.data, (np.ndarray, np.generic))


class GraphInfo:
    """Topological order, stable ids and names, kinds and consumers of every node.

    Parameters
    ----------
    root : node
        The output of the computation (a ``Value`` or ``Tensor``).

    Attributes
    ----------
    order : list
        Every node reachable from ``root``, parents before children.
    ids : dict
        ``id(node) -> "n<k>"`` where ``k`` is the node's position in ``order``.
    names : dict
        ``id(node) -> str``: the node's label (made printable and cut to
        :data:`viz.limits.MAX_LABEL_CHARS`, see :func:`viz.labels.visible`), or a generated
        ``n<k>`` when it has none.
    consumers : dict
        ``id(node) -> list of (consumer, slot)``: every edge leaving the node.
    """

    def __init__(self, root: Any) -> None:
        for attr in ("data", "parents", "op"):
            if not hasattr(root, attr):
                raise TypeError(
                    f"viz expects a graph node with .data, .parents and .op "
                    f"(a Value or Tensor), got {type(root).__name__}"
                )
        self.root = root
        self.order: list[Any] = topological_order(root)
        self.ids: dict[int, str] = {}
        self.consumers: dict[int, list[tuple[Any, int]]] = {}
        labels = {str(getattr(n, "label", "") or "") for n in self.order}
        self.names: dict[int, str] = {}
        for k, node in enumerate(self.order):
            key = id(node)
            self.ids[key] = f"n{k}"
            self.consumers[key] = []
            # bounded here, at the source, for the DOT text, the step texts and the player
            label = visible(getattr(node, "label", "") or "")
            if not label:
                label = f"n{k}"
                while label in labels:  # never collide with a user's label
                    label += "'"
            self.names[key] = label
        for node in self.order:
            for slot, parent in enumerate(node.parents):
                self.consumers[id(parent)].append((node, slot))

    def kind(self, node: Any) -> str:
        """``"leaf"``, ``"constant"`` or ``"gate"`` (any node with parents)."""
        if node.parents:
            return GATE
        return CONSTANT if is_constant(node) else LEAF

    def name(self, node: Any) -> str:
        return self.names[id(node)]

    def nid(self, node: Any) -> str:
        return self.ids[id(node)]

    def needs_grad(self, node: Any) -> bool:
        """Whether a chain-rule step flows into ``node`` (constants get none)."""
        return not is_constant(node)

    def __len__(self) -> int:
        return len(self.order)
