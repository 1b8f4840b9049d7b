"""Shape and indexing operations: reshape, flatten, transpose/permute, squeeze/unsqueeze,
expand/broadcast_to, indexing, concatenate, stack, pad.

None of them changes a number, so each backward only moves the gradient back into the
input's layout: reshape it back, apply the inverse permutation, sum over broadcast copies,
scatter into zeros, split, or crop.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .generic import scatter, unbroadcast
from .record import (
    Axis,
    Operand,
    as_tensor,
    normalize_axes,
    normalize_axis,
    shape_arg,
    unary_node,
    view_node,
)
from .tensor import Tensor, make_node


def reshape(x: Tensor, *shape: Any) -> Tensor:
    """Same data, new shape (one ``-1`` allowed); the gradient is reshaped back."""
    a = x._data
    new = shape_arg(shape)
    try:
        out = a.reshape(new)
    except ValueError:
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {a.shape} ({a.size} elements) "
            f"into {new}"
        ) from None
    old = a.shape
    return view_node(x, out, "reshape", lambda g, needs, inputs, out: (g.reshape(old),))


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim..end_dim`` into one (``x.flatten(1)`` keeps the batch axis)."""
    nd = x.ndim
    if nd == 0:
        return reshape(x, 1)
    s, e = normalize_axis(start_dim, nd, "flatten"), normalize_axis(end_dim, nd, "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x.shape
    merged = int(np.prod(shape[s : e + 1]))  # not -1: ambiguous when another axis is 0
    return reshape(x, shape[:s] + (merged,) + shape[e + 1 :])


def transpose(x: Tensor, *axes: Any) -> Tensor:
    """Permute axes.

    ``t.transpose()`` reverses them (numpy, ``.T``); ``t.transpose(d0, d1)`` swaps two
    (PyTorch); ``t.transpose((2, 0, 1))`` applies a full permutation (numpy).
    """
    nd = x.ndim
    if not axes and nd == 2:  # the matrix transpose W.T of every linear layer
        return view_node(x, x._data.T, "transpose", lambda g, needs, inputs, out: (g.T,))
    if not axes:
        perm = tuple(range(nd))[::-1]
    elif len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
        perm = tuple(axes[0])
    elif len(axes) == 2:
        d0, d1 = normalize_axis(axes[0], nd, "transpose"), normalize_axis(axes[1], nd, "transpose")
        p = list(range(nd))
        p[d0], p[d1] = p[d1], p[d0]
        perm = tuple(p)
    else:
        perm = tuple(axes)
    return permute(x, *perm)


def permute(x: Tensor, *dims: Any) -> Tensor:
    """Reorder axes: output axis i is input axis ``dims[i]``; backward applies the inverse."""
    if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
        dims = tuple(dims[0])
    nd = x.ndim
    perm = tuple(normalize_axis(d, nd, "permute") for d in dims)
    inverse = [nd] * nd
    for i, d in enumerate(perm):
        inverse[d] = i
    if nd in inverse:
        raise ValueError(f"permute: {tuple(dims)} is not a permutation of the {nd} axes")
    out = x._data.transpose(perm)
    rule = lambda g, needs, inputs, out: (g.transpose(inverse),)  # noqa: E731
    return view_node(x, out, "transpose", rule)


def squeeze(x: Tensor, axis: Axis = None) -> Tensor:
    """Drop size-1 axes (all of them, or those named)."""
    a = x._data
    if axis is None:
        axes = tuple(i for i, n in enumerate(a.shape) if n == 1)
    else:
        axes = normalize_axes(axis, a.ndim, "squeeze")
        bad = [i for i in axes if a.shape[i] != 1]
        if bad:
            raise ValueError(f"squeeze: axis {bad[0]} of shape {a.shape} is not of size 1")
    return reshape(x, tuple(n for i, n in enumerate(a.shape) if i not in axes))


def unsqueeze(x: Tensor, axis: int) -> Tensor:
    """Insert a size-1 axis at position ``axis``."""
    nd = x.ndim + 1
    ax = normalize_axis(axis, nd, "unsqueeze")
    shape = list(x.shape)
    shape.insert(ax, 1)
    return reshape(x, tuple(shape))


def expand(x: Tensor, *shape: Any) -> Tensor:
    """Broadcast to ``shape`` (``-1`` keeps an axis); backward sums over the copies."""
    new = shape_arg(shape)
    a = x._data
    extra = len(new) - a.ndim
    new = tuple(a.shape[i - extra] if n == -1 and i >= extra else n for i, n in enumerate(new))
    return broadcast_to(x, new)


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    """numpy.broadcast_to as a differentiable op (a read-only view)."""
    a = x._data
    shape = tuple(shape)
    try:
        out = np.broadcast_to(a, shape)
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {a.shape} to {shape}") from None
    old = a.shape
    return view_node(x, out, "expand", lambda g, needs, inputs, out: (unbroadcast(g, old),))


def getitem(x: Tensor, index: Any) -> Tensor:
    """numpy indexing: slices, ints, None, ``...``, integer/boolean arrays.

    Backward scatters the gradient into zeros; repeated integer indices accumulate.
    """
    a = x._data
    idx = _unwrap_index(index)
    try:
        out = a[idx]
    except IndexError as exc:
        raise IndexError(f"index {index!r} into a tensor of shape {a.shape}: {exc}") from None
    shape = a.shape

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        return (scatter(g, idx, shape),)  # g into zeros at idx

    return view_node(x, np.asarray(out), "index", rule)


def scatter_array(g: np.ndarray, idx: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Zeros of ``shape`` with ``g`` added at ``idx`` (numpy index; repeats accumulate)."""
    grad = np.zeros(shape, g.dtype)
    positions = _integer_positions(idx)
    if positions is None:
        grad[idx] = g
    else:
        np.add.at(grad, positions, g)  # repeats accumulate
    return grad


def index_scatter(g: Tensor, index: Any, shape: tuple[int, ...]) -> Tensor:
    """The backward of ``x[index]`` as an op: zeros of ``shape`` with ``g`` added at
    ``index``. Its own backward is indexing again: d/dg = g'[index]."""
    idx = _unwrap_index(index)
    rule = lambda g2, needs, inputs, out: (g2[idx],)  # noqa: E731
    return unary_node(g, scatter_array(g._data, idx, tuple(shape)), "scatter", rule)


def _unwrap_index(index: Any) -> Any:
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    return index


def _integer_positions(idx: Any) -> tuple | None:
    """For advanced (array) indexing, ``idx`` with boolean masks as integer arrays (what
    ``np.add.at`` needs); ``None`` for basic indexing (slices, ints, None, ``...``)."""
    items = idx if isinstance(idx, tuple) else (idx,)
    out: list = []
    advanced = False
    for i in items:  # (a loop, not any(...) and a second pass: this runs every backward)
        if isinstance(i, (np.ndarray, list)):
            advanced = True
            arr = np.asarray(i)
            if arr.dtype == bool:
                out.extend(np.nonzero(arr))
                continue
        out.append(i)
    return tuple(out) if advanced else None


def concatenate(tensors: Sequence[Operand], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join along an existing axis (``dim=`` as PyTorch's ``cat``); backward splits the
    gradient into the pieces."""
    axis = axis if dim is None else dim
    ts = [as_tensor(t, None, "concatenate") for t in tensors]
    if not ts:
        raise ValueError("concatenate: need at least one tensor")
    ax = normalize_axis(axis, ts[0].ndim, "concatenate")
    try:
        out = np.concatenate([t._data for t in ts], axis=ax)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(f"concatenate: shapes {shapes} differ outside axis {axis}") from None
    ends = np.cumsum([t.shape[ax] for t in ts]).tolist()
    lead = (slice(None),) * ax

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        # piece i of the gradient along the joined axis
        starts = [0, *ends[:-1]]
        return tuple(
            g[(*lead, slice(lo, hi))] if n else None
            for lo, hi, n in zip(starts, ends, needs, strict=True)
        )

    return make_node(out, "concatenate", tuple(ts), rule)


def stack(tensors: Sequence[Operand], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join along a new axis (``dim=`` accepted); backward takes each slice of the gradient."""
    axis = axis if dim is None else dim
    ts = [as_tensor(t, None, "stack") for t in tensors]
    if not ts:
        raise ValueError("stack: need at least one tensor")
    ax = normalize_axis(axis, ts[0].ndim + 1, "stack")
    try:
        out = np.stack([t._data for t in ts], axis=ax)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(f"stack: all shapes must match, got {shapes}") from None

    lead = (slice(None),) * ax

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        return tuple(g[(*lead, i)] if n else None for i, n in enumerate(needs))

    return make_node(out, "stack", tuple(ts), rule)


def pad(x: Operand, pad_width: Any, value: float = 0.0) -> Tensor:
    """Constant padding with numpy's ``pad_width`` (int, (before, after), or one pair per
    axis); backward crops the gradient back."""
    t = as_tensor(x, None, "pad")
    if t.ndim == 0:
        raise ValueError("pad: a 0-d tensor has no axes to pad; reshape it first "
                         "(t.reshape(1))")
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (t.ndim, 2))
    if (widths < 0).any():
        raise ValueError(f"pad: widths must be non-negative, got {pad_width!r}")
    out = np.pad(t._data, widths, mode="constant", constant_values=value)
    crop = tuple(slice(int(lo), int(lo) + n) for (lo, _), n in zip(widths, t.shape, strict=True))
    return unary_node(t, out, "pad", lambda g, needs, inputs, out: (g[crop],))


# ------------------------------------------------ PyTorch's reordering and splitting ops
def flip(x: Tensor, axis: Axis = None) -> Tensor:
    """Reverse the order along ``axis`` (an int, a tuple, or all axes); backward flips back."""
    a = x._data
    axes = normalize_axes(axis, a.ndim, "flip")
    axes = tuple(range(a.ndim)) if axes is None else axes

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        return (np.flip(g, axes) if isinstance(g, np.ndarray) else flip(g, axes),)

    return unary_node(x, np.flip(a, axes).copy(), "flip", rule)


def gather(x: Tensor, axis: int, index: Any) -> Tensor:
    """PyTorch's ``gather``: ``out[i][j] = x[i][index[i][j]]`` for ``axis=1`` (any rank).

    ``index`` has the input's number of axes; it is the integer-array index
    ``x[i0, ..., index, ..., ik]`` with open ranges elsewhere, so the backward is the indexing
    scatter: repeated positions accumulate.
    """
    a = x._data
    idx = np.asarray(index.data if isinstance(index, Tensor) else index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer array, got dtype {idx.dtype}")
    if idx.ndim != a.ndim:
        raise ValueError(
            f"gather: index must have as many axes as the input ({a.ndim}), got shape {idx.shape}"
        )
    ax = normalize_axis(axis, max(a.ndim, 1), "gather")
    n = a.shape[ax]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(
            f"gather: index values must be in [-{n}, {n}) along axis {ax} of shape {a.shape}, "
            f"got min {idx.min()} and max {idx.max()}"
        )
    bad = [d for d in range(a.ndim) if d != ax and idx.shape[d] > a.shape[d]]
    if bad:
        raise ValueError(
            f"gather: index shape {idx.shape} exceeds input shape {a.shape} on axis {bad[0]}"
        )
    grids = np.ogrid[tuple(slice(0, m) for m in idx.shape)]
    full = tuple(idx if d == ax else grids[d] for d in range(a.ndim))
    return getitem(x, full)


def split(x: Tensor, split_size_or_sections: Any, axis: int = 0) -> tuple[Tensor, ...]:
    """Cut along ``axis`` into pieces of ``split_size`` (the last may be smaller), or of the
    sizes listed (PyTorch's ``split``); each piece is a slice, with a slice's gradient."""
    ax = normalize_axis(axis, max(x.ndim, 1), "split")
    n = x.shape[ax]
    if isinstance(split_size_or_sections, numbers.Integral):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split_size must be a positive int, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise ValueError(
                f"split: section sizes {sizes} must be non-negative and sum to {n}, the size "
                f"of axis {ax}"
            )
    lead = (slice(None),) * ax
    bounds = np.cumsum([0, *sizes]).tolist()
    return tuple(getitem(x, (*lead, slice(lo, hi))) for lo, hi in zip(bounds, bounds[1:]))


def chunk(x: Tensor, chunks: int, axis: int = 0) -> tuple[Tensor, ...]:
    """``chunks`` pieces of equal size ceil(n / chunks) along ``axis`` (the last may be
    smaller, and there may be fewer pieces, as PyTorch's ``chunk``)."""
    if isinstance(chunks, bool) or not isinstance(chunks, numbers.Integral) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    ax = normalize_axis(axis, max(x.ndim, 1), "chunk")
    n = x.shape[ax]
    return split(x, max(-(-n // int(chunks)), 1), ax)


def repeat(x: Tensor, *sizes: Any) -> Tensor:
    """PyTorch's ``repeat`` (numpy's ``tile``): copies of the whole tensor along each axis.

    Built as reshape -> expand -> reshape, so the backward sums the copies.
    """
    reps = shape_arg(sizes)
    if len(reps) < x.ndim:
        raise ValueError(
            f"repeat: give at least one count per axis ({x.ndim}), got {len(reps)}"
        )
    if any(r < 0 for r in reps):
        raise ValueError(f"repeat: counts must be non-negative, got {reps}")
    shape = (1,) * (len(reps) - x.ndim) + x.shape
    interleaved = tuple(v for n in shape for v in (1, n))  # (1, n0, 1, n1, ...)
    expanded = tuple(v for r, n in zip(reps, shape, strict=True) for v in (r, n))
    out = broadcast_to(reshape(x, interleaved), expanded)
    return reshape(out, tuple(r * n for r, n in zip(reps, shape, strict=True)))




def cat(tensors: Sequence[Operand], dim: int = 0) -> Tensor:
    """PyTorch's name for :func:`concatenate`."""
    return concatenate(tensors, dim)
