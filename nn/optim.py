"""Optimizers: SGD, Adam (AMSGrad), AdamW, RMSprop and Adagrad, with PyTorch's rules.

Each follows PyTorch's update rule exactly, so a model trained here and the same model
trained in PyTorch from the same weights stay equal step for step (up to float rounding).
They work on any parameters with ``data`` and ``grad``: ``Tensor``/``nn.Parameter``
(numpy arrays, updated in place) and scalar ``Value`` (Python floats) alike.

As in PyTorch, the parameters can be split into groups with their own hyper-parameters
(``SGD([{"params": body}, {"params": head, "lr": 0.1}], lr=0.01)``); ``param_groups`` is
the list of those dicts (a scheduler changes ``group["lr"]``), ``state[p]`` the per-parameter
buffers (PyTorch's names: ``momentum_buffer``, ``exp_avg``, ``exp_avg_sq``...), and
``state_dict()``/``load_state_dict()`` save and restore both, so training can resume.
"""

from __future__ import annotations

import copy
import math
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]


def _is_array_param(p: Any) -> bool:
    return isinstance(p.data, np.ndarray)


#: Group entries that learning-rate schedulers add (as PyTorch's do).
_SCHEDULER_KEYS = {"initial_lr", "max_lr", "min_lr", "base_momentum", "max_momentum"}


class _Scalar:
    """A 0-d float64 stand-in for a scalar ``Value`` so an array rule can update it."""

    __slots__ = ("data",)

    def __init__(self, x: float) -> None:
        self.data = np.array(x, dtype=np.float64)


class Optimizer(ABC):
    """Base class: parameter groups, ``zero_grad()``, ``step()``, per-parameter state.

    A subclass defines its update rule in ``_update_array(p, g, state, group)`` (and may
    give a faster ``_update_scalar`` for scalar ``Value`` parameters; by default the array
    rule runs on a 0-d array).

    Parameters
    ----------
    params : iterable of Value or Tensor, or iterable of dicts
        Usually ``model.parameters()``; or groups ``{"params": [...], "lr": ...}`` whose
        missing hyper-parameters come from ``defaults``.
    defaults : dict
        The hyper-parameters given to the constructor.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if hasattr(params, "data") and hasattr(params, "grad"):
            raise TypeError(
                f"{name}: params must be an iterable of parameters, got a single "
                f"{type(params).__name__}; wrap it in a list"
            )
        object.__setattr__(self, "defaults", dict(defaults))
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Any, dict[str, Any]] = {}
        items = list(params)
        if not items:
            raise ValueError(f"{name}: got an empty parameter list")
        groups = items if isinstance(items[0], dict) else [{"params": items}]
        for group in groups:
            self.add_param_group(group)

    @property
    def params(self) -> list[Any]:
        """Every parameter, group after group."""
        return [p for group in self.param_groups for p in group["params"]]

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group ``{"params": [...], <hyper-parameter>: value, ...}``.

        Hyper-parameters not given take the constructor's values.
        """
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(
                f"{name}: a parameter group must be a dict with a 'params' key, got "
                f"{type(group).__name__}"
            )
        unknown = set(group) - set(self.defaults) - {"params"} - _SCHEDULER_KEYS
        if unknown:
            raise ValueError(
                f"{name}: unknown option(s) {sorted(unknown)} in a parameter group; "
                f"allowed: {sorted(self.defaults)}"
            )
        ps = group["params"]
        ps = [ps] if hasattr(ps, "data") and hasattr(ps, "grad") else list(ps)
        if not ps:
            raise ValueError(f"{name}: a parameter group has an empty parameter list")
        offset = len(self.params)
        for i, p in enumerate(ps):
            if not (hasattr(p, "data") and hasattr(p, "grad")):
                raise TypeError(
                    f"{name}: params[{offset + i}] is a {type(p).__name__}, expected a "
                    f"Value, Tensor or Parameter"
                )
        ids = [id(p) for p in self.params] + [id(p) for p in ps]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{name}: some parameters appear more than once")
        full = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        self._check_options(full)
        full["params"] = ps
        self.param_groups.append(full)

    def _check_options(self, options: dict[str, Any]) -> None:
        """Validate one group's hyper-parameters (raise ValueError naming the bad one)."""
        for key in ("lr", "weight_decay", "eps", "momentum"):
            if key in options and not float(options[key]) >= 0.0:
                raise ValueError(
                    f"{type(self).__name__}: {key} must be >= 0, got {options[key]}"
                )

    # ---- hyper-parameters as attributes (``opt.lr``), read from / written to every group
    def __getattr__(self, name: str) -> Any:
        defaults = self.__dict__.get("defaults", {})
        if name in defaults and self.__dict__.get("param_groups"):
            return self.param_groups[0][name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__.get("defaults", {}) and self.__dict__.get("param_groups"):
            for group in self.param_groups:
                group[name] = value
            self._check_options(self.param_groups[0])
        else:
            object.__setattr__(self, name, value)

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
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                state = self.state.setdefault(p, {})
                if _is_array_param(p):
                    g = np.asarray(g)
                    if g.shape != p.data.shape:
                        raise ValueError(
                            f"{type(self).__name__}.step: gradient of shape {g.shape} for a "
                            f"parameter of shape {p.data.shape}"
                        )
                    self._update_array(p, g, state, group)
                else:
                    p.data = self._update_scalar(float(p.data), float(g), state, group)

    @abstractmethod
    def _update_array(
        self, p: Any, g: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """Update the array parameter ``p`` in place from its gradient ``g`` (the rule)."""

    def _update_scalar(
        self, x: float, g: float, state: dict[str, Any], group: dict[str, Any]
    ) -> float:
        """The same rule for a scalar ``Value``: the array rule run on a 0-d array."""
        shim = _Scalar(x)
        self._update_array(shim, np.array(g, dtype=np.float64), state, group)
        return float(shim.data)

    # ------------------------------------------------------------ state dict
    def state_dict(self) -> dict[str, Any]:
        """A copy of the optimizer's state, PyTorch's layout.

        ``{"state": {index: {name: array or number}}, "param_groups": [{..., "params":
        [indices]}]}``, parameters numbered in group order.
        """
        index = {id(p): i for i, p in enumerate(self.params)}
        state = {
            index[id(p)]: {k: copy.deepcopy(v) for k, v in s.items()}
            for p, s in self.state.items() if s and id(p) in index
        }
        groups = [
            {**{k: v for k, v in g.items() if k != "params"},
             "params": [index[id(p)] for p in g["params"]]}
            for g in self.param_groups
        ]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()`` (ours, or a PyTorch optimizer's of the same kind).

        Raises
        ------
        ValueError
            When the groups or their sizes differ from this optimizer's, or a buffer's shape
            does not fit its parameter. Nothing is changed unless everything fits.
        """
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(f"{name}: expected a dict with keys 'state' and 'param_groups'")
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"{name}: the state has {len(groups)} parameter group(s), this optimizer "
                f"has {len(self.param_groups)}"
            )
        for i, (saved, mine) in enumerate(zip(groups, self.param_groups, strict=True)):
            if len(saved["params"]) != len(mine["params"]):
                raise ValueError(
                    f"{name}: group {i} has {len(saved['params'])} parameters in the state, "
                    f"{len(mine['params'])} here"
                )
        by_saved_index = {}
        for saved, mine in zip(groups, self.param_groups, strict=True):
            by_saved_index.update(zip(saved["params"], mine["params"], strict=True))
        new_state: dict[Any, dict[str, Any]] = {}
        for key, buffers in state_dict["state"].items():
            p = by_saved_index.get(int(key))
            if p is None:
                raise ValueError(f"{name}: state for unknown parameter index {key}")
            new_state[p] = {k: _restore_buffer(v, p, k, name) for k, v in buffers.items()}
        for saved, mine in zip(groups, self.param_groups, strict=True):
            for k, v in saved.items():  # our options (a torch state also has foreach, ...)
                if k != "params" and (k in self.defaults or k in _SCHEDULER_KEYS):
                    mine[k] = tuple(v) if isinstance(v, list) else v
        self.state = new_state

    def __repr__(self) -> str:
        def options(g: dict[str, Any]) -> str:
            return ", ".join(f"{k}={v}" for k, v in g.items() if k != "params")

        name = type(self).__name__
        if len(self.param_groups) == 1:
            g = self.param_groups[0]
            return f"{name}({len(g['params'])} parameters, {options(g)})"
        lines = [f"  group {i}: {len(g['params'])} parameters, {options(g)}"
                 for i, g in enumerate(self.param_groups)]
        return f"{name}(\n" + "\n".join(lines) + "\n)"


def _restore_buffer(value: Any, p: Any, key: str, where: str) -> Any:
    """A saved buffer as our state holds it: arrays of the parameter's dtype, int steps."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if value is None:
        return None
    if key == "step":
        return int(np.asarray(value))
    arr = np.array(value, copy=True)
    if _is_array_param(p):
        if arr.shape != p.data.shape:
            raise ValueError(
                f"{where}: buffer {key!r} has shape {arr.shape}, its parameter {p.data.shape}"
            )
        return arr.astype(p.data.dtype)
    return arr.astype(np.float64)


def _check_betas(betas: Any, where: str) -> tuple[float, float]:
    b1, b2 = (float(b) for b in betas)
    if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
        raise ValueError(f"{where}: betas must be in [0, 1), got {tuple(betas)}")
    return b1, b2


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's rule.

    With ``g`` the gradient, per step::

        g = g + weight_decay * p                        # L2 penalty
        buf = g (first step), else momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf     # (only when momentum != 0)
        p = p - lr * g

    Parameters
    ----------
    params : iterable of Value or Tensor, or of parameter-group dicts
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
        super().__init__(params, dict(lr=float(lr), momentum=float(momentum),
                                      weight_decay=float(weight_decay),
                                      dampening=float(dampening), nesterov=bool(nesterov)))

    def _check_options(self, options: dict[str, Any]) -> None:
        super()._check_options(options)
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")

    def _update_array(self, p: Any, g: np.ndarray, state: dict, group: dict) -> None:
        momentum, dampening = group["momentum"], group["dampening"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(g, dtype=p.data.dtype, copy=True)
            else:
                buf *= momentum  # buf = momentum * buf + (1 - dampening) * g, in place
                buf += (1.0 - dampening) * g if dampening else g
            g = g + momentum * buf if group["nesterov"] else buf
        p.data -= group["lr"] * g

    def _update_scalar(self, x: float, g: float, state: dict, group: dict) -> float:
        momentum = group["momentum"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * x
        if momentum:
            buf = state.get("momentum_buffer")
            buf = g if buf is None else momentum * float(buf) + (1.0 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            g = g + momentum * buf if group["nesterov"] else buf
        return x - group["lr"] * g


class Adam(Optimizer):
    """Adam (Kingma & Ba), PyTorch's rule, with the AMSGrad variant.

    Per step ``t = 1, 2, ...``::

        g = g + weight_decay * p                    # L2 penalty (AdamW decouples it)
        m = beta1 * m + (1 - beta1) * g             # first moment      (exp_avg)
        v = beta2 * v + (1 - beta2) * g^2           # second moment     (exp_avg_sq)
        v_max = max(v_max, v) if amsgrad            #                   (max_exp_avg_sq)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v or v_max) / sqrt(1 - beta2^t) + eps)

    Parameters
    ----------
    params : iterable of Value or Tensor, or of parameter-group dicts
    lr : float
    betas : (float, float)
    eps : float
    weight_decay : float
    amsgrad : bool
        Divide by the running maximum of v (Reddi et al. 2018).
    """

    _decoupled = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, dict(lr=float(lr), betas=_check_betas(betas, type(self).__name__),
                                      eps=float(eps), weight_decay=float(weight_decay),
                                      amsgrad=bool(amsgrad)))

    def _check_options(self, options: dict[str, Any]) -> None:
        super()._check_options(options)
        options["betas"] = _check_betas(options["betas"], type(self).__name__)

    def _update_array(self, p: Any, g: np.ndarray, state: dict, group: dict) -> None:
        b1, b2 = group["betas"]
        lr, wd = group["lr"], group["weight_decay"]
        if wd:
            if self._decoupled:
                p.data *= 1.0 - lr * wd  # AdamW: decay the weights, not the gradient
            else:
                g = g + wd * p.data
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * (g * g)
        if group["amsgrad"]:
            v_max = state.setdefault("max_exp_avg_sq", np.zeros_like(p.data))
            np.maximum(v_max, v, out=v_max)
            v = v_max
        step_size = lr / (1.0 - b1**t)
        denom = np.sqrt(v) / math.sqrt(1.0 - b2**t) + group["eps"]
        p.data -= step_size * (m / denom)

    def _update_scalar(self, x: float, g: float, state: dict, group: dict) -> float:
        if group["amsgrad"] or self._decoupled:
            return super()._update_scalar(x, g, state, group)
        b1, b2 = group["betas"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * x
        t = state.get("step", 0) + 1
        m = b1 * float(state.get("exp_avg", 0.0)) + (1.0 - b1) * g
        v = b2 * float(state.get("exp_avg_sq", 0.0)) + (1.0 - b2) * g * g
        state.update(step=t, exp_avg=m, exp_avg_sq=v)
        denom = math.sqrt(v) / math.sqrt(1.0 - b2**t) + group["eps"]
        return x - group["lr"] / (1.0 - b1**t) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch's rule.

    Per step: ``p = p * (1 - lr * weight_decay)``, then Adam's update without the L2 term.
    Default ``weight_decay=0.01`` (PyTorch's).
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), PyTorch's rule.

    Per step::

        g = g + weight_decay * p
        s = alpha * s + (1 - alpha) * g^2                       # square_avg
        a = alpha * a + (1 - alpha) * g   if centered           # grad_avg
        d = sqrt(s - a^2 if centered else s) + eps
        buf = momentum * buf + g / d;  p = p - lr * buf         # momentum > 0
        p = p - lr * g / d                                      # otherwise

    Parameters
    ----------
    params : iterable of Value or Tensor, or of parameter-group dicts
    lr, alpha, eps, weight_decay, momentum : float
    centered : bool
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, dict(lr=float(lr), alpha=float(alpha), eps=float(eps),
                                      weight_decay=float(weight_decay),
                                      momentum=float(momentum), centered=bool(centered)))

    def _check_options(self, options: dict[str, Any]) -> None:
        super()._check_options(options)
        if not 0.0 <= options["alpha"] <= 1.0:
            raise ValueError(f"RMSprop: alpha must be in [0, 1], got {options['alpha']}")

    def _update_array(self, p: Any, g: np.ndarray, state: dict, group: dict) -> None:
        alpha, momentum = group["alpha"], group["momentum"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.data)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(p.data)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p.data)
        state["step"] += 1
        s = state["square_avg"]
        s *= alpha
        s += (1.0 - alpha) * (g * g)
        if group["centered"]:
            a = state.setdefault("grad_avg", np.zeros_like(p.data))
            a *= alpha
            a += (1.0 - alpha) * g
            denom = np.sqrt(s - a * a) + group["eps"]
        else:
            denom = np.sqrt(s) + group["eps"]
        if momentum > 0:
            buf = state.setdefault("momentum_buffer", np.zeros_like(p.data))
            buf *= momentum
            buf += g / denom
            p.data -= group["lr"] * buf
        else:
            p.data -= group["lr"] * (g / denom)


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), PyTorch's rule.

    Per step ``t = 1, 2, ...``::

        g = g + weight_decay * p
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s = s + g^2                                  # sum, starts at initial_accumulator_value
        p = p - lr_t * g / (sqrt(s) + eps)

    Parameters
    ----------
    params : iterable of Value or Tensor, or of parameter-group dicts
    lr, lr_decay, weight_decay, initial_accumulator_value, eps : float
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(params, dict(lr=float(lr), lr_decay=float(lr_decay),
                                      weight_decay=float(weight_decay),
                                      initial_accumulator_value=float(initial_accumulator_value),
                                      eps=float(eps)))

    def _check_options(self, options: dict[str, Any]) -> None:
        super()._check_options(options)
        for key in ("lr_decay", "initial_accumulator_value"):
            if not options[key] >= 0.0:
                raise ValueError(f"Adagrad: {key} must be >= 0, got {options[key]}")

    def _update_array(self, p: Any, g: np.ndarray, state: dict, group: dict) -> None:
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p.data, group["initial_accumulator_value"])
        state["step"] += 1
        lr_t = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        s = state["sum"]
        s += g * g
        p.data -= lr_t * (g / (np.sqrt(s) + group["eps"]))


from . import schedulers as lr_scheduler  # noqa: E402, F401  (torch.optim.lr_scheduler)
