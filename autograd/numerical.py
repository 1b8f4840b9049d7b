"""Numerical gradients and ``gradcheck``: the finite differences of lecture 002.

Works on any node type with a ``data`` attribute that is a Python float (``Value``) or a
numpy array (``Tensor``): each scalar entry of each input is nudged by ``h`` while the
function is re-evaluated with recording off.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .grad_mode import no_grad

_METHODS = ("central", "forward")


class GradcheckError(AssertionError):
    """Raised by :func:`gradcheck` when analytic and numerical gradients disagree."""


def _scalar(out: Any) -> float:
    """The float value of a function's output (a Value, a one-element Tensor or a number)."""
    if hasattr(out, "shape") and tuple(out.shape) not in ((), (1,)):
        raise ValueError(
            f"gradient checks need a scalar output, got shape {tuple(out.shape)}; "
            "reduce it first, e.g. with .sum()"
        )
    if hasattr(out, "item"):
        return float(out.item())
    return float(out)


def _checked_inputs(f: Any, inputs: Any, h: Any, where: str) -> list[Any]:
    """The inputs as a list, after checking ``f``, ``inputs`` and ``h`` (clear TypeErrors).

    A single Value or Tensor is accepted as one input, as ``torch.autograd.gradcheck`` does.
    """
    if not callable(f):
        raise TypeError(
            f"{where}: f must be a callable mapping the inputs to a scalar, got "
            f"{type(f).__name__} {f!r}"
        )
    if isinstance(h, bool) or not isinstance(h, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: h must be a positive float, got {type(h).__name__} {h!r}")
    if not h > 0:
        raise ValueError(f"{where}: h must be positive, got {h!r}")
    if _is_node(inputs):
        return [inputs]
    if isinstance(inputs, (str, bytes)) or not hasattr(inputs, "__iter__"):
        raise TypeError(
            f"{where}: inputs must be a sequence of Values or Tensors, got {type(inputs).__name__}"
        )
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not _is_node(x):
            raise TypeError(
                f"{where}: inputs[{i}] must be a Value or Tensor, got {type(x).__name__} {x!r}"
            )
    return inputs


def _is_node(x: Any) -> bool:
    # Duck-typed, as the module promises: any node kind with ``data`` works.
    return hasattr(x, "data")


def _entries(x: Any) -> Any:
    """Yield (getter, setter) pairs over the scalar entries of an input's data."""
    if isinstance(x.data, np.ndarray):
        arr = x.data
        for index in np.ndindex(arr.shape):
            yield (lambda i=index: float(arr[i])), (lambda v, i=index: arr.__setitem__(i, v))
    else:
        yield (lambda: x.data), (lambda v: setattr(x, "data", float(v)))


def numerical_grad(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    h: float = 1e-6,
    method: str = "central",
) -> list[Any]:
    """Estimate ``d f(*inputs) / d input`` for every input by finite differences.

    Parameters
    ----------
    f : callable
        Maps the inputs to a scalar (a ``Value``, a one-element ``Tensor`` or a number).
    inputs : sequence of Value or Tensor, or a single one
        Points of evaluation; their data is nudged in place and restored afterwards, also
        when ``f`` raises.
    h : float
        Step size.
    method : {"central", "forward"}
        ``"central"``: (f(x+h) - f(x-h)) / 2h, error O(h^2). ``"forward"``: the one-sided
        (f(x+h) - f(x)) / h of lecture 002, error O(h).

    Returns
    -------
    list
        One gradient per input: a float for a ``Value``, an array of the input's shape
        (float64) for a ``Tensor``.

    Examples
    --------
    >>> from autograd import Value
    >>> x = Value(3.0)
    >>> round(numerical_grad(lambda x: x * x, [x])[0], 6)
    6.0
    """
    if method not in _METHODS:
        raise ValueError(f"numerical_grad: method must be one of {_METHODS}, got {method!r}")
    inputs = _checked_inputs(f, inputs, h, "numerical_grad")
    grads: list[Any] = []
    with no_grad():
        base = _scalar(f(*inputs)) if method == "forward" else 0.0
        for x in inputs:
            estimates = []
            for get, set_ in _entries(x):
                original = get()
                try:
                    set_(original + h)
                    plus = _scalar(f(*inputs))
                    if method == "central":
                        set_(original - h)
                        minus = _scalar(f(*inputs))
                        estimates.append((plus - minus) / (2 * h))
                    else:
                        estimates.append((plus - base) / h)
                finally:
                    set_(original)  # the input is never left nudged, even when f raises
            if isinstance(x.data, np.ndarray):
                grads.append(np.array(estimates, dtype=np.float64).reshape(x.data.shape))
            else:
                grads.append(estimates[0])
    return grads


def _name(x: Any, i: int) -> str:
    label = getattr(x, "label", "")
    return f"input {i} ({label!r})" if label else f"input {i}"


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    h: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> bool:
    """Compare backprop gradients with central differences; raise on any mismatch.

    The inputs' ``grad`` is reset before the backward pass. Use float64 tensors: float32
    cannot resolve a step of ``h``. ``inputs`` is a sequence of Values/Tensors or a single
    one; the inputs' data is restored after each nudge, also when ``f`` raises.

    Returns
    -------
    bool
        ``True`` when every input matches within ``atol + rtol * |numerical|``.

    Raises
    ------
    GradcheckError
        Naming every mismatching input with both gradients.

    Examples
    --------
    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> gradcheck(lambda a, b: (a * b).tanh() + a.exp(), [a, b])
    True
    """
    inputs = _checked_inputs(f, inputs, h, "gradcheck")
    _require_float64(inputs, "gradcheck")
    for x in inputs:
        x.grad = None if isinstance(x.data, np.ndarray) else 0.0
    out = f(*inputs)
    _scalar(out)
    out.backward()
    numerical = numerical_grad(f, inputs, h=h, method="central")
    return _compare(inputs, [x.grad for x in inputs], numerical, atol, rtol, "gradcheck")


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    h: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    seed: int = 0,
) -> bool:
    """Check second derivatives: backprop through the backward pass against central
    differences of the analytic gradient (``torch.autograd.gradgradcheck``).

    With random (seeded) weights ``v`` for the output and ``u`` for the inputs, the scalar
    ``F(x) = <u, grad(f(x), x, v, create_graph=True)>`` is built from the recorded backward
    pass; its gradient, by backprop, is the vector-Hessian product ``u^T H_v``, compared
    with finite differences of ``F``. Inputs are Values or float64 Tensors.

    Returns
    -------
    bool
        ``True`` when every input matches within ``atol + rtol * |numerical|``.

    Raises
    ------
    GradcheckError
        Naming every mismatching input with both second-derivative products.

    Examples
    --------
    >>> from autograd import Value
    >>> gradgradcheck(lambda x, y: (x * y).sin() + x ** 3, [Value(0.5), Value(-1.2)])
    True
    """
    from .derivatives import grad
    from .grad_mode import set_grad_enabled

    inputs = list(inputs)
    rng = np.random.default_rng(seed)
    _require_float64(inputs, "gradgradcheck")
    with set_grad_enabled(True):
        out = f(*inputs)
    if isinstance(out.data, np.ndarray):
        v: Any = rng.standard_normal(out.data.shape)
    else:
        v = float(rng.standard_normal())
    us = [rng.standard_normal(np.shape(x.data)) if isinstance(x.data, np.ndarray)
          else float(rng.standard_normal()) for x in inputs]

    def F(*xs: Any) -> Any:  # noqa: N802 (the math's name)
        with set_grad_enabled(True):
            gs = grad(f(*xs), xs, v, create_graph=True, allow_unused=True)
            total: Any = 0.0
            for g, u in zip(gs, us):
                if g is not None:
                    total = total + ((g * u).sum() if isinstance(u, np.ndarray) else g * u)
            return total

    value = F(*inputs)
    if getattr(value, "requires_grad", False) and getattr(value, "parents", ()):
        analytic = list(grad(value, inputs, allow_unused=True))
    else:  # the gradient does not depend on the inputs: all second derivatives are 0
        analytic = [None] * len(inputs)
    numerical = numerical_grad(lambda *xs: _float(F(*xs)), inputs, h=h, method="central")
    return _compare(inputs, analytic, numerical, atol, rtol, "gradgradcheck")


def _require_float64(inputs: Sequence[Any], where: str) -> None:
    """Finite differences with a step of ``h`` need float64: refuse other Tensor dtypes."""
    for x in inputs:
        if isinstance(x.data, np.ndarray) and x.data.dtype != np.float64:
            raise TypeError(
                f"{where}: inputs must be float64 (finite differences are too coarse in "
                f"{x.data.dtype}); got {x.data.dtype}"
            )


def _compare(inputs: Sequence[Any], analytic: Sequence[Any], numerical: Sequence[Any],
             atol: float, rtol: float, where: str) -> bool:
    """True when every analytic derivative (None = 0) matches its central difference within
    ``atol + rtol * |numerical|``; otherwise a GradcheckError naming every mismatch."""
    problems = []
    for i, (x, a, num) in enumerate(zip(inputs, analytic, numerical)):
        a = np.zeros_like(num) if a is None else np.asarray(a, dtype=np.float64)
        if np.shape(a) != np.shape(num):
            problems.append(
                f"{_name(x, i)}: gradient shape {np.shape(a)} != input shape {np.shape(num)}"
            )
        elif not np.allclose(a, num, atol=atol, rtol=rtol, equal_nan=True):
            problems.append(f"{_name(x, i)}: analytic {a!r} vs numerical {num!r}")
    if problems:
        raise GradcheckError(f"{where} failed:\n  " + "\n  ".join(problems))
    return True


def _float(x: Any) -> float:
    return float(x.item()) if hasattr(x, "item") else float(x)
