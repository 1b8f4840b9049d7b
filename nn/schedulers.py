"""Learning-rate schedulers with PyTorch's names, arguments and numbers.

A scheduler changes ``group["lr"]`` of every parameter group of an optimizer each time its
``step()`` is called (once per epoch, or once per batch for ``OneCycleLR``)::

    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = nn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=20)
    for epoch in range(20):
        ...train one epoch...
        sched.step()

or pass it to ``nn.fit(..., scheduler=sched)``. Epoch ``e`` (``last_epoch``) counts the calls
to ``step()``; the formulas below give the learning rate for epoch ``e`` from the group's
starting rate ``base_lr``.
"""

from __future__ import annotations

import abc
import bisect
import math
from collections.abc import Sequence
from typing import Any

__all__ = [
    "LRScheduler",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
]


def _check_optimizer(optimizer: Any, where: str) -> None:
    if not hasattr(optimizer, "param_groups"):
        raise TypeError(f"{where}: expected an nn.optim optimizer, got {type(optimizer).__name__}")


class _SchedulerState:
    """What every scheduler shares: the last learning rates it set and its saved state."""

    optimizer: Any
    _last_lr: list[float]

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()``, one per group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (save it next to ``optimizer.state_dict()``)."""
        return {k: v for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``."""
        vars(self).update(state_dict)


class LRScheduler(_SchedulerState, abc.ABC):
    """Base class: ``step()`` sets each group's lr to ``get_lr()`` for the next epoch.

    Subclasses define ``get_lr()`` (most through a closed form ``_lr(base_lr, epoch)``).

    Parameters
    ----------
    optimizer : nn.optim.Optimizer
    last_epoch : int
        -1 to start afresh (the groups' current lr becomes ``initial_lr``); otherwise the
        epoch to resume from (the groups must then hold ``initial_lr``).
    """

    #: ``nn.fit`` steps this scheduler after every batch instead of every epoch.
    per_batch = False

    def __init__(self, optimizer: Any, last_epoch: int = -1) -> None:
        where = type(self).__name__
        _check_optimizer(optimizer, where)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        elif any("initial_lr" not in g for g in optimizer.param_groups):
            raise KeyError(
                f"{where}: resuming at last_epoch={last_epoch} needs 'initial_lr' in every "
                f"parameter group"
            )
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    @abc.abstractmethod
    def get_lr(self) -> list[float]:
        """The learning rate of each group at ``last_epoch``."""

    def step(self) -> None:
        """Advance one epoch (or batch) and set each group's lr."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.get_last_lr()})"


class _ClosedFormLR(LRScheduler):
    """A scheduler given by a closed form ``_lr(base_lr, epoch)`` per group."""

    @abc.abstractmethod
    def _lr(self, base_lr: float, epoch: int) -> float:
        """The learning rate at ``epoch`` of a group that started at ``base_lr``."""

    def get_lr(self) -> list[float]:
        """The learning rate of each group at ``last_epoch``."""
        return [self._lr(base, self.last_epoch) for base in self.base_lrs]


class StepLR(_ClosedFormLR):
    """lr = base_lr * gamma ** (epoch // step_size): decay by ``gamma`` every ``step_size``.

    >>> import nn
    >>> from autograd import Tensor
    >>> opt = nn.optim.SGD([Tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(sched.get_last_lr()[0]); sched.step()
    >>> lrs
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        self.step_size, self.gamma = step_size, float(gamma)
        super().__init__(optimizer, last_epoch)

    def _lr(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class MultiStepLR(_ClosedFormLR):
    """lr = base_lr * gamma ** (number of milestones <= epoch)."""

    def __init__(self, optimizer: Any, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        ms = list(milestones)
        if any(isinstance(m, bool) or not isinstance(m, int) for m in ms):
            raise TypeError(f"MultiStepLR: milestones must be ints, got {milestones!r}")
        self.milestones, self.gamma = sorted(ms), float(gamma)
        super().__init__(optimizer, last_epoch)

    def _lr(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, epoch)


class ExponentialLR(_ClosedFormLR):
    """lr = base_lr * gamma ** epoch."""

    def __init__(self, optimizer: Any, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def _lr(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(_ClosedFormLR):
    """lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2 (SGDR without restarts).

    Half a cosine from ``base_lr`` down to ``eta_min`` over ``T_max`` epochs.
    """

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1) -> None:
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive int, got {T_max!r}")
        self.T_max, self.eta_min = T_max, float(eta_min)
        super().__init__(optimizer, last_epoch)

    def _lr(self, base_lr: float, epoch: int) -> float:
        cos = math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (base_lr - self.eta_min) * (1 + cos) / 2


def _anneal(strategy: str, start: float, end: float, pct: float) -> float:
    if strategy == "cos":  # half a cosine from start (pct 0) to end (pct 1)
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
    return (end - start) * pct + start


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin): warm up to ``max_lr``, then anneal far below.

    Stepped once per batch, ``total_steps`` times (``epochs * steps_per_epoch``). Phases,
    over fractions of the steps: ``pct_start`` from ``max_lr / div_factor`` up to ``max_lr``,
    then down to ``max_lr / div_factor / final_div_factor`` (``three_phase``: down to the start
    first, then lower). With ``cycle_momentum`` the momentum (SGD) or beta1 (Adam) moves
    the opposite way between ``max_momentum`` and ``base_momentum``.
    """

    per_batch = True

    def __init__(
        self,
        optimizer: Any,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float = 0.85,
        max_momentum: float = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        where = "OneCycleLR"
        _check_optimizer(optimizer, where)
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError(
                    f"{where}: give total_steps, or both epochs and steps_per_epoch"
                )
            for name, v in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
                if not isinstance(v, int) or v <= 0:
                    raise ValueError(f"{where}: {name} must be a positive int, got {v!r}")
            total_steps = epochs * steps_per_epoch
        elif not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(f"{where}: total_steps must be a positive int, got {total_steps!r}")
        if not 0.0 <= pct_start <= 1.0:
            raise ValueError(f"{where}: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"{where}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        self.total_steps, self.anneal_strategy = total_steps, anneal_strategy
        self.cycle_momentum = bool(cycle_momentum)
        groups = optimizer.param_groups
        max_lrs = list(max_lr) if isinstance(max_lr, (list, tuple)) else [max_lr] * len(groups)
        if len(max_lrs) != len(groups):
            raise ValueError(f"{where}: expected {len(groups)} max_lr values, got {len(max_lrs)}")
        if last_epoch == -1:
            for group, m in zip(groups, max_lrs, strict=True):
                group["initial_lr"] = m / div_factor
                group["max_lr"] = m
                group["min_lr"] = group["initial_lr"] / final_div_factor
        phase_ends = [float(pct_start * total_steps) - 1]
        if three_phase:
            phase_ends += [float(2 * pct_start * total_steps) - 2, total_steps - 1]
            self._phases = [("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            ("max_lr", "initial_lr", "base_momentum", "max_momentum"),
                            ("initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            phase_ends += [total_steps - 1]
            self._phases = [("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            ("max_lr", "min_lr", "base_momentum", "max_momentum")]
        self._phase_ends = phase_ends
        if self.cycle_momentum:
            defaults = getattr(optimizer, "defaults", {})
            if "momentum" not in defaults and "betas" not in defaults:
                raise ValueError(
                    f"{where}: optimizer must support momentum or beta1 with `cycle_momentum` "
                    f"option enabled"
                )
            self._use_beta1 = "betas" in defaults
            if last_epoch == -1:
                for group in groups:
                    group["max_momentum"], group["base_momentum"] = max_momentum, base_momentum
                    self._set_momentum(group, max_momentum)
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], m: float) -> None:
        if self._use_beta1:
            group["betas"] = (m, *group["betas"][1:])
        else:
            group["momentum"] = m

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {step} times; the specified number of total "
                f"steps is {self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, keys) in enumerate(zip(self._phase_ends, self._phases, strict=True)):
                if step <= end or i == len(self._phases) - 1:
                    pct = (step - start) / (end - start)
                    lr = _anneal(self.anneal_strategy, group[keys[0]], group[keys[1]], pct)
                    if self.cycle_momentum:
                        m = _anneal(self.anneal_strategy, group[keys[2]], group[keys[3]], pct)
                        self._set_momentum(group, m)
                    break
                start = end
            lrs.append(lr)
        return lrs


class ReduceLROnPlateau(_SchedulerState):
    """Multiply the lr by ``factor`` when a metric has stopped improving for ``patience`` epochs.

    Call ``step(metric)`` once per epoch (``nn.fit`` passes the validation loss when there
    is a validation loader, else the training loss).

    Parameters
    ----------
    optimizer : nn.optim.Optimizer
    mode : {"min", "max"}
        Whether lower or higher metric values are better.
    factor : float < 1
    patience : int
        Epochs without improvement tolerated before reducing.
    threshold : float
        Improvement needed to count: ``rel`` mode, better than best * (1 -/+ threshold);
        ``abs`` mode, better than best -/+ threshold.
    threshold_mode : {"rel", "abs"}
    cooldown : int
        Epochs to wait after a reduction before counting again.
    min_lr : float or list of float
    eps : float
        Reductions smaller than eps are skipped.
    """

    per_batch = False

    def __init__(
        self,
        optimizer: Any,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        where = "ReduceLROnPlateau"
        _check_optimizer(optimizer, where)
        if factor >= 1.0:
            raise ValueError(f"{where}: factor should be < 1.0, got {factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"{where}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{where}: threshold_mode must be 'rel' or 'abs', got "
                             f"{threshold_mode!r}")
        n = len(optimizer.param_groups)
        min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * n
        if len(min_lrs) != n:
            raise ValueError(f"{where}: expected {n} min_lr values, got {len(min_lrs)}")
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, float(factor), int(patience)
        self.threshold, self.threshold_mode = float(threshold), threshold_mode
        self.cooldown, self.min_lrs, self.eps = int(cooldown), [float(m) for m in min_lrs], eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [g["lr"] for g in optimizer.param_groups]

    def _is_better(self, a: float) -> bool:
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return a < (self.best * (1 - self.threshold) if rel else self.best - self.threshold)
        return a > (self.best * (1 + self.threshold) if rel else self.best + self.threshold)

    def step(self, metrics: Any) -> None:
        """Record this epoch's metric; reduce the lr after ``patience`` bad epochs."""
        current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        self.last_epoch += 1
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs, strict=True):
                new = max(group["lr"] * self.factor, min_lr)
                if group["lr"] - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]
