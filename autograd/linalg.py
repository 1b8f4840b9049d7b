"""Linear algebra: the matrix product.

For C = A B the chain rule gives dJ/dA = G B^T and dJ/dB = A^T G (G = dJ/dC): each
operand's gradient is the upstream gradient multiplied by the *other* operand, transposed.
"""

from __future__ import annotations

import numpy as np

from .broadcast import unbroadcast
from .record import Operand, as_pair, make_node
from .tensor import Tensor


def matmul(a: Operand, b: Operand) -> Tensor:
    """Matrix product with numpy's rules (1-D vectors, matrices, broadcast batches).

    For C = A B: dJ/dA = G B^T and dJ/dB = A^T G; vectors are treated as a row (left)
    or a column (right) and batch axes broadcast like any elementwise op.
    """
    x, y = as_pair(a, b, "matmul")
    xd, yd = x.data, y.data
    if xd.ndim == 0 or yd.ndim == 0:
        raise ValueError(f"matmul: {xd.shape} @ {yd.shape}: operands must have at least one axis")
    k1 = xd.shape[-1]
    k2 = yd.shape[-2] if yd.ndim > 1 else yd.shape[0]
    if k1 != k2:
        raise ValueError(f"matmul: {xd.shape} @ {yd.shape}: inner dimensions {k1} and {k2} differ")
    try:
        out = np.matmul(xd, yd)
    except ValueError:
        raise ValueError(
            f"matmul: {xd.shape} @ {yd.shape}: batch dimensions cannot be broadcast"
        ) from None

    if xd.ndim == 2 and yd.ndim == 2:  # the common case, written out

        def rule2(g: np.ndarray, needs: tuple) -> tuple:
            ga = gb = None
            # An operand that is a transposed view (x @ W.T) gets its gradient as the
            # transpose of a C-ordered product, so W itself receives a C-ordered array.
            if needs[0]:
                ga = (yd @ g.T).T if _is_transposed(xd) else g @ yd.T
            if needs[1]:
                gb = (g.T @ xd).T if _is_transposed(yd) else xd.T @ g
            return ga, gb

        return make_node(out, "matmul", (x, y), rule2)

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        # Promote vectors to matrices so one formula covers every case.
        a2 = xd[None, :] if xd.ndim == 1 else xd
        b2 = yd[:, None] if yd.ndim == 1 else yd
        g2 = g[..., None] if yd.ndim == 1 else g  # the column axis first (g may be 0-d)
        if xd.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        ga = gb = None
        if needs[0]:
            ga = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(xd.shape)
        if needs[1]:
            gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(yd.shape)
        return ga, gb

    return make_node(out, "matmul", (x, y), rule)


def _is_transposed(a: np.ndarray) -> bool:
    flags = a.flags
    return flags.f_contiguous and not flags.c_contiguous
