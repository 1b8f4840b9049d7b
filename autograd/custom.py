"""``custom_op``: a new differentiable Tensor operation in one call.

The public form of what every built-in op does: compute the result with numpy, and give a
rule that turns the upstream gradient ``g = dJ/d(out)`` into one vector-Jacobian product
per parent, ``dJ/d(parent) = g . d(out)/d(parent)`` (PyTorch's ``autograd.Function``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .tensor import Tensor, make_node

#: Longest ``op`` label a custom op may have.
MAX_OP_CHARS = 64


def custom_op(
    data: Any,
    op: str,
    parents: Sequence[Tensor],
    vjp: Callable[[np.ndarray, tuple[bool, ...]], tuple[Any, ...]],
) -> Tensor:
    """Record a new operation node whose backward rule is ``vjp``.

    Parameters
    ----------
    data : array_like
        The forward result, already computed.
    op : str
        The gate label shown by ``viz`` (``"bce"``, ``"cube"``...).
    parents : sequence of Tensor
        The Tensor operands, in argument order.
    vjp : callable
        ``vjp(g, needs) -> shares``: ``g`` is the upstream gradient (shape of ``data``),
        ``needs[i]`` tells whether parent ``i`` needs a gradient; return one array of the
        parent's shape (or ``None``) per parent. It must not capture the output Tensor.
        Such a rule runs on arrays only, so ``backward(create_graph=True)`` through it
        raises. For second derivatives, write ``vjp(g, needs, inputs, out)`` with
        operators and :mod:`autograd.generic` (the engine's rule convention): it then gets
        arrays normally and Tensors when the backward pass is recorded.

    Returns
    -------
    Tensor
        Recorded when grad mode is on and some parent requires grad; otherwise a leaf.

    Examples
    --------
    >>> from autograd import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> cube = custom_op(x.data ** 3, "cube", [x], lambda g, needs: (g * 3 * x.data ** 2,))
    >>> cube.sum().backward()
    >>> x.grad
    array([ 3., 12.], dtype=float32)
    """
    op = str(op)
    if len(op) > MAX_OP_CHARS:  # drawn on the gate and in every step text: keep it short
        raise ValueError(
            f"custom_op: op is the gate label drawn on the graph; got {len(op):,} characters "
            f"({op[:20]!r}...), at most {MAX_OP_CHARS} allowed"
        )
    parents = tuple(parents)
    for i, p in enumerate(parents):
        if not isinstance(p, Tensor):
            raise TypeError(
                f"custom_op {op!r}: parent {i} must be a Tensor, got {type(p).__name__}"
            )
    if not callable(vjp):
        raise TypeError(f"custom_op {op!r}: vjp must be callable, got {type(vjp).__name__}")
    if _takes_two(vjp):
        vjp = _numpy_only_rule(vjp)
    return make_node(np.asarray(data), op, parents, vjp)


def _takes_two(fn: Any) -> bool:
    """Whether ``fn`` is the numpy-only form ``vjp(g, needs)`` (two positional parameters)."""
    code = getattr(fn, "__code__", None)
    return code is not None and code.co_argcount == 2


def _numpy_only_rule(vjp: Callable) -> Callable:
    """``vjp(g, needs)`` in the engine's rule form ``rule(g, needs, inputs, out)``, marked
    ``arrays_only``: a recorded backward pass (``create_graph``) refuses it rather than hand
    it Tensors, and an in-place change of its output is assumed to matter to it."""

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        return vjp(g, needs)

    rule.arrays_only = True  # type: ignore[attr-defined]
    return rule
