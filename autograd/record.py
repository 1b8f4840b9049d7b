"""The helpers every Tensor op module shares.

An op module (``elementwise``, ``reductions``, ``shapes``, ``linalg``, ``conv``...) computes
its result with numpy and records it with :func:`autograd.tensor.make_node` (Tensor's node
constructor, beside the class: the only code that fills a new node's fields) or the shortcuts
here (:func:`unary_node`, :func:`view_node`); the helpers turn operands into Tensors and
normalise axis arguments the same way for every op, so error messages read alike.

``Tensor`` is imported at the bottom of this module: ``tensor.py`` needs these helpers and
these helpers need the class (the import order is arranged so either module can load first).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np

from .versions import share

Rule = Callable[..., tuple]
Operand = Union["Tensor", float, int, np.ndarray, Sequence]
Axis = Union[int, Sequence[int], None]

#: Default dtype of Tensors built from lists, numbers and integer arrays.
DEFAULT_DTYPE = np.dtype(np.float32)



def is_value(x: object) -> bool:
    """True for a scalar ``Value`` (checked by duck type: no import cycle with value.py)."""
    return type(x).__name__ == "Value" and hasattr(x, "local")


def unary_node(x: Tensor, data: np.ndarray, op: str, rule: Rule) -> Tensor:
    """:func:`make_node` for a one-parent op."""
    return make_node(data, op, (x,), rule)


def view_node(x: Tensor, data: np.ndarray, op: str, rule: Rule) -> Tensor:
    """:func:`unary_node` for an op whose result may share ``x``'s memory (reshape,
    transpose, slices...): it then shares ``x``'s version counter too."""
    return share(make_node(data, op, (x,), rule), x)


def as_tensor(x: Any, like: Tensor | None, op: str) -> Tensor:
    """Turn an operand into a Tensor; Python numbers take the other operand's dtype."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, numbers.Number) and not isinstance(x, bool):
        if like is not None:
            kind = like.data.dtype.kind
            dtype = like.data.dtype if kind == "f" else np.result_type(like.data.dtype, x)
            if isinstance(x, complex):
                raise TypeError(f"{op}: complex numbers are not supported")
            return leaf(np.asarray(x, dtype=dtype))
        return leaf(np.asarray(x, dtype=DEFAULT_DTYPE))
    if is_value(x):
        shape = like.shape if like is not None else "?"
        raise TypeError(
            f"{op}: cannot combine a Tensor of shape {shape} with a scalar Value; "
            f"use Tensor(value.data) or value.data"
        )
    if isinstance(x, (np.ndarray, list, tuple, bool, np.bool_)):
        return Tensor(x)
    raise TypeError(f"{op}: unsupported operand type {type(x).__name__}")


def as_pair(a: Any, b: Any, op: str) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as Tensors (a number takes the Tensor's dtype)."""
    if isinstance(a, Tensor):
        return a, b if isinstance(b, Tensor) else as_tensor(b, a, op)
    b = as_tensor(b, None, op)
    return as_tensor(a, b, op), b


def broadcast_error(op: str, a: Tensor, b: Tensor) -> ValueError:
    """The error for operands whose shapes do not broadcast (names both shapes)."""
    return ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together")


def apply_binary(op: str, fn: Callable, a: Tensor, b: Tensor) -> np.ndarray:
    """``fn(a.data, b.data)`` with a clear error when the shapes do not broadcast."""
    try:
        return fn(a._data, b._data)
    except ValueError:
        raise broadcast_error(op, a, b) from None


def quiet_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b without divide-by-zero warnings (IEEE inf/nan results)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return a / b


def shape_arg(shape: tuple) -> tuple[int, ...]:
    """Accept f(2, 3) and f((2, 3))."""
    if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
        return tuple(int(n) for n in shape[0])
    return tuple(int(n) for n in shape)


def normalize_axis(axis: Any, ndim: int, op: str) -> int:
    """One axis as a non-negative int, with a clear error when out of range."""
    if type(axis) is not int and not isinstance(axis, numbers.Integral):
        raise TypeError(f"{op}: axis must be an int, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor with {ndim} axes")
    return int(axis) % ndim


def normalize_axes(axis: Axis, ndim: int, op: str) -> tuple[int, ...] | None:
    """Normalise ``axis`` (None, int or tuple) to sorted non-negative ints."""
    if axis is None:
        return None
    if type(axis) is int or isinstance(axis, numbers.Integral):  # (int first: no ABC check)
        if not ndim:
            return _no_axes(axis, op)
        return (normalize_axis(axis, ndim, op),)
    axes = tuple(sorted(normalize_axis(a, ndim, op) for a in axis))
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: repeated axis in {tuple(axis)}")
    return axes


def _no_axes(axis: Any, op: str) -> tuple:
    if axis in (0, -1):
        return ()
    raise ValueError(f"{op}: axis {axis} is out of range for a 0-d tensor")


def restore_reduced_axes(g: Any, shape: tuple, axes: tuple | None, keepdims: bool) -> Any:
    """Give a reduced gradient (array or Tensor) back its reduced axes as size 1, ready to
    broadcast against the input of ``shape``."""
    if keepdims:
        return g
    if axes is None:
        return g.reshape((1,) * len(shape))
    return g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape))) if axes else g


def drop_axes(x: np.ndarray, axes: tuple | None) -> np.ndarray:
    """Remove keepdims axes."""
    if axes is None:
        return x.reshape(())
    return x.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))


def torch_axis_names(
    op: str, axis: Any, keepdims: Any, dim: Any = None, keepdim: Any = None
) -> tuple[Any, bool]:
    """Accept PyTorch's ``dim=``/``keepdim=`` next to numpy's ``axis=``/``keepdims=``."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: give axis= (numpy) or dim= (PyTorch), not both")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    return axis, bool(keepdims)


# Tensor and its node constructors (``leaf``, ``make_node``: the only code that fills a node's
# fields) live in tensor.py, where the op modules import them from.
from .tensor import Tensor, leaf, make_node  # noqa: E402  (the cycle: tensor.py imports the helpers above)
