"""Gradients as values: ``grad`` (like ``torch.autograd.grad``), ``jacobian``, ``hessian``
and ``hvp`` (like ``torch.autograd.functional``).

``backward()`` stores d(output)/d(leaf) in every leaf's ``.grad``; :func:`grad` returns
the gradients with respect to the inputs you name and touches no ``.grad``. With
``create_graph=True`` the returned gradients are themselves graph nodes (Values or
Tensors), so they can be differentiated again: second derivatives, Hessians,
Hessian-vector products, gradient penalties.

>>> from autograd import Value
>>> x = Value(3.0)
>>> (dx,) = grad(x ** 3, x, create_graph=True)     # 3 x**2
>>> (dxx,) = grad(dx, x)                           # 6 x
>>> dx.data, dxx
(27.0, 18.0)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np

from .engine import backpropagate, no_grad_error
from .grad_mode import set_grad_enabled
from .shapes import stack
from .tensor import Tensor, leaf
from .value import Value


def _as_tuple(x: Any, name: str) -> tuple:
    items = tuple(x) if isinstance(x, (list, tuple)) else (x,)
    for i, item in enumerate(items):
        if not isinstance(item, (Value, Tensor)):
            raise TypeError(
                f"grad: {name}[{i}] must be a Value or a Tensor, got {type(item).__name__}"
            )
    return items


def _seed(output: Any, grad_output: Any, create_graph: bool) -> Any:
    """dJ/d(output): 1 (ones) for a scalar output, else the given ``grad_output``."""
    if isinstance(output, Value):
        if grad_output is None:
            return Value(1.0, requires_grad=False) if create_graph else 1.0
        if isinstance(grad_output, Value):
            return grad_output if create_graph else grad_output.data
        return float(grad_output)
    seed = output.seed_gradient(grad_output, "grad")
    if create_graph and not isinstance(seed, Tensor):
        seed = leaf(seed)
    return seed


def _zero_like(x: Any, create_graph: bool) -> Any:
    if isinstance(x, Value):
        return Value(0.0, requires_grad=False) if create_graph else 0.0
    zeros = np.zeros_like(x.data)
    return leaf(zeros) if create_graph else zeros


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, as ``torch.autograd.grad``.

    Parameters
    ----------
    outputs : Value or Tensor, or a sequence of them
        The differentiated results. Several outputs add up: sum_k grad_outputs[k] .
        d outputs[k] / d input.
    inputs : Value or Tensor, or a sequence of them
        Graph nodes (usually leaves) to differentiate with respect to.
    grad_outputs : optional
        dJ/d(output) per output: omit for one-element outputs (seeded with 1); required
        (an array or Tensor of the output's shape) otherwise.
    retain_graph : bool, optional
        Accepted for PyTorch compatibility; graphs are never freed by a backward pass
        here, so it has no effect.
    create_graph : bool
        Record the backward pass, so that the returned gradients can be differentiated
        again (Values/Tensors instead of floats/arrays).
    allow_unused : bool
        Return ``None`` for an input the outputs do not depend on, instead of raising.

    Returns
    -------
    tuple
        One gradient per input, of the type ``.grad`` holds: a float (Value) or an
        ndarray (Tensor); with ``create_graph=True`` a Value or Tensor. No ``.grad``
        field is changed.

    Examples
    --------
    >>> from autograd import Tensor
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> (g,) = grad((w * w).sum(), w)
    >>> g, w.grad is None
    (array([2., 4.], dtype=float32), True)
    """
    del retain_graph  # graphs stay alive as long as they are referenced
    outs = _as_tuple(outputs, "outputs")
    ins = _as_tuple(inputs, "inputs")
    if grad_outputs is None:
        seeds_in: tuple = (None,) * len(outs)
    else:
        seeds_in = tuple(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else (
            grad_outputs,
        )
        if len(seeds_in) != len(outs):
            raise ValueError(
                f"grad: got {len(seeds_in)} grad_outputs for {len(outs)} outputs"
            )
    wanted = set(map(id, ins))
    totals: dict[int, Any] = {}
    with set_grad_enabled(True) if create_graph else contextlib.nullcontext():
        for out, gout in zip(outs, seeds_in):
            if not out.requires_grad:
                raise no_grad_error("grad", out)
            seed = _seed(out, gout, create_graph)
            found = backpropagate(
                out, seed, create_graph=create_graph, keep=lambda n: id(n) in wanted
            )
            for node, g in found.items():
                prev = totals.get(id(node))
                totals[id(node)] = g if prev is None else prev + g
    result = []
    for i, x in enumerate(ins):
        g = totals.get(id(x))
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: inputs[{i}] is not part of the graph of the outputs (pass "
                    "allow_unused=True to get None for it)"
                )
        elif isinstance(x, Tensor) and not create_graph:
            g = np.array(g, dtype=x.data.dtype)  # a fresh array, never a shared one
        result.append(g)
    return tuple(result)


def _tensor_inputs(inputs: Any, fn: str) -> tuple[tuple[Tensor, ...], bool]:
    single = not isinstance(inputs, (list, tuple))
    xs = (inputs,) if single else tuple(inputs)
    out = []
    for i, x in enumerate(xs):
        if not isinstance(x, Tensor):
            raise TypeError(f"{fn}: inputs[{i}] must be a Tensor, got {type(x).__name__}")
        out.append(Tensor(x.data, requires_grad=True))  # fresh leaves: .grad untouched
    return tuple(out), single


def jacobian(
    func: Callable[..., Any], inputs: Any, create_graph: bool = False
) -> Any:
    """The Jacobian of ``func`` at ``inputs``, with PyTorch's shapes.

    For one input of shape ``I`` and one output of shape ``O`` the result has shape
    ``O + I`` (entry ``[o, i]`` = d out[o] / d x[i]); for a tuple of inputs, a tuple with one
    such array per input; for a tuple of outputs, a tuple over the outputs.

    >>> from autograd import Tensor
    >>> jacobian(lambda x: x * x, Tensor([1.0, 2.0], dtype="float64"))
    array([[2., 0.],
           [0., 4.]])
    """
    xs, single_in = _tensor_inputs(inputs, "jacobian")
    with set_grad_enabled(True):
        outputs = func(*xs)
    single_out = not isinstance(outputs, (list, tuple))
    outs = (outputs,) if single_out else tuple(outputs)
    table = []
    for out in outs:
        if not isinstance(out, Tensor):
            raise TypeError(f"jacobian: func must return Tensors, got {type(out).__name__}")
        rows: list[list[Any]] = [[] for _ in xs]
        for k in range(out.data.size):
            onehot = np.zeros(out.data.size, out.data.dtype)
            onehot[k] = 1
            if out.requires_grad:
                gs = grad(out, xs, onehot.reshape(out.shape), create_graph=create_graph,
                          allow_unused=True)
            else:
                gs = (None,) * len(xs)
            for j, (x, g) in enumerate(zip(xs, gs)):
                rows[j].append(_zero_like(x, create_graph) if g is None else g)
        per_input = []
        for x, row in zip(xs, rows):
            shape = out.shape + x.shape
            if create_graph:
                per_input.append(stack(row).reshape(shape) if row else leaf(np.zeros(shape)))
            else:
                per_input.append(np.stack(row).reshape(shape) if row else np.zeros(shape))
        table.append(per_input[0] if single_in else tuple(per_input))
    return table[0] if single_out else tuple(table)


def hessian(func: Callable[..., Any], inputs: Any) -> Any:
    """The Hessian of a scalar-valued ``func`` at ``inputs`` (PyTorch's shapes).

    For one input of shape ``I`` the result has shape ``I + I``; for a tuple of inputs, a
    tuple of tuples (block ``[i][j]`` = d2 f / dx_i dx_j).

    >>> import numpy as np
    >>> from autograd import Tensor
    >>> W = np.array([[1.0, 2.0], [0.0, 1.0]])
    >>> hessian(lambda x: ((Tensor(W) @ x) ** 2).sum(), Tensor([0.5, -1.0], dtype="float64"))
    array([[ 2.,  4.],
           [ 4., 10.]])
    """
    xs, single_in = _tensor_inputs(inputs, "hessian")

    def gradient(*ys: Tensor) -> tuple:
        out = func(*ys)
        _check_scalar(out, "hessian")
        return grad(out, ys, create_graph=True, allow_unused=True)

    with set_grad_enabled(True):
        gs = gradient(*xs)
    blocks = []
    for gi, xi in zip(gs, xs):
        row = []
        for xj in xs:
            if gi is None or not gi.requires_grad:
                row.append(np.zeros(xi.shape + xj.shape))
                continue
            flat = gi.reshape(-1)
            cols = []
            for k in range(flat.data.size):
                (h,) = grad(flat[k], xj, allow_unused=True)
                cols.append(np.zeros(xj.shape, xj.data.dtype) if h is None else h)
            row.append(np.stack(cols).reshape(xi.shape + xj.shape))
        blocks.append(tuple(row))
    return blocks[0][0] if single_in else tuple(blocks)


def hvp(func: Callable[..., Any], inputs: Any, v: Any) -> tuple[Any, Any]:
    """The Hessian of a scalar ``func`` at ``inputs`` times ``v``, without forming it.

    Two backward passes: g = grad f (recorded), then grad of <g, v>, which is H v because
    the Hessian is symmetric. Returns ``(func(inputs), H v)`` as
    ``torch.autograd.functional.hvp`` does (arrays; tuples for a tuple of inputs).

    >>> import numpy as np
    >>> from autograd import Tensor
    >>> W = np.array([[1.0, 2.0], [0.0, 1.0]])
    >>> f = lambda x: ((Tensor(W) @ x) ** 2).sum()      # Hessian 2 W^T W
    >>> value, hv = hvp(f, Tensor([0.5, -1.0], dtype="float64"), np.array([1.0, 0.0]))
    >>> hv
    array([2., 4.])
    """
    xs, single_in = _tensor_inputs(inputs, "hvp")
    vs = (v,) if single_in else tuple(v)
    if len(vs) != len(xs):
        raise ValueError(f"hvp: got {len(vs)} vectors v for {len(xs)} inputs")
    vs = tuple(np.asarray(getattr(vi, "data", vi), dtype=x.data.dtype) for vi, x in zip(vs, xs))
    for i, (vi, x) in enumerate(zip(vs, xs)):
        if vi.shape != x.shape:
            raise ValueError(f"hvp: v[{i}] has shape {vi.shape}, input has shape {x.shape}")
    with set_grad_enabled(True):
        out = func(*xs)
        _check_scalar(out, "hvp")
        gs = grad(out, xs, create_graph=True, allow_unused=True)
        terms = [(g * vi).sum() for g, vi in zip(gs, vs) if g is not None and g.requires_grad]
    if terms:
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        hv = grad(total, xs, allow_unused=True)
    else:
        hv = (None,) * len(xs)
    hv = tuple(np.zeros(x.shape, x.data.dtype) if h is None else h for h, x in zip(hv, xs))
    value = out.data.copy()
    return value, (hv[0] if single_in else hv)


def _check_scalar(out: Any, fn: str) -> None:
    if not isinstance(out, Tensor) or out.data.size != 1:
        shape = getattr(out, "shape", type(out).__name__)
        raise ValueError(f"{fn}: func must return a one-element Tensor, got {shape}")


__all__ = ["grad", "hessian", "hvp", "jacobian"]
