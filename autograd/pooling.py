"""Max and average pooling over NCHW tensors (PyTorch semantics).

Both loop over the kh*kw offsets of the window instead of materialising every window:
offset (p, q) of all windows at once is the strided slice ``x[:, :, p*d::s, q*d::s]``, so
each step is one vectorised pass over an output-sized array and nothing is copied per
window.

* max: the output is the running maximum over the offsets, and ``pos`` records which
  offset held it (the first one in row-major window order on ties, as PyTorch). The
  backward pass is a *scatter*: each upstream entry goes to its window's argmax pixel
  (pixels in several overlapping windows add up their shares). It is linear in the upstream
  gradient, and its own backward is the matching *gather*, so second derivatives are exact.
* average: sum over offsets / divisor (the window size, counting zero padding by default,
  ``count_include_pad=True``). The backward pass spreads ``g / divisor`` back over each
  window: the adjoint of the forward sum, linear too.

``ceil_mode`` adds a last, partial window where PyTorch does (it must start inside the input
or the left padding); it reads padding at the end, -inf for max and zeros (not counted in
the divisor beyond the padding) for average.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import buffers
from .conv_geometry import IntPair, pad_hw, pair
from .grad_mode import is_grad_enabled
from .record import as_tensor
from .tensor import Tensor, make_node


def pool_output_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """floor (or ceil) ((n + 2p - d*(k-1) - 1) / s) + 1; with ceil_mode the last window must
    start inside the input or the left padding (PyTorch's rule)."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


class PoolGeometry:
    """Window sizes, strides, paddings and output size of one pooling call."""

    def __init__(
        self, shape: tuple, kernel_size: IntPair, stride: IntPair | None, padding: IntPair,
        dilation: IntPair, ceil_mode: bool, op: str,
    ) -> None:  # fmt: skip
        self.shape = shape
        self.ceil_mode = bool(ceil_mode)
        self.kh, self.kw = pair(kernel_size, "kernel_size", op, 1)
        self.sh, self.sw = pair(kernel_size if stride is None else stride, "stride", op, 1)
        self.ph, self.pw = pair(padding, "padding", op, 0)
        self.dh, self.dw = pair(dilation, "dilation", op, 1)
        if 2 * self.ph > self.kh or 2 * self.pw > self.kw:
            raise ValueError(
                f"{op}: padding {(self.ph, self.pw)} must be at most half the kernel size "
                f"{(self.kh, self.kw)}"
            )
        h, w = shape[2:]
        self.ho = pool_output_size(h, self.kh, self.sh, self.ph, self.dh, ceil_mode)
        self.wo = pool_output_size(w, self.kw, self.sw, self.pw, self.dw, ceil_mode)
        if self.ho < 1 or self.wo < 1:
            raise ValueError(
                f"{op}: kernel {(self.kh, self.kw)} is larger than the padded input "
                f"{(h + 2 * self.ph, w + 2 * self.pw)} (input {shape}, padding "
                f"{(self.ph, self.pw)}, dilation {(self.dh, self.dw)})"
            )
        # padding at the end: the usual p, or more when ceil_mode's last window overhangs
        reach_h = (self.ho - 1) * self.sh + self.dh * (self.kh - 1) + 1  # rows the windows span
        reach_w = (self.wo - 1) * self.sw + self.dw * (self.kw - 1) + 1
        self.pads = (self.ph, max(self.ph, reach_h - h - self.ph),
                     self.pw, max(self.pw, reach_w - w - self.pw))  # fmt: skip
        # windows are disjoint: each input pixel lies in at most one window
        self.disjoint = self.sh > self.dh * (self.kh - 1) and self.sw > self.dw * (self.kw - 1)
        # windows side by side with no gaps, no padding and no dilation (kernel == stride)
        self.tiles = (self.sh, self.sw) == (self.kh, self.kw) and not any(self.pads) and (
            (self.dh, self.dw) == (1, 1))  # fmt: skip

    def args(self) -> dict:
        """The pooling's arguments as a node's ``op_args`` (what drawings print: k, s, p)."""
        return {"kernel": (self.kh, self.kw), "stride": (self.sh, self.sw),
                "padding": (self.ph, self.pw), "dilation": (self.dh, self.dw), "groups": 1,
                "ceil_mode": self.ceil_mode, "in": tuple(self.shape[2:]),
                "out": (self.ho, self.wo)}

    def offsets(self):
        """(position, row slice, column slice) for every window offset, in row-major order."""
        for p in range(self.kh):
            rows = slice(p * self.dh, p * self.dh + self.sh * (self.ho - 1) + 1, self.sh)
            for q in range(self.kw):
                cols = slice(q * self.dw, q * self.dw + self.sw * (self.wo - 1) + 1, self.sw)
                yield p * self.kw + q, rows, cols

    def crop(self, xp: np.ndarray) -> np.ndarray:
        """The input's pixels of a padded array."""
        h, w = self.shape[2:]
        return xp[:, :, self.ph : self.ph + h, self.pw : self.pw + w]

    def plane_index(self, pos: np.ndarray, dtype: Any = np.int64) -> np.ndarray:
        """PyTorch's ``return_indices``: row * W + column of each window's argmax pixel,
        from its window offset ``pos`` (row * kw + column within the window)."""
        w = self.shape[3]
        i = np.arange(self.ho, dtype=dtype).reshape(-1, 1) * self.sh - self.ph
        j = np.arange(self.wo, dtype=dtype) * self.sw - self.pw
        p, q = np.divmod(np.arange(self.kh * self.kw, dtype=dtype), self.kw)
        table = p * self.dh * w + q * self.dw  # offset of each window position in the plane
        index = table.take(pos, out=buffers.empty(pos.shape, dtype))
        index += i * w + j  # + the plane index of each window's top-left corner
        return index

    def first_inside(self) -> np.ndarray:
        """(Ho, Wo): the window offset of each window's first pixel inside the input."""
        i = np.arange(self.ho) * self.sh - self.ph  # top row of each window (may be < 0)
        j = np.arange(self.wo) * self.sw - self.pw
        p0 = np.maximum(0, -(i // self.dh))  # first p with i + p*d >= 0, i.e. ceil(-i / d)
        q0 = np.maximum(0, -(j // self.dw))
        return p0.reshape(-1, 1) * self.kw + q0

    def flat_index(self, pos: np.ndarray) -> np.ndarray:
        """Index of each window's argmax pixel in the flattened (N, C, H, W) input."""
        n, c, h, w = self.shape
        dtype = np.int32 if n * c * h * w < 2**31 else np.int64  # half the memory traffic
        index = self.plane_index(pos, dtype)
        index += (np.arange(n * c, dtype=dtype) * (h * w)).reshape(n, c, 1, 1)
        return index.ravel()


def _input(x: Any, op: str) -> tuple[Tensor, bool]:
    t = as_tensor(x, None, op)
    if t.ndim == 3:  # one unbatched (C, H, W) sample
        return t.reshape(1, *t.shape), True
    if t.ndim != 4:
        raise ValueError(f"{op}: input must be 4-D (N, C, H, W) or 3-D (C, H, W), got {t.shape}")
    return t, False


# --------------------------------------------------------------------------- max
def scatter_np(g: np.ndarray, flat: np.ndarray, shape: tuple, disjoint: bool) -> np.ndarray:
    """out.flat[flat[k]] += g.flat[k] into zeros of ``shape``."""
    if disjoint:  # every pixel receives at most one entry: a plain assignment
        out = buffers.zeros(int(np.prod(shape)), g.dtype)
        out[flat] = g.ravel()
        return out.reshape(shape)
    return np.bincount(flat, g.ravel(), int(np.prod(shape))).astype(g.dtype).reshape(shape)


def scatter_tiles(g: np.ndarray, pos: np.ndarray, geo: PoolGeometry) -> np.ndarray:
    """The same scatter when the windows tile the input (kernel == stride, no padding):
    each window offset k writes its slice of pixels once, ``g`` where k held the maximum and
    0 elsewhere, so no index arithmetic and no zero fill of the whole input are needed."""
    out = buffers.empty(geo.shape, g.dtype)
    out[:, :, geo.ho * geo.kh :] = 0  # rows and columns no window reaches (floor mode)
    out[:, :, :, geo.wo * geo.kw :] = 0
    held = buffers.empty(pos.shape, bool)
    for k, rows, cols in geo.offsets():
        np.equal(pos, k, out=held)
        np.multiply(g, held, out=out[:, :, rows, cols])
    return out


def _scatter_op(g: Tensor, flat: np.ndarray, shape: tuple, disjoint: bool) -> Tensor:
    """max_pool2d's backward as a differentiable op of g; its backward is the gather."""

    def rule(v: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        return (_gather(v, flat, g.shape),)

    return make_node(scatter_np(g.data, flat, shape, disjoint), "max_pool2d_backward", (g,), rule)


def _gather(v: Any, flat: np.ndarray, shape: tuple) -> Any:
    """v.flat[flat] shaped like the pool output: the adjoint of the scatter."""
    if isinstance(v, np.ndarray):
        return v.reshape(-1)[flat].reshape(shape)
    return v.reshape(-1)[flat].reshape(*shape)


def max_pool2d(
    x: Any,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, np.ndarray]:
    """Maximum over each kh x kw window, as ``torch.nn.functional.max_pool2d``.

    Parameters
    ----------
    x : Tensor
        Shape (N, C, H, W), or (C, H, W) for one unbatched sample.
    kernel_size, stride, padding, dilation : int or (int, int)
        ``stride`` defaults to the kernel size; padding is -inf (it never wins) and at
        most half the kernel; dilation spaces the window's taps.
    ceil_mode : bool
        Round the output size up (a last, partial window), as PyTorch.
    return_indices : bool
        Also return, per output, the argmax's index ``row * W + column`` in its input
        plane (an int64 array, PyTorch's convention).

    The gradient goes to the first maximal element of each window, as in PyTorch.

    >>> import numpy as np
    >>> x = Tensor(np.array([[[[1.0, 3.0], [3.0, 0.0]]]]), requires_grad=True)
    >>> y = max_pool2d(x, 2)
    >>> y.backward()
    >>> y.data.ravel().tolist(), x.grad.ravel().tolist()
    ([3.0], [0.0, 1.0, 0.0, 0.0])
    """
    t, unbatched = _input(x, "max_pool2d")
    geo = PoolGeometry(t.shape, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    xd = t.data
    fill = -np.inf if xd.dtype.kind == "f" else np.iinfo(xd.dtype).min
    xp = pad_hw(xd, geo.pads, fill)
    out_shape = (*xd.shape[:2], geo.ho, geo.wo)
    best = buffers.empty(out_shape, xd.dtype)
    # the argmax is needed for the backward pass and for return_indices
    track = return_indices or (t.requires_grad and is_grad_enabled())
    pos = buffers.zeros(out_shape, np.uint8 if geo.kh * geo.kw <= 256 else np.int32)
    more = buffers.empty(out_shape, bool)
    step = buffers.empty(out_shape, pos.dtype)
    for k, rows, cols in geo.offsets():
        window = xp[:, :, rows, cols]
        if k == 0:
            np.copyto(best, window)
            continue
        if track:
            # positions only grow, so "pos = k where this offset is strictly larger" is
            # max(pos, k * more): arithmetic, ~50x faster than a masked assignment
            np.greater(window, best, out=more)
            np.multiply(more, pos.dtype.type(k), out=step)
            np.maximum(pos, step, out=pos)
        np.maximum(best, window, out=best)
    if track and any(geo.pads):
        # a window whose maximum is the padding value itself (all of its pixels are -inf)
        # takes its first pixel inside the input, as PyTorch, never a padding position
        lost = best == fill
        if lost.any():
            pos[lost] = np.broadcast_to(geo.first_inside(), pos.shape)[lost]
    plane = geo.plane_index(pos) if return_indices else None

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        if isinstance(g, np.ndarray) and geo.tiles:
            return (scatter_tiles(g, pos, geo),)
        flat = geo.flat_index(pos)
        if isinstance(g, np.ndarray):
            return (scatter_np(g, flat, xd.shape, geo.disjoint),)
        return (_scatter_op(g, flat, xd.shape, geo.disjoint),)

    y = make_node(best, "max_pool2d", (t,), rule)
    y.op_args = geo.args()
    if unbatched:
        y = y.reshape(y.shape[1:])
        plane = None if plane is None else plane[0]
    return (y, plane) if return_indices else y


# ----------------------------------------------------------------------- average
def _divisor(geo: PoolGeometry, count_include_pad: bool) -> np.ndarray | float:
    """Number of pixels each window averages (PyTorch's rule, ceil_mode's last window too)."""
    h, w = geo.shape[2:]

    def lengths(n: int, k: int, s: int, p: int, size: int) -> np.ndarray:
        start = np.arange(n) * s - p
        end = np.minimum(start + k, size + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        return end - start

    div = np.outer(lengths(geo.ho, geo.kh, geo.sh, geo.ph, h),
                   lengths(geo.wo, geo.kw, geo.sw, geo.pw, w))  # fmt: skip
    return float(div.flat[0]) if (div == div.flat[0]).all() else div


def _avg_sum(xp: np.ndarray, geo: PoolGeometry) -> np.ndarray:
    total = np.zeros((*xp.shape[:2], geo.ho, geo.wo), dtype=xp.dtype)
    for _, rows, cols in geo.offsets():
        total += xp[:, :, rows, cols]
    return total


def _avg_spread(share: np.ndarray, geo: PoolGeometry) -> np.ndarray:
    """Adjoint of the window sum: every window pixel receives its window's share."""
    n, c, h, w = geo.shape
    top, bottom, left, right = geo.pads
    gxp = np.zeros((n, c, h + top + bottom, w + left + right), dtype=share.dtype)
    for _, rows, cols in geo.offsets():
        gxp[:, :, rows, cols] += share
    return np.ascontiguousarray(geo.crop(gxp))


def _avg_backward_op(g: Tensor, geo: PoolGeometry, div: Any) -> Tensor:
    """avg_pool2d's backward as a differentiable op of g; its backward is avg_pool2d."""

    def rule(v: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        if isinstance(v, np.ndarray):
            return (_avg_sum(pad_hw(v, geo.pads), geo) / div,)
        return (_avg_op(v, geo, div),)

    data = _avg_spread(g.data / div, geo)
    return make_node(data, "avg_pool2d_backward", (g,), rule)


def _avg_op(t: Tensor, geo: PoolGeometry, div: Any) -> Tensor:
    xd = t.data
    out = _avg_sum(pad_hw(xd, geo.pads), geo)
    out /= div

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        if isinstance(g, np.ndarray):
            return (_avg_spread(g / div, geo),)
        return (_avg_backward_op(g, geo, div),)

    return make_node(out, "avg_pool2d", (t,), rule)


def avg_pool2d(
    x: Any,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over each kh x kw window, as ``torch.nn.functional.avg_pool2d``.

    Parameters
    ----------
    x : Tensor
        Shape (N, C, H, W), or (C, H, W) for one unbatched sample.
    kernel_size, stride, padding : int or (int, int)
        ``stride`` defaults to the kernel size; zero padding, at most half the kernel.
    ceil_mode : bool
        Round the output size up (a last, partial window), as PyTorch.
    count_include_pad : bool
        Count the zero padding in each window's divisor (PyTorch's default) or average over
        the input pixels only.

    >>> import numpy as np
    >>> x = Tensor(np.arange(4.0).reshape(1, 1, 2, 2), requires_grad=True)
    >>> y = avg_pool2d(x, 2)
    >>> y.backward()
    >>> y.data.ravel().tolist(), x.grad.ravel().tolist()
    ([1.5], [0.25, 0.25, 0.25, 0.25])
    """
    t, unbatched = _input(x, "avg_pool2d")
    geo = PoolGeometry(t.shape, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    if t.dtype.kind != "f":
        raise TypeError(f"avg_pool2d: input must be floating point, got dtype {t.dtype}")
    div = _divisor(geo, count_include_pad)
    if isinstance(div, np.ndarray):  # the divisor in the input's precision: g / div keeps it
        div = div.astype(t.dtype)
    y = _avg_op(t, geo, div)
    y.op_args = geo.args()
    return y.reshape(y.shape[1:]) if unbatched else y
