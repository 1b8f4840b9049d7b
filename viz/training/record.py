"""``TrainingRecorder``: what a network looks like at the end of each epoch, kept for drawing.

Passed to ``nn.fit(..., callback=rec)`` (or called by hand, ``rec(epoch)``, in a loop of your
own), it keeps per recorded epoch:

- the loss and accuracy (``nn.fit``'s history: the epoch's mean over its minibatches);
- every parameter's gradient norm ||dL/dp|| as ``backward()`` left it in ``p.grad`` at the end
  of the epoch (the epoch's last minibatch), and its weight norm ||p||, by the
  ``named_parameters()`` names;
- per activation layer (ReLU, Sigmoid, Tanh, ...) the mean and std of its output on the
  recorded inputs and its dead (ReLU) or saturated (sigmoid, tanh) fraction (:mod:`.stats`);
- the weights themselves (small models) for the network view;
- for 2-D inputs, the model's class probabilities on a grid: the decision boundary.

The recording pass is one forward pass in ``eval()`` mode under ``no_grad()`` on the inputs
(at most ``sample`` rows) and the grid together; it changes no gradient, no weight, no buffer
(BatchNorm's running statistics stay as they are) and no random state, so training with a
recorder gives the same weights as training without one. Recording needs numpy only; the
views (``rec.plot()``, ``rec.stepper()``: :mod:`.panels`, :mod:`.export`) need matplotlib.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from autograd import Tensor, no_grad

from .stats import activation_kind, layer_stats

#: Rows of the inputs used for the activation statistics (a fixed subset of larger data).
SAMPLE = 512
#: Grid points per axis of the decision boundary (2-D inputs).
GRID = 60
#: Multiply-adds per GEMM below which OpenBLAS runs on one thread (its 65536 x 4 threshold).
BLAS_SERIAL_WORK = 65536 * 4
#: Fewest rows per forward call of the recording pass.
CHUNK_MIN = 32
#: Weights are kept per epoch (for the network view) while the model has at most this many.
KEEP_WEIGHTS = 50_000


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"TrainingRecorder: {name} must be a positive int, got {value!r}")
    return int(value)


def _as_array(x: Any, name: str) -> np.ndarray:
    a = np.asarray(x.data if isinstance(x, Tensor) else x)
    if a.ndim == 0 or a.shape[0] == 0:
        raise ValueError(f"TrainingRecorder: {name} must be a non-empty batch, got shape "
                         f"{a.shape}")
    return a


def probabilities(output: np.ndarray, is_probability: bool = False) -> np.ndarray:
    """Class probabilities from a model's output: softmax of (N, C) scores, sigmoid of one.

    ``is_probability``: the model ends in a Sigmoid or Softmax, so the output is used as is.
    One output column becomes two, (1 - p, p), so every result is (N, C) with C >= 2, in
    float32 (the recorder calls this on every grid point each epoch).

    >>> probabilities(np.array([[0.0, 0.0], [0.0, np.log(3.0)]])).round(2).tolist()
    [[0.5, 0.5], [0.25, 0.75]]
    >>> probabilities(np.array([0.0])).tolist()
    [[0.5, 0.5]]
    """
    out = np.asarray(output, dtype=np.float32)
    out = out.reshape(out.shape[0], -1)
    if is_probability:
        return np.stack([1.0 - out[:, 0], out[:, 0]], axis=1) if out.shape[1] == 1 else out
    if out.shape[1] <= 2:
        # two classes: p1 = softmax(z)_1 = sigma(z1 - z0); one logit: p1 = sigma(z)
        d = out[:, 1] - out[:, 0] if out.shape[1] == 2 else out[:, 0].copy()
        np.clip(d, -80.0, 80.0, out=d)  # e^80 fits float32: no overflow warning
        p = np.empty((out.shape[0], 2), dtype=np.float32)
        p[:, 1] = 1.0 / (1.0 + np.exp(-d))
        p[:, 0] = 1.0 - p[:, 1]
        return p
    e = np.exp(out - out.max(axis=1, keepdims=True))  # e^(z_i - max) / sum_j e^(z_j - max)
    e /= e.sum(axis=1, keepdims=True)
    return e


def class_labels(targets: np.ndarray) -> np.ndarray | None:
    """Integer class labels from targets: integers as they are, 0/1 floats thresholded, one-hot
    rows by their argmax; None for regression targets."""
    t = np.asarray(targets)
    if t.dtype.kind in "iub":
        return t.reshape(-1).astype(np.int64) if t.ndim <= 1 or t.shape[1:] == (1,) else None
    if t.ndim == 2 and t.shape[1] > 1 and np.all((t == 0) | (t == 1)):
        return t.argmax(axis=1)
    flat = t.reshape(t.shape[0], -1)
    if flat.shape[1] == 1 and np.all((flat == 0) | (flat == 1)):
        return flat[:, 0].astype(np.int64)
    return None


class TrainingRecorder:
    """Record a model at the end of each epoch: loss, accuracy, gradients, weights, activations.

    Parameters
    ----------
    model : nn.Module
        A Tensor model (``nn.Sequential``, or any Module); its activation layers (ReLU,
        Sigmoid, Tanh, LeakyReLU, GELU, ELU, Softplus modules) are the layers whose
        statistics are kept.
    inputs, targets : array-like
        The data the statistics, the accuracy (when called by hand) and the drawn points use:
        usually the training set. Batch first.
    every : int
        Record epochs ``epoch % every == 0`` (``rec(0)`` before training records the start).
    loss_fn : callable, optional
        ``loss_fn(output, targets)``, used only when the recorder is called by hand without a
        loss: the loss on the recorded inputs.
    grid : int
        Points per axis of the decision boundary grid (2-D inputs only).
    sample : int
        At most this many rows (a fixed random subset) go through the recording pass.

    Attributes
    ----------
    epochs : list of int
        The recorded epochs.
    loss, accuracy : list of float or None
        Per recorded epoch.
    grad_norms, weight_norms : dict of str to list
        ``grad_norms[name][k]``: ``np.linalg.norm(p.grad)`` of parameter ``name`` at recorded
        epoch ``k`` (None while it has no gradient); ``weight_norms`` likewise for ``p``.
    activations : dict of str to dict of str to list
        ``activations[layer]["mean" | "std" | "dead" | "saturated"][k]``.
    layer_kinds : dict of str to str
        ``"relu"``, ``"sigmoid"`` or ``"tanh"`` per activation layer.
    weights : dict of str to list of ndarray
        Copies of the weights (parameters with 2 or more dimensions) per epoch; empty for
        models with more than :data:`KEEP_WEIGHTS` weights.
    boundary : list of ndarray
        For 2-D inputs: class probabilities on the grid, (grid, grid, C) per epoch.
    seconds : float
        Time spent recording (for the overhead: ``bench/training_recorder.py``).

    Examples
    --------
    >>> import nn, viz
    >>> X, y = nn.xor(64, noise=0.05, seed=0)
    >>> model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.Tanh(), nn.Linear(8, 2, seed=1))
    >>> rec = viz.TrainingRecorder(model, X, y)
    >>> opt = nn.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    >>> history = nn.fit(model, nn.CrossEntropyLoss(), opt,
    ...                  nn.DataLoader(X, y, batch_size=16, shuffle=True, seed=0),
    ...                  epochs=30, progress=False, callback=rec)
    >>> len(rec), rec.epochs[-1], rec.accuracy[-1]
    (30, 30, 1.0)
    >>> sorted(rec.grad_norms)
    ['0.bias', '0.weight', '2.bias', '2.weight']
    >>> rec.boundary[-1].shape
    (60, 60, 2)
    """

    def __init__(self, model: Any, inputs: Any, targets: Any, every: int = 1,
                 loss_fn: Any = None, grid: int = GRID, sample: int = SAMPLE) -> None:
        if not hasattr(model, "named_parameters") or not callable(model):
            raise TypeError(f"TrainingRecorder: model must be an nn.Module, got "
                            f"{type(model).__name__}")
        self.model = model
        self.every = _positive_int(every, "every")
        grid = _positive_int(grid, "grid")
        sample = _positive_int(sample, "sample")
        x = _as_array(inputs, "inputs")
        t = _as_array(targets, "targets")
        if len(x) != len(t):
            raise ValueError(f"TrainingRecorder: inputs and targets differ in length "
                             f"({len(x)} and {len(t)})")
        self.inputs, self.targets, self.loss_fn = x, t, loss_fn
        self.labels = class_labels(t)
        params = model.named_parameters()
        if not params:
            raise ValueError("TrainingRecorder: the model has no parameters to record")
        self._params = params
        dtype = params[0][1].data.dtype
        rows = np.arange(len(x))
        if len(x) > sample:  # the same rows every epoch
            rows = np.sort(np.random.default_rng(0).choice(len(x), sample, replace=False))
        self._rows = rows
        batch = x[rows].astype(dtype, copy=False)
        self.grid_x: np.ndarray | None = None
        self.grid_y: np.ndarray | None = None
        if x.ndim == 2 and x.shape[1] == 2:
            lo, hi = x.min(axis=0), x.max(axis=0)
            pad = 0.1 * np.maximum(hi - lo, 1e-9)
            self.grid_x = np.linspace(lo[0] - pad[0], hi[0] + pad[0], grid)
            self.grid_y = np.linspace(lo[1] - pad[1], hi[1] + pad[1], grid)
            gx, gy = np.meshgrid(self.grid_x, self.grid_y)  # row i: y = grid_y[i]
            batch = np.concatenate([batch, np.stack([gx.ravel(), gy.ravel()], axis=1)
                                    .astype(dtype)])
        # rows per forward call: rows x (in x out) of the widest weight stays under OpenBLAS's
        # threading threshold (65536 x 4 multiply-adds), as a training minibatch's GEMM usually
        # does. A threaded GEMM's workers spin on after it and slow the training steps that
        # follow on a busy machine (measured, digits MLP: recording took 40% of the training
        # time in one 512-row pass, 2% in 32-row chunks).
        widest = max(p.data.size for _, p in params)
        chunk = max(CHUNK_MIN, BLAS_SERIAL_WORK // max(widest, 1))
        self._chunks = [Tensor(batch[i:i + chunk]) for i in range(0, len(batch), chunk)]
        self._layers = [(name or type(m).__name__, m, kind)
                        for name, m in model.named_modules()
                        if (kind := activation_kind(m)) is not None]
        last = list(model.modules())[-1]
        self._is_probability = type(last).__name__ in ("Sigmoid", "Softmax")
        self.layer_kinds = {name: kind for name, _, kind in self._layers}
        self.epochs: list[int] = []
        self.loss: list[float | None] = []
        self.accuracy: list[float | None] = []
        self.grad_norms: dict[str, list[float | None]] = {n: [] for n, _ in params}
        self.weight_norms: dict[str, list[float]] = {n: [] for n, _ in params}
        self.activations: dict[str, dict[str, list[float | None]]] = {
            name: {"mean": [], "std": [], "dead": [], "saturated": []}
            for name, _, _ in self._layers}
        size = sum(p.data.size for _, p in params if p.data.ndim >= 2)
        self.weights: dict[str, list[np.ndarray]] = (
            {n: [] for n, p in params if p.data.ndim >= 2} if size <= KEEP_WEIGHTS else {})
        self.boundary: list[np.ndarray] = []
        self.seconds = 0.0
        self._offset = 0
        self._last_seen: int | None = None

    # ------------------------------------------------------------------ record
    def __call__(self, epoch: int, history: Any = None, *, loss: float | None = None,
                 accuracy: float | None = None) -> bool:
        """Record epoch ``epoch`` (when ``epoch % every == 0``); ``nn.fit``'s callback.

        Parameters
        ----------
        epoch : int
            The epoch just finished (``nn.fit`` counts from 1; ``rec(0)`` before training
            records the start). A second ``nn.fit`` with the same recorder continues the
            count (its epoch 1 is recorded after the last epoch seen).
        history : nn.History, optional
            ``nn.fit``'s history: the loss and accuracy come from its last entries.
        loss, accuracy : float, optional
            By hand: the epoch's loss and accuracy. Without them (and without a history) the
            accuracy is measured on the recorded inputs, and the loss too when the recorder
            has a ``loss_fn``.

        Returns
        -------
        bool
            False (``nn.fit`` goes on training).
        """
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
            raise ValueError(f"TrainingRecorder: epoch must be a non-negative int, got {epoch!r}")
        epoch = int(epoch)
        if self._last_seen is not None and epoch + self._offset <= self._last_seen:
            self._offset = self._last_seen  # a new fit() starts at 1 again: continue the count
        self._last_seen = epoch + self._offset
        if epoch % self.every:
            return False
        start = time.perf_counter()
        self._record(epoch + self._offset, history, loss, accuracy)
        self.seconds += time.perf_counter() - start
        return False

    def _record(self, epoch: int, history: Any, loss: float | None,
                accuracy: float | None) -> None:
        outputs: dict[str, np.ndarray] = {}
        out = self._forward(outputs)
        n = len(self._rows)
        if history is not None:
            loss = history.get("loss", [None])[-1] if loss is None else loss
            accuracy = history.get("accuracy", [None])[-1] if accuracy is None else accuracy
        probs = None
        if accuracy is None and self.labels is not None:
            probs = probabilities(out[:n], self._is_probability)
            accuracy = float(np.mean(probs.argmax(axis=1) == self.labels[self._rows]))
        if loss is None and history is None and self.loss_fn is not None:
            with no_grad():
                value = self.loss_fn(Tensor(out[:n]), self.targets[self._rows])
            loss = float(value.item() if hasattr(value, "item") else value)
        self.epochs.append(epoch)
        self.loss.append(None if loss is None else float(loss))
        self.accuracy.append(None if accuracy is None else float(accuracy))
        for name, p in self._params:
            g = p.grad
            self.grad_norms[name].append(None if g is None else float(np.linalg.norm(g)))
            self.weight_norms[name].append(float(np.linalg.norm(p.data)))
            if name in self.weights:
                self.weights[name].append(np.array(p.data, dtype=np.float32))
        for name, _, kind in self._layers:
            stats = layer_stats(outputs[name][:n], kind) if name in outputs else {}
            for key, values in self.activations[name].items():
                values.append(stats.get(key))
        if self.grid_x is not None:
            g = len(self.grid_x)
            grid_probs = probabilities(out[n:], self._is_probability)
            self.boundary.append(grid_probs.reshape(g, g, -1))

    def _forward(self, outputs: dict[str, np.ndarray]) -> np.ndarray:
        """One forward pass over the recorded rows (and grid), keeping each activation's output."""
        model = self.model
        was_training = getattr(model, "training", True)
        if hasattr(model, "eval"):
            model.eval()
        parts: list[dict[str, np.ndarray]] = []
        outs = []
        try:
            with no_grad():
                for chunk in self._chunks:
                    seen: dict[str, np.ndarray] = {}
                    with self._watching(seen):
                        out = model(chunk)
                    outs.append(np.asarray(out.data if isinstance(out, Tensor) else out))
                    parts.append(seen)
        finally:
            if hasattr(model, "train"):
                model.train(was_training)
        for name in parts[0]:
            outputs[name] = parts[0][name] if len(parts) == 1 else np.concatenate(
                [p[name] for p in parts])
        return outs[0] if len(outs) == 1 else np.concatenate(outs)

    @contextmanager
    def _watching(self, outputs: dict[str, np.ndarray]) -> Iterator[None]:
        """Wrap each activation module's forward for one pass: its output goes to ``outputs``."""
        wrapped = []
        for name, module, _ in self._layers:
            forward = type(module).forward.__get__(module)

            def keep(*args: Any, _f: Any = forward, _n: str = name, **kwargs: Any) -> Any:
                y = _f(*args, **kwargs)
                outputs[_n] = np.asarray(y.data if isinstance(y, Tensor) else y)
                return y

            object.__setattr__(module, "forward", keep)  # an instance attribute, removed below
            wrapped.append(module)
        try:
            yield
        finally:
            for module in wrapped:
                vars(module).pop("forward", None)

    # ----------------------------------------------------------------- reading
    def __len__(self) -> int:
        return len(self.epochs)

    def weight_names(self) -> list[str]:
        """Parameters with 2 or more dimensions (Linear and Conv weights), in model order."""
        return [n for n, p in self._params if p.data.ndim >= 2]

    def layer_grad_norms(self) -> dict[str, list[float | None]]:
        """``grad_norms`` of the weights only: the per-layer picture (biases left out)."""
        return {n: self.grad_norms[n] for n in self.weight_names()}

    def index(self, epoch: int) -> int:
        """Position of ``epoch`` among the recorded epochs (KeyError naming them if absent)."""
        try:
            return self.epochs.index(epoch)
        except ValueError:
            raise KeyError(f"epoch {epoch} was not recorded (recorded: "
                           f"{self.epochs[:3]}...{self.epochs[-3:]})") from None

    def summary(self, k: int = -1) -> str:
        """One line about recorded epoch ``k`` (a position, -1 the last): what a frame says."""
        if not self.epochs:
            raise ValueError("TrainingRecorder: nothing recorded yet")
        parts = [f"epoch {self.epochs[k]}"]
        if self.loss[k] is not None:
            parts.append(f"loss {self.loss[k]:.4f}")
        if self.accuracy[k] is not None:
            parts.append(f"accuracy {self.accuracy[k]:.3f}")
        weights = self.weight_names()
        if weights:
            first, last = self.grad_norms[weights[0]][k], self.grad_norms[weights[-1]][k]
            if first is not None and last is not None:
                parts.append(f"|dL/d{weights[0]}| {first:.2e}, |dL/d{weights[-1]}| {last:.2e}")
        return ", ".join(parts)

    # ------------------------------------------------------------------- views
    def stepper(self) -> Any:
        """The recorded epochs as frames: a :class:`viz.TrainingStepper`, shown in Jupyter as
        the player, with ``to_html``, ``save_html``, ``save_frames`` (a file per epoch),
        ``save_pdf`` (a page per epoch) and ``save_gif`` (a frame per epoch). Its views need
        matplotlib."""
        from .export import TrainingStepper

        return TrainingStepper(self)

    def plot(self, epoch: int | None = None) -> Any:
        """The panel figure of recorded ``epoch`` (default: the last) as a pyplot figure.

        Needs matplotlib. The panels: decision boundary with the data (2-D inputs), loss and
        accuracy so far, dead/saturated activations, the weights, and the per-layer gradient
        norms on a log scale (:mod:`viz.training.panels`).
        """
        from .panels import panel_figure

        return panel_figure(self, -1 if epoch is None else self.index(epoch))

    def __repr__(self) -> str:
        shown = f"; last: {self.summary()}" if self.epochs else ""
        return f"TrainingRecorder({len(self)} epochs recorded, every {self.every}{shown})"
