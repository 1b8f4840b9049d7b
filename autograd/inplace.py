"""In-place operators on Tensor: ``t += x``, ``-=``, ``*=``, ``/=`` and PyTorch's ``add_``,
``sub_``, ``mul_``, ``div_``, ``zero_``, ``fill_``, ``copy_``.

Three cases, as in PyTorch:

* Nothing to record (inside ``no_grad()``, or no operand requires grad): the array is
  updated in place, so every tensor sharing the memory sees it, and the storage's version
  counter is bumped (:mod:`autograd.versions`). This is the manual SGD step
  ``with no_grad(): for p in model.parameters(): p -= lr * p.grad``.
* A leaf that requires grad, outside ``no_grad()``: refused with PyTorch's error (its
  ``.grad`` would belong to values it no longer holds); so is a view of one (``w[0] += 1``).
* Otherwise (an interior tensor, or a constant updated from a tensor that requires grad):
  recorded. The tensor keeps its identity and its memory and becomes the node
  ``op(old, x)``, where ``old`` is a snapshot of its previous values and of its place in the
  graph. Ops recorded earlier with the tensor as an input see its counter moved and refuse
  to run backward, so no gradient is ever computed from the new values. A view of another
  tensor (a slice, a reshape) in a recorded graph is refused instead: the tensor it views
  would not learn of the change.

The result keeps the tensor's shape and dtype: an operand that would broadcast it to a
larger shape, or a result numpy cannot cast back (``int_tensor /= 2``), is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import elementwise
from .generic import unbroadcast, zeros_like
from .grad_mode import is_grad_enabled
from .record import as_tensor, is_value
from .tensor import Tensor, make_node
from .versions import bump

_new = object.__new__
_SLOTS = tuple(s for s in Tensor.__slots__ if s != "__weakref__")


def update(t: Tensor, other: Any, symbol: str, name: str) -> Tensor:
    """``t <symbol>= other`` in place (``symbol`` one of ``+ - * / **``); returns ``t``."""
    ufunc, recorded = _OPS[symbol]
    value = _operand(other, t, name)
    _check_target(t, value, name, symbol)
    if not _recording(t, other):
        _write(t, lambda arr: ufunc(arr, value, out=arr, casting="same_kind"), value, name,
               symbol)
        return t
    _refuse_leaf(t, name)
    return _become(t, recorded(t, other), name, symbol)


def fill(t: Tensor, value: Any, name: str) -> Tensor:
    """Every element set to the number ``value`` (``fill_``, ``zero_``)."""
    if isinstance(value, Tensor):
        if value.size != 1:
            raise ValueError(f"{name}: expected a number, got a tensor of shape {value.shape}")
        value = value.item()
    number = _operand(value, t, name)
    if number.ndim:
        raise ValueError(f"{name}: expected a number, got an array of shape {number.shape}")
    _check_target(t, number, name, "=")
    if not _recording(t, None):
        _write(t, lambda arr: np.copyto(arr, number, casting="same_kind"), number, name, "=")
        return t
    _refuse_leaf(t, name)
    data = np.full(t.shape, number, dtype=t.dtype)
    # out = c: d(out)/d(old) = 0
    node = make_node(data, "fill", (t,), lambda g, needs, inputs, out: (zeros_like(g),))
    return _become(t, node, name, "=")


def copy(t: Tensor, src: Any, name: str = "copy_") -> Tensor:
    """``t``'s elements replaced by ``src`` (broadcast to ``t``'s shape, cast to its dtype)."""
    value = _operand(src, t, name)
    _check_target(t, value, name, "=")
    if not _recording(t, src):
        _write(t, lambda arr: np.copyto(arr, value, casting="unsafe"), value, name, "=")
        return t
    _refuse_leaf(t, name)
    source = src if isinstance(src, Tensor) else as_tensor(src, t, name)
    shape = source.shape
    data = np.broadcast_to(source.data, t.shape).astype(t.dtype)

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        # out = src (broadcast): d/d(old) = 0, d/d(src) = 1 summed over the copies
        return (zeros_like(g), unbroadcast(g, shape))

    return _become(t, make_node(data, "copy", (t, source), rule), name, "=")


# ------------------------------------------------------------------------- helpers
_OPS: dict[str, tuple[np.ufunc, Callable[[Any, Any], Tensor]]] = {
    "+": (np.add, elementwise.add),
    "-": (np.subtract, elementwise.sub),
    "*": (np.multiply, elementwise.mul),
    "/": (np.true_divide, elementwise.div),
    "**": (np.power, elementwise.power),
}


def _operand(other: Any, t: Tensor, name: str) -> np.ndarray:
    """The operand's values as an array (a Tensor's own array, not a copy)."""
    if isinstance(other, Tensor):
        return other._data
    if other is None or is_value(other) or isinstance(other, (str, bytes, complex)):
        raise TypeError(
            f"{name}: expected a Tensor, an array or a number, got {type(other).__name__}"
        )
    value = np.asarray(other)
    if value.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected real numbers, got an array of dtype {value.dtype}")
    if value.ndim == 0 and value.dtype.kind == "f" and t.dtype.kind == "f":
        value = value.astype(t.dtype)  # a Python float takes the tensor's precision
    return value


def _check_target(t: Tensor, value: np.ndarray, name: str, symbol: str) -> None:
    """The result must fit the tensor: its shape, its dtype, writable memory."""
    if isinstance(t._data, np.generic):  # numpy gives 0-d results as immutable scalars
        t._data = np.array(t._data)  # nothing else can see a scalar's memory
    arr = t._data
    try:
        shape = np.broadcast_shapes(arr.shape, value.shape)
    except ValueError:
        shape = None
    if shape != arr.shape:
        raise ValueError(
            f"{name}: an operand of shape {value.shape} cannot update a tensor of shape "
            f"{arr.shape} in place (the result must keep the tensor's shape); write "
            f"t = t {symbol} x for a new tensor"
        )
    if symbol == "/" and arr.dtype.kind != "f":
        raise TypeError(
            f"{name}: true division of a tensor of dtype {arr.dtype} gives floats, which "
            f"cannot be written into it in place; convert it first (Tensor(t, dtype='float32'))"
        )
    if not arr.flags.writeable:
        raise ValueError(
            f"{name}: this tensor of shape {arr.shape} is a read-only broadcast view "
            f"(expand/broadcast_to), whose elements share memory; copy it first"
        )


def _write(t: Tensor, fn: Callable[[np.ndarray], Any], value: np.ndarray, name: str,
           symbol: str) -> None:
    try:
        fn(t._data)
    except TypeError:  # numpy's casting error: the result's dtype does not fit
        result = np.result_type(t._data, value)
        raise TypeError(
            f"{name}: the result has dtype {result}, which cannot be written into a tensor "
            f"of dtype {t.dtype} in place; write t = t {symbol} x for a new tensor"
        ) from None
    bump(t)


def _recording(t: Tensor, other: Any) -> bool:
    return is_grad_enabled() and (
        t.requires_grad or (isinstance(other, Tensor) and other.requires_grad)
    )


def _is_view(t: Tensor) -> bool:
    """Made by a view op (reshape, transpose, slice...) from a tensor it shares memory with."""
    return len(t.parents) == 1 and t.parents[0]._vc is t._vc


def _refuse_leaf(t: Tensor, name: str) -> None:
    if t.requires_grad and not t.parents:
        raise RuntimeError(
            f"a leaf Variable that requires grad is being used in an in-place operation "
            f"({name} on {_describe(t)}). Update weights inside `with no_grad():`, as an "
            f"optimizer step does, or write `w = w + x` for a new tensor"
        )
    if _is_view(t):
        base = t.parents[0]
        while _is_view(base):
            base = base.parents[0]
        if base.requires_grad and not base.parents:
            raise RuntimeError(
                f"a view of a leaf Variable that requires grad is being used in an in-place "
                f"operation ({name} on a view of {_describe(base)}). Do it inside "
                f"`with no_grad():`"
            )
        raise RuntimeError(
            f"{name}: {_describe(t)} is a view of another tensor in a recorded graph (it "
            f"shares that tensor's memory), and an in-place change of a view cannot be "
            f"recorded here; write `y = y + x` for a new tensor"
        )


def _become(t: Tensor, node: Tensor, name: str, symbol: str) -> Tensor:
    """Turn ``t`` into ``node`` (recorded with ``t`` as an input) in place: a snapshot
    ``old`` of ``t`` takes its previous values and place in the graph."""
    old = _new(Tensor)
    for slot in _SLOTS:
        if hasattr(t, slot):  # op_args is set by conv and pooling only
            setattr(old, slot, getattr(t, slot))
    old._data = t._data.copy()  # the previous values, for rules that read them
    old._vc = [0]  # nothing else can write to the snapshot
    old.grad = None
    old._retain = False
    old._saved_versions = t._saved_versions[: len(t.parents)]  # its own version is 0 again
    node.parents = tuple(old if p is t else p for p in node.parents)
    node._saved_versions = tuple([p._vc[0] for p in node.parents])
    _write(t, lambda arr: np.copyto(arr, node._data, casting="same_kind"), node._data, name,
           symbol)
    t.requires_grad = True
    t.op, t.parents, t._rule = node.op, node.parents, node._rule
    if hasattr(t, "op_args"):  # a conv's arguments stay with the snapshot of its output
        del t.op_args
    t._saved_versions = (*node._saved_versions, t._vc[0])  # its own version: see shares()
    return t


def _describe(t: Tensor) -> str:
    name = f"{t.label!r} " if t.label else ""
    return f"tensor {name}of shape {t.shape}"
