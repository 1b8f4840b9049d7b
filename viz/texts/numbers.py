"""Numbers as the slides print them: a few decimals, integers without them, never a false ``0``.

``fmt(-4.0) == "-4"``, ``fmt(0.7310585) == "0.73"``, ``fmt(-0.1966) == "-0.20"``: ``precision``
decimals, and at least ``precision`` significant digits for a number below 1 in magnitude
(``fmt(0.00495) == "0.0050"``, ``fmt(0.000929) == "0.00093"``), so a nonzero number never
prints as ``0`` (lecture 001's gradients 0.005 and 0.0033 are ``0.0050`` and ``-0.0033``, not
``0``). Only an integer prints without decimals: ``fmt(0.9991) == "1.00"``, never ``"1"``, so
the reader can tell a rounded number from an exact one. Magnitudes from 1e15 on, and nonzero
ones below 1e-6, are in scientific notation (``1.00e+300``, ``-2.5e-08``). The same rule is
used by the drawings, the stepper's texts and the HTML player, so a number looks the same
everywhere; ``precision`` (``viz.draw(..., precision=3)``) sets both counts.

Negative operands (one rule for step texts and gate labels)
-----------------------------------------------------------
A negative number written next to a binary operator is parenthesised exactly where the sign
could be misread:

- as the base of ``**`` (left operand): ``(-0.19) ** 2``, because ``-0.19 ** 2`` means
  ``-(0.19 ** 2)`` in mathematics and in Python;
- right after ``+`` or ``-``: ``2 - (-3)``, ``-0.50 + (-0.25)``, ``x + (-3)`` (two signs in a
  row);
- after a unary minus: ``-(-1)`` (the stepper always writes ``-(a)`` there).

Everywhere else the sign is unambiguous and the slides' own text is kept: a leading negative
number (``-2 + 5``, ``-4 * 1``) and a negative factor, divisor or exponent after ``*``, ``/``
or ``**`` (``1 * -4``, ``x / -2``, ``2 ** -1``, the ``*-1`` gate). Arrays print as ``[...]``
and never need parentheses.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import opinfo


def fmt(x: Any, precision: int = 2) -> str:
    """Format one number: ``precision`` decimals, more for a small number (see above).

    Parameters
    ----------
    x : float or numpy scalar or 0-d array
        The number.
    precision : int
        Digits after the decimal point; a number below 1 in magnitude keeps at least this
        many significant digits (one when ``precision`` is 0).

    Returns
    -------
    str

    Examples
    --------
    >>> fmt(-4.0), fmt(0.7310585786), fmt(-0.19661193), fmt(-0.0), fmt(float("inf"))
    ('-4', '0.73', '-0.20', '0', 'inf')
    >>> fmt(0.0049617), fmt(-0.0033), fmt(0.9991), fmt(0.035), fmt(3.0000000000000004)
    ('0.0050', '-0.0033', '1.00', '0.035', '3')
    >>> fmt(1e300), fmt(-2.5e15, 1), fmt(1e-9), fmt(0.0049617, 0)
    ('1.00e+300', '-2.5e+15', '1.0e-09', '0.005')
    """
    x = float(x) if isinstance(x, (float, int)) else float(np.asarray(x).reshape(()))
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"  # no "-0" and no "0.00"
    if abs(x) >= 1e15:  # no 300-digit integers: 1.00e+300
        return f"{x:.{precision}e}"
    if round(x) != 0 and abs(x - round(x)) <= 1e-12 * abs(x):
        return str(int(round(x)))  # an integer (up to float noise: 0.1 * 30) has no decimals
    significant = max(precision, 1)
    if abs(x) < 1e-6:
        return f"{x:.{significant - 1}e}"
    # first significant digit at decimal place `lead` (0.0049: lead 3); keep `significant`
    # (of x as rounded to `significant` digits: 9.99996e-06 is 1.0e-05, printed as 1e-05 is)
    lead = -math.floor(math.log10(abs(float(f"{x:.{significant - 1}e}"))))
    decimals = max(precision, lead + significant - 1)
    return f"{x:.{decimals}f}"


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


def operand(text: str, op: str, side: str) -> str:
    """``text`` as the ``side`` (``"left"``/``"right"``) operand of binary ``op`` (rule above).

    >>> operand("-0.19", "**", "left"), operand("-4", "*", "right"), operand("-3", "-", "right")
    ('(-0.19)', '-4', '(-3)')
    """
    if not text.startswith("-"):
        return text
    ambiguous = op == "**" if side == "left" else op in ("+", "-")
    return f"({text})" if ambiguous else text


def binary(a: str, op: str, b: str) -> str:
    """``a op b`` with negative operands parenthesised where ambiguous.

    >>> binary("-0.19", "**", "2"), binary("1", "*", "-4"), binary("-0.50", "+", "-0.25")
    ('(-0.19) ** 2', '1 * -4', '-0.50 + (-0.25)')
    """
    return f"{operand(a, op, 'left')} {op} {operand(b, op, 'right')}"


def parse_constant_gate(op: str) -> tuple[str, str, bool] | None:
    """Split a one-operand gate with a constant, ``"**2"`` or ``"2**x"``, into its parts.

    Returns ``(symbol, constant, left)`` (``left``: the constant is the left operand), or
    ``None`` for any other op (``"exp"``, ``"matmul"``...).

    >>> parse_constant_gate("**2"), parse_constant_gate("--3"), parse_constant_gate("1/x")
    (('**', '2', False), ('-', '-3', False), ('/', '1', True))
    >>> parse_constant_gate("exp") is None
    True
    """
    return opinfo.constant_gate_parts(op)


def constant_gate(symbol: str, constant: str, left: bool) -> str:
    """The gate label of ``x symbol c`` (or ``c symbol x``): ``+1``, ``*-1``, ``(-2)**x``.

    >>> constant_gate("*", "-1", False), constant_gate("-", "-3", False)
    ('*-1', '-(-3)')
    >>> constant_gate("**", "-2", True), constant_gate("/", "1", True)
    ('(-2)**x', '1/x')
    """
    if left:
        return f"{operand(constant, symbol, 'left')}{symbol}x"
    return f"{symbol}{operand(constant, symbol, 'right')}"
