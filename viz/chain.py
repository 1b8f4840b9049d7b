"""The backward pass replayed on the side, one chain-rule application at a time.

For each node in reverse topological order and each parent that needs a gradient::

    contribution = upstream * local          # Value: d root/d node * d node/d parent
    contribution = node.vjp(upstream)[slot]  # Tensor: a vector-Jacobian product
    grad[parent] += contribution             # the multivariate chain rule

Gradients live in a dictionary owned by the caller, so the user's graph (its ``.grad``
fields) is never touched. The walk is the engine's own reverse pass, observed through its
``on_step`` callback, so the numbers are what ``root.backward()`` computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd.engine import backpropagate

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


def seed_for(root: Any, seed: Any = None, where: str = "viz.step()") -> Any:
    """dJ/d(root): ``1.0`` for a Value, ones for a one-element Tensor, else ``seed``.

    A Tensor with more than one element has no gradient of its own: as ``backward()`` does,
    it is refused unless a seed of its shape is given (the ``gradient=`` of
    ``root.backward(gradient=seed)``; the pass then differentiates J = sum(seed * root)).

    Raises
    ------
    RuntimeError
        A non-scalar root without ``seed`` (the message ``backward()`` gives).
    ValueError
        A seed whose shape is not the root's.
    """
    if not is_tensor(root):
        return 1.0 if seed is None else float(np.asarray(seed).reshape(()))
    data = np.asarray(root.data)
    if seed is None:
        if data.size != 1:
            raise RuntimeError(
                f"{where}: output of shape {data.shape} is not a scalar; pass seed= an array "
                f"of shape {data.shape} (what backward(gradient=...) takes)"
            )
        return np.ones_like(data)
    arr = np.array(getattr(seed, "data", seed), dtype=data.dtype)
    if arr.shape != data.shape:
        raise ValueError(f"{where}: seed shape {arr.shape} != output shape {data.shape}")
    return arr


def chain_rule_steps(info: GraphInfo, seed: Any = None) -> tuple[dict[int, Any], list[Step]]:
    """Run the backward pass of ``info.root`` on the side, recording every step.

    ``seed`` is dJ/d(root) (see :func:`seed_for`; needed for a root with several elements).

    The pass is the engine's own (:func:`autograd.engine.backpropagate`, the function
    ``backward()`` uses), so the frames show by construction what ``backward()`` does.

    Returns
    -------
    grads : dict
        ``id(node) -> d root / d node`` for every node that needs a gradient.
    steps : list of Step
        The chain-rule applications in the order backward performs them.
    """
    root = info.root
    first = seed if seed is not None else seed_for(root)
    grads: dict[int, Any] = {id(root): first}
    steps: list[Step] = []

    def record(node: Any, slot: int, parent: Any, upstream: Any, share: Any, previous: Any,
               total: Any) -> None:
        if not info.needs_grad(parent):
            return
        local = None if is_tensor(node) else node.local[slot]
        grads[id(parent)] = total
        steps.append(Step(node, slot, parent, upstream, local, share, previous, total))

    backpropagate(root, first, keep=_none, on_step=record)
    return grads, steps


def _none(node: Any) -> bool:
    return False
