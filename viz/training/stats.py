"""Activation statistics of one layer's output: mean, spread, dead and saturated units.

Lecture 000's vanishing gradients in numbers. Backprop multiplies each layer's upstream
gradient by the activation's derivative: sigma'(z) = sigma(z) (1 - sigma(z)) <= 1/4 and
tanh'(z) = 1 - tanh(z)^2 <= 1, both near 0 once a unit saturates; relu'(z) = 0 wherever
z <= 0, so a unit that is never positive passes no gradient at all (a *dead* ReLU).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: A sigmoid output below this or above 1 minus it counts as saturated (sigma' < 0.0099).
SIGMOID_SATURATION = 0.01
#: A tanh output with |t| above this counts as saturated (tanh' = 1 - t^2 < 0.02).
TANH_SATURATION = 0.99

#: Activation kinds by module class name, and what the statistic of each is about.
KINDS = {"ReLU": "relu", "LeakyReLU": "relu", "ELU": "relu", "GELU": "relu",
         "Softplus": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh"}


def activation_kind(module: Any) -> str | None:
    """``"relu"``, ``"sigmoid"``, ``"tanh"`` for an activation module, else None.

    >>> import nn
    >>> activation_kind(nn.ReLU()), activation_kind(nn.Sigmoid()), activation_kind(nn.Linear(2, 2))
    ('relu', 'sigmoid', None)
    """
    return KINDS.get(type(module).__name__)


def layer_stats(output: np.ndarray, kind: str) -> dict[str, float | None]:
    """Mean, std and the dead or saturated fraction of one layer's output on a batch.

    Parameters
    ----------
    output : ndarray
        The layer's output, batch first: (N, units) or (N, C, H, W) (each non-batch position
        is a unit).
    kind : {"relu", "sigmoid", "tanh"}
        ``"relu"``: ``dead`` is the fraction of units that are <= 0 for every row of the
        batch (no gradient flows through them for this data). ``"sigmoid"``/``"tanh"``:
        ``saturated`` is the fraction of outputs in the flat tails (derivative < 0.02).

    Returns
    -------
    dict
        ``mean``, ``std``, ``dead`` (None unless relu), ``saturated`` (None for relu).

    Examples
    --------
    >>> s = layer_stats(np.array([[0.0, 1.0], [0.0, 3.0]]), "relu")
    >>> s["mean"], s["dead"], s["saturated"]
    (1.0, 0.5, None)
    >>> layer_stats(np.array([[0.001, 0.5]]), "sigmoid")["saturated"]
    0.5
    """
    a = np.asarray(output, dtype=np.float64)
    if a.ndim == 0 or a.shape[0] == 0:
        raise ValueError(f"layer_stats: need a batch-first output, got shape {a.shape}")
    units = a.reshape(a.shape[0], -1)
    stats: dict[str, float | None] = {"mean": float(units.mean()), "std": float(units.std()),
                                      "dead": None, "saturated": None}
    if kind == "relu":
        stats["dead"] = float(np.mean(np.all(units <= 0.0, axis=0)))
    elif kind == "sigmoid":
        tail = (units < SIGMOID_SATURATION) | (units > 1.0 - SIGMOID_SATURATION)
        stats["saturated"] = float(tail.mean())
    elif kind == "tanh":
        stats["saturated"] = float(np.mean(np.abs(units) > TANH_SATURATION))
    else:
        raise ValueError(f"layer_stats: kind must be 'relu', 'sigmoid' or 'tanh', got {kind!r}")
    return stats
