"""Parameter initialisation: PyTorch's defaults, seedable.

``nn.Linear`` and ``nn.Conv2d`` in PyTorch draw weights with ``kaiming_uniform_(a=sqrt(5))``,
whose bound works out to ``gain * sqrt(3 / fan_in)`` with ``gain = sqrt(2 / (1 + a^2)) =
sqrt(1/3)``, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias uses the same bound. chainrule
does the same, from a numpy Generator: pass ``seed=`` to a layer, or call
:func:`manual_seed` once to make every layer created afterwards reproducible. Without a seed,
layers draw from the library's one generator (``autograd.functional.default_generator``),
which also drives dropout masks and ``DataLoader`` shuffles.
"""

from __future__ import annotations

import math
from typing import Union

import numpy as np

from autograd import functional

__all__ = [
    "manual_seed",
    "rng",
    "fan_in",
    "default_bound",
    "uniform",
    "kaiming_uniform",
]

Seed = Union[int, np.random.Generator, None]

def manual_seed(seed: int) -> np.random.Generator:
    """Reset the library's one generator: parameter init, dropout masks, DataLoader shuffles.

    >>> import nn
    >>> _ = nn.manual_seed(0); a = nn.Linear(2, 2).weight.data.copy()
    >>> _ = nn.manual_seed(0); b = nn.Linear(2, 2).weight.data.copy()
    >>> bool((a == b).all())
    True
    """
    return functional.manual_seed(seed)


def rng(seed: Seed = None) -> np.random.Generator:
    """The Generator for ``seed``: a new one for an int, itself for a Generator, else the
    library's default generator (:func:`autograd.functional.generator`)."""
    return functional.generator(seed)


def fan_in(shape: tuple[int, ...]) -> int:
    """Inputs feeding one output unit: ``in`` for (out, in), ``in*kh*kw`` for (out, in, kh, kw)."""
    if len(shape) < 2:
        raise ValueError(f"fan_in needs a weight of at least 2 dimensions, got shape {shape}")
    return int(np.prod(shape[1:]))


def default_bound(fan: int) -> float:
    """1/sqrt(fan_in): PyTorch's default bound for Linear/Conv2d weights and biases."""
    return 1.0 / math.sqrt(fan) if fan > 0 else 0.0


def uniform(
    shape: tuple[int, ...], bound: float, seed: Seed = None, dtype: np.dtype = np.float32
) -> np.ndarray:
    """An array of ``shape`` drawn from U(-bound, bound)."""
    return rng(seed).uniform(-bound, bound, size=shape).astype(dtype)


def kaiming_uniform(
    shape: tuple[int, ...], a: float = math.sqrt(5), seed: Seed = None, dtype: np.dtype = np.float32
) -> np.ndarray:
    """He/Kaiming uniform: U(-b, b) with b = sqrt(2 / (1 + a^2)) * sqrt(3 / fan_in).

    ``a = sqrt(5)`` (PyTorch's layer default) gives b = 1/sqrt(fan_in).
    """
    gain = math.sqrt(2.0 / (1.0 + a * a))
    bound = gain * math.sqrt(3.0 / fan_in(shape))
    return uniform(shape, bound, seed, dtype)
