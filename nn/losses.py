"""Loss functions (lectures 000, 001, 003) as functions and as Module classes.

Every loss takes ``reduction="mean" | "sum" | "none"`` (PyTorch's names and defaults) and
treats the target as a constant. The formulas are the numerically stable ones, finite for
inputs of any magnitude:

* cross-entropy = ``nll_loss(log_softmax(logits))``, ``-log p_y`` (lecture 000);
* binary cross-entropy with logits ``max(z, 0) - z t + log(1 + e^-|z|)``;
* binary cross-entropy on probabilities clamps each log at -100, as PyTorch does.

The two BCEs are single graph nodes with their derivative written out (``dJ/dz =
sigmoid(z) - t``), once for arrays and once as Tensor ops for ``create_graph=True``;
cross-entropy and NLL are a constant linear form of ``log_softmax`` and the regression
losses are built from Tensor ops, so every loss supports second derivatives.
"""

from __future__ import annotations

import os
import sys
import warnings
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


def _caller_outside_nn() -> int:
    """The ``stacklevel`` that makes a warning issued by our caller point at the first frame
    outside the ``nn`` package (the user's line, whether it called ``mse_loss``, a loss module
    or ``nn.fit``)."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame = sys._getframe(1)  # the function that calls warnings.warn: stacklevel 1
    level = 1
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(
            package):
        frame = frame.f_back
        level += 1
    return level


def _target_like(target: Any, input: Tensor, where: str) -> Tensor:
    """A float target for an elementwise regression loss (as a Tensor; may require grad).

    Different but broadcastable shapes are broadcast with PyTorch's UserWarning (the usual
    cause is an (N, 1) output against an (N,) target, which silently gives an (N, N) loss);
    shapes that do not broadcast raise a ValueError.
    """
    if isinstance(target, Tensor):
        t = target
    else:
        t = Tensor(np.asarray(target), dtype=input.data.dtype)
    if t.shape != input.shape:
        try:
            np.broadcast_shapes(t.shape, input.shape)
        except ValueError:
            raise ValueError(
                f"{where}: target shape {t.shape} must equal input shape {input.shape} "
                f"(or broadcast with it)"
            ) from None
        warnings.warn(
            f"{where}: using a target size {t.shape} that is different to the input size "
            f"{input.shape}. This will likely lead to incorrect results due to broadcasting. "
            f"Please ensure they have the same size.",
            UserWarning,
            stacklevel=_caller_outside_nn(),
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


# ---------------------------------------------------------- regression losses
def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Squared error (L2), (x - t)^2 per element.

    Lecture 001's 1/2 (t - y)^2 is ``0.5 * mse_loss(y, t, reduction="sum")``.

    Input and target should have the same shape. Different shapes that broadcast are
    broadcast after a ``UserWarning``, exactly as PyTorch does (an (N, 1) output against an
    (N,) target gives an (N, N) loss: almost always a bug); shapes that do not broadcast
    raise ``ValueError``.

    >>> mse_loss(Tensor([1.0, 2.0]), [0.0, 4.0]).item()
    2.5
    """
    _check_reduction(reduction, "mse_loss")
    x = _as_input(input, "mse_loss")
    diff = x - _target_like(target, x, "mse_loss")
    return _reduce(diff * diff, reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Absolute error (L1), |x - t| per element (shapes broadcast with a warning, as
    :func:`mse_loss`).

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
def _not_a_reduction(value: Any, name: str, where: str) -> None:
    """The third positional argument is ``weight`` (PyTorch's order), not ``reduction``."""
    if isinstance(value, str):
        raise TypeError(
            f"{where}: {name} must be an array, got the string {value!r}; pass "
            f"reduction={value!r} by keyword (PyTorch's argument order)"
        )


def _elementwise_weight(weight: Any, x: Tensor, name: str, where: str) -> np.ndarray | None:
    """A constant weight array that broadcasts against the input (``weight``, ``pos_weight``)."""
    if weight is None:
        return None
    _not_a_reduction(weight, name, where)
    arr = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{where}: {name} must be numeric, got dtype {arr.dtype}")
    try:
        np.broadcast_shapes(arr.shape, x.shape)
    except ValueError:
        raise ValueError(
            f"{where}: {name} of shape {arr.shape} does not broadcast with input shape {x.shape}"
        ) from None
    return arr.astype(x.data.dtype)


def binary_cross_entropy(
    input: Any, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """-w (t log p + (1 - t) log(1 - p)) for probabilities p (lecture 000).

    Each log is clamped at -100 (PyTorch's rule), so p = 0 or 1 gives a finite loss.
    d/dp = w (p - t) / max(p (1 - p), 1e-12). ``weight`` (broadcast to the input) rescales
    each element's loss.

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
    w = _elementwise_weight(weight, x, "weight", "binary_cross_entropy")
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100)
        log_q = np.maximum(np.log1p(-p), -100)
    out = -(t * log_p + (1 - t) * log_q)
    slope = (p - t) / np.maximum(p * (1 - p), 1e-12)
    if w is not None:
        out, slope = out * w, slope * w

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        if isinstance(g, np.ndarray):
            return (g * slope,)
        (q,) = inputs  # recorded: the same slope as a function of p
        s = (q - t) / (q * (1 - q)).clamp(min=1e-12)
        return (g * (s if w is None else s * w),)

    return _reduce(custom_op(out.astype(p.dtype, copy=False), "bce", (x,), rule), reduction)


def binary_cross_entropy_with_logits(
    input: Any,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy of sigmoid(z), computed from the logit z (stable).

    loss = max(z, 0) - z t + log(1 + e^-|z|);  d/dz = sigmoid(z) - t.

    With ``pos_weight`` p (one per class, broadcast along the last axis) the positive
    term is weighted: loss = -(p t log sigmoid(z) + (1 - t) log(1 - sigmoid(z)))
    = (1 - t) z + (1 + (p - 1) t) softplus(-z), and d/dz = (1 + (p - 1) t) sigmoid(z) - p t.
    ``weight`` (broadcast to the input) rescales each element's loss.

    >>> binary_cross_entropy_with_logits(Tensor([1e4, -1e4]), [1.0, 0.0]).item()
    0.0
    """
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    x = _as_input(input, "binary_cross_entropy_with_logits")
    z = x.data
    t = _target_array(target, x, "binary_cross_entropy_with_logits")
    w = _elementwise_weight(weight, x, "weight", "binary_cross_entropy_with_logits")
    pw = _elementwise_weight(pos_weight, x, "pos_weight", "binary_cross_entropy_with_logits")
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    sig = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    if pw is None:
        out = np.maximum(z, 0) - z * t + np.log1p(e)
        slope = sig - t
    else:
        scale = 1 + (pw - 1) * t
        out = (1 - t) * z + scale * (np.maximum(-z, 0) + np.log1p(e))  # softplus(-z)
        slope = scale * sig - pw * t
    if w is not None:
        out, slope = out * w, slope * w

    def rule(g: Any, needs: tuple, inputs: tuple, out: Any) -> tuple:
        if isinstance(g, np.ndarray):
            return (g * slope,)
        sig_z = inputs[0].sigmoid()  # recorded: the same slope as a function of z
        s = sig_z - t if pw is None else sig_z * scale - pw * t
        return (g * (s if w is None else s * w),)

    node = custom_op(out.astype(z.dtype, copy=False), "bce_logits", (x,), rule)
    return _reduce(node, reduction)


def nll_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood -w[y] logp[n, y_n] of log-probabilities and class indices.

    Shapes as PyTorch: input (N, C), (C,) or (N, C, d1, ...); target (N,), () or
    (N, d1, ...). ``weight`` (C,) rescales each class; targets equal to ``ignore_index``
    contribute nothing; ``"mean"`` divides by the summed weights of the counted targets.
    d/d logp[n, c] = -w[c] where c = y_n, else 0.

    >>> nll_loss(Tensor([[-0.5, -1.0]]), [1]).item()
    1.0
    """
    _check_reduction(reduction, "nll_loss")
    x = _as_input(input, "nll_loss")
    return _weighted_nll(x, target, weight, ignore_index, reduction, 0.0, "nll_loss",
                         allow_probabilities=False)


def _class_axis(x: Tensor, name: str) -> int:
    if x.ndim == 0:
        raise ValueError(
            f"{name}: logits must have shape (N, C), (C,) or (N, C, d1, ...), got {x.shape}"
        )
    return 0 if x.ndim == 1 else 1


def _class_weight(weight: Any, c: int, dtype: np.dtype, name: str) -> np.ndarray | None:
    if weight is None:
        return None
    _not_a_reduction(weight, "weight", name)
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
    if w.shape != (c,):
        raise ValueError(f"{name}: weight must have shape ({c},) (one per class), got {w.shape}")
    if w.dtype.kind not in "fiu":
        raise TypeError(f"{name}: weight must be numeric, got dtype {w.dtype}")
    return w.astype(dtype)


def _weighted_nll(
    logp: Tensor,
    target: Any,
    weight: Any,
    ignore_index: int,
    reduction: str,
    smoothing: float,
    name: str,
    allow_probabilities: bool,
) -> Tensor:
    """Every cross-entropy variant as one linear form of the log-probabilities.

    loss_n = -sum_c A[n, c] logp[n, c] with a constant coefficient array A:
    class targets y: A = (1 - eps) w[y] onehot(y) + (eps / C) w, zero on ignored targets;
    probability targets t: A = w ((1 - eps) t + eps / C).
    ``"mean"`` divides by sum_n w[y_n] over counted targets (class targets) or by the
    number of rows (probability targets), PyTorch's denominators. The gradient is -A g.
    """
    axis = _class_axis(logp, name)
    shape, dtype = logp.shape, logp.data.dtype
    c = shape[axis]
    w = _class_weight(weight, c, dtype, name)
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {smoothing}")
    w_b = None if w is None else w.reshape((c,) + (1,) * (logp.ndim - axis - 1))
    arr = np.asarray(target.data if isinstance(target, Tensor) else target)
    rows_shape = shape[:axis] + shape[axis + 1:]
    if arr.dtype.kind == "f" and arr.shape == shape and logp.ndim >= 1 and (
        allow_probabilities or arr.ndim == 0
    ):
        if ignore_index != -100:
            raise ValueError(f"{name}: ignore_index is not supported for probability targets")
        coeff = arr.astype(dtype) * (1 - smoothing) + smoothing / c
        if w_b is not None:
            coeff = coeff * w_b
        denom = float(max(int(np.prod(rows_shape)), 1)) if rows_shape else 1.0
    else:
        y = _class_targets(arr, rows_shape, c, ignore_index, name)
        valid = y != ignore_index
        if logp.ndim == 2 and w is None and not smoothing and valid.all():
            # the common case, (N, C) logits and plain labels: A = onehot(y), sum_n w_y = N
            coeff = np.zeros(shape, dtype)
            coeff[np.arange(shape[0]), y] = 1
            denom = float(shape[0])
        else:
            y_safe = np.where(valid, y, 0)
            onehot = np.moveaxis(np.eye(c, dtype=dtype)[y_safe], -1, axis)
            mask = np.expand_dims(valid, axis).astype(dtype)
            picked = onehot if w_b is None else onehot * w_b
            coeff = (1 - smoothing) * picked * mask
            if smoothing:
                coeff = coeff + (smoothing / c) * (np.ones_like(onehot) if w_b is None else
                                                   np.broadcast_to(w_b, shape)) * mask
            w_y = valid.astype(dtype) if w is None else w[y_safe] * valid
            denom = float(np.sum(w_y))
    if reduction == "none":
        return -(logp * coeff).sum(axis=axis)
    if reduction == "mean":
        if denom:
            coeff = coeff / np.asarray(denom, dtype)
        else:  # every target ignored: 0 / 0 = nan, as PyTorch (without numpy's warning)
            with np.errstate(divide="ignore", invalid="ignore"):
                coeff = coeff / np.asarray(denom, dtype)
    return -(logp * coeff).sum()


def _class_targets(
    arr: np.ndarray, shape: tuple, c: int, ignore_index: int, where: str
) -> np.ndarray:
    """Integer class indices of ``shape``, each in [0, c) or equal to ``ignore_index``.

    Float labels are refused even when whole (``1.0``), as PyTorch does: a float target of
    this shape is usually a regression target or a mix-up, not a class index."""
    if arr.dtype.kind == "f":
        hint = " (convert labels with y.astype(int))" if np.all(arr == np.round(arr)) else ""
        raise TypeError(
            f"{where}: targets must be integer class indices of shape {shape} or "
            f"probabilities of the input's shape, got {arr.dtype} of shape {arr.shape}{hint}"
        )
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{where}: targets must be integer class indices, got {arr.dtype}")
    if arr.shape != shape:
        if shape == () and arr.shape == (1,):
            arr = arr.reshape(())
        else:
            raise ValueError(f"{where}: target must have shape {shape}, got {arr.shape}")
    arr = arr.astype(np.int64, copy=False)
    if not arr.size or (arr.min() >= 0 and arr.max() < c):  # (the common case: one pass each)
        return arr
    counted = arr[arr != ignore_index]
    if counted.size and (counted.min() < 0 or counted.max() >= c):
        raise ValueError(
            f"{where}: class indices must be in [0, {c}), got min {counted.min()} and max "
            f"{counted.max()}"
        )
    return arr


def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy from logits: -log softmax(z)_y (lecture 000), PyTorch's options.

    Built as ``nll_loss(log_softmax(z))``, PyTorch's definition; stable for any logits.

    Parameters
    ----------
    input : Tensor
        Logits (N, C), (C,) or (N, C, d1, ...) (classes on axis 1, e.g. per pixel).
    target : array_like
        Class indices (N,), () or (N, d1, ...); or class probabilities of the input's shape.
    weight : array_like, optional
        (C,) rescaling of each class.
    ignore_index : int
        Class-index targets equal to it add nothing (and are not counted by ``"mean"``).
    reduction : {"mean", "sum", "none"}
        ``"mean"`` divides by the summed weights of the counted targets (class indices) or by
        the number of rows (probabilities), as PyTorch.
    label_smoothing : float in [0, 1]
        The target becomes (1 - eps) onehot(y) + eps / C.

    Lecture 000's quiz: probabilities (0.02, 0.90, 0.05, 0.01, 0.02), label class 3 (index 2):

    >>> import math
    >>> logits = Tensor(np.log([[0.02, 0.90, 0.05, 0.01, 0.02]]))
    >>> math.isclose(cross_entropy(logits, [2]).item(), -math.log(0.05), rel_tol=1e-6)
    True
    """
    _check_reduction(reduction, "cross_entropy")
    x = _as_input(input, "cross_entropy")
    axis = _class_axis(x, "cross_entropy")
    return _weighted_nll(x.log_softmax(axis), target, weight, ignore_index, reduction,
                         float(label_smoothing), "cross_entropy", allow_probabilities=True)


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


class _WeightedLoss(_Loss):
    """A loss module that passes its keyword options on to its function."""

    def __init__(self, reduction: str = "mean", **options: Any) -> None:
        super().__init__(reduction)
        object.__setattr__(self, "_options", options)

    def forward(self, input: Any, target: Any) -> Tensor:
        return type(self)._fn(input, target, reduction=self.reduction, **self._options)

    _DEFAULTS = {"ignore_index": -100, "label_smoothing": 0.0}

    def extra_repr(self) -> str:
        shown = [
            f"{k}={v!r}" for k, v in self._options.items()
            if v is not None and not (k in self._DEFAULTS and v == self._DEFAULTS[k])
        ]
        return ", ".join(p for p in [super().extra_repr(), *shown] if p)


class BCELoss(_WeightedLoss):
    """Module form of :func:`binary_cross_entropy`."""

    _fn = staticmethod(binary_cross_entropy)

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction, weight=weight)


class BCEWithLogitsLoss(_WeightedLoss):
    """Module form of :func:`binary_cross_entropy_with_logits`."""

    _fn = staticmethod(binary_cross_entropy_with_logits)

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None):
        super().__init__(reduction, weight=weight, pos_weight=pos_weight)


class CrossEntropyLoss(_WeightedLoss):
    """Module form of :func:`cross_entropy`."""

    _fn = staticmethod(cross_entropy)

    def __init__(
        self,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(reduction, weight=weight, ignore_index=ignore_index,
                         label_smoothing=label_smoothing)


class NLLLoss(_WeightedLoss):
    """Module form of :func:`nll_loss`."""

    _fn = staticmethod(nll_loss)

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction, weight=weight, ignore_index=ignore_index)
