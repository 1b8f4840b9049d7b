"""``fit``: the minibatch training loop of lecture 000, with a progress bar and a history.

One epoch: for each minibatch, forward, loss, ``zero_grad``, ``backward``, ``step``.
After each epoch the history records the mean training loss and accuracy (over the batches
seen, weighted by batch size) and, with a validation loader, the same on held-out data
computed in ``eval()`` mode without recording a graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from autograd import Tensor, no_grad

from .losses import accuracy as _accuracy

__all__ = ["History", "fit", "evaluate"]


class History(dict):
    """Per-epoch lists: ``history["loss"]``, ``["accuracy"]``, ``["val_loss"]``, ...

    A plain ``dict`` of lists (so ``plt.plot(history["loss"])`` or
    ``pandas.DataFrame(history)`` work directly) with attribute access and :meth:`plot`.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.get("loss", []))

    def plot(self, ax: Any = None) -> Any:
        """Draw loss (and accuracy, on a second axis) against the epoch; needs matplotlib."""
        import matplotlib.pyplot as plt  # optional dependency, imported on use

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        epochs = np.arange(1, self.epochs + 1)
        ax.plot(epochs, self["loss"], label="train loss")
        if any(v is not None for v in self.get("val_loss", [])):
            ax.plot(epochs, self["val_loss"], label="val loss")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.legend(loc="upper left")
        acc_keys = [k for k in ("accuracy", "val_accuracy") if any(
            v is not None for v in self.get(k, []))]
        if acc_keys:
            ax2 = ax.twinx()
            for key in acc_keys:
                ax2.plot(epochs, self[key], linestyle="--", label=key.replace("_", " "))
            ax2.set_ylabel("accuracy")
            ax2.legend(loc="upper right")
        return ax

    def __repr__(self) -> str:
        last = {k: v[-1] for k, v in self.items() if v}
        shown = ", ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in last.items()
        )
        return f"History({self.epochs} epochs; last: {shown})"


def _auto_metric(output: Tensor, target: Any) -> float | None:
    """Accuracy for class scores (N, C) with integer targets (N,); otherwise None."""
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    out = output.data
    if out.ndim == 2 and out.shape[1] > 1 and t.ndim == 1 and t.dtype.kind in "iu":
        return _accuracy(out, t)
    return None


def _batches(loader: Iterable[Any], where: str) -> Iterable[tuple[Any, Any]]:
    for batch in loader:
        if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
            raise TypeError(f"{where}: each batch must be an (inputs, targets) pair")
        yield batch


def evaluate(
    model: Any,
    loss_fn: Callable[[Any, Any], Tensor],
    loader: Iterable[Any],
    metric: Callable[[Tensor, Any], float | None] | None = _auto_metric,
) -> tuple[float, float | None]:
    """Mean loss and metric (default: accuracy) of ``model`` over ``loader``, in eval mode.

    The model's train/eval mode is restored afterwards.
    """
    was_training = getattr(model, "training", True)
    if hasattr(model, "eval"):
        model.eval()
    total, n, scores = 0.0, 0, []
    try:
        with no_grad():
            for xb, yb in _batches(loader, "evaluate"):
                out = model(xb)
                size = len(yb)
                total += float(loss_fn(out, yb).item()) * size
                n += size
                value = metric(out, yb) if metric is not None else None
                scores.append((value, size))
    finally:
        if hasattr(model, "train"):
            model.train(was_training)
    if n == 0:
        raise ValueError("evaluate: the loader gave no batches")
    if any(v is None for v, _ in scores) or not scores:
        return total / n, None
    return total / n, float(sum(v * s for v, s in scores) / n)


def fit(
    model: Any,
    loss_fn: Callable[[Any, Any], Tensor],
    optimizer: Any,
    train_loader: Iterable[Any],
    epochs: int,
    val_loader: Iterable[Any] | None = None,
    progress: bool = True,
    metric: Callable[[Tensor, Any], float | None] | None = _auto_metric,
    callback: Callable[[int, History], bool | None] | None = None,
) -> History:
    """Train ``model`` with minibatch gradient descent.

    Parameters
    ----------
    model : nn.Module
        Called on each input batch.
    loss_fn : callable
        ``loss_fn(output, targets)`` -> scalar Tensor (e.g. ``nn.CrossEntropyLoss()``).
    optimizer : nn.optim.Optimizer
    train_loader : iterable of (inputs, targets)
        Usually an ``nn.DataLoader`` or a list of batches; iterated once per epoch. With
        ``epochs > 1`` a one-shot iterator (a generator, ``iter(...)``) is refused with a
        TypeError before training starts, since it would be empty in epoch 2.
    epochs : int
    val_loader : iterable of (inputs, targets), optional
        Evaluated after every epoch (``val_loss``, ``val_accuracy``); same rule.
    progress : bool
        Show a tqdm bar (a widget in Jupyter; nothing when the output is not a terminal).
    metric : callable or None
        ``metric(output, targets)`` -> float; default accuracy for class scores.
    callback : callable, optional
        ``callback(epoch, history)`` after each epoch; returning True stops training.

    Returns
    -------
    History
        Lists ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy`` (one entry per epoch;
        ``None`` where not applicable).

    Notes
    -----
    The model trains in ``train()`` mode and is returned to the mode it had when ``fit``
    was called (a model in ``eval()`` mode stays in eval mode afterwards), also when
    training raises.

    Examples
    --------
    >>> import nn
    >>> X, y = nn.xor(64, noise=0.05, seed=0)
    >>> model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.Tanh(), nn.Linear(8, 2, seed=1))
    >>> opt = nn.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    >>> history = nn.fit(model, nn.CrossEntropyLoss(), opt,
    ...                  nn.DataLoader(X, y, batch_size=16, shuffle=True, seed=0),
    ...                  epochs=30, progress=False)
    >>> history.accuracy[-1]
    1.0
    """
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    if epochs > 1:
        _require_reiterable(train_loader, "train_loader")
        if val_loader is not None:
            _require_reiterable(val_loader, "val_loader")
    was_training = getattr(model, "training", True)
    if hasattr(model, "train"):
        model.train()
    try:
        return _train(model, loss_fn, optimizer, train_loader, int(epochs), val_loader,
                      progress, metric, callback)
    finally:
        if hasattr(model, "train"):
            model.train(was_training)  # leave the model in the mode it came in


def _require_reiterable(loader: Iterable[Any], name: str) -> None:
    """Refuse one-shot iterators: they are empty from the second epoch on.

    An ``Iterator`` (it has ``__next__``: generators, ``map``, ``zip``, ``iter(list)``) is
    consumed by one pass; containers and ``DataLoader`` hand out a fresh iterator per pass.
    Refusing up front beats failing in epoch 2 after epoch 1's work. The check does not
    call ``iter()``, so no loader state (e.g. a shuffle's random numbers) is touched.
    """
    if isinstance(loader, Iterator):
        raise TypeError(
            f"fit: {name} is a one-shot iterator ({type(loader).__name__}), which would be "
            f"empty from epoch 2 on; pass a list of batches or an nn.DataLoader "
            f"(or epochs=1)"
        )


def _train(
    model: Any,
    loss_fn: Callable[[Any, Any], Tensor],
    optimizer: Any,
    train_loader: Iterable[Any],
    epochs: int,
    val_loader: Iterable[Any] | None,
    progress: bool,
    metric: Callable[[Tensor, Any], float | None] | None,
    callback: Callable[[int, History], bool | None] | None,
) -> History:
    """The epoch loop of :func:`fit` (arguments already checked, model in train mode)."""
    from tqdm.auto import tqdm

    history = History(loss=[], accuracy=[], val_loss=[], val_accuracy=[])
    bar = tqdm(range(1, epochs + 1), desc="fit", unit="epoch",
               disable=None if progress else True)
    for epoch in bar:
        total, n, correct_weighted, metric_ok = 0.0, 0, 0.0, metric is not None
        for xb, yb in _batches(train_loader, "fit"):
            out = model(xb)
            loss = loss_fn(out, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            size = len(yb)
            total += float(loss.item()) * size
            n += size
            if metric_ok:
                value = metric(out, yb)
                if value is None:
                    metric_ok = False
                else:
                    correct_weighted += value * size
        if n == 0:
            raise ValueError("fit: the training loader gave no batches")
        history["loss"].append(total / n)
        history["accuracy"].append(correct_weighted / n if metric_ok else None)
        if val_loader is not None:
            val_loss, val_acc = evaluate(model, loss_fn, val_loader, metric)
        else:
            val_loss, val_acc = None, None
        history["val_loss"].append(val_loss)
        history["val_accuracy"].append(val_acc)
        postfix = {"loss": f"{total / n:.4f}"}
        if metric_ok:
            postfix["acc"] = f"{correct_weighted / n:.3f}"
        if val_acc is not None:
            postfix["val_acc"] = f"{val_acc:.3f}"
        bar.set_postfix(postfix, refresh=False)
        if callback is not None and callback(epoch, history):
            break
    bar.close()
    return history
