"""Numbers as the slides print them: a fixed number of decimals, integers without them.

``fmt(-4.0) == "-4"``, ``fmt(0.7310585) == "0.73"``, ``fmt(-0.1966) == "-0.20"``. The same
rule is used by the drawings, the stepper's texts and the HTML player, so a number looks the
same everywhere.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def fmt(x: Any, precision: int = 2) -> str:
    """Format one number at ``precision`` decimals; integral results lose the decimals.

    Parameters
    ----------
    x : float or numpy scalar or 0-d array
        The number.
    precision : int
        Digits after the decimal point.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt(-4.0), fmt(0.7310585786), fmt(-0.19661193), fmt(-0.0), fmt(float("inf"))
    ('-4', '0.73', '-0.20', '0', 'inf')
    """
    x = float(x) if isinstance(x, (float, int)) else float(np.asarray(x).reshape(()))
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    r = round(x, precision)
    if r == 0:
        return "0"  # no "-0" and no "0.00"
    if r == int(r) and abs(r) < 1e15:
        return str(int(r))
    return f"{r:.{precision}f}"


def is_array(x: Any) -> bool:
    """True for numpy arrays with at least one axis (Tensor data); scalars are not arrays."""
    return isinstance(x, np.ndarray) and x.ndim > 0


def fmt_array(a: Any, precision: int = 2, sep: str = "\n") -> str:
    """Format a small array: a vector as ``[1, 2]``, a matrix one row per line.

    Arrays with more than two axes are printed as their flattened rows of the last axis.

    >>> print(fmt_array(np.array([[1.0, 0.5], [-2.0, 3.25]])))
    [1, 0.50]
    [-2, 3.25]
    """
    a = np.asarray(a)
    if a.ndim == 0:
        return fmt(a, precision)
    rows = a.reshape(-1, a.shape[-1])
    return sep.join("[" + ", ".join(fmt(v, precision) for v in row) + "]" for row in rows)


def fmt_any(x: Any, precision: int = 2, max_elements: int = 36, sep: str = "\n") -> str:
    """A number, a small array's entries, or (for a large array) just its shape."""
    if is_array(x):
        if x.size <= max_elements:
            return fmt_array(x, precision, sep)
        return f"<{shape_text(x.shape)} array>"
    return fmt(x, precision)


def shape_text(shape: Any) -> str:
    """``(2, 3)`` -> ``"2x3"``; a scalar shape ``()`` -> ``"scalar"``."""
    shape = tuple(shape)
    return "x".join(str(s) for s in shape) if shape else "scalar"
