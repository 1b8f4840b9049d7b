"""Dropout: randomly zero activations during training (inverted dropout, as PyTorch)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor, _coerce, _make

_default_rng = {"rng": None}


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is not None:
        return np.random.default_rng(rng)
    # One process-wide generator with a fixed seed: reproducible runs without passing rng.
    if _default_rng["rng"] is None:
        _default_rng["rng"] = np.random.default_rng(0)
    return _default_rng["rng"]


def dropout(
    x: Any,
    p: float = 0.5,
    training: bool = True,
    rng: np.random.Generator | int | None = None,
) -> Tensor:
    """Zero each entry with probability ``p`` and scale survivors by 1 / (1 - p).

    The scaling keeps the expected activation unchanged, so evaluation
    (``training=False``) is the identity. Backward applies the same mask and scale.

    Parameters
    ----------
    x : Tensor
    p : float
        Drop probability in [0, 1].
    training : bool
        ``False`` returns ``x`` itself.
    rng : numpy Generator or int seed, optional
        Source of the mask; without one a process-wide generator seeded with 0 is used.

    Examples
    --------
    >>> x = Tensor([1.0, 1.0, 1.0, 1.0])
    >>> dropout(x, 0.5, rng=0).data
    array([2., 0., 0., 0.], dtype=float32)
    >>> dropout(x, 0.5, training=False) is x
    True
    """
    t = _coerce(x, None, "dropout")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return t
    xd = t.data
    if p == 1.0:
        mask = np.zeros(xd.shape, dtype=xd.dtype)
    else:
        keep = _rng(rng).random(xd.shape) >= p
        mask = keep.astype(xd.dtype) * xd.dtype.type(1.0 / (1.0 - p))
    return _make(xd * mask, "dropout", (t,), lambda g, needs: (g * mask,))
