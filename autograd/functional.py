"""Randomness and dropout: one documented random-number generator for the whole library.

Every random choice chainrule makes without an explicit seed (parameter initialisation in
``nn``, dropout masks, ``DataLoader`` shuffles, ``Tensor.randn``) draws from one
``numpy.random.Generator``, :func:`default_generator`, seeded with 0 when the library is
imported. :func:`manual_seed` (also ``nn.manual_seed``) resets it, so

    nn.manual_seed(0); a = dropout(x)        # same mask ...
    nn.manual_seed(0); b = dropout(x)        # ... as this one

One rule for every ``seed`` / ``rng`` argument (:func:`generator`): ``None`` means the
default generator; an int means a fresh generator seeded with it (the same numbers every
time); a ``Generator`` is used as it is.
"""

from __future__ import annotations

import numbers
from typing import Any, Union

import numpy as np

from .record import as_tensor
from .tensor import Tensor, make_node

Seed = Union[int, np.random.Generator, None]

#: The library's one generator: reseeded *in place* by :func:`manual_seed`, so objects that
#: hold it (a ``DataLoader``, a ``Dropout`` layer) follow the reseed too.
_GENERATOR = np.random.default_rng(0)


def default_generator() -> np.random.Generator:
    """The generator used wherever no seed is given (see the module docstring)."""
    return _GENERATOR


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the default generator to ``seed`` (PyTorch's ``torch.manual_seed``).

    >>> x = Tensor([1.0, 1.0, 1.0, 1.0])
    >>> _ = manual_seed(3); a = dropout(x).data
    >>> _ = manual_seed(3); b = dropout(x).data
    >>> bool((a == b).all())
    True
    """
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    _GENERATOR.bit_generator.state = np.random.PCG64(int(seed)).state
    return _GENERATOR


def generator(seed: Seed = None) -> np.random.Generator:
    """The generator for a ``seed`` argument: None -> the default generator, an int -> a new
    generator seeded with it, a Generator -> itself."""
    if seed is None:
        return _GENERATOR
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise TypeError(
        f"seed must be an int, a numpy.random.Generator or None, got {type(seed).__name__}"
    )


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
        Source of the mask; ``None`` uses :func:`default_generator` (reset by
        ``manual_seed``).

    Examples
    --------
    >>> x = Tensor([1.0, 1.0, 1.0, 1.0])
    >>> dropout(x, 0.5, rng=0).data
    array([2., 0., 0., 0.], dtype=float32)
    >>> dropout(x, 0.5, training=False) is x
    True
    """
    t = as_tensor(x, None, "dropout")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return t
    xd = t.data
    if p == 1.0:
        mask = np.zeros(xd.shape, dtype=xd.dtype)
    else:
        keep = generator(rng).random(xd.shape) >= p
        mask = keep.astype(xd.dtype) * xd.dtype.type(1.0 / (1.0 - p))
    return make_node(xd * mask, "dropout", (t,), lambda g, needs, inputs, out: (g * mask,))
