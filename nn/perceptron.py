"""The classic perceptron and its mistake-driven training rule (lectures 000 and 004).

A perceptron outputs ``sigma(w . x + b)`` with a hard threshold ``sigma``. Training works
on *extended* vectors: the weight vector with the bias appended, ``w~ = (w_1..w_d, b)``,
and each input with a constant 1 appended, ``x~ = (x_1..x_d, 1)``, so that
``w . x + b = <w~, x~>``. One epoch visits the points in order; on a mistake

* a missed positive (predicted the negative label) does ``w~ <- w~ + x~``;
* a missed negative (predicted the positive label) does ``w~ <- w~ - x~``.

Training stops after the first epoch without a mistake (the data are linearly separated)
or after ``max_epochs`` epochs, in which case the history says ``converged=False``
(XOR is never separated, so the plain algorithm would loop forever).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Perceptron", "PerceptronHistory", "PerceptronStep", "step", "sign"]


def _check_int(value: Any, name: str, minimum: int, where: str) -> int:
    """``value`` as an int >= ``minimum``; a TypeError/ValueError naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{where}: {name} must be an int, got {value!r} ({type(value).__name__})"
        )
    if value < minimum:
        raise ValueError(f"{where}: {name} must be >= {minimum}, got {value}")
    return int(value)


def _finite_floats(values: Any, name: str, where: str) -> np.ndarray:
    """``values`` as a float64 array; refuses non-numbers and NaN/inf.

    A NaN score compares false with every threshold, so one NaN input would silently count
    as "no mistake" (a fake convergence) or spread NaN through the weights.
    """
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {name} must be numeric (an array of numbers)") from None
    if not np.isfinite(arr).all():
        where_bad = np.argwhere(~np.isfinite(arr))[0].tolist()
        raise ValueError(f"{where}: {name} must be finite, found NaN or inf at index {where_bad}")
    return arr


def step(z: Any) -> np.ndarray:
    """Lecture 000's step activation: 1 if z > 0 else 0 (0 at z = 0)."""
    return (np.asarray(z) > 0).astype(np.int64)


def sign(z: Any) -> np.ndarray:
    """Lecture 004's sign activation: 1 if z >= 0 else -1 (+1 at z = 0)."""
    return np.where(np.asarray(z) >= 0, 1, -1).astype(np.int64)


@dataclass(frozen=True)
class PerceptronStep:
    """One visit of one training point: what was computed and whether it was a mistake."""

    epoch: int  #: 1-based epoch number
    index: int  #: 0-based position of the point in ``X``
    score: float  #: <w~, x~> with the weights *before* this visit
    prediction: int
    target: int
    mistake: bool
    weights: np.ndarray  #: the extended vector (w_1..w_d, b) *after* this visit


@dataclass
class PerceptronHistory:
    """What :meth:`Perceptron.fit` did.

    Attributes
    ----------
    weights : list of ndarray
        The initial extended vector, then the vector after each update (mistake), in order.
    mistakes : list of int
        Number of mistakes in each epoch.
    steps : list of PerceptronStep
        Every visit of every point (the slide's trace, score by score).
    converged : bool
        True when the last epoch made no mistake.
    """

    weights: list[np.ndarray] = field(default_factory=list)
    mistakes: list[int] = field(default_factory=list)
    steps: list[PerceptronStep] = field(default_factory=list)
    converged: bool = False

    @property
    def epochs(self) -> int:
        """Number of epochs run."""
        return len(self.mistakes)

    def __repr__(self) -> str:
        state = "converged" if self.converged else "did NOT converge"
        return (
            f"PerceptronHistory({state} after {self.epochs} epochs, "
            f"{len(self.weights) - 1} updates, mistakes per epoch {self.mistakes})"
        )


def _check_labels(labels: Any) -> tuple[int, int]:
    """(0, 1) or (-1, 1), compared by value, so (0.0, 1.0) or an array is fine too."""
    try:
        ok = tuple(labels) in ((0, 1), (-1, 1))
    except (TypeError, ValueError):  # not iterable; elements that do not compare to ints
        ok = False
    if not ok:
        raise ValueError(f"Perceptron: labels must be (0, 1) or (-1, 1), got {labels!r}")
    return (int(labels[0]), int(labels[1]))


class Perceptron:
    """A single perceptron with a hard threshold, trained by the perceptron algorithm.

    Parameters
    ----------
    n_inputs : int
        Dimension ``d`` of the inputs.
    labels : (0, 1) or (-1, 1)
        ``(0, 1)``: lecture 000's step activation (1 if z > 0 else 0).
        ``(-1, 1)``: lecture 004's sign activation (1 if z >= 0 else -1).

    Attributes
    ----------
    weight : ndarray, shape (n_inputs,)
    bias : float

    Examples
    --------
    Lecture 000's example: start from w = (1, 2), b = -1.

    >>> X = [[0, 1], [1, 0], [2, 1], [1, 2]]
    >>> y = [0, 0, 1, 1]
    >>> p = Perceptron(2)
    >>> history = p.fit(X, y, w0=[1, 2, -1])
    >>> history.weights[1].tolist(), history.mistakes, history.converged
    ([1.0, 1.0, -2.0], [1, 0], True)
    >>> p.predict(X).tolist()
    [0, 0, 1, 1]
    """

    def __init__(self, n_inputs: int, labels: tuple[int, int] = (0, 1)) -> None:
        self.n_inputs = _check_int(n_inputs, "n_inputs", 1, "Perceptron")
        self.labels = _check_labels(labels)
        self.activation = step if self.labels == (0, 1) else sign
        self.weight = np.zeros(self.n_inputs)
        self.bias = 0.0

    # ------------------------------------------------------------------ helpers
    @property
    def extended_weight(self) -> np.ndarray:
        """The extended vector (w_1..w_d, b)."""
        return np.append(self.weight, self.bias)

    def _check_X(self, X: Any, where: str) -> np.ndarray:
        X = _finite_floats(X, "X", f"Perceptron.{where}")
        if X.ndim == 1 and self.n_inputs == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(
                f"Perceptron.{where}: X must have shape (n, {self.n_inputs}), got {X.shape}"
            )
        return X

    def decision_function(self, X: Any) -> np.ndarray:
        """The scores w . x + b, shape (n,)."""
        X = self._check_X(X, "decision_function")
        return X @ self.weight + self.bias

    def predict(self, X: Any) -> np.ndarray:
        """Labels (from ``self.labels``) for the rows of ``X``, shape (n,)."""
        return self.activation(self.decision_function(X))

    # ----------------------------------------------------------------- training
    def fit(
        self, X: Any, y: Any, max_epochs: int = 100, w0: Any = None
    ) -> PerceptronHistory:
        """Run the perceptron algorithm until an epoch makes no mistake.

        Parameters
        ----------
        X : array-like, shape (n, n_inputs)
        y : array-like, shape (n,)
            Labels, each one of ``self.labels``.
        max_epochs : int
            Give up after this many epochs (non-separable data never converge).
        w0 : array-like, shape (n_inputs + 1,), optional
            Initial extended vector (w_1..w_d, b); default zeros.

        Returns
        -------
        PerceptronHistory
            ``converged`` is False when ``max_epochs`` ran out with mistakes left.

        Raises
        ------
        TypeError
            ``max_epochs`` not an int, or ``X``/``w0`` not numeric.
        ValueError
            Wrong shapes, labels outside ``self.labels``, ``max_epochs < 1``, or NaN/inf in
            ``X``, ``y`` or ``w0`` (a NaN score is never "a mistake", so it would fake
            convergence).
        """
        max_epochs = _check_int(max_epochs, "max_epochs", 1, "Perceptron.fit")
        X = self._check_X(X, "fit")
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"Perceptron.fit: y must have shape ({X.shape[0]},), got {y.shape}")
        if y.dtype.kind in "fc" and not np.isfinite(y).all():
            raise ValueError("Perceptron.fit: y must be finite labels, found NaN or inf")
        bad = sorted(set(y.tolist()) - set(self.labels))
        if bad:
            raise ValueError(f"Perceptron.fit: labels must be in {self.labels}, got {bad}")
        if w0 is None:
            w = np.zeros(self.n_inputs + 1)
        else:
            w = _finite_floats(w0, "w0", "Perceptron.fit").reshape(-1)
            if w.shape != (self.n_inputs + 1,):
                raise ValueError(
                    f"Perceptron.fit: w0 is the extended vector (w_1..w_d, b) of shape "
                    f"({self.n_inputs + 1},), got shape {w.shape}"
                )
        Xe = np.hstack([X, np.ones((X.shape[0], 1))])  # extended inputs (x_1..x_d, 1)
        positive = self.labels[1]
        history = PerceptronHistory(weights=[w.copy()])
        for epoch in range(1, max_epochs + 1):
            mistakes = 0
            for i, (x, target) in enumerate(zip(Xe, y.tolist(), strict=True)):
                score = float(w @ x)
                prediction = int(self.activation(score))
                mistake = prediction != target
                if mistake:
                    # Too small for a positive: add x~; too large for a negative: subtract x~.
                    w = w + x if target == positive else w - x
                    mistakes += 1
                    history.weights.append(w.copy())
                history.steps.append(
                    PerceptronStep(epoch, i, score, prediction, int(target), mistake, w.copy())
                )
            history.mistakes.append(mistakes)
            if mistakes == 0:
                history.converged = True
                break
        self.weight, self.bias = w[:-1].copy(), float(w[-1])
        return history

    def __repr__(self) -> str:
        return (
            f"Perceptron(n_inputs={self.n_inputs}, labels={self.labels}, "
            f"weight={self.weight.tolist()}, bias={self.bias})"
        )
