"""The least Python a graph engine can run for bench/tensor.py's MLP step: a reference.

Each op computes its result with the same numpy calls as ``autograd``'s op and records a node
of three fields (value, parents, rule); ``backward`` orders the graph by one depth-first
search and runs the rules in reverse, summing shares, as :func:`autograd.backpropagate`
does. Nothing else: no version counters (an input changed in place goes unnoticed), no
dtype guarantee on the shares, no scope, label or op name for drawings, no checks on the
operands, no copy of a gradient two leaves share. Like ``autograd`` it skips the one share
nobody needs here, the input batch's (``requires_grad=False``).

The time between this and the hand-written numpy step is what recording and walking a graph
costs in Python at all; the time between ``autograd`` and this is what its features cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class Node:
    __slots__ = ("data", "parents", "rule", "grad", "requires_grad")

    def __init__(self, data: np.ndarray, parents: tuple = (), rule: Callable | None = None,
                 requires_grad: bool = True):
        self.data, self.parents, self.rule, self.grad = data, parents, rule, None
        self.requires_grad = requires_grad


def add_bias(a: Node, b: Node) -> Node:
    """(N, F) + (F,): d/da = g, d/db = g summed over the batch."""
    return Node(a.data + b.data, (a, b), lambda g: (g, np.add.reduce(g, axis=0)))


def matmul(a: Node, b: Node) -> Node:
    """A B: dJ/dA = G B^T, dJ/dB = A^T G (for B = W.T, the transpose of G^T A: C-ordered)."""
    x, w = a.data, b.data
    return Node(x @ w, (a, b), lambda g: (g @ w.T if a.requires_grad else None, (g.T @ x).T))


def transpose(a: Node) -> Node:
    return Node(a.data.T, (a,), lambda g: (g.T,))


def relu(a: Node) -> Node:
    out = np.maximum(a.data, 0)
    return Node(out, (a,), lambda g: (g * (out > 0),))


def log_softmax(a: Node) -> Node:
    """Along axis 1; d/dx = g - softmax(x) sum(g)."""
    shifted = a.data - a.data.max(axis=1, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return Node(out, (a,), lambda g: (g - np.exp(out) * g.sum(axis=1, keepdims=True),))


def pick(a: Node, index: tuple) -> Node:
    """a[index]: the gradient scattered into zeros (repeats accumulate)."""
    shape, dtype = a.data.shape, a.data.dtype

    def rule(g: np.ndarray) -> tuple:
        grad = np.zeros(shape, dtype)
        np.add.at(grad, index, g)
        return (grad,)

    return Node(a.data[index], (a,), rule)


def mean(a: Node) -> Node:
    shape, n = a.data.shape, a.data.size
    scale = a.data.dtype.type(1 / n)

    def rule(g: np.ndarray) -> tuple:
        grad = np.empty(shape, a.data.dtype)
        grad[...] = g * scale
        return (grad,)

    return Node(np.asarray(a.data.sum() / n), (a,), rule)


def neg(a: Node) -> Node:
    return Node(-a.data, (a,), lambda g: (-g,))


def backward(root: Node) -> None:
    """Fill ``grad`` of the leaves: reverse topological order, shares summed per node."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[Any] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if p not in seen)
    pending = {root: np.ones((), root.data.dtype)}
    for node in reversed(order):
        g = pending.pop(node, None)
        if g is None:  # the input batch: nothing flows into it
            continue
        if not node.parents:
            node.grad = g if node.grad is None else node.grad + g
            continue
        for parent, share in zip(node.parents, node.rule(g), strict=True):
            if share is not None:
                pending[parent] = share if parent not in pending else pending[parent] + share


def mlp_step(params: list[Node], x: np.ndarray, y: np.ndarray, lr: np.float32) -> float:
    """bench/tensor.py's ``mlp_tensor_step`` on these nodes: the same ops in the same order."""
    w1, b1, w2, b2, w3, b3 = params
    h = relu(add_bias(matmul(Node(x.copy(), requires_grad=False), transpose(w1)), b1))
    h = relu(add_bias(matmul(h, transpose(w2)), b2))
    logits = add_bias(matmul(h, transpose(w3)), b3)
    loss = neg(mean(pick(log_softmax(logits), (np.arange(x.shape[0]), y))))
    backward(loss)
    for p in params:
        p.data -= lr * p.grad
        p.grad = None
    return float(loss.data)
