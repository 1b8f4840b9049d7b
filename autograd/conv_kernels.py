"""The numpy kernels of 2-D convolution: conv = unfold + one matrix multiply.

For an input ``x`` of shape (N, C, H, W) and weights ``w`` of shape (O, C, kh, kw)::

    out[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * x[n, c, i*s + p*d, j*s + q*d]

``unfold`` (im2col) lays every receptive field of sample n out as a column,
``cols_n[(c, p, q), (i, j)]``, so the convolution is ONE matrix product per sample,
``out_n = W (O, C*kh*kw) @ cols_n (C*kh*kw, Ho*Wo)``, already in NCHW order. The backward
pass is the same product transposed::

    dJ/dW      = sum_n G_n @ cols_n^T      (G_n = dJ/dout_n as (O, Ho*Wo))
    dJ/dcols_n = W^T @ G_n,   dJ/dx_n = fold(dJ/dcols_n)

where ``fold`` (col2im, the adjoint of ``unfold``) adds each column entry back onto the
pixel it was copied from. With ``groups`` the rows of ``cols`` are channel-major, so a
group's rows are one contiguous block (``by_group``): the same product, batched over the
groups. Depthwise convolution is ``groups == C``.

Speed (measured with bench/conv.py; each choice is commented where it is made): samples
go through unfold and GEMM in cache-sized blocks (conv_geometry.COLS_BUDGET), all blocks of
a pass written into one buffer reused from step to step (block_buffer), or, when they are
small, into one array kept for dJ/dW (KEEP_COLS_MAX); the bias rides inside the GEMM as a
column of W against a row of ones; the input gradient (groups == 1) is folded in
channels-last layout, where every add runs over N*C contiguous values; outputs and scratch
arrays come from autograd.buffers (memory reused across steps, no page faults). These
kernels work on numpy arrays only; autograd.conv wraps them in differentiable ops.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import buffers
from .conv_geometry import ConvGeometry, pad_hw

#: The forward pass keeps the columns of all its blocks for dJ/dW (no second unfold) when
#: they total at most this many elements (6 MB in float32), in one array from
#: autograd.buffers. Measured in training steps: LeNet 10.4 -> 9.2 ms, c=8 10.2 -> 9.4 ms;
#: for larger layers streaming the kept columns through memory costs more than unfolding
#: again from the cached input (c=32: 52.9 -> 56.5 ms when its 19 MB were kept).
KEEP_COLS_MAX = 3 << 19


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


def bias_grad(g: Any) -> Any:
    """dJ/db[o] = sum over n, i, j of G[n, o, i, j]; the batch axis first keeps both sums
    over contiguous memory (3x faster than one sum over axes (0, 2, 3))."""
    return g.sum(axis=0).sum(axis=(1, 2))
