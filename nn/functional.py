"""Functional forms (PyTorch's ``torch.nn.functional``): layers as plain functions, and losses.

``conv2d``, ``max_pool2d``, ``avg_pool2d`` and ``dropout`` are the engine's own (from
``autograd``); ``linear`` and the activations are one-liners on Tensor methods; the losses
live in :mod:`nn.losses`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor, avg_pool2d, conv2d, conv_transpose2d, dropout, max_pool2d, where

from .losses import (
    accuracy,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    zero_one_loss,
)

__all__ = [
    "linear",
    "conv2d",
    "conv_transpose2d",
    "max_pool2d",
    "avg_pool2d",
    "dropout",
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "gelu",
    "softplus",
    "elu",
    "embedding",
    "mse_loss",
    "l1_loss",
    "hinge_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "nll_loss",
    "accuracy",
    "zero_one_loss",
]


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b, with W of shape (out, in) as in ``nn.Linear``.

    >>> import numpy as np
    >>> linear(Tensor([[1.0, 2.0]]), Tensor([[1.0, 1.0], [0.0, 1.0]]), Tensor([0.5, 0.0])).data
    array([[3.5, 2. ]], dtype=float32)
    """
    out = x @ weight.T
    return out if bias is None else out + bias


def relu(x: Tensor) -> Tensor:
    """max(0, x) elementwise."""
    return x.relu()


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x."""
    return x.leaky_relu(negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x) elementwise (stable)."""
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    """tanh(x) elementwise."""
    return x.tanh()


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along ``dim`` (stable)."""
    return x.softmax(dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """x - logsumexp(x) along ``dim`` (stable)."""
    return x.log_softmax(dim)


_GELU_APPROXIMATE = ("none", "tanh")


def check_gelu_approximate(approximate: str) -> str:
    """``approximate`` if GELU knows it (``"none"`` or ``"tanh"``), else ValueError."""
    if approximate not in _GELU_APPROXIMATE:
        raise ValueError(
            f"gelu: approximate must be one of {_GELU_APPROXIMATE}, got {approximate!r}"
        )
    return approximate


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """GELU(x) = x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2; d/dx = Phi(x) + x phi(x).

    ``approximate="tanh"``: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). Both are
    built from Tensor ops (``erf``, ``tanh``), so higher derivatives work too.

    >>> np.round(gelu(Tensor([-1.0, 0.0, 1.0], dtype='float64')).data, 4).tolist()
    [-0.1587, 0.0, 0.8413]
    """
    check_gelu_approximate(approximate)
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)
        return x * 0.5 * (inner.tanh() + 1.0)
    return x * 0.5 * ((x * (1.0 / math.sqrt(2.0))).erf() + 1.0)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, computed as (max(bx, 0) + log(1 + e^-|bx|)) / beta (no
    overflow); x itself where beta x > threshold (PyTorch's rule). d/dx = sigmoid(beta x).

    >>> np.round(softplus(Tensor([-1e4, 0.0, 1e4], dtype='float64')).data, 4).tolist()
    [0.0, 0.6931, 10000.0]
    """
    bx = x * beta
    smooth = (bx.relu() + ((-abs(bx)).exp() + 1.0).log()) * (1.0 / beta)
    return where(bx.data > threshold, x, smooth)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x where x > 0, else alpha (e^x - 1); the exponential only sees min(x, 0) (no overflow).

    >>> np.round(elu(Tensor([-1.0, 2.0], dtype='float64')).data, 4).tolist()
    [-0.6321, 2.0]
    """
    negative = ((x.clip(None, 0.0)).exp() - 1.0) * alpha
    return where(x.data > 0, x, negative)


def embedding(indices: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``indices`` of any shape.

    Output shape ``indices.shape + (dim,)``; the gradient of row i sums the upstream rows
    that looked it up (none for ``padding_idx``).

    >>> embedding([2, 0], Tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])).data.tolist()
    [[4.0, 5.0], [0.0, 1.0]]
    """
    idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype}")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(
            f"embedding: indices must be in [0, {n}), got min {idx.min()} and max {idx.max()}"
        )
    out = weight[idx]
    if padding_idx is None:
        return out
    # same values; the padding row's lookups pass no gradient back to the table
    return where((idx != padding_idx)[..., None], out, out.detach())
