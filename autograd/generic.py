"""Math for backward rules that runs on numpy arrays *and* on Tensors.

A backward rule is written once (``ENGINE_CONVENTION``): normally it receives arrays and is
the fast numpy path; with ``create_graph=True`` it receives Tensors, and the same formula
builds the recorded (differentiable) backward graph. Operators and the methods arrays and
Tensors share (``reshape``, ``sum``, ``T``...) already dispatch by type; the functions here
fill the gaps: each one calls numpy for an ndarray and the differentiable Tensor op for a
Tensor.

>>> import numpy as np
>>> from autograd import Tensor
>>> exp(np.zeros(2))
array([1., 1.])
>>> exp(Tensor([0.0, 0.0], requires_grad=True)).op
'exp'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import broadcast
from .tensor import Tensor, leaf


def data_of(x: Any) -> np.ndarray:
    """The array behind ``x`` (for constants a rule may compute: masks, signs, positions)."""
    return x.data if isinstance(x, Tensor) else x


def exp(x: Any) -> Any:
    """e**x."""
    return elementwise.exp(x) if isinstance(x, Tensor) else np.exp(x)


def log(x: Any) -> Any:
    """Natural log (``-inf`` at 0, ``nan`` below, without warnings)."""
    if isinstance(x, Tensor):
        return elementwise.log(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


def sin(x: Any) -> Any:
    """sin x."""
    return elementwise.sin(x) if isinstance(x, Tensor) else np.sin(x)


def cos(x: Any) -> Any:
    """cos x."""
    return elementwise.cos(x) if isinstance(x, Tensor) else np.cos(x)


def sign(x: Any) -> np.ndarray:
    """sign(x) as a constant array (its derivative is 0 almost everywhere); 0 at NaN, as
    PyTorch's ``sgn`` (so |x|'(nan) = 0 in both engines)."""
    s = np.sign(data_of(x))
    return np.nan_to_num(s, nan=0.0) if s.dtype.kind == "f" else s


def divide(a: Any, b: Any) -> Any:
    """a / b without divide-by-zero warnings."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return elementwise.div(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return a / b


def where(condition: Any, a: Any, b: Any) -> Any:
    """``a`` where ``condition`` else ``b``; ``condition`` is a constant mask."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return elementwise.where(data_of(condition), a, b)
    return np.where(condition, a, b)


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` back to ``shape`` (undo numpy broadcasting; see :mod:`autograd.broadcast`)."""
    if type(g) is np.ndarray and g.shape == shape:  # nothing was broadcast (most operands)
        return g
    if not isinstance(g, Tensor):
        return broadcast.unbroadcast(g, shape)
    if g.shape == tuple(shape):
        return g
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and g.shape[extra + i] != 1
    )
    return (g.sum(axis=axes) if axes else g).reshape(tuple(shape))


#: Below this many bytes :func:`broadcast_to` copies into a new array: numpy's read-only
#: broadcast view costs 3-5 us to build, more than filling a few thousand numbers.
SMALL_BROADCAST_BYTES = 1 << 14


def broadcast_to(x: Any, shape: Sequence[int]) -> Any:
    """x repeated along broadcast axes to ``shape`` (a read-only view, or for a small result
    a new array: the same values either way)."""
    if isinstance(x, Tensor):
        return shapes.broadcast_to(x, shape)
    shape = tuple(shape)
    if not hasattr(x, "dtype"):  # a Python number
        x = np.asarray(x)
    if math.prod(shape) * x.dtype.itemsize < SMALL_BROADCAST_BYTES:
        out = np.empty(shape, x.dtype)
        out[...] = x  # (numpy's broadcasting rules: a shape that does not fit raises)
        return out
    return np.broadcast_to(x, shape)


def expand_dims(x: Any, axis: int | tuple[int, ...]) -> Any:
    """Insert size-1 axes at ``axis``."""
    if not isinstance(x, Tensor):
        return np.expand_dims(x, axis)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    shape = list(x.shape)
    nd = len(shape) + len(axes)
    for a in sorted(ax % nd for ax in axes):
        shape.insert(a, 1)
    return shapes.reshape(x, tuple(shape))


def swapaxes(x: Any, a: int, b: int) -> Any:
    """Exchange two axes (``swapaxes(m, -1, -2)``: the batched matrix transpose)."""
    if isinstance(x, Tensor):
        return shapes.transpose(x, a, b)
    return np.swapaxes(x, a, b)


def zeros_like(x: Any) -> Any:
    """Zeros of ``x``'s shape and dtype (a constant Tensor for a Tensor)."""
    if isinstance(x, Tensor):
        return leaf(np.zeros(x.shape, x.dtype))
    return np.zeros_like(x)


def scatter(g: Any, index: Any, shape: tuple[int, ...]) -> Any:
    """Zeros of ``shape`` with ``g`` added at ``index`` (repeated indices accumulate): the
    backward of ``x[index]``."""
    if isinstance(g, Tensor):
        return shapes.index_scatter(g, index, shape)
    return shapes.scatter_array(g, index, shape)


# The op modules import this one for their rules, so they are bound after its functions.
from . import elementwise, shapes  # noqa: E402
