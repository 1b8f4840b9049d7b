"""Reductions: sum, mean, var, max/min, logsumexp, softmax, log_softmax, argmax/argmin.

(``sum``, ``max`` and ``min`` shadow the builtins inside this module: use ``builtins.max``.)

A reduction's backward gives the reduced gradient its axes back (size 1) and broadcasts it
over the summands: every input of a sum gets the whole upstream gradient.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .generic import broadcast_to
from .generic import exp as exp_of
from .record import (
    Axis,
    drop_axes,
    leaf,
    normalize_axes,
    restore_reduced_axes,
    unary_node,
)
from .tensor import Tensor


def sum(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (int, tuple or None for all); d/dx_i = 1 for every summand."""
    a = x.data
    axes = normalize_axes(axis, a.ndim, "sum")
    out = np.asarray(a.sum(axis=axes, keepdims=keepdims))
    shape = a.shape

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        return (broadcast_to(restore_reduced_axes(g, shape, axes, keepdims), shape),)

    return unary_node(x, out, "sum", rule)


def mean(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis``; d/dx_i = 1/n."""
    a = x.data
    axes = normalize_axes(axis, a.ndim, "mean")
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
    a = x.data
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
    a = x.data
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
    a = x.data
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
    return leaf(np.asarray(x.data.argmax(axis=axis, keepdims=keepdims)))


def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the first minimum (int64 tensor, no gradient)."""
    return leaf(np.asarray(x.data.argmin(axis=axis, keepdims=keepdims)))


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x_i - max) / sum_j exp(x_j - max) along ``axis`` (stable for any input).

    Backward: dJ/dx = s * (g - sum(g * s)).
    """
    a = x.data
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
    a = x.data
    normalize_axes(axis, a.ndim, "log_softmax")
    shifted = a - a.max(axis=axis, keepdims=True)
    result = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        return (g - exp_of(out) * g.sum(axis=axis, keepdims=True),)

    return unary_node(x, result, "log_softmax", rule)
