"""Max and average pooling over NCHW tensors (PyTorch semantics).

Both loop over the kh*kw offsets of the window instead of materialising every window:
offset (p, q) of all windows at once is the strided slice ``x[:, :, p::s, q::s]``, so each
step is one vectorised pass over an output-sized array and nothing is copied per window.

* max: the output is the running ``np.maximum`` over the offsets. Backward sends each
  upstream entry to the first offset (row-major window order) whose value equals the
  maximum, so tied maxima route to the first one, as in PyTorch; pixels in several
  overlapping windows add up their shares.
* average: (1 / (kh*kw)) * sum over offsets (padding zeros counted, PyTorch's default
  ``count_include_pad=True``); backward gives every offset 1/(kh*kw) of the upstream.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .conv import IntPair, output_size, pad_hw, pair
from .tensor import Tensor, _coerce, _make


def _setup(
    x: Any, kernel_size: IntPair, stride: IntPair | None, padding: IntPair, op: str
) -> tuple:
    t = _coerce(x, None, op)
    if t.ndim != 4:
        raise ValueError(f"{op}: input must be 4-D (N, C, H, W), got shape {t.shape}")
    kh, kw = pair(kernel_size, "kernel_size", op, 1)
    sh, sw = pair(kernel_size if stride is None else stride, "stride", op, 1)
    ph, pw = pair(padding, "padding", op, 0)
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError(
            f"{op}: padding {(ph, pw)} must be at most half the kernel size {(kh, kw)}"
        )
    n, c, h, w = t.shape
    ho, wo = output_size(h, kh, sh, ph), output_size(w, kw, sw, pw)
    if ho < 1 or wo < 1:
        raise ValueError(
            f"{op}: kernel {(kh, kw)} is larger than the padded input "
            f"{(h + 2 * ph, w + 2 * pw)} (input {t.shape}, padding {(ph, pw)})"
        )
    return t, kh, kw, sh, sw, ph, pw, ho, wo


def _offsets(kh: int, kw: int, sh: int, sw: int, ho: int, wo: int):
    """(position, row slice, column slice) for every window offset, in row-major order."""
    for p in range(kh):
        rows = slice(p, p + sh * (ho - 1) + 1, sh)
        for q in range(kw):
            yield p * kw + q, rows, slice(q, q + sw * (wo - 1) + 1, sw)


def max_pool2d(
    x: Any, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
) -> Tensor:
    """Maximum over each kh x kw window (stride defaults to the kernel size).

    Padding is -inf, so it never wins. The gradient goes to the first maximal element of
    each window, as in PyTorch.

    >>> import numpy as np
    >>> x = Tensor(np.array([[[[1.0, 3.0], [3.0, 0.0]]]]), requires_grad=True)
    >>> y = max_pool2d(x, 2)
    >>> y.backward()
    >>> y.data.ravel().tolist(), x.grad.ravel().tolist()
    ([3.0], [0.0, 1.0, 0.0, 0.0])
    """
    t, kh, kw, sh, sw, ph, pw, ho, wo = _setup(x, kernel_size, stride, padding, "max_pool2d")
    xd = t.data
    n, c, h, w = xd.shape
    fill = -np.inf if xd.dtype.kind == "f" else np.iinfo(xd.dtype).min
    xp = pad_hw(xd, ph, pw, fill)
    best = np.empty((n, c, ho, wo), dtype=xd.dtype)
    for pos, rows, cols in _offsets(kh, kw, sh, sw, ho, wo):
        if pos == 0:
            np.copyto(best, xp[:, :, rows, cols])
        else:
            np.maximum(best, xp[:, :, rows, cols], out=best)
    disjoint = sh >= kh and sw >= kw  # windows do not overlap: each pixel gets one share
    # ... and tile the padded input exactly: every pixel is written, so no zero fill needed
    tiled = (sh, sw) == (kh, kw) and xp.shape[2:] == (ho * kh, wo * kw)

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        gxp = (np.empty if tiled else np.zeros)(xp.shape, dtype=g.dtype)
        taken = np.zeros(best.shape, dtype=bool)  # an earlier offset already held the max
        first = np.empty(best.shape, dtype=bool)
        last = kh * kw - 1
        for pos, rows, cols in _offsets(kh, kw, sh, sw, ho, wo):
            np.equal(xp[:, :, rows, cols], best, out=first)  # this offset holds the max ...
            np.greater(first, taken, out=first)  # ... and no earlier one did (a and not b)
            target = gxp[:, :, rows, cols]
            if disjoint:
                np.multiply(g, first, out=target)
            else:
                target += g * first
            if pos < last:
                taken |= first
        return (gxp[:, :, ph : ph + h, pw : pw + w] if (ph or pw) else gxp,)

    return _make(best, "max_pool2d", (t,), rule)


def avg_pool2d(
    x: Any, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
) -> Tensor:
    """Mean over each kh x kw window (zero padding counted in the mean, as PyTorch).

    >>> import numpy as np
    >>> x = Tensor(np.arange(4.0).reshape(1, 1, 2, 2), requires_grad=True)
    >>> y = avg_pool2d(x, 2)
    >>> y.backward()
    >>> y.data.ravel().tolist(), x.grad.ravel().tolist()
    ([1.5], [0.25, 0.25, 0.25, 0.25])
    """
    t, kh, kw, sh, sw, ph, pw, ho, wo = _setup(x, kernel_size, stride, padding, "avg_pool2d")
    xd = t.data
    n, c, h, w = xd.shape
    xp = pad_hw(xd, ph, pw)
    total = np.zeros((n, c, ho, wo), dtype=xd.dtype)
    for _, rows, cols in _offsets(kh, kw, sh, sw, ho, wo):
        total += xp[:, :, rows, cols]
    scale = xd.dtype.type(1.0 / (kh * kw))
    total *= scale
    padded_shape = xp.shape
    del xp

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        gxp = np.zeros(padded_shape, dtype=g.dtype)
        share = g * scale
        for _, rows, cols in _offsets(kh, kw, sh, sw, ho, wo):
            gxp[:, :, rows, cols] += share
        return (gxp[:, :, ph : ph + h, pw : pw + w] if (ph or pw) else gxp,)

    return _make(total, "avg_pool2d", (t,), rule)
