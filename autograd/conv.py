"""2-D convolution ops (NCHW, PyTorch semantics): conv2d, conv_transpose2d and their rules.

Three differentiable ops form a closed family, so gradients of gradients stay convolutions:
``conv2d(x, w)``, its input gradient ``conv_transpose2d(g, w)`` and its weight gradient
``conv2d_weight(x, g)``; each one's backward rule is written with the other two::

    y = conv(x, w):        dJ/dx = convT(G, w),         dJ/dw = weight_grad(x, G)
    <v, convT(g, w)>       = <conv(v, w), g>
    <v, weight_grad(x, g)> = <conv(x, v), g>

The numpy fast path of each rule uses the kernels of autograd.conv_kernels (unfold + one
matrix multiply, the math is there), the create_graph path the differentiable ops. The
shapes, padding and argument checks are autograd.conv_geometry's.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .conv_geometry import (
    ConvGeometry,
    IntPair,
    check_conv,
    conv_args,
    conv_geometry,
    pad_hw,
    pair,
)
from .conv_kernels import bias_grad, conv_forward, conv_input_grad, conv_weight_grad
from .record import as_tensor
from .tensor import Tensor, make_node


# ----------------------------------------------------------------- the three ops
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
    check_conv(np.empty((n, cg * groups, 1, 1)), wt.data, groups, op)
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
