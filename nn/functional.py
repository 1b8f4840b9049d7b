"""Functional forms (PyTorch's ``torch.nn.functional``): layers as plain functions, and losses.

``conv2d``, ``max_pool2d``, ``avg_pool2d`` and ``dropout`` are the engine's own (from
``autograd``); ``linear`` and the activations are one-liners on Tensor methods; the losses
live in :mod:`nn.losses`.
"""

from __future__ import annotations

from autograd import Tensor, avg_pool2d, conv2d, conv_transpose2d, dropout, max_pool2d

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

