"""2-D convolution (NCHW, PyTorch semantics) as im2col + one matrix product.

For an input ``x`` of shape (N, C, H, W) and weights ``w`` of shape (O, C, kh, kw)::

    out[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * x[n, c, i*s + p, j*s + q]

im2col lays every receptive field out as a column, ``cols[n, (c, p, q), (i, j)]``, so the
sum is the matrix product ``W (O, C*kh*kw) @ cols[n]``. The backward pass is the same
product transposed (dJ/dW = G cols^T, dJ/dcols = W^T G) followed by col2im, which adds each
column back onto the input pixels it was copied from (a pixel in several windows collects
all of its shares). Output size per axis: floor((n + 2p - k) / s) + 1.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .record import as_tensor, make_node
from .tensor import Tensor

IntPair = int | tuple[int, int]

#: Input-gradient strategy switch: with at least this many (sample, channel) pairs the
#: channels-last col2im is used (its adds run over N*C contiguous values; the NCHW one's
#: inner loop is only Wo long). Tests set it to 0 or a huge value to exercise both paths.
CHANNELS_LAST_MIN = 32

#: Column budget (elements). The batch is unfolded (im2col) as many samples at a time as
#: fit: a small batch in one go, its columns kept for the backward pass; a large one in
#: cache-sized blocks, unfolded again block by block for dJ/dW. Either way no N*K*P buffer
#: outlives its block, which keeps memory traffic and page faults down.
COLS_BUDGET = 1 << 17


def pair(value: IntPair, name: str, op: str, minimum: int) -> tuple[int, int]:
    """Accept ``3`` or ``(3, 2)`` for a per-axis (height, width) setting."""
    if isinstance(value, numbers.Integral):
        value = (int(value), int(value))
    try:
        a, b = (int(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}") from None
    if a < minimum or b < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return a, b


def output_size(n: int, k: int, s: int, p: int) -> int:
    """floor((n + 2p - k) / s) + 1: the conv/pool output length along one axis."""
    return (n + 2 * p - k) // s + 1


def pad_hw(x: np.ndarray, ph: int, pw: int, value: float = 0.0) -> np.ndarray:
    """Pad the last two axes (cheaper than ``np.pad`` for this one case)."""
    if ph == 0 and pw == 0:
        return x
    n, c, h, w = x.shape
    out = np.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=x.dtype)
    out[:, :, ph : ph + h, pw : pw + w] = x
    return out


def im2col(xp: np.ndarray, kh: int, kw: int, sh: int, sw: int) -> np.ndarray:
    """Receptive fields of a padded input as columns: shape (N, C*kh*kw, Ho*Wo).

    A strided view indexes xp[n, c, i*s + p, j*s + q] as win[n, c, p, q, i, j] without
    copying; one copy of that view is the GEMM-ready (n, (c, p, q), (i, j)) layout.
    """
    n, c, hp, wp = xp.shape
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    sn, sc, sy, sx = xp.strides
    win = as_strided(
        xp, (n, c, kh, kw, ho, wo), (sn, sc, sy, sx, sy * sh, sx * sw), writeable=False
    )
    cols = np.empty((n, c, kh, kw, ho, wo), dtype=xp.dtype)
    np.copyto(cols, win)
    return cols.reshape(n, c * kh * kw, ho * wo)


def col2im(
    cols: np.ndarray, shape: tuple[int, ...], kh: int, kw: int, sh: int, sw: int, ho: int, wo: int
) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every column entry back onto its padded pixel."""
    n, c, hp, wp = shape
    out = np.zeros(shape, dtype=cols.dtype)
    c6 = cols.reshape(n, c, kh, kw, ho, wo)
    for p in range(kh):
        rows = slice(p, p + sh * (ho - 1) + 1, sh)
        for q in range(kw):
            out[:, :, rows, q : q + sw * (wo - 1) + 1 : sw] += c6[:, :, p, q]
    return out


def input_grad_channels_last(
    g: np.ndarray, wd: np.ndarray, padded_shape: tuple[int, ...], sh: int, sw: int
) -> np.ndarray:
    """dJ/dx_padded for conv2d, accumulated in (Hp, Wp, N, C) layout.

    For each kernel offset (p, q): D_pq[(i, j, n), c] = sum_o G[n, o, i, j] W[o, c, p, q],
    one small GEMM, and D_pq is added onto the pixels (i*s + p, j*s + q). One offset at a
    time, so the scratch array stays output-sized (cache-resident) instead of kh*kw times
    that. Returns an NCHW view of the channels-last buffer.
    """
    n, c, hp, wp = padded_shape
    o, _, kh, kw = wd.shape
    ho, wo = g.shape[2], g.shape[3]
    gt = np.ascontiguousarray(g.transpose(2, 3, 0, 1)).reshape(ho * wo * n, o)
    wk = np.ascontiguousarray(wd.transpose(2, 3, 0, 1))  # (kh, kw, O, C)
    out = np.zeros((hp, wp, n, c), dtype=g.dtype)
    d = np.empty((ho, wo, n, c), dtype=g.dtype)  # scratch, never returned
    for p in range(kh):
        rows = slice(p, p + sh * (ho - 1) + 1, sh)
        for q in range(kw):
            np.matmul(gt, wk[p, q], out=d.reshape(ho * wo * n, c))
            out[rows, q : q + sw * (wo - 1) + 1 : sw] += d
    return out.transpose(2, 3, 0, 1)


def conv2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
) -> Tensor:
    """2-D cross-correlation over a batch, as ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    x : Tensor
        Input of shape (N, C, H, W).
    weight : Tensor
        Filters of shape (O, C, kh, kw).
    bias : Tensor, optional
        Shape (O,).
    stride, padding : int or (int, int)
        Zero padding is added on both sides of each spatial axis.

    Returns
    -------
    Tensor
        Shape (N, O, Ho, Wo) with Ho = floor((H + 2p - kh) / s) + 1 (seed 000's formula).

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
    xd, wd = xt.data, wt.data
    if xd.ndim != 4:
        raise ValueError(f"conv2d: input must be 4-D (N, C, H, W), got shape {xd.shape}")
    if wd.ndim != 4:
        raise ValueError(f"conv2d: weight must be 4-D (O, C, kh, kw), got shape {wd.shape}")
    n, c, h, w = xd.shape
    o, cw, kh, kw = wd.shape
    if c != cw:
        raise ValueError(
            f"conv2d: input {xd.shape} has {c} channels but weight {wd.shape} expects {cw}"
        )
    sh, sw = pair(stride, "stride", "conv2d", 1)
    ph, pw = pair(padding, "padding", "conv2d", 0)
    ho, wo = output_size(h, kh, sh, ph), output_size(w, kw, sw, pw)
    if ho < 1 or wo < 1:
        raise ValueError(
            f"conv2d: kernel {(kh, kw)} is larger than the padded input "
            f"{(h + 2 * ph, w + 2 * pw)} (input {xd.shape}, padding {(ph, pw)})"
        )
    parents: tuple[Tensor, ...] = (xt, wt)
    bd = None
    if bias is not None:
        bt = as_tensor(bias, None, "conv2d")
        bd = bt.data
        if bd.shape != (o,):
            raise ValueError(f"conv2d: bias must have shape ({o},), got {bd.shape}")
        parents = (xt, wt, bt)

    xp = pad_hw(xd, ph, pw)
    wm = wd.reshape(o, c * kh * kw)
    # Samples per block: as many as have columns (K x P floats each) within the budget.
    step = max(1, COLS_BUDGET // (c * kh * kw * ho * wo))
    blocks = [slice(i, i + step) for i in range(0, n, step)]
    out = np.empty((n, o, ho * wo), dtype=np.result_type(wd, xd))
    for b in blocks:
        cols = im2col(xp[b], kh, kw, sh, sw)  # (n_b, K, P) with K = C*kh*kw, P = Ho*Wo
        np.matmul(wm, cols, out=out[b])  # (O, K) @ (n_b, K, P) -> (n_b, O, P)
    kept = cols if len(blocks) == 1 else None
    out = out.reshape(n, o, ho, wo)
    if bd is not None:
        out += bd.reshape(o, 1, 1)

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        g3 = g.reshape(n, o, ho * wo)
        gx = gw = gb = None
        if needs[1]:
            # dJ/dW = sum_n G_n cols_n^T, computed as (sum_n cols_n G_n^T)^T: with cols_n on
            # the left both GEMM operands are read in their stored order (about 2x faster).
            gwt = np.zeros((c * kh * kw, o), dtype=g.dtype)  # (K, O)
            for b in blocks:
                cols = kept if kept is not None else im2col(xp[b], kh, kw, sh, sw)
                gwt += np.matmul(cols, g3[b].transpose(0, 2, 1)).sum(axis=0)
            gw = gwt.T.reshape(wd.shape)
        if needs[0]:
            if n * c >= CHANNELS_LAST_MIN:
                gxp = input_grad_channels_last(g, wd, xp.shape, sh, sw)
                gx = np.ascontiguousarray(gxp[:, :, ph : ph + h, pw : pw + w])
            else:
                gcols = np.matmul(wm.T, g3)  # dJ/dcols = W^T G
                gxp = col2im(gcols, xp.shape, kh, kw, sh, sw, ho, wo)
                gx = gxp[:, :, ph : ph + h, pw : pw + w] if (ph or pw) else gxp
        if len(needs) == 3 and needs[2]:
            # each bias touches every output pixel of its map; summing the batch axis first
            # keeps both reductions over contiguous memory (3x faster than axis=(0, 2, 3))
            gb = g3.sum(axis=0).sum(axis=1)
        return (gx, gw, gb) if len(needs) == 3 else (gx, gw)

    return make_node(out, "conv2d", parents, rule)
