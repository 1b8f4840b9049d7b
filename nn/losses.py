"""Loss functions (lectures 000, 001, 003) as functions and as Module classes.

Every loss takes ``reduction="mean" | "sum" | "none"`` (PyTorch's names and defaults) and
treats the target as a constant. The formulas are the numerically stable ones, finite for
inputs of any magnitude:

* cross-entropy = ``nll_loss(log_softmax(logits))``, ``-log p_y`` (lecture 000);
* binary cross-entropy with logits ``max(z, 0) - z t + log(1 + e^-|z|)``;
* binary cross-entropy on probabilities clamps each log at -100, as PyTorch does.

Cross-entropy, NLL and the two BCEs are single graph nodes with their derivative written
out (``dJ/dz = sigmoid(z) - t`` and so on); the regression losses are built from Tensor ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor, custom_op

from .module import Module

__all__ = [
    "mse_loss",
    "l1_loss",
    "hinge_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "nll_loss",
    "accuracy",
    "zero_one_loss",
    "MSELoss",
    "L1Loss",
    "HingeLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "NLLLoss",
]

_REDUCTIONS = ("mean", "sum", "none")


# -------------------------------------------------------------------- helpers
def _check_reduction(reduction: str, where: str) -> str:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{where}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    return reduction


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _as_input(x: Any, where: str) -> Tensor:
    if isinstance(x, Tensor):
        if x.data.dtype.kind != "f":
            raise TypeError(f"{where}: input must be floating point, got dtype {x.data.dtype}")
        return x
    if type(x).__name__ == "Value":
        raise TypeError(f"{where}: got a scalar Value; the losses work on Tensors")
    return Tensor(x)


def _target_like(target: Any, input: Tensor, where: str) -> Tensor:
    """A float target of the input's shape and dtype (as a Tensor; may require grad)."""
    if isinstance(target, Tensor):
        t = target
    else:
        t = Tensor(np.asarray(target), dtype=input.data.dtype)
    if t.shape != input.shape:
        raise ValueError(
            f"{where}: target shape {t.shape} must equal input shape {input.shape}"
        )
    return t


def _target_array(target: Any, input: Tensor, where: str) -> np.ndarray:
    """The target as a constant float array of the input's shape and dtype."""
    arr = np.asarray(target.data if isinstance(target, Tensor) else target)
    if arr.shape != input.shape:
        raise ValueError(
            f"{where}: target shape {arr.shape} must equal input shape {input.shape}"
        )
    return arr.astype(input.data.dtype, copy=False)


def _class_targets(target: Any, n: int, c: int, where: str) -> np.ndarray:
    """Integer class indices of shape (n,), each in [0, c)."""
    arr = np.asarray(target.data if isinstance(target, Tensor) else target)
    if arr.dtype.kind == "f":
        if not np.all(arr == np.round(arr)):
            raise TypeError(f"{where}: targets must be integer class indices, got {arr.dtype}")
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"{where}: targets must be integer class indices, got {arr.dtype}")
    if arr.shape != (n,):
        raise ValueError(f"{where}: target must have shape ({n},), got {arr.shape}")
    arr = arr.astype(np.int64)
    if n and (arr.min() < 0 or arr.max() >= c):
        raise ValueError(
            f"{where}: class indices must be in [0, {c}), got min {arr.min()} and max "
            f"{arr.max()}"
        )
    return arr


# ---------------------------------------------------------- regression losses
def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Squared error (L2), (x - t)^2 per element.

    Lecture 001's 1/2 (t - y)^2 is ``0.5 * mse_loss(y, t, reduction="sum")``.

    >>> mse_loss(Tensor([1.0, 2.0]), [0.0, 4.0]).item()
    2.5
    """
    _check_reduction(reduction, "mse_loss")
    x = _as_input(input, "mse_loss")
    diff = x - _target_like(target, x, "mse_loss")
    return _reduce(diff * diff, reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Absolute error (L1), |x - t| per element.

    >>> l1_loss(Tensor([1.0, 2.0]), [0.0, 4.0]).item()
    1.5
    """
    _check_reduction(reduction, "l1_loss")
    x = _as_input(input, "l1_loss")
    return _reduce(abs(x - _target_like(target, x, "l1_loss")), reduction)


def hinge_loss(input: Any, target: Any, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """Lecture 003's hinge loss max(0, margin - t * y) for labels t in {-1, +1}.

    >>> hinge_loss(Tensor([2.0, 0.5, -1.0]), [1, 1, 1], reduction="none").data.tolist()
    [0.0, 0.5, 2.0]
    """
    _check_reduction(reduction, "hinge_loss")
    x = _as_input(input, "hinge_loss")
    t = _target_array(target, x, "hinge_loss")
    if not np.all(np.abs(t) == 1):
        raise ValueError("hinge_loss: targets must be -1 or +1")
    return _reduce((margin - x * t).relu(), reduction)


# ------------------------------------------------------- classification losses
def binary_cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """-(t log p + (1 - t) log(1 - p)) for probabilities p (lecture 000).

    Each log is clamped at -100 (PyTorch's rule), so p = 0 or 1 gives a finite loss.
    d/dp = (p - t) / max(p (1 - p), 1e-12).

    >>> round(binary_cross_entropy(Tensor([0.8]), [1.0]).item(), 6)   # -log 0.8
    0.223144
    """
    _check_reduction(reduction, "binary_cross_entropy")
    x = _as_input(input, "binary_cross_entropy")
    p = x.data
    if p.size and (np.nanmin(p) < 0 or np.nanmax(p) > 1):
        raise ValueError(
            "binary_cross_entropy: input must be probabilities in [0, 1]; for scores "
            "(logits) use binary_cross_entropy_with_logits"
        )
    t = _target_array(target, x, "binary_cross_entropy")
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100)
        log_q = np.maximum(np.log1p(-p), -100)
    out = -(t * log_p + (1 - t) * log_q)

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        return (g * (p - t) / np.maximum(p * (1 - p), 1e-12),)

    return _reduce(custom_op(out.astype(p.dtype, copy=False), "bce", (x,), rule), reduction)


def binary_cross_entropy_with_logits(
    input: Any, target: Any, reduction: str = "mean"
) -> Tensor:
    """Binary cross-entropy of sigmoid(z), computed from the logit z (stable).

    loss = max(z, 0) - z t + log(1 + e^-|z|);  d/dz = sigmoid(z) - t.

    >>> binary_cross_entropy_with_logits(Tensor([1e4, -1e4]), [1.0, 0.0]).item()
    0.0
    """
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    x = _as_input(input, "binary_cross_entropy_with_logits")
    z = x.data
    t = _target_array(target, x, "binary_cross_entropy_with_logits")
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    out = np.maximum(z, 0) - z * t + np.log1p(e)
    sig = np.where(z >= 0, 1 / (1 + e), e / (1 + e))

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        return (g * (sig - t),)

    node = custom_op(out.astype(z.dtype, copy=False), "bce_logits", (x,), rule)
    return _reduce(node, reduction)


def nll_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood -logp[n, y_n] of log-probabilities (N, C) and classes (N,).

    d/d logp[n, c] = -1 where c = y_n, else 0.

    >>> nll_loss(Tensor([[-0.5, -1.0]]), [1]).item()
    1.0
    """
    return _nll(input, target, reduction, "nll_loss")


def _nll(input: Any, target: Any, reduction: str, name: str) -> Tensor:
    """nll_loss, with errors naming the public function that was called."""
    _check_reduction(reduction, name)
    x = _as_input(input, name)
    unbatched = x.ndim == 1
    if x.ndim not in (1, 2):
        raise ValueError(f"{name}: input must have shape (N, C) or (C,), got {x.shape}")
    logp = x.data[None] if unbatched else x.data
    n, c = logp.shape
    if unbatched:  # (C,) logits with a single class index
        target = np.reshape(np.asarray(target.data if isinstance(target, Tensor) else target), 1)
    y = _class_targets(target, n, c, name)
    rows = np.arange(n)
    out = -logp[rows, y]
    shape, dtype = x.shape, x.data.dtype

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        grad = np.zeros((n, c), dtype=dtype)
        grad[rows, y] = -g.reshape(n)
        return (grad.reshape(shape),)

    losses = custom_op(out.reshape(()) if unbatched else out, "nll", (x,), rule)
    return _reduce(losses, reduction)


def cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy from logits (N, C) and integer classes (N,): -log softmax(z)_y.

    Built as ``nll_loss(log_softmax(z))``, PyTorch's definition; stable for any logits.

    Lecture 000's quiz: probabilities (0.02, 0.90, 0.05, 0.01, 0.02), label class 3 (index 2):

    >>> import math
    >>> logits = Tensor(np.log([[0.02, 0.90, 0.05, 0.01, 0.02]]))
    >>> math.isclose(cross_entropy(logits, [2]).item(), -math.log(0.05), rel_tol=1e-6)
    True
    """
    _check_reduction(reduction, "cross_entropy")
    x = _as_input(input, "cross_entropy")
    if x.ndim not in (1, 2):
        raise ValueError(
            f"cross_entropy: logits must have shape (N, C) or (C,), got {x.shape}"
        )
    return _nll(x.log_softmax(-1), target, reduction, "cross_entropy")


# --------------------------------------------------------------------- metrics
def _predicted_labels(output: Any) -> np.ndarray:
    arr = np.asarray(output.data if isinstance(output, Tensor) else output)
    return arr.argmax(axis=-1) if arr.ndim == 2 else arr


def accuracy(output: Any, target: Any) -> float:
    """Fraction of correct predictions: ``output`` is scores (N, C) (argmax taken) or labels (N,).

    >>> accuracy([[0.1, 0.9], [0.8, 0.2]], [1, 1])
    0.5
    """
    pred = _predicted_labels(output)
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    if pred.shape != t.shape:
        raise ValueError(f"accuracy: predictions {pred.shape} and targets {t.shape} differ")
    return float(np.mean(pred == t)) if t.size else 0.0


def zero_one_loss(output: Any, target: Any, reduction: str = "mean") -> float | np.ndarray:
    """Lecture 003's zero-one loss: 1 per wrong prediction, 0 per right one (a metric).

    >>> zero_one_loss([[0.1, 0.9], [0.8, 0.2]], [1, 1], reduction="sum")
    1.0
    """
    _check_reduction(reduction, "zero_one_loss")
    pred = _predicted_labels(output)
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    if pred.shape != t.shape:
        raise ValueError(f"zero_one_loss: predictions {pred.shape} and targets {t.shape} differ")
    wrong = (pred != t).astype(np.float64)
    if reduction == "none":
        return wrong
    return float(wrong.sum() if reduction == "sum" else wrong.mean())


# ------------------------------------------------------------------- modules
class _Loss(Module):
    _wrap_inputs = False  # targets stay as given (class indices must not become floats)
    _fn: Any = None

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = _check_reduction(reduction, type(self).__name__)

    def forward(self, input: Any, target: Any) -> Tensor:
        return type(self)._fn(input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Module form of :func:`mse_loss`."""

    _fn = staticmethod(mse_loss)


class L1Loss(_Loss):
    """Module form of :func:`l1_loss`."""

    _fn = staticmethod(l1_loss)


class HingeLoss(_Loss):
    """Module form of :func:`hinge_loss`."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = float(margin)

    def forward(self, input: Any, target: Any) -> Tensor:
        return hinge_loss(input, target, self.margin, self.reduction)


class BCELoss(_Loss):
    """Module form of :func:`binary_cross_entropy`."""

    _fn = staticmethod(binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Module form of :func:`binary_cross_entropy_with_logits`."""

    _fn = staticmethod(binary_cross_entropy_with_logits)


class CrossEntropyLoss(_Loss):
    """Module form of :func:`cross_entropy`."""

    _fn = staticmethod(cross_entropy)


class NLLLoss(_Loss):
    """Module form of :func:`nll_loss`."""

    _fn = staticmethod(nll_loss)
