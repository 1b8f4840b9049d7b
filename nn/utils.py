"""``nn.utils``: gradient clipping (PyTorch's ``clip_grad_norm_`` and ``clip_grad_value_``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters: Any, where: str) -> list[Any]:
    if hasattr(parameters, "data") and hasattr(parameters, "grad"):
        parameters = [parameters]
    params = list(parameters)
    for i, p in enumerate(params):
        if not (hasattr(p, "data") and hasattr(p, "grad")):
            raise TypeError(f"{where}: parameters[{i}] is a {type(p).__name__}, expected a "
                            f"Tensor, Parameter or Value")
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(
    parameters: Iterable[Any] | Any,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    total = ||(||g_1||, ||g_2||, ...)||_p (the p-norm of all gradient entries at once; max
    |g| for p = inf); every gradient is multiplied by min(1, max_norm / (total + 1e-6)).

    Parameters
    ----------
    parameters : Tensor/Parameter/Value or an iterable of them
        Those without a gradient are skipped.
    max_norm : float
    norm_type : float
        p (``float("inf")`` for the max norm).
    error_if_nonfinite : bool
        Raise when the total norm is nan or inf (otherwise the gradients become nan).

    Returns
    -------
    Tensor
        The total norm before clipping (0-d).

    Examples
    --------
    >>> w = Tensor([0.0, 0.0], dtype="float64", requires_grad=True)
    >>> w.grad = np.array([3.0, 4.0])
    >>> round(clip_grad_norm_([w], max_norm=1.0).item(), 4), np.round(w.grad, 4).tolist()
    (5.0, [0.6, 0.8])
    """
    params = _with_grads(parameters, "clip_grad_norm_")
    p_norm = float(norm_type)
    if not p_norm > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0, got {norm_type}")
    if not params:
        return Tensor(0.0)
    grads = [np.asarray(p.grad, dtype=np.float64) for p in params]
    if math.isinf(p_norm):
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        per = [float(np.sum(np.abs(g) ** p_norm)) ** (1.0 / p_norm) for g in grads]
        total = float(np.sum(np.asarray(per) ** p_norm)) ** (1.0 / p_norm)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{total}; set error_if_nonfinite=False to clip anyway"
        )
    coef = min(float(max_norm) / (total + 1e-6), 1.0)
    for p in params:
        if isinstance(p.grad, np.ndarray):
            p.grad = (p.grad * coef).astype(p.grad.dtype, copy=False)
        else:
            p.grad = float(p.grad) * coef
    dtype = params[0].grad.dtype if isinstance(params[0].grad, np.ndarray) else np.float64
    return Tensor(np.asarray(total, dtype=dtype))


def clip_grad_value_(parameters: Iterable[Any] | Any, clip_value: float) -> None:
    """Clamp every gradient entry into [-clip_value, clip_value], in place."""
    c = float(clip_value)
    if not c >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for p in _with_grads(parameters, "clip_grad_value_"):
        if isinstance(p.grad, np.ndarray):
            np.clip(p.grad, -c, c, out=p.grad)
        else:
            p.grad = min(max(float(p.grad), -c), c)
