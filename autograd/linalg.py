"""Linear algebra: the matrix product.

For C = A B the chain rule gives dJ/dA = G B^T and dJ/dB = A^T G (G = dJ/dC): each
operand's gradient is the upstream gradient multiplied by the *other* operand, transposed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .generic import expand_dims, swapaxes, unbroadcast
from .record import Operand, as_pair
from .tensor import Tensor, make_node


def matmul(a: Operand, b: Operand) -> Tensor:
    """Matrix product with numpy's rules (1-D vectors, matrices, broadcast batches).

    For C = A B: dJ/dA = G B^T and dJ/dB = A^T G; vectors are treated as a row (left)
    or a column (right) and batch axes broadcast like any elementwise op.
    """
    x, y = as_pair(a, b, "matmul")
    xd, yd = x._data, y._data
    try:
        out = np.matmul(xd, yd)
    except ValueError:  # the shapes are checked only when numpy refuses them
        raise _shape_error(xd, yd) from None

    if xd.ndim == 2 and yd.ndim == 2:  # the common case, written out

        def rule2(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
            a, b = inputs
            ga = gb = None
            if not isinstance(g, np.ndarray):  # recorded: the plain formulas
                return (g @ b.T if needs[0] else None, a.T @ g if needs[1] else None)
            # An operand that is a transposed view (x @ W.T) gets its gradient as the
            # transpose of a C-ordered product, so W itself receives a C-ordered array.
            if needs[0]:
                ga = (b @ g.T).T if _is_transposed(a) else g @ b.T
            if needs[1]:
                gb = (g.T @ a).T if _is_transposed(b) else a.T @ g
            return ga, gb

        return make_node(out, "matmul", (x, y), rule2)

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        a, b = inputs
        # Promote vectors to matrices so one formula covers every case.
        a2 = expand_dims(a, 0) if a.ndim == 1 else a
        b2 = expand_dims(b, -1) if b.ndim == 1 else b
        g2 = expand_dims(g, -1) if b.ndim == 1 else g  # the column axis first (g may be 0-d)
        if a.ndim == 1:
            g2 = expand_dims(g2, -2)
        ga = gb = None
        if needs[0]:
            ga = unbroadcast(g2 @ swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if needs[1]:
            gb = unbroadcast(swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
        return ga, gb

    return make_node(out, "matmul", (x, y), rule)


def _shape_error(xd: np.ndarray, yd: np.ndarray) -> ValueError:
    """Why ``xd @ yd`` has no result: a 0-d operand, inner dimensions, or batch axes."""
    where = f"matmul: {xd.shape} @ {yd.shape}"
    if xd.ndim == 0 or yd.ndim == 0:
        return ValueError(f"{where}: operands must have at least one axis")
    k1 = xd.shape[-1]
    k2 = yd.shape[-2] if yd.ndim > 1 else yd.shape[0]
    if k1 != k2:
        return ValueError(f"{where}: inner dimensions {k1} and {k2} differ")
    return ValueError(f"{where}: batch dimensions cannot be broadcast")


def _is_transposed(a: np.ndarray) -> bool:
    flags = a.flags
    return flags.f_contiguous and not flags.c_contiguous
