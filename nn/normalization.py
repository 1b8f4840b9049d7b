"""Batch normalisation (Ioffe & Szegedy 2015): ``BatchNorm1d`` and ``BatchNorm2d``, PyTorch's rules.

In training, each channel c is normalised with the statistics of the current batch::

    y = (x - mean_c) / sqrt(var_c + eps) * weight_c + bias_c     # var_c biased (divide by n)

and the running statistics are updated with ``momentum`` (the unbiased var_c, n / (n - 1)
times the biased one, as PyTorch does)::

    running_mean = (1 - momentum) * running_mean + momentum * mean_c
    running_var  = (1 - momentum) * running_var  + momentum * var_c * n / (n - 1)

``momentum=None`` gives the cumulative average (factor 1 / num_batches_tracked). In
``eval()`` the running statistics replace the batch ones. The running statistics are
buffers named ``running_mean``, ``running_var`` and ``num_batches_tracked``, so a
``state_dict`` loads into ``torch.nn.BatchNorm2d`` and back.

In training the normalisation is one graph node with the classic backward
(xhat = (x - mean) / sqrt(var + eps), n values per channel)::

    dJ/dbias   = sum g                 dJ/dweight = sum g xhat
    dJ/dx      = weight / (n sqrt(var + eps)) (n g - sum g - xhat sum g xhat)

written once for arrays and for Tensors, so second derivatives (``create_graph=True``)
work; in ``eval()`` it is x * scale + shift built from Tensor ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor, buffers, custom_op
from autograd.versions import bump

from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _BatchNorm(Module):
    _ndims: tuple[int, ...] = ()
    _shape_text = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        where = type(self).__name__
        if isinstance(num_features, bool) or not isinstance(num_features, (int, np.integer)) \
                or num_features < 1:
            raise ValueError(f"{where}: num_features must be a positive int, got {num_features!r}")
        if not float(eps) > 0:
            raise ValueError(f"{where}: eps must be > 0, got {eps!r}")
        if momentum is not None and not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"{where}: momentum must be in [0, 1] or None, got {momentum!r}")
        self.num_features = int(num_features)
        self.eps = float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        c = self.num_features
        if self.affine:
            self.weight = Parameter(np.ones(c, dtype=dtype), label="weight")
            self.bias = Parameter(np.zeros(c, dtype=dtype), label="bias")
        else:
            self.weight = None
            self.bias = None
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(c, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(c, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            for buf, value in ((self.running_mean, 0), (self.running_var, 1),
                               (self.num_batches_tracked, 0)):
                buf.data[...] = value
                bump(buf)

    def _check_input(self, x: Tensor) -> None:
        where = type(self).__name__
        if x.ndim not in self._ndims or x.shape[1] != self.num_features:
            raise ValueError(
                f"{where}({self.num_features}): expected input of shape "
                f"{self._shape_text.format(c=self.num_features)}, got {x.shape}"
            )
        if x.data.dtype.kind != "f":
            raise TypeError(f"{where}: input must be floating point, got dtype {x.data.dtype}")
        if self.affine and x.data.dtype != self.weight.data.dtype:
            raise TypeError(
                f"{where}: input dtype {x.data.dtype} != weight dtype {self.weight.data.dtype}; "
                f"convert the input or the model (model.to({str(x.data.dtype)!r}))"
            )

    def forward(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.weight.dtype if self.affine else None)
        self._check_input(x)
        axes = (0,) + tuple(range(2, x.ndim))  # every axis but the channel axis
        bshape = (1, self.num_features) + (1,) * (x.ndim - 2)
        use_batch = self.training or not self.track_running_stats
        if use_batch:
            n = x.data.size // self.num_features
            if n <= 1:
                raise ValueError(
                    f"{type(self).__name__}: expected more than 1 value per channel when "
                    f"training, got input of shape {x.shape}"
                )
            out, mean, var = batch_norm_train(x, self.weight, self.bias, axes, self.eps)
            if self.training and self.track_running_stats:
                self._update_running(mean.reshape(-1), var.reshape(-1), n)
            return out
        else:
            mean_c = self.running_mean.data.reshape(bshape).astype(x.data.dtype)
            inv = (1.0 / np.sqrt(self.running_var.data + self.eps)).reshape(bshape)
            xhat = (x - Tensor(mean_c)) * Tensor(inv.astype(x.data.dtype))
        if not self.affine:
            return xhat
        return xhat * self.weight.reshape(bshape) + self.bias.reshape(bshape)

    def _update_running(self, mean: np.ndarray, var: np.ndarray, n: int) -> None:
        self.num_batches_tracked.data = np.asarray(self.num_batches_tracked.data + 1)
        if self.momentum is None:  # cumulative moving average
            factor = 1.0 / float(self.num_batches_tracked.data)
        else:
            factor = self.momentum
        rm, rv = self.running_mean, self.running_var
        unbiased = var * (n / (n - 1))
        rm.data = ((1 - factor) * rm.data + factor * mean).astype(rm.data.dtype)
        rv.data = ((1 - factor) * rv.data + factor * unbiased).astype(rv.data.dtype)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L) inputs, per channel C.

    Parameters
    ----------
    num_features : int
        C.
    eps : float
        Added to the variance before the square root.
    momentum : float or None
        Weight of the new batch in the running statistics; None: cumulative average.
    affine : bool
        Learn ``weight`` (init 1) and ``bias`` (init 0).
    track_running_stats : bool
        Keep running statistics (used in ``eval()``); without, batch statistics always.
    dtype : dtype-like

    Examples
    --------
    >>> import nn
    >>> bn = nn.BatchNorm1d(2, dtype="float64")
    >>> y = bn(np.array([[1.0, 10.0], [3.0, 30.0]]))
    >>> np.round(y.data, 3).tolist(), np.round(bn.running_mean.data, 3).tolist()
    ([[-1.0, -1.0], [1.0, 1.0]], [0.2, 2.0])
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    _ndims = (2, 3)
    _shape_text = "(N, {c}) or (N, {c}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over NCHW inputs, per channel C (statistics over N, H, W).

    Parameters as :class:`BatchNorm1d`.
    """

    _ndims = (4,)
    _shape_text = "(N, {c}, H, W)"


def channel_sum(a: np.ndarray) -> np.ndarray:
    """Sum over every axis but the channel axis 1: shape (C,)."""
    return a.sum(axis=(0, *range(2, a.ndim)))


def channel_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """sum(a * b) over every axis but the channel axis 1, without an (N, C, ...) temporary:
    one small dot product per (sample, channel) row, then a sum over the samples."""
    n, c = a.shape[:2]
    if a.ndim == 2:
        return np.einsum("nc,nc->c", a, b)
    rows = np.matmul(a.reshape(n, c, 1, -1), b.reshape(n, c, -1, 1))
    return rows.reshape(n, c).sum(axis=0)


def batch_norm_train(
    x: Tensor, weight: Tensor | None, bias: Tensor | None, axes: tuple[int, ...], eps: float
) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """Normalise ``x`` with its own statistics over ``axes`` (channel axis 1), one node.

    Forward, per channel: mean, centred = x - mean, var = mean(centred^2) (two passes, as
    accurate as numpy's var), then y = centred * (w / sqrt(var + eps)) + b.

    Backward, with xhat = centred * inv and inv = 1 / sqrt(var + eps):

        dJ/db = sum(g)     dJ/dw = sum(g * xhat) = inv * sum(g * centred)
        dJ/dx = (w inv / n) (n g - sum(g) - xhat dJ/dw) = A g + B centred + C

    with per-channel A = w inv, B = -w inv^3 sum(g * centred) / n, C = -w inv sum(g) / n:
    three passes over the input's size instead of one per term. The recorded
    (create_graph) path writes the same derivative with differentiable ops.

    Returns the output and the batch mean and (biased) variance, shape (1, C, 1, ...).
    """
    a = x.data
    c = a.shape[1]
    bshape = (1, c) + (1,) * (a.ndim - 2)
    n = a.size // c
    mean = (channel_sum(a) / n).astype(a.dtype, copy=False)
    centred = np.subtract(a, mean.reshape(bshape), out=buffers.empty(a.shape, a.dtype))
    var = (channel_dot(centred, centred) / n).astype(a.dtype, copy=False)
    invstd = 1.0 / np.sqrt(var + a.dtype.type(eps))
    affine = weight is not None
    scale = invstd * weight.data if affine else invstd
    out = np.multiply(centred, scale.reshape(bshape), out=buffers.empty(a.shape, a.dtype))
    if affine:
        out += bias.data.reshape(bshape)
    parents = (x, weight, bias) if affine else (x,)

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        w = inputs[1] if affine else None
        if isinstance(g, np.ndarray):  # the forward pass's statistics, numpy kernels
            g_sum = channel_sum(g)
            gc = channel_dot(g, centred)  # sum(g * centred)
            gw = gc * invstd
            gx = None
            if needs[0]:
                wv = 1.0 if w is None else (w.data if isinstance(w, Tensor) else w)
                gx = np.multiply(g, (wv * invstd).reshape(bshape),
                                 out=buffers.empty(g.shape, g.dtype))  # fmt: skip
                term = np.multiply(centred, (-wv * invstd**3 * gc / n).reshape(bshape),
                                   out=buffers.empty(g.shape, g.dtype))  # fmt: skip
                gx += term
                gx += (-wv * invstd * g_sum / n).reshape(bshape)
        else:  # recorded: the same derivative as differentiable functions of x
            xin = inputs[0]
            cen = xin - xin.mean(axis=axes, keepdims=True)
            inv = ((cen * cen).mean(axis=axes, keepdims=True) + eps) ** -0.5
            xh = cen * inv
            g_sum = g.sum(axis=axes, keepdims=True)
            gw = (g * xh).sum(axis=axes, keepdims=True)
            wb = w.reshape(bshape) if w is not None else 1.0
            gx = (wb * inv * (1.0 / n)) * (g * n - g_sum - xh * gw) if needs[0] else None
        if not affine:
            return (gx,)
        return (gx, gw.reshape((c,)) if needs[1] else None,
                g_sum.reshape((c,)) if needs[2] else None)

    node = custom_op(out, "batch_norm", parents, rule)
    return node, mean.reshape(bshape), var.reshape(bshape)
