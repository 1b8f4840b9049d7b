"""Parameter initialisation: PyTorch's defaults, seedable.

The in-place initialisers by name (``kaiming_uniform_``, ``xavier_normal_``, ``zeros_``...)
are PyTorch's ``torch.nn.init`` functions: same arguments, same distributions and bounds
(fans and gains computed as there), drawn from numpy.

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
from typing import Any, Union

import numpy as np
from numpy.typing import DTypeLike

from autograd import functional
from autograd.versions import bump

__all__ = [
    "manual_seed",
    "rng",
    "fan_in",
    "default_bound",
    "uniform",
    "kaiming_uniform",
    "calculate_gain",
    "uniform_",
    "normal_",
    "constant_",
    "zeros_",
    "ones_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
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
    shape: tuple[int, ...], bound: float, seed: Seed = None, dtype: DTypeLike = np.float32
) -> np.ndarray:
    """An array of ``shape`` drawn from U(-bound, bound)."""
    return rng(seed).uniform(-bound, bound, size=shape).astype(dtype)


def kaiming_uniform(
    shape: tuple[int, ...],
    a: float = math.sqrt(5),
    seed: Seed = None,
    dtype: DTypeLike = np.float32,
) -> np.ndarray:
    """He/Kaiming uniform: U(-b, b) with b = sqrt(2 / (1 + a^2)) * sqrt(3 / fan_in).

    ``a = sqrt(5)`` (PyTorch's layer default) gives b = 1/sqrt(fan_in).
    """
    gain = math.sqrt(2.0 / (1.0 + a * a))
    bound = gain * math.sqrt(3.0 / fan_in(shape))
    return uniform(shape, bound, seed, dtype)


# ------------------------------------------------------- in-place, by name (torch.nn.init)
def _target(tensor: Any, where: str) -> np.ndarray:
    """The array to fill in place: a Tensor's/Parameter's ``data`` or an ndarray itself."""
    arr = tensor if isinstance(tensor, np.ndarray) else getattr(tensor, "data", None)
    if not isinstance(arr, np.ndarray):
        raise TypeError(
            f"{where}: expected a Tensor, Parameter or ndarray, got {type(tensor).__name__}"
        )
    if arr.dtype.kind != "f":
        raise TypeError(f"{where}: expected a floating tensor, got dtype {arr.dtype}")
    return arr


def _fill(tensor: Any, values: np.ndarray) -> Any:
    """Write ``values`` into the tensor's array; a Tensor's version counter counts the
    change, so a backward pass through an op that used the old values raises."""
    if isinstance(tensor, np.ndarray):
        tensor[...] = values
        return tensor
    tensor.data[...] = values
    bump(tensor)
    return tensor


def _fans(shape: tuple[int, ...], where: str) -> tuple[int, int]:
    """(fan_in, fan_out) = (in * receptive field, out * receptive field) for (out, in, ...)."""
    if len(shape) < 2:
        raise ValueError(
            f"{where}: fan in and fan out need a tensor of at least 2 dimensions, got shape {shape}"
        )
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


_LINEAR_GAINS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                 "conv_transpose2d", "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table).

    1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for
    leaky_relu (slope ``param``, default 0.01), 3/4 for selu.

    >>> round(calculate_gain("leaky_relu", 0.2), 6)
    1.38675
    """
    if nonlinearity in _LINEAR_GAINS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative slope {param!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one of "
        f"{', '.join(_LINEAR_GAINS + ('tanh', 'relu', 'leaky_relu', 'selu'))}"
    )


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0, generator: Seed = None) -> Any:
    """Fill ``tensor`` in place from U(a, b); returns it.

    >>> from autograd import Tensor
    >>> t = uniform_(Tensor.zeros(1000), -2.0, 2.0, generator=0)
    >>> bool(t.data.min() >= -2.0 and t.data.max() < 2.0)
    True
    """
    arr = _target(tensor, "uniform_")
    return _fill(tensor, rng(generator).uniform(a, b, size=arr.shape))


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, generator: Seed = None) -> Any:
    """Fill ``tensor`` in place from N(mean, std^2); returns it."""
    arr = _target(tensor, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    return _fill(tensor, rng(generator).normal(mean, std, size=arr.shape))


def constant_(tensor: Any, val: float) -> Any:
    """Fill ``tensor`` in place with ``val``; returns it."""
    _target(tensor, "constant_")
    return _fill(tensor, val)


def zeros_(tensor: Any) -> Any:
    """Fill ``tensor`` in place with 0; returns it."""
    return constant_(tensor, 0.0)


def ones_(tensor: Any) -> Any:
    """Fill ``tensor`` in place with 1; returns it."""
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Any, gain: float = 1.0, generator: Seed = None) -> Any:
    """Glorot uniform: U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)); returns ``tensor``."""
    fan_i, fan_o = _fans(_target(tensor, "xavier_uniform_").shape, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_i + fan_o))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Any, gain: float = 1.0, generator: Seed = None) -> Any:
    """Glorot normal: N(0, s^2), s = gain * sqrt(2 / (fan_in + fan_out)); returns ``tensor``."""
    fan_i, fan_o = _fans(_target(tensor, "xavier_normal_").shape, "xavier_normal_")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_i + fan_o)), generator)


def _kaiming_std(tensor: Any, a: float, mode: str, nonlinearity: str, where: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{where}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_i, fan_o = _fans(_target(tensor, where).shape, where)
    fan = fan_i if mode == "fan_in" else fan_o
    if fan == 0:
        raise ValueError(f"{where}: cannot initialise a tensor with a zero {mode}")
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
    generator: Seed = None,
) -> Any:
    """He uniform: U(-b, b), b = sqrt(3) * gain / sqrt(fan); returns ``tensor``.

    ``a`` is the leaky_relu slope used in the gain; ``mode`` picks fan_in (forward variance)
    or fan_out (backward variance).
    """
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
    generator: Seed = None,
) -> Any:
    """He normal: N(0, s^2), s = gain / sqrt(fan); returns ``tensor``."""
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_")
    return normal_(tensor, 0.0, std, generator)
