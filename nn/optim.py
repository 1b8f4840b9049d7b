"""Optimizers: SGD (with momentum, weight decay, dampening, Nesterov) and Adam.

Both follow PyTorch's update rules exactly, so a model trained here and the same model
trained in PyTorch from the same weights stay equal step for step (up to float rounding).
They work on any parameters with ``data`` and ``grad``: ``Tensor``/``nn.Parameter``
(numpy arrays, updated in place) and scalar ``Value`` (Python floats) alike.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["Optimizer", "SGD", "Adam"]


def _is_array_param(p: Any) -> bool:
    return isinstance(p.data, np.ndarray)


class Optimizer(ABC):
    """Base class: holds the parameter list, ``zero_grad()`` and per-parameter state.

    A subclass defines its update rule in ``_update_array`` and ``_update_scalar``.

    Parameters
    ----------
    params : iterable of Value or Tensor
        Usually ``model.parameters()``.
    """

    def __init__(self, params: Iterable[Any]) -> None:
        if hasattr(params, "data") and hasattr(params, "grad"):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of parameters, got a single "
                f"{type(params).__name__}; wrap it in a list"
            )
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for i, p in enumerate(self.params):
            if not (hasattr(p, "data") and hasattr(p, "grad")):
                raise TypeError(
                    f"{type(self).__name__}: params[{i}] is a {type(p).__name__}, expected a "
                    f"Value, Tensor or Parameter"
                )
        ids = [id(p) for p in self.params]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{type(self).__name__}: some parameters appear more than once")
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``None`` for Tensors (as PyTorch), ``0.0`` for Values."""
        for p in self.params:
            if _is_array_param(p):
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = np.zeros_like(p.data)
            else:
                p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its gradient (parameters without one are skipped)."""
        for p, state in zip(self.params, self.state, strict=True):
            g = p.grad
            if g is None:
                continue
            if _is_array_param(p):
                g = np.asarray(g)
                if g.shape != p.data.shape:
                    raise ValueError(
                        f"{type(self).__name__}.step: gradient of shape {g.shape} for a "
                        f"parameter of shape {p.data.shape}"
                    )
                self._update_array(p, g, state)
            else:
                p.data = self._update_scalar(float(p.data), float(g), state)

    @abstractmethod
    def _update_array(self, p: Any, g: np.ndarray, state: dict[str, Any]) -> None:
        """Update the array parameter ``p`` in place from its gradient ``g`` (the rule)."""

    @abstractmethod
    def _update_scalar(self, x: float, g: float, state: dict[str, Any]) -> float:
        """The same rule for a scalar ``Value`` parameter: return the new value of ``x``."""

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v}" for k, v in self.defaults().items())
        return f"{type(self).__name__}({len(self.params)} parameters, {options})"

    def defaults(self) -> dict[str, Any]:
        """The hyper-parameters, for repr and logging."""
        return {}


def _check_nonneg(name: str, value: float, where: str) -> float:
    value = float(value)
    if not value >= 0.0:
        raise ValueError(f"{where}: {name} must be >= 0, got {value}")
    return value


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's rule.

    With ``g`` the gradient, per step::

        g = g + weight_decay * p                        # L2 penalty
        buf = g (first step), else momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf     # (only when momentum != 0)
        p = p - lr * g

    Parameters
    ----------
    params : iterable of Value or Tensor
    lr : float
        Learning rate eta.
    momentum, weight_decay, dampening : float
    nesterov : bool

    Examples
    --------
    >>> from autograd import Value
    >>> w = Value(1.0)
    >>> opt = SGD([w], lr=0.1)
    >>> loss = (w * w); loss.backward(); opt.step()
    >>> w.data   # 1 - 0.1 * 2
    0.8
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params)
        self.lr = _check_nonneg("lr", lr, "SGD")
        self.momentum = _check_nonneg("momentum", momentum, "SGD")
        self.weight_decay = _check_nonneg("weight_decay", weight_decay, "SGD")
        self.dampening = float(dampening)
        self.nesterov = bool(nesterov)
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")

    def defaults(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "weight_decay": self.weight_decay,
            "dampening": self.dampening,
            "nesterov": self.nesterov,
        }

    def _update_array(self, p: Any, g: np.ndarray, state: dict[str, Any]) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if self.momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(g, dtype=p.data.dtype, copy=True)
            else:
                buf *= self.momentum  # buf = momentum * buf + (1 - dampening) * g, in place
                buf += (1.0 - self.dampening) * g if self.dampening else g
            g = g + self.momentum * buf if self.nesterov else buf
        p.data -= self.lr * g

    def _update_scalar(self, x: float, g: float, state: dict[str, Any]) -> float:
        if self.weight_decay:
            g = g + self.weight_decay * x
        if self.momentum:
            buf = state.get("momentum_buffer")
            buf = g if buf is None else self.momentum * buf + (1.0 - self.dampening) * g
            state["momentum_buffer"] = buf
            g = g + self.momentum * buf if self.nesterov else buf
        return x - self.lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba), PyTorch's rule.

    Per step ``t = 1, 2, ...``::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g             # first moment
        v = beta2 * v + (1 - beta2) * g^2           # second moment
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    Parameters
    ----------
    params : iterable of Value or Tensor
    lr : float
    betas : (float, float)
    eps : float
    weight_decay : float
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params)
        self.lr = _check_nonneg("lr", lr, "Adam")
        b1, b2 = (float(b) for b in betas)
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"Adam: betas must be in [0, 1), got {betas}")
        self.betas = (b1, b2)
        self.eps = _check_nonneg("eps", eps, "Adam")
        self.weight_decay = _check_nonneg("weight_decay", weight_decay, "Adam")

    def defaults(self) -> dict[str, Any]:
        return {"lr": self.lr, "betas": self.betas, "eps": self.eps,
                "weight_decay": self.weight_decay}

    def _update_array(self, p: Any, g: np.ndarray, state: dict[str, Any]) -> None:
        b1, b2 = self.betas
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if not state:
            state["step"] = 0
            state["m"] = np.zeros_like(p.data)
            state["v"] = np.zeros_like(p.data)
        state["step"] += 1
        t, m, v = state["step"], state["m"], state["v"]
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * (g * g)
        step_size = self.lr / (1.0 - b1**t)
        denom = np.sqrt(v) / math.sqrt(1.0 - b2**t) + self.eps
        p.data -= step_size * (m / denom)

    def _update_scalar(self, x: float, g: float, state: dict[str, Any]) -> float:
        b1, b2 = self.betas
        if self.weight_decay:
            g = g + self.weight_decay * x
        t = state.get("step", 0) + 1
        m = b1 * state.get("m", 0.0) + (1.0 - b1) * g
        v = b2 * state.get("v", 0.0) + (1.0 - b2) * g * g
        state.update(step=t, m=m, v=v)
        denom = math.sqrt(v) / math.sqrt(1.0 - b2**t) + self.eps
        return x - self.lr / (1.0 - b1**t) * m / denom
