"""Layers: Linear, Conv2d, pooling, Flatten, activations, Dropout.

Shapes, defaults and parameter names are PyTorch's (``Linear.weight`` is out x in,
``Conv2d.weight`` is out x in x kh x kw), and so is the default initialisation:
U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases (see :mod:`nn.init`).
Every layer with randomness takes ``seed`` (an int or a numpy Generator); without one it
draws from the stream set by ``nn.manual_seed``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor
from autograd.conv_geometry import pair

from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = [
    "Linear",
    "Conv2d",
    "ConvTranspose2d",
    "MaxPool2d",
    "AvgPool2d",
    "Flatten",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "LogSoftmax",
    "Dropout",
    "Identity",
    "GELU",
    "Softplus",
    "ELU",
    "Embedding",
]


def _positive_int(value: Any, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {value!r}")
    return int(value)


def _check_dtype(x: Tensor, weight: Parameter, where: str) -> None:
    if x.data.dtype != weight.data.dtype:
        want = str(weight.data.dtype)
        model = (f" or the model (model.to({str(x.data.dtype)!r}))"
                 if x.data.dtype.kind == "f" else "")  # a model's weights stay floating
        raise TypeError(
            f"{where}: input dtype {x.data.dtype} != weight dtype {want}; convert the input "
            f"(Tensor(x, dtype={want!r})){model}"
        )


class Linear(Module):
    """y = x W^T + b, for inputs of shape (..., in_features).

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
    seed : int or numpy.random.Generator, optional
    dtype : dtype-like
        float32 (default) or float64.

    Attributes
    ----------
    weight : Parameter, shape (out_features, in_features)
    bias : Parameter, shape (out_features,) or None
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        seed: init.Seed = None,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        self.in_features = _positive_int(in_features, "in_features", "Linear")
        self.out_features = _positive_int(out_features, "out_features", "Linear")
        rng = init.rng(seed)
        bound = init.default_bound(self.in_features)
        self.weight = Parameter(
            init.uniform((self.out_features, self.in_features), bound, rng, dtype), label="weight"
        )
        self.bias = (
            Parameter(init.uniform((self.out_features,), bound, rng, dtype), label="bias")
            if bias
            else None
        )

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.weight.dtype)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features} -> {self.out_features}): expected input of shape "
                f"(..., {self.in_features}), got {x.shape}"
            )
        _check_dtype(x, self.weight, "Linear")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Conv2d(Module):
    """2-D convolution (cross-correlation) over NCHW inputs, PyTorch's semantics.

    Output size per spatial axis: floor((n + 2 p - d (k - 1) - 1) / s) + 1 (lecture 000's
    floor((n - k + 2p + s) / s) when d = 1). A 3-D (C, H, W) input is one unbatched sample.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    stride : int or (int, int)
    padding : int, (int, int), "valid" or "same"
    dilation : int or (int, int)
    groups : int
        Both channel counts must be divisible by it; ``groups=in_channels`` is depthwise.
    bias : bool
    seed : int or numpy.random.Generator, optional
    dtype : dtype-like

    Attributes
    ----------
    weight : Parameter, shape (out_channels, in_channels / groups, kh, kw)
    bias : Parameter, shape (out_channels,) or None
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        seed: init.Seed = None,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        where = type(self).__name__
        self.in_channels = _positive_int(in_channels, "in_channels", where)
        self.out_channels = _positive_int(out_channels, "out_channels", where)
        self.kernel_size = pair(kernel_size, "kernel_size", where, 1)
        self.stride = pair(stride, "stride", where, 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{where}: padding must be an int, a pair, 'same' or 'valid', "
                                 f"got {padding!r}")  # fmt: skip
            if padding == "same" and self.stride != (1, 1) and where == "Conv2d":
                raise ValueError(f"{where}: padding='same' needs stride 1, got {self.stride}")
            self.padding: tuple[int, int] | str = padding
        else:
            self.padding = pair(padding, "padding", where, 0)
        self.dilation = pair(dilation, "dilation", where, 1)
        self.groups = _positive_int(groups, "groups", where)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"{where}: in_channels ({self.in_channels}) and out_channels "
                f"({self.out_channels}) must both be divisible by groups ({self.groups})"
            )
        shape = self._weight_shape()
        rng = init.rng(seed)
        bound = init.default_bound(init.fan_in(shape))
        self.weight = Parameter(init.uniform(shape, bound, rng, dtype), label="weight")
        self.bias = (
            Parameter(init.uniform((self.out_channels,), bound, rng, dtype), label="bias")
            if bias
            else None
        )

    def _weight_shape(self) -> tuple[int, ...]:
        return (self.out_channels, self.in_channels // self.groups, *self.kernel_size)

    def _check_input(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.weight.dtype)
        if x.ndim not in (3, 4) or x.shape[-3] != self.in_channels:
            raise ValueError(
                f"{type(self).__name__}({self.in_channels} -> {self.out_channels}): expected "
                f"input of shape (N, {self.in_channels}, H, W), got {x.shape} (a 3-D "
                f"({self.in_channels}, H, W) input is one unbatched sample)"
            )
        _check_dtype(x, self.weight, type(self).__name__)
        return x

    def forward(self, x: Tensor) -> Tensor:
        x = self._check_input(x)
        return F.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding,
                        dilation=self.dilation, groups=self.groups)  # fmt: skip

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0, 0):
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else \
                f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class ConvTranspose2d(Conv2d):
    """Transposed 2-D convolution (the input gradient of a Conv2d), PyTorch's semantics.

    Output size per axis: (n - 1) s - 2 p + d (k - 1) + output_padding + 1.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    stride, padding, dilation : int or (int, int)
    output_padding : int or (int, int)
        Extra rows/columns at the bottom/right (smaller than the stride or the dilation).
    groups : int
    bias : bool
    seed : int or numpy.random.Generator, optional
    dtype : dtype-like

    Attributes
    ----------
    weight : Parameter, shape (in_channels, out_channels / groups, kh, kw)
    bias : Parameter, shape (out_channels,) or None
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        output_padding: int | tuple[int, int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple[int, int] = 1,
        seed: init.Seed = None,
        dtype: Any = np.float32,
    ) -> None:
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a pair, got {padding!r}")
        self.output_padding = pair(output_padding, "output_padding", "ConvTranspose2d", 0)
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, seed, dtype)  # fmt: skip

    def _weight_shape(self) -> tuple[int, ...]:
        return (self.in_channels, self.out_channels // self.groups, *self.kernel_size)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv_transpose2d(
            self._check_input(x), self.weight, self.bias, stride=self.stride,
            padding=self.padding, output_padding=self.output_padding, groups=self.groups,
            dilation=self.dilation,
        )  # fmt: skip

    def extra_repr(self) -> str:
        text = super().extra_repr()
        if self.output_padding != (0, 0):
            text += f", output_padding={self.output_padding}"
        return text


class MaxPool2d(Module):
    """Max over each kernel window (stride defaults to the kernel size), as PyTorch's.

    With ``return_indices=True`` the call returns ``(output, indices)``: each window's
    argmax as ``row * W + column`` in its input plane.
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = pair(kernel_size, "kernel_size", "MaxPool2d", 1)
        self.stride = (self.kernel_size if stride is None
                       else pair(stride, "stride", "MaxPool2d", 1))
        self.padding = pair(padding, "padding", "MaxPool2d", 0)
        self.dilation = pair(dilation, "dilation", "MaxPool2d", 1)
        self.return_indices = bool(return_indices)
        self.ceil_mode = bool(ceil_mode)

    def forward(self, x: Tensor) -> Any:
        _check_pool_input(x, "MaxPool2d")
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)  # fmt: skip

    def extra_repr(self) -> str:
        text = f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        return text + (", ceil_mode=True" if self.ceil_mode else "")


class AvgPool2d(Module):
    """Mean over each kernel window (stride defaults to the kernel size), as PyTorch's."""

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = pair(kernel_size, "kernel_size", "AvgPool2d", 1)
        self.stride = (self.kernel_size if stride is None
                       else pair(stride, "stride", "AvgPool2d", 1))
        self.padding = pair(padding, "padding", "AvgPool2d", 0)
        self.ceil_mode = bool(ceil_mode)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x: Tensor) -> Tensor:
        _check_pool_input(x, "AvgPool2d")
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)  # fmt: skip

    def extra_repr(self) -> str:
        text = f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        text += ", ceil_mode=True" if self.ceil_mode else ""
        return text + ("" if self.count_include_pad else ", count_include_pad=False")


def _check_pool_input(x: Any, where: str) -> None:
    if getattr(x, "ndim", None) not in (3, 4):
        raise ValueError(
            f"{where}: expected input of shape (N, C, H, W), got "
            f"{getattr(x, 'shape', type(x).__name__)} (or one unbatched (C, H, W) sample)"
        )


class Flatten(Module):
    """Merge every axis from ``start_dim`` on: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1) -> None:
        super().__init__()
        self.start_dim = int(start_dim)

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}"


class ReLU(Module):
    """max(0, x) elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        return x.leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """1 / (1 + e^-x) elementwise (stable)."""

    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Tanh(Module):
    """tanh(x) elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Softmax(Module):
    """exp(x_i) / sum_j exp(x_j) along ``dim`` (stable)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = int(dim)

    def forward(self, x: Tensor) -> Tensor:
        return x.softmax(self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log softmax along ``dim`` (stable)."""

    def forward(self, x: Tensor) -> Tensor:
        return x.log_softmax(self.dim)


class GELU(Module):
    """x * Phi(x), Phi the standard normal CDF (``approximate="tanh"``: PyTorch's tanh form)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = F.check_gelu_approximate(approximate)

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return "" if self.approximate == "none" else f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = float(beta)
        self.threshold = float(threshold)
        if self.beta == 0:
            raise ValueError("Softplus: beta must be non-zero")

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Embedding(Module):
    """A lookup table: row ``i`` of ``weight`` is the vector of token/class ``i``.

    ``Embedding(n, d)(idx)`` equals ``one_hot(idx, n) @ weight`` (the one-hot lecture cell)
    without building the one-hot matrix; the gradient adds ``g`` into the rows looked up.

    Parameters
    ----------
    num_embeddings, embedding_dim : int
    padding_idx : int, optional
        This row starts at zero and receives no gradient (PyTorch's padding token).
    seed : int or numpy.random.Generator, optional
    dtype : dtype-like

    Attributes
    ----------
    weight : Parameter, shape (num_embeddings, embedding_dim), initialised N(0, 1)

    Examples
    --------
    >>> import nn
    >>> emb = nn.Embedding(5, 3, seed=0)
    >>> emb([[0, 4], [4, 4]]).shape
    (2, 2, 3)
    """

    _wrap_inputs = False  # indices stay integers

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        seed: init.Seed = None,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        self.num_embeddings = _positive_int(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = _positive_int(embedding_dim, "embedding_dim", "Embedding")
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx must be in [-{self.num_embeddings}, "
                    f"{self.num_embeddings}), got {padding_idx}"
                )
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx = padding_idx
        w = init.rng(seed).standard_normal((self.num_embeddings, self.embedding_dim))
        if padding_idx is not None:
            w[padding_idx] = 0.0
        self.weight = Parameter(w.astype(dtype), label="weight")

    def forward(self, indices: Any) -> Tensor:
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else text + f", padding_idx={self.padding_idx}"


class Identity(Module):
    """Returns its input."""

    def forward(self, x: Any) -> Any:
        return x


class Dropout(Module):
    """Zero each element with probability ``p`` in training, scaling the rest by 1/(1-p).

    The identity in ``eval()`` mode. The mask comes from ``seed`` (or the global stream).
    """

    _rng: np.random.Generator

    def __init__(self, p: float = 0.5, seed: init.Seed = None) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = float(p)
        object.__setattr__(self, "_rng", init.rng(seed))

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, training=self.training, rng=self._rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"
