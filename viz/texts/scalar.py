"""Scalar step texts: the consistent-arithmetic rule and the local-derivative formulas.

Shown arithmetic is consistent (one rule)
-----------------------------------------
A result is printed at ``precision`` decimals. The operands of a sum, difference, product,
quotient or power in a text are printed with more decimals, raised one at a time for all of
them together (at most :data:`EXTRA_DIGITS` more; an operand that ``precision`` decimals show
exactly keeps them), until the printed operands, combined and rounded to ``precision``
decimals, give the printed result: ``0.197 * -3 = -0.59``, never ``0.20 * -3 = -0.59``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from autograd import opinfo

from .numbers import fmt

#: Most extra decimals the consistent-arithmetic rule adds to an operand.
EXTRA_DIGITS = 4
ARITH: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "**": operator.pow,
}


def consistent(values: list[float], combine: Callable[..., float], result: float,
               precision: int) -> list[str]:
    """Operands printed so that ``combine(*printed)`` rounds to the printed ``result``.

    >>> consistent([0.19661193, -3.0], lambda a, b: a * b, -0.58983579, 2)
    ['0.197', '-3']
    >>> consistent([-2.0, 5.0], lambda a, b: a + b, 3.0, 2)
    ['-2', '5']
    >>> consistent([-0.326, -0.5], lambda a, b: a * b, 0.163, 2)  # -0.5 is exact already
    ['-0.326', '-0.50']
    """
    target = fmt(result, precision)
    exact = [float(fmt(v, precision)) == v for v in values]  # -0.5 stays "-0.50"
    for extra in range(EXTRA_DIGITS + 1):
        texts = [fmt(v, precision + (0 if ok else extra)) for v, ok in zip(values, exact,
                                                                            strict=True)]
        try:
            shown = combine(*(float(t) for t in texts))
        except (ArithmeticError, ValueError):
            break
        # the same number at the shown precision ("1" for 1.0 and "1.00" for 0.9999999996)
        if isinstance(shown, float) and float(fmt(shown, precision)) == float(target):
            return texts
    return [fmt(v, precision + (0 if ok else EXTRA_DIGITS))
            for v, ok in zip(values, exact, strict=True)]


def is_scalar(*xs: Any) -> bool:
    """Whether every ``x`` is a plain real number (the texts' arithmetic applies)."""
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs)


def local_formula(node: Any, slot: int, names: list[str]) -> str | None:
    """The local derivative d node/d operand ``slot`` as a formula of the operands' ``names``,
    from the op-info table (:mod:`autograd.opinfo`); ``None`` for an op without a text.

    >>> from autograd import Value
    >>> local_formula(Value(2.0).sin(), 0, ["x"]), local_formula(Value(2.0) ** 3, 0, ["x"])
    ('cos(x)', '3 * x**2')
    """
    found = opinfo.lookup(node.op)
    if found is None or len(found[0].inputs) != len(names):
        return None
    row, c = found
    return opinfo.local_text(row, slot, names, c, number=lambda x: fmt(x, 6))
