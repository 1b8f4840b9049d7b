"""2-D convolution (NCHW, PyTorch semantics): conv = unfold + one matrix multiply.

For an input ``x`` of shape (N, C, H, W) and weights ``w`` of shape (O, C, kh, kw)::

    out[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * x[n, c, i*s + p*d, j*s + q*d]

``unfold`` (im2col) lays every receptive field of sample n out as a column,
``cols_n[(c, p, q), (i, j)]``, so the convolution is ONE matrix product per sample,
``out_n = W (O, C*kh*kw) @ cols_n (C*kh*kw, Ho*Wo)``, already in NCHW order. The backward
pass is the same product transposed::

    dJ/dW      = sum_n G_n @ cols_n^T      (G_n = dJ/dout_n as (O, Ho*Wo))
    dJ/dcols_n = W^T @ G_n,   dJ/dx_n = fold(dJ/dcols_n)

where ``fold`` (col2im, the adjoint of ``unfold``) adds each column entry back onto the
pixel it was copied from. Output size per axis: floor((n + 2p - d*(k-1) - 1) / s) + 1.

With ``groups`` the channels split into ``groups`` independent convolutions (the rows of
``cols`` are channel-major, so a group's rows are one contiguous block): the same product,
batched over the groups. Depthwise convolution is ``groups == C``.

Three differentiable ops form a closed family, so gradients of gradients stay convolutions:
``conv2d(x, w)``, its input gradient ``conv_transpose2d(g, w)`` and its weight gradient
``conv2d_weight(x, g)``; each one's backward rule is written with the other two.

Speed (measured with bench/conv.py; each choice is commented where it is made): samples
go through unfold and GEMM in cache-sized blocks (COLS_BUDGET), all blocks of a pass
written into one buffer reused from step to step (block_buffer), or, when they are small,
into one array kept for dJ/dW (KEEP_COLS_MAX); the bias rides inside the GEMM as a column of
W against a row of ones; the input gradient (groups == 1) is folded in channels-last
layout, where every add runs over N*C contiguous values; outputs and scratch arrays come
from autograd.buffers (memory reused across steps, no page faults). The numpy fast path of
each rule uses these kernels, the create_graph path the differentiable ops.
"""

from __future__ import annotations

import numbers
import sys
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import buffers
from .record import as_tensor, make_node
from .tensor import Tensor

IntPair = int | tuple[int, int]

#: Column budget (elements): samples are unfolded (im2col) and multiplied this many
#: elements of columns at a time, so each block's columns stay in cache between the copy
#: that makes them and the GEMM that reads them (per-sample GEMMs on cache-resident columns
#: ran at 130 GFLOP/s on one core here, one GEMM over a whole batch's columns at 90). dJ/dW
#: unfolds each block again (cheaper than keeping large columns alive from forward to
#: backward), except when the batch is a single block (its columns exist anyway) or the
#: columns are small (KEEP_COLS_MAX).
COLS_BUDGET = 1 << 17
#: The forward pass keeps the columns of all its blocks for dJ/dW (no second unfold) when
#: they total at most this many elements (6 MB in float32), in one array from
#: autograd.buffers. Measured in training steps: LeNet 10.4 -> 9.2 ms, c=8 10.2 -> 9.4 ms;
#: for larger layers streaming the kept columns through memory costs more than unfolding
#: again from the cached input (c=32: 52.9 -> 56.5 ms when its 19 MB were kept).
KEEP_COLS_MAX = 3 << 19


def pair(value: IntPair, name: str, op: str, minimum: int) -> tuple[int, int]:
    """Accept ``3`` or ``(3, 2)`` for a per-axis (height, width) setting (``nn``'s layers too).

    >>> pair(3, "stride", "conv2d", 1), pair([2, 1], "padding", "conv2d", 0)
    ((3, 3), (2, 1))
    """
    given = value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (int(value), int(value))
    try:
        a, b = value  # type: ignore[misc]
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (a, b)):
            raise TypeError
        a, b = int(a), int(b)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {given!r}") from None
    if a < minimum or b < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {given!r}")
    return a, b


def output_size(n: int, k: int, s: int, p: int, d: int = 1, p_end: int | None = None) -> int:
    """floor((n + 2p - d*(k-1) - 1) / s) + 1: the conv/pool output length along one axis.

    ``p_end`` is the padding after the input when it differs from ``p`` (padding="same").
    """
    return (n + p + (p if p_end is None else p_end) - d * (k - 1) - 1) // s + 1


def pad_hw(x: np.ndarray, pads: tuple[int, int, int, int], value: float = 0.0) -> np.ndarray:
    """Pad the last two axes by (top, bottom, left, right) (cheaper than ``np.pad``)."""
    top, bottom, left, right = pads
    if not any(pads):
        return x
    n, c, h, w = x.shape
    out = buffers.empty((n, c, h + top + bottom, w + left + right), x.dtype)
    out.fill(value)  # one contiguous fill beats filling the thin borders (0.42 vs 0.50 ms)
    out[:, :, top : top + h, left : left + w] = x
    return out


@dataclass(frozen=True)
class ConvGeometry:
    """Everything about a convolution except the numbers: shapes, stride, padding, ..."""

    x_shape: tuple[int, int, int, int]  # (N, C, H, W)
    w_shape: tuple[int, int, int, int]  # (O, C // groups, kh, kw)
    stride: tuple[int, int]
    pads: tuple[int, int, int, int]  # (top, bottom, left, right)
    dilation: tuple[int, int]
    groups: int

    @cached_property
    def out_hw(self) -> tuple[int, int]:
        (_, _, h, w), (_, _, kh, kw) = self.x_shape, self.w_shape
        top, bottom, left, right = self.pads
        return (
            output_size(h, kh, self.stride[0], top, self.dilation[0], bottom),
            output_size(w, kw, self.stride[1], left, self.dilation[1], right),
        )

    @property
    def padded_shape(self) -> tuple[int, int, int, int]:
        n, c, h, w = self.x_shape
        top, bottom, left, right = self.pads
        return (n, c, h + top + bottom, w + left + right)

    @property
    def cols_size(self) -> int:
        """Elements of the whole batch's columns: N * C*kh*kw * Ho*Wo."""
        ho, wo = self.out_hw
        return self.x_shape[0] * self.x_shape[1] * self.w_shape[2] * self.w_shape[3] * ho * wo

    @cached_property
    def blocks(self) -> list[slice]:
        """Samples per unfold: as many as have columns within COLS_BUDGET."""
        n, c = self.x_shape[:2]
        ho, wo = self.out_hw
        per_sample = c * self.w_shape[2] * self.w_shape[3] * ho * wo
        step = max(1, COLS_BUDGET // max(1, per_sample))
        return [slice(i, min(i + step, n)) for i in range(0, n, step)] or [slice(0, 0)]


# ------------------------------------------------------------------ numpy kernels
#: Column buffers of multi-block passes, reused across blocks, passes and steps. A fresh
#: block-sized array (~0.5 MB) per unfold is often mapped and page-faulted in again (26
#: unfolds per LeNet step: ~1250 -> ~970 page faults per step, 8.6-9.1 -> 8.0-8.9 ms, as
#: before this wave); a reused one is written in cache. Keyed by (shape, dtype), at most
#: WORKSPACE_KEYS of them (the oldest is dropped), each at most COLS_BUDGET (+ a row)
#: elements.
_workspaces: dict[tuple, np.ndarray] = {}
WORKSPACE_KEYS = 8


def block_buffer(geo: ConvGeometry, dtype: Any, ones_row: bool = False) -> np.ndarray | None:
    """The shared (samples per block, C*kh*kw (+ 1), Ho*Wo) buffer for a multi-block pass,
    or None (one block: its columns are new, the forward keeps them for dJ/dW)."""
    if len(geo.blocks) == 1:
        return None
    b = geo.blocks[0]
    k = geo.x_shape[1] * geo.w_shape[2] * geo.w_shape[3] + ones_row
    key = ((b.stop - b.start, k, geo.out_hw[0] * geo.out_hw[1]), np.dtype(dtype))
    buf = _workspaces.get(key)
    # free when only the dict, ``buf`` and getrefcount's argument refer to it (views of it
    # alive elsewhere, e.g. a pass in progress further up the stack, add their .base)
    if buf is None or sys.getrefcount(buf) > 3:
        buf = np.empty(*key)
        if key not in _workspaces and len(_workspaces) >= WORKSPACE_KEYS:
            del _workspaces[next(iter(_workspaces))]
        _workspaces.setdefault(key, buf)
    return buf


def unfold(
    xp: np.ndarray, geo: ConvGeometry, ones_row: bool = False, out: np.ndarray | None = None
) -> np.ndarray:
    """im2col of padded samples: shape (n, C*kh*kw, Ho*Wo), rows (c, p, q), columns (i, j).

    A strided view indexes xp[n, c, i*s + p*d, j*s + q*d] as win[n, c, p, q, i, j] without
    copying; one copy of that view is the GEMM-ready layout. ``ones_row`` appends a row of
    ones (shape (n, C*kh*kw + 1, Ho*Wo)), so a bias column appended to W adds the bias
    inside the matrix product (the perceptron's constant input). ``out``: a C-contiguous
    buffer of that shape to write instead of a new array.
    """
    n, c = xp.shape[:2]
    _, _, kh, kw = geo.w_shape
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    ho, wo = geo.out_hw
    k = c * kh * kw
    sn, sc, sy, sx = xp.strides
    win = as_strided(
        xp, (n, c, kh, kw, ho, wo), (sn, sc, sy * dh, sx * dw, sy * sh, sx * sw), writeable=False
    )
    cols = np.empty((n, k + ones_row, ho * wo), dtype=xp.dtype) if out is None else out
    np.copyto(cols[:, :k].reshape(n, c, kh, kw, ho, wo), win)
    if ones_row:
        cols[:, k] = 1
    return cols


def fold(cols: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    """col2im, the adjoint of :func:`unfold` followed by the crop of the padding.

    Each (p, q) offset adds its (n, C, Ho, Wo) slab back onto the pixels it was copied from
    (a pixel in several windows collects all of its shares).
    """
    n = cols.shape[0]
    _, c, hp, wp = geo.padded_shape
    _, _, kh, kw = geo.w_shape
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    ho, wo = geo.out_hw
    top, _, left, _ = geo.pads
    h, w = geo.x_shape[2:]
    c6 = cols.reshape(n, c, kh, kw, ho, wo)
    acc = buffers.zeros((n, c, hp, wp), cols.dtype)
    for p in range(kh):
        rows = slice(p * dh, p * dh + sh * (ho - 1) + 1, sh)
        for q in range(kw):
            acc[:, :, rows, q * dw : q * dw + sw * (wo - 1) + 1 : sw] += c6[:, :, p, q]
    return acc[:, :, top : top + h, left : left + w]


def by_group(a: np.ndarray, groups: int) -> np.ndarray:
    """View axis -2 of ``a`` (channels or kernel rows) as (groups, rows per group)."""
    return a.reshape(*a.shape[:-2], groups, a.shape[-2] // groups, a.shape[-1])


def conv_forward(
    xd: np.ndarray, wd: np.ndarray, bd: np.ndarray | None, geo: ConvGeometry,
    xp: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:  # fmt: skip
    """out_n = W @ unfold(x_n) (+ b): one matrix product per sample, blocks of samples.

    ``xp`` is ``xd`` already padded, when the caller has it. Returns the output and the
    columns when dJ/dW can reuse them (the whole batch was one block, or all blocks'
    columns fit KEEP_COLS_MAX), else None.
    """
    o, groups = wd.shape[0], geo.groups
    ho, wo = geo.out_hw
    xp = pad_hw(xd, geo.pads) if xp is None else xp
    wm = wd.reshape(o, -1)
    # the bias as one more column of W against a row of ones: added inside the GEMM,
    # which saves a pass over the output (groups keep the separate add)
    fused = bd is not None and groups == 1
    if fused:
        wm = np.concatenate([wm, bd.reshape(o, 1).astype(wm.dtype, copy=False)], axis=1)
    out = buffers.empty((xd.shape[0], o, ho * wo), np.result_type(xd, wd))
    # every block's columns in one array kept for dJ/dW (it skips unfolding again), or one
    # block-sized buffer reused by every block
    keep = len(geo.blocks) > 1 and geo.cols_size <= KEEP_COLS_MAX
    rows = xp.shape[1] * wd.shape[2] * wd.shape[3] + fused  # C*kh*kw (+ the row of ones)
    everything = buffers.empty((xd.shape[0], rows, ho * wo), xp.dtype) if keep else None
    buf = None if keep else block_buffer(geo, xp.dtype, fused)
    for b in geo.blocks:
        # (n_b, K, P), K = C*kh*kw (+ 1), P = Ho*Wo
        room = everything[b] if everything is not None else (
            None if buf is None else buf[: b.stop - b.start])  # fmt: skip
        cols = unfold(xp[b], geo, fused, room)
        if groups == 1:  # THE matrix multiply: (O, K) @ (n_b, K, P) -> (n_b, O, P) = NCHW
            np.matmul(wm, cols, out=out[b])
        else:  # per group: (G, O/G, K/G) @ (n_b, G, K/G, P) -> (n_b, G, O/G, P)
            np.matmul(by_group(wm, groups), by_group(cols, groups), out=by_group(out[b], groups))
    if bd is not None and not fused:
        out += bd.reshape(o, 1)
    if everything is not None:
        return out.reshape(xd.shape[0], o, ho, wo), everything
    return out.reshape(xd.shape[0], o, ho, wo), cols if len(geo.blocks) == 1 else None


def conv_input_grad(gd: np.ndarray, wd: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    """dJ/dx = fold(W^T @ G): the transposed convolution of ``gd`` with ``wd``."""
    if geo.groups == 1:
        return input_grad_channels_last(gd, wd, geo)
    return input_grad_nchw(gd, wd, geo)


def input_grad_nchw(gd: np.ndarray, wd: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    """dJ/dx = fold(W^T @ G) block by block in NCHW (any groups)."""
    o, groups = wd.shape[0], geo.groups
    n, c, h, w = geo.x_shape
    wt = by_group(wd.reshape(o, -1), groups).transpose(0, 2, 1)  # (G, K/G, O/G)
    g3 = gd.reshape(n, o, -1)
    gx = buffers.empty((n, c, h, w), np.result_type(gd, wd))
    for b in geo.blocks:
        dcols = np.matmul(wt, by_group(g3[b], groups))  # (n_b, G, K/G, P) = dJ/dcols
        gx[b] = fold(dcols.reshape(dcols.shape[0], -1, dcols.shape[-1]), geo)
    return gx


#: Arrays up to this many elements are transposed in one copy (they fit in cache); larger
#: ones in two copies that each keep a contiguous axis (~7x faster on c=32's gradients).
ONE_STEP_TRANSPOSE_MAX = 1 << 18


def to_channels_last(a: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (H*W, N, C), contiguous.

    numpy's one-step transposed copy strides over H*W values on its innermost axis; for a
    large array two copies are much faster: per-sample (C, HW) transposes, then moving
    whole runs of C values.
    """
    n, c, h, w = a.shape
    if a.size <= ONE_STEP_TRANSPOSE_MAX:
        return buffers.contiguous(a.reshape(n, c, h * w).transpose(2, 0, 1))
    per_sample = buffers.contiguous(a.reshape(n, c, h * w).transpose(0, 2, 1))  # (N, HW, C)
    return buffers.contiguous(per_sample.transpose(1, 0, 2))


def from_channels_last(a: np.ndarray) -> np.ndarray:
    """(H, W, N, C) -> (N, C, H, W), contiguous, in the same two cheap steps."""
    h, w, n, c = a.shape
    per_sample = buffers.contiguous(a.reshape(h * w, n, c).transpose(1, 0, 2))  # (N, HW, C)
    return buffers.contiguous(per_sample.transpose(0, 2, 1)).reshape(n, c, h, w)


def input_grad_channels_last(gd: np.ndarray, wd: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    """dJ/dx for groups == 1, accumulated in (Hp, Wp, N, C) layout.

    The NCHW fold adds rows of only Wo values at a time (mostly loop overhead). Here, for
    each kernel offset (p, q), D_pq[(i, j, n), c] = sum_o G[n, o, i, j] W[o, c, p, q] is one
    GEMM, added onto the pixels (i*s + p*d, j*s + q*d) in runs of N*C contiguous values; the
    scratch stays output-sized (one offset at a time). Measured 1.2-2.3x faster than the
    NCHW fold on the convs of bench/conv.py.
    """
    n, c, hp, wp = geo.padded_shape
    _, _, kh, kw = geo.w_shape
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    top, _, left, _ = geo.pads
    h, w = geo.x_shape[2:]
    ho, wo = gd.shape[2:]
    gt = to_channels_last(gd).reshape(ho * wo * n, -1)  # (Ho*Wo*N, O)
    wk = np.ascontiguousarray(wd.transpose(2, 3, 0, 1))  # (kh, kw, O, C)
    acc = buffers.zeros((hp, wp, n, c), np.result_type(gd, wd))
    d = buffers.empty((ho, wo, n, c), acc.dtype)  # scratch, never returned
    for p in range(kh):
        rows = slice(p * dh, p * dh + sh * (ho - 1) + 1, sh)
        for q in range(kw):
            np.matmul(gt, wk[p, q], out=d.reshape(ho * wo * n, c))
            acc[rows, q * dw : q * dw + sw * (wo - 1) + 1 : sw] += d
    if acc.size <= ONE_STEP_TRANSPOSE_MAX:  # small: crop and transpose in one copy
        return buffers.contiguous(acc[top : top + h, left : left + w].transpose(2, 3, 0, 1))
    return from_channels_last(acc)[:, :, top : top + h, left : left + w]


def conv_weight_grad(
    xd: np.ndarray, gd: np.ndarray, geo: ConvGeometry, xp: np.ndarray | None = None,
    kept: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """dJ/dW = sum_n G_n @ unfold(x_n)^T, the columns unfolded again block by block (or the
    forward's, ``kept``: their first C*kh*kw rows).

    Computed as (sum_n cols_n G_n^T)^T: with cols_n on the left both GEMM operands are read
    in their stored order (about 2x faster than G_n cols_n^T).
    """
    o, cg, kh, kw = geo.w_shape
    groups = geo.groups
    n = xd.shape[0]
    xp = pad_hw(xd, geo.pads) if xp is None else xp
    g3 = gd.reshape(n, o, -1)
    gwt = np.zeros((groups, cg * kh * kw, o // groups), dtype=np.result_type(gd, xd))
    k = cg * kh * kw * groups
    buf = block_buffer(geo, xp.dtype) if kept is None else None
    for b in geo.blocks:
        if kept is None:  # (n_b, K, P)
            cols = unfold(xp[b], geo, out=None if buf is None else buf[: b.stop - b.start])
        else:
            cols = kept[b, :k]
        if groups == 1:  # (n_b, K, P) @ (n_b, P, O) -> (n_b, K, O), summed over the block
            gwt[0] += np.matmul(cols, g3[b].transpose(0, 2, 1)).sum(axis=0)
        else:  # the same per group: (n_b, G, K/G, P) @ (n_b, G, P, O/G)
            prod = np.matmul(by_group(cols, groups), by_group(g3[b], groups).transpose(0, 1, 3, 2))
            gwt += prod.sum(axis=0)
    return gwt.transpose(0, 2, 1).reshape(geo.w_shape)


# ----------------------------------------------------------------- the three ops
def bias_grad(g: Any) -> Any:
    """dJ/db[o] = sum over n, i, j of G[n, o, i, j]; the batch axis first keeps both sums
    over contiguous memory (3x faster than one sum over axes (0, 2, 3))."""
    return g.sum(axis=0).sum(axis=(1, 2))


def _conv_rule(geo: ConvGeometry, xp: np.ndarray, kept: np.ndarray | None):
    """Backward of out = conv2d(x, w) + b (``xp``, ``kept``: the forward's padded input and
    single block of columns, reused by the numpy path only)."""

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        x, w = inputs[0], inputs[1]
        gx = gw = gb = None
        if isinstance(g, np.ndarray):  # fast path: numpy kernels
            if needs[0]:
                gx = conv_input_grad(g, w, geo)
            if needs[1]:
                gw = conv_weight_grad(x, g, geo, xp, kept)
            if len(needs) == 3 and needs[2]:
                gb = bias_grad(g)
        else:  # create_graph: the same derivatives as differentiable ops
            if needs[0]:
                gx = _conv_transpose_op(g, w, geo)
            if needs[1]:
                gw = _conv_weight_op(x, g, geo)
            if len(needs) == 3 and needs[2]:
                gb = bias_grad(g)
        return (gx, gw, gb)[: len(needs)]

    return rule


def _conv_op(x: Tensor, w: Tensor, b: Tensor | None, geo: ConvGeometry) -> Tensor:
    parents = (x, w) if b is None else (x, w, b)
    xp = pad_hw(x.data, geo.pads)
    out, kept = conv_forward(x.data, w.data, None if b is None else b.data, geo, xp)
    return make_node(out, "conv2d", parents, _conv_rule(geo, xp, kept))


def _conv_transpose_op(g: Tensor, w: Tensor, geo: ConvGeometry) -> Tensor:
    """dJ/dx of conv2d (geometry ``geo``) as a differentiable op of (g, w)."""

    def rule(v: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        # <v, convT(g, w)> = <conv(v, w), g>: d/dg = conv(v, w), d/dw = weight_grad(v, g)
        gg, ww = inputs
        if isinstance(v, np.ndarray):
            return (
                conv_forward(v, ww, None, geo)[0] if needs[0] else None,
                conv_weight_grad(v, gg, geo) if needs[1] else None,
            )
        return (
            _conv_op(v, ww, None, geo) if needs[0] else None,
            _conv_weight_op(v, gg, geo) if needs[1] else None,
        )

    return make_node(conv_input_grad(g.data, w.data, geo), "conv_transpose2d", (g, w), rule)


def _conv_weight_op(x: Tensor, g: Tensor, geo: ConvGeometry) -> Tensor:
    """dJ/dw of conv2d (geometry ``geo``) as a differentiable op of (x, g)."""

    def rule(v: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        # <v, weight_grad(x, g)> = <conv(x, v), g>: d/dx = convT(g, v), d/dg = conv(x, v)
        xx, gg = inputs
        if isinstance(v, np.ndarray):
            return (
                conv_input_grad(gg, v, geo) if needs[0] else None,
                conv_forward(xx, v, None, geo)[0] if needs[1] else None,
            )
        return (
            _conv_transpose_op(gg, v, geo) if needs[0] else None,
            _conv_op(xx, v, None, geo) if needs[1] else None,
        )

    return make_node(conv_weight_grad(x.data, g.data, geo), "conv2d_weight", (x, g), rule)


def conv_args(geo: ConvGeometry, in_hw: tuple[int, int], out_hw: tuple[int, int]) -> dict:
    """The convolution's arguments as a node's ``op_args`` (what drawings print: k, s, p)."""
    top, bottom, left, right = geo.pads
    return {"kernel": tuple(geo.w_shape[2:]), "stride": tuple(geo.stride),
            "padding": (top, left) if (top, left) == (bottom, right) else geo.pads,
            "dilation": tuple(geo.dilation), "groups": geo.groups, "in": tuple(in_hw),
            "out": tuple(out_hw)}


# -------------------------------------------------------------- argument checks
def conv_padding(
    padding: IntPair | str, kernel: tuple[int, int], dilation: tuple[int, int],
    stride: tuple[int, int], op: str,
) -> tuple[int, int, int, int]:  # fmt: skip
    """(top, bottom, left, right) from an int, a pair, "valid" or "same".

    "same" pads d*(k-1) in total per axis, the odd one out at the end (as PyTorch).
    """
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride}")
            th, tw = (d * (k - 1) for d, k in zip(dilation, kernel, strict=True))
            return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        raise ValueError(
            f"{op}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}"
        )
    ph, pw = pair(padding, "padding", op, 0)
    return (ph, ph, pw, pw)


def _check_conv(xd: np.ndarray, wd: np.ndarray, groups: int, op: str) -> None:
    if wd.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (O, C/groups, kh, kw), got shape {wd.shape}")
    if xd.ndim != 4:
        raise ValueError(
            f"{op}: input must be 4-D (N, C, H, W) or 3-D (C, H, W), got shape {xd.shape}"
        )
    if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    c, (o, cg, kh, kw) = xd.shape[1], wd.shape
    if c == 0 or cg == 0:
        raise ValueError(
            f"{op}: input {xd.shape} and weight {wd.shape} must have at least 1 input channel"
        )
    if kh == 0 or kw == 0:
        raise ValueError(f"{op}: kernel size must be at least 1x1, got weight {wd.shape}")
    if o == 0:
        raise ValueError(f"{op}: weight {wd.shape} must have at least 1 output channel")
    if c % groups or o % groups:
        raise ValueError(
            f"{op}: input channels ({c}) and output channels ({o}) must both be divisible by "
            f"groups ({groups})"
        )
    if c != cg * groups:
        raise ValueError(
            f"{op}: input {xd.shape} has {c} channels but weight {wd.shape} expects "
            f"{cg * groups} ({cg} per group x {groups} groups)"
        )


def conv_geometry(
    xd: np.ndarray, wd: np.ndarray, stride: IntPair, padding: IntPair | str,
    dilation: IntPair, groups: int, op: str,
) -> ConvGeometry:  # fmt: skip
    """Check a convolution's arguments and return its geometry (clear errors, named)."""
    _check_conv(xd, wd, groups, op)
    kh, kw = wd.shape[2:]
    st = pair(stride, "stride", op, 1)
    dil = pair(dilation, "dilation", op, 1)
    geo = ConvGeometry(xd.shape, wd.shape, st, conv_padding(padding, (kh, kw), dil, st, op),
                       dil, int(groups))  # fmt: skip
    ho, wo = geo.out_hw
    if ho < 1 or wo < 1:
        top, bottom, left, right = geo.pads
        raise ValueError(
            f"{op}: kernel {(kh, kw)} is larger than the padded input "
            f"{(xd.shape[2] + top + bottom, xd.shape[3] + left + right)} "
            f"(input {xd.shape}, padding {padding}, dilation {dil})"
        )
    return geo


def conv2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation over a batch, as ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    x : Tensor
        Input of shape (N, C, H, W), or (C, H, W) for one unbatched sample.
    weight : Tensor
        Filters of shape (O, C / groups, kh, kw).
    bias : Tensor, optional
        Shape (O,).
    stride, dilation : int or (int, int)
        Step between windows; spacing between kernel taps.
    padding : int, (int, int), "valid" or "same"
        Zero padding on both sides of each spatial axis; "same" keeps H and W (stride 1
        only; an odd total goes to the bottom/right, as PyTorch).
    groups : int
        Split channels into this many independent convolutions (depthwise: groups = C).

    Returns
    -------
    Tensor
        Shape (N, O, Ho, Wo) with Ho = floor((H + 2p - d*(kh-1) - 1) / s) + 1 (seed 000's
        formula floor((n - k + 2p + s) / s) when d = 1); (O, Ho, Wo) for a 3-D input.

    Examples
    --------
    >>> import numpy as np
    >>> x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    >>> w = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    >>> y = conv2d(x, w, stride=2)
    >>> y.data[0, 0].tolist()
    [[10.0, 18.0], [42.0, 50.0]]
    >>> y.sum().backward()
    >>> w.grad[0, 0].tolist()
    [[20.0, 24.0], [36.0, 40.0]]
    """
    xt, wt = as_tensor(x, None, "conv2d"), as_tensor(weight, None, "conv2d")
    unbatched = xt.ndim == 3
    if unbatched:
        xt = xt.reshape(1, *xt.shape)
    geo = conv_geometry(xt.data, wt.data, stride, padding, dilation, groups, "conv2d")
    o = wt.shape[0]
    bt = None
    if bias is not None:
        bt = as_tensor(bias, None, "conv2d")
        if bt.shape != (o,):
            raise ValueError(f"conv2d: bias must have shape ({o},), got {bt.shape}")
    out = _conv_op(xt, wt, bt, geo)
    out.op_args = conv_args(geo, geo.x_shape[2:], geo.out_hw)
    return out.reshape(out.shape[1:]) if unbatched else out


def conv_transpose2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    output_padding: IntPair = 0,
    groups: int = 1,
    dilation: IntPair = 1,
) -> Tensor:
    """Transposed convolution, as ``torch.nn.functional.conv_transpose2d``.

    It is the input gradient of :func:`conv2d` (fold(W^T @ x)): the conv2d with this stride,
    padding, dilation and groups maps the output's shape back to ``x``'s shape.

    Parameters
    ----------
    x : Tensor
        Input of shape (N, C_in, H, W), or (C_in, H, W).
    weight : Tensor
        Shape (C_in, C_out / groups, kh, kw) (PyTorch's layout for transposed convolutions).
    bias : Tensor, optional
        Shape (C_out,).
    stride, padding, dilation : int or (int, int)
    output_padding : int or (int, int)
        Extra rows/columns at the bottom/right of the output (each < stride or < dilation).
    groups : int

    Returns
    -------
    Tensor
        Shape (N, C_out, Ho, Wo), Ho = (H - 1) s - 2p + d (kh - 1) + output_padding + 1.

    Examples
    --------
    >>> import numpy as np
    >>> y = conv_transpose2d(Tensor(np.ones((1, 1, 2, 2))), Tensor(np.ones((1, 1, 2, 2))), stride=2)
    >>> y.shape
    (1, 1, 4, 4)
    """
    op = "conv_transpose2d"
    xt, wt = as_tensor(x, None, op), as_tensor(weight, None, op)
    unbatched = xt.ndim == 3
    if unbatched:
        xt = xt.reshape(1, *xt.shape)
    if wt.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (C_in, C_out/groups, kh, kw), got {wt.shape}")
    if xt.ndim != 4:
        raise ValueError(f"{op}: input must be 4-D (N, C, H, W) or 3-D (C, H, W), got {xt.shape}")
    if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    cin, cg, kh, kw = wt.shape
    if xt.shape[1] != cin:
        raise ValueError(f"{op}: input {xt.shape} has {xt.shape[1]} channels, weight {wt.shape} "
                         f"expects {cin}")  # fmt: skip
    st = pair(stride, "stride", op, 1)
    dil = pair(dilation, "dilation", op, 1)
    ph, pw = pair(padding, "padding", op, 0)
    oph, opw = pair(output_padding, "output_padding", op, 0)
    if oph >= max(st[0], dil[0]) or opw >= max(st[1], dil[1]):
        raise ValueError(f"{op}: output_padding {(oph, opw)} must be smaller than the stride "
                         f"{st} or the dilation {dil}")  # fmt: skip
    n, _, h, w = xt.shape
    hout = (h - 1) * st[0] - 2 * ph + dil[0] * (kh - 1) + oph + 1
    wout = (w - 1) * st[1] - 2 * pw + dil[1] * (kw - 1) + opw + 1
    if hout < 1 or wout < 1:
        raise ValueError(f"{op}: output size {(hout, wout)} is not positive (input {xt.shape}, "
                         f"padding {(ph, pw)})")  # fmt: skip
    # the conv2d this op is the input gradient of: input (N, C_out, hout, wout), weight = ours
    _check_conv(np.empty((n, cg * groups, 1, 1)), wt.data, groups, op)
    geo = ConvGeometry((n, cg * groups, hout, wout), wt.shape, st, (ph, ph, pw, pw), dil,
                       int(groups))  # fmt: skip
    assert geo.out_hw == (h, w)
    out = _conv_transpose_op(xt, wt, geo)
    out.op_args = conv_args(geo, (h, w), (hout, wout))
    out.op_args["output_padding"] = (oph, opw)
    if bias is not None:
        bt = as_tensor(bias, None, op)
        if bt.shape != (cg * groups,):
            raise ValueError(f"{op}: bias must have shape ({cg * groups},), got {bt.shape}")
        out = out + bt.reshape(-1, 1, 1)
    return out.reshape(out.shape[1:]) if unbatched else out
