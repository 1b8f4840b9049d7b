"""Reductions: sum, mean, var, std, norm, prod, max/min (amax/amin, max(dim) with indices),
logsumexp, softmax, log_softmax, argmax/argmin, and the scans cumsum and sort.

(``sum``, ``max`` and ``min`` shadow the builtins inside this module: use ``builtins.max``.)

A reduction's backward gives the reduced gradient its axes back (size 1) and broadcasts it
over the summands: every input of a sum gets the whole upstream gradient.
"""

from __future__ import annotations

import builtins
from typing import Any, NamedTuple

import numpy as np

from .generic import broadcast_to
from .generic import exp as exp_of
from .generic import expand_dims as expand_dims_of
from .generic import where as where_of
from .record import (
    Axis,
    drop_axes,
    normalize_axes,
    normalize_axis,
    restore_reduced_axes,
    unary_node,
)
from .tensor import Tensor, leaf


def sum(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (int, tuple or None for all); d/dx_i = 1 for every summand."""
    a = x._data
    axes = normalize_axes(axis, a.ndim, "sum")
    out = np.asarray(a.sum(axis=axes, keepdims=keepdims))
    shape = a.shape

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        return (broadcast_to(restore_reduced_axes(g, shape, axes, keepdims), shape),)

    return unary_node(x, out, "sum", rule)


def mean(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis``; d/dx_i = 1/n."""
    a = x._data
    axes = normalize_axes(axis, a.ndim, "mean")
    if a.size and a.dtype.kind == "f" and a.dtype.itemsize >= 4:
        # what numpy's mean computes for float32/float64 (the same sum over the same n, so
        # the same rounding), without its Python-level bookkeeping (4 us of 5 at batch 8)
        total = a.sum(axis=axes, keepdims=keepdims)
        out = np.asarray(total / (a.size // builtins.max(total.size, 1)))
    else:
        out = np.asarray(a.mean(axis=axes, keepdims=keepdims))
    shape = a.shape
    n = a.size // builtins.max(out.size, 1) if a.size else 0
    scale = a.dtype.type(1 / n) if n else a.dtype.type(np.nan)

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        return (broadcast_to(restore_reduced_axes(g * scale, shape, axes, keepdims), shape),)

    return unary_node(x, out, "mean", rule)


def var(x: Tensor, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance ``sum((x - mean)^2) / (n - ddof)``; d/dx_i = 2 (x_i - mean) / (n - ddof).

    ``ddof=0`` (numpy's default, the biased estimate used by batch norm); PyTorch's
    ``var`` defaults to ``ddof=1``.
    """
    a = x._data
    axes = normalize_axes(axis, a.ndim, "var")
    centred = a - a.mean(axis=axes, keepdims=True)
    n = a.size // builtins.max(np.asarray(a.sum(axis=axes)).size, 1) if a.size else 0
    denom = a.dtype.type(builtins.max(n - ddof, 0))  # numpy: ddof >= n gives inf/nan, not < 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray((centred * centred).sum(axis=axes, keepdims=keepdims) / denom)
    shape = a.shape

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        (a,) = inputs
        # the forward pass's centred values on arrays; recomputed from x when recorded
        c = centred if isinstance(a, np.ndarray) else a - a.mean(axis=axes, keepdims=True)
        return (restore_reduced_axes(g, shape, axes, keepdims) * (2 / denom) * c,)

    return unary_node(x, out, "var", rule)


def max(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over ``axis``; the gradient goes to the first maximal element."""
    return _extremum(x, axis, keepdims, "max")


def min(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Minimum over ``axis``; the gradient goes to the first minimal element."""
    return _extremum(x, axis, keepdims, "min")


def _extremum(x: Tensor, axis: Axis, keepdims: bool, kind: str) -> Tensor:
    a = x._data
    axes = normalize_axes(axis, a.ndim, kind)
    if a.size == 0:
        raise ValueError(f"{kind}: empty tensor of shape {a.shape} has no {kind}imum")
    reduced = tuple(range(a.ndim)) if axes is None else axes
    kept = tuple(i for i in range(a.ndim) if i not in reduced)
    perm = kept + reduced
    moved = a.transpose(perm).reshape(tuple(a.shape[i] for i in kept) + (-1,))
    arg = moved.argmax(axis=-1) if kind == "max" else moved.argmin(axis=-1)
    best = np.take_along_axis(moved, arg[..., None], axis=-1)[..., 0]
    if keepdims:
        out = best.reshape(tuple(1 if i in reduced else n for i, n in enumerate(a.shape)))
    else:
        out = best
    shape, dtype = a.shape, a.dtype
    inverse = tuple(np.argsort(perm))

    def positions() -> np.ndarray:
        """1 at the first extremal element of each slice, 0 elsewhere (a constant)."""
        flat = np.zeros(moved.shape, dtype)
        np.put_along_axis(flat, arg[..., None], 1, axis=-1)
        return flat.reshape(tuple(shape[i] for i in perm)).transpose(inverse)

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        # Route each upstream entry to the first extremal element of its slice.
        if not isinstance(g, np.ndarray):
            return (restore_reduced_axes(g, shape, axes, keepdims) * positions(),)
        flat = np.zeros(moved.shape, dtype)
        g_kept = g.reshape(arg.shape)
        np.put_along_axis(flat, arg[..., None], g_kept[..., None], axis=-1)
        grad = flat.reshape(tuple(shape[i] for i in perm)).transpose(inverse)
        return (grad,)

    return unary_node(x, np.asarray(out), kind, rule)


def logsumexp(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) computed as m + log(sum(exp(x - m))), m = max: no overflow.

    d/dx_i = exp(x_i - out) = softmax(x)_i.
    """
    a = x._data
    axes = normalize_axes(axis, a.ndim, "logsumexp")
    m = a.max(axis=axes, keepdims=True, initial=-np.inf)  # initial: empty slices work
    m = np.where(np.isfinite(m), m, 0)  # all -inf (or inf) slices: avoid inf - inf
    with np.errstate(divide="ignore"):
        lse = np.log(np.exp(a - m).sum(axis=axes, keepdims=True)) + m
    result = lse if keepdims else drop_axes(lse, axes)
    shape = a.shape

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        # d/dx_i = exp(x_i - lse)
        lse = restore_reduced_axes(out, shape, axes, keepdims)
        return (restore_reduced_axes(g, shape, axes, keepdims) * exp_of(inputs[0] - lse),)

    return unary_node(x, np.asarray(result), "logsumexp", rule)


def argmax(x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the first maximum (int64 tensor, no gradient)."""
    return leaf(np.asarray(x._data.argmax(axis=axis, keepdims=keepdims)))


def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the first minimum (int64 tensor, no gradient)."""
    return leaf(np.asarray(x._data.argmin(axis=axis, keepdims=keepdims)))


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x_i - max) / sum_j exp(x_j - max) along ``axis`` (stable for any input).

    Backward: dJ/dx = s * (g - sum(g * s)).
    """
    a = x._data
    normalize_axes(axis, a.ndim, "softmax")
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    result = e / e.sum(axis=axis, keepdims=True)

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        return (out * (g - (g * out).sum(axis=axis, keepdims=True)),)

    return unary_node(x, result, "softmax", rule)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """x - logsumexp(x) along ``axis`` (stable: finite for logits of any magnitude).

    Backward: dJ/dx = g - softmax(x) * sum(g).
    """
    a = x._data
    normalize_axes(axis, a.ndim, "log_softmax")
    shifted = a - a.max(axis=axis, keepdims=True)
    result = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        return (g - exp_of(out) * g.sum(axis=axis, keepdims=True),)

    return unary_node(x, result, "log_softmax", rule)


# ------------------------------------------- PyTorch's max/min(dim), amax/amin, prod, ...
class MaxMin(NamedTuple):
    """``(values, indices)`` of ``max(dim)``/``min(dim)``/``sort``, as PyTorch returns them."""

    values: Tensor
    indices: Tensor


def amax(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Maximum over ``axis`` (int, tuple or None); ties share the gradient evenly (PyTorch's
    ``amax`` and full ``max()``): d/dx_i = [x_i = max] / (number of maximal elements)."""
    return _even_extremum(x, axis, keepdims, "max")


def amin(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Minimum over ``axis``; ties share the gradient evenly (PyTorch's ``amin``/``min()``)."""
    return _even_extremum(x, axis, keepdims, "min")


def _even_extremum(x: Tensor, axis: Axis, keepdims: bool, kind: str) -> Tensor:
    a = x._data
    axes = normalize_axes(axis, a.ndim, kind)
    if a.size == 0:
        raise ValueError(f"{kind}: empty tensor of shape {a.shape} has no {kind}imum")
    best = a.max(axis=axes, keepdims=True) if kind == "max" else a.min(axis=axes, keepdims=True)
    hits = a == best
    share = (hits / hits.sum(axis=axes, keepdims=True)).astype(a.dtype)  # a constant
    shape = a.shape

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        # each maximal element gets g / (number of them)
        return (restore_reduced_axes(g, shape, axes, keepdims) * share,)

    result = best if keepdims else drop_axes(best, axes)
    return unary_node(x, np.asarray(result), kind, rule)


def max_dim(x: Tensor, dim: int, keepdim: bool = False) -> MaxMin:
    """PyTorch's ``max(dim)``: (values, indices); the gradient goes to the index returned
    (the first maximal element of each slice)."""
    return _with_indices(x, dim, keepdim, "max")


def min_dim(x: Tensor, dim: int, keepdim: bool = False) -> MaxMin:
    """PyTorch's ``min(dim)``: (values, indices) of the first minimal elements."""
    return _with_indices(x, dim, keepdim, "min")


def _with_indices(x: Tensor, dim: int, keepdim: bool, kind: str) -> MaxMin:
    ax = normalize_axis(dim, builtins.max(x.ndim, 1), kind) if x.ndim else 0
    values = _extremum(x, ax if x.ndim else None, keepdim, kind)
    a = x._data
    arg = a.argmax(axis=ax, keepdims=keepdim) if kind == "max" else a.argmin(
        axis=ax, keepdims=keepdim)
    return MaxMin(values, leaf(np.asarray(arg, dtype=np.int64)))


def prod(x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Product over one axis (or all); d/dx_i = product of the other factors.

    The other factors are computed as exclusive products (cumulative products from each
    side), so zeros are handled exactly (no division by x_i).
    """
    if axis is None:
        flat = prod(x.reshape(-1), 0)
        return flat.reshape((1,) * x.ndim) if keepdims else flat
    a = x._data
    ax = normalize_axis(axis, builtins.max(a.ndim, 1), "prod") if a.ndim else None
    if ax is None:
        return x.reshape(())  # a 0-d tensor is its own product
    result = np.asarray(a.prod(axis=ax, keepdims=keepdims))

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        (xin,) = inputs
        gk = g if keepdims else expand_dims_of(g, ax)
        return (gk * _others_product(xin, ax),)

    return unary_node(x, result, "prod", rule)


def _others_product(x: Any, ax: int) -> Any:
    """prod_{j != i} x_j along ``ax`` for every i (array, or a differentiable Tensor)."""
    if isinstance(x, np.ndarray):
        n = x.shape[ax]
        ones = np.ones_like(np.take(x, [0], axis=ax))
        left = np.cumprod(np.concatenate([ones, np.take(x, range(n - 1), axis=ax)], axis=ax),
                          axis=ax)
        flipped = np.flip(x, ax)
        right = np.flip(np.cumprod(np.concatenate(
            [ones, np.take(flipped, range(n - 1), axis=ax)], axis=ax), axis=ax), ax)
        return left * right
    # recorded: x repeated with a 1 on the diagonal, then the product of each copy
    n = x.shape[ax]
    moved = x.reshape(x.shape[:ax] + (1,) + x.shape[ax:])  # copies along a new axis ax
    moved = broadcast_to(moved, x.shape[:ax] + (n,) + x.shape[ax:])
    eye = np.eye(n, dtype=bool).reshape((1,) * ax + (n, n) + (1,) * (x.ndim - ax - 1))
    return prod(where_of(eye, 1.0, moved), ax + 1)


def std(x: Tensor, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Standard deviation sqrt(var) (``ddof=0``, numpy's default, like :func:`var`);
    d/dx_i = (x_i - mean) / ((n - ddof) std), through var and sqrt."""
    return var(x, axis, keepdims, ddof) ** 0.5


def norm(x: Tensor, p: float | str = 2, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Vector p-norm over ``axis`` (all entries by default): (sum |x|^p)^(1/p).

    ``p=2`` (or ``"fro"``): sqrt(sum x^2); ``p=1``: sum |x|; ``p=inf``: max |x| (ties share
    the gradient). Built from Tensor ops, so every order of derivative works.
    """
    if p == "fro":
        p = 2
    if not isinstance(p, (int, float)) or isinstance(p, bool) or p <= 0:
        raise ValueError(f"norm: p must be a positive number, inf or 'fro', got {p!r}")
    if p == np.inf:
        return amax(abs(x), axis, keepdims)
    if p == 1:
        return sum(abs(x), axis, keepdims)
    if p == 2:
        return sum(x * x, axis, keepdims) ** 0.5
    return sum(abs(x) ** p, axis, keepdims) ** (1.0 / p)


def cumsum(x: Tensor, axis: int) -> Tensor:
    """Running sum along ``axis``: out_i = sum_{j <= i} x_j; d/dx_j = sum_{i >= j} g_i, the
    running sum of g taken from the other end."""
    a = x._data
    ax = normalize_axis(axis, builtins.max(a.ndim, 1), "cumsum")
    result = np.cumsum(a, axis=ax) if a.ndim else a.copy()

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        if isinstance(g, np.ndarray):
            return (np.flip(np.cumsum(np.flip(g, ax), axis=ax), ax) if g.ndim else g,)
        return (shapes.flip(cumsum(shapes.flip(g, ax), ax), ax) if g.ndim else g,)

    return unary_node(x, result.astype(a.dtype, copy=False), "cumsum", rule)


def sort(x: Tensor, axis: int = -1, descending: bool = False) -> MaxMin:
    """Sorted values along ``axis`` and their original positions (stable, as PyTorch's
    ``sort(stable=True)``); the values' gradient goes back to where each came from."""
    a = x._data
    if a.ndim == 0:
        return MaxMin(x.reshape(()), leaf(np.zeros((), np.int64)))
    ax = normalize_axis(axis, a.ndim, "sort")
    key = (~a if a.dtype.kind == "b" else -a) if descending else a  # stable either way
    order = np.argsort(key, axis=ax, kind="stable")
    return MaxMin(shapes.gather(x, ax, order), leaf(order.astype(np.int64)))


from . import shapes  # noqa: E402  (shapes imports nothing from here; gather/flip live there)
