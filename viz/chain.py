"""The backward pass replayed on the side, one chain-rule application at a time.

For each node in reverse topological order and each parent that needs a gradient::

    contribution = upstream * local          # Value: d root/d node * d node/d parent
    contribution = node.vjp(upstream)[slot]  # Tensor: a vector-Jacobian product
    grad[parent] += contribution             # the multivariate chain rule

Gradients live in a dictionary owned by the caller, so the user's graph (its ``.grad``
fields) is never touched, and the numbers equal what ``root.backward()`` gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .nodes import GraphInfo, is_tensor


@dataclass(frozen=True)
class Step:
    """One edge of the backward pass: ``grad[parent] += contribution``."""

    node: Any
    slot: int
    parent: Any
    upstream: Any
    local: Any  # d node / d parent (a float for Value; None for Tensor, whose local is a VJP)
    contribution: Any
    previous: Any  # parent's gradient before this step (None: first contribution)
    accumulated: Any  # parent's gradient after this step


def seed_for(root: Any) -> Any:
    """d root / d root: ``1.0`` for a Value, an array of ones for a Tensor."""
    if is_tensor(root):
        return np.ones_like(root.data)
    return 1.0


def _shares(node: Any, upstream: Any) -> tuple:
    """(local, contribution) for every parent of ``node``."""
    local = getattr(node, "local", None)
    if local is not None and len(local) == len(node.parents) and not is_tensor(node):
        return tuple((loc, loc * upstream) for loc in local)
    vjp = getattr(node, "vjp", None)
    if vjp is None:
        raise TypeError(
            f"cannot step through op {node.op!r} of {type(node).__name__}: the node has "
            "neither .local (per-parent derivatives) nor .vjp(upstream)"
        )
    return tuple((None, share) for share in vjp(upstream))


def chain_rule_steps(info: GraphInfo) -> tuple[dict[int, Any], list[Step]]:
    """Run the backward pass of ``info.root`` on the side.

    Returns
    -------
    grads : dict
        ``id(node) -> d root / d node`` for every node that needs a gradient.
    steps : list of Step
        The chain-rule applications in the order backward performs them.
    """
    grads: dict[int, Any] = {id(info.root): seed_for(info.root)}
    steps: list[Step] = []
    for node in reversed(info.order):
        if not node.parents or id(node) not in grads:
            continue
        if not any(info.needs_grad(p) for p in node.parents):
            continue
        upstream = grads[id(node)]
        shares = _shares(node, upstream)
        if len(shares) != len(node.parents):
            raise ValueError(
                f"op {node.op!r}: expected one gradient share per parent "
                f"({len(node.parents)}), got {len(shares)}"
            )
        for slot, (parent, (local, share)) in enumerate(zip(node.parents, shares, strict=True)):
            if not info.needs_grad(parent) or share is None:
                continue
            previous = grads.get(id(parent))
            after = share if previous is None else previous + share
            grads[id(parent)] = after
            steps.append(Step(node, slot, parent, upstream, local, share, previous, after))
    return grads, steps
