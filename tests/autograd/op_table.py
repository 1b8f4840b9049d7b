"""The elementwise op table: one row per op, feeding every test that needs the op.

A row gives the op once, as a function written against the surface Value, Tensor and torch
tensors share (``a.exp()``, ``a ** 3``...), its PyTorch reference where the spelling
differs, the engines that have it, and the domain its inputs are drawn from (kept away from
kinks and poles so finite differences are meaningful). ``test_value`` (Value derivatives),
``tensor_cases`` (the Tensor catalogue: gradcheck, PyTorch parity, dtypes, second
derivatives) and ``test_op_table`` (every elementwise op of both engines has a row) read it.

Adding an elementwise op therefore touches three places: the op itself
(``autograd/elementwise.py`` with its ``Tensor`` method, ``autograd/value.py``) and one row
here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: name -> (low, high, avoid_zero): where inputs are drawn from.
DOMAINS = {
    "real": (-2.0, 2.0, False),
    "positive": (0.2, 3.0, False),
    "nonzero": (0.3, 2.0, True),  # |x| in [0.3, 2], either sign: no kinks, no poles
}


@dataclass(frozen=True)
class Op:
    name: str
    fn: Callable  # written once for Value, Tensor and torch tensors
    domain: str = "real"
    torch: Callable | None = None  # PyTorch spelling when it differs from ``fn``
    value: bool = True  # the scalar engine has it
    tensor: bool = True  # the Tensor engine has it

    @property
    def torch_fn(self) -> Callable:
        return self.torch or self.fn


def _leaky(a):  # torch spells it as a function
    return __import__("torch").nn.functional.leaky_relu(a, 0.1)


ELEMENTWISE: list[Op] = [
    Op("neg", lambda a: -a),
    Op("abs", lambda a: abs(a), "nonzero"),
    Op("exp", lambda a: a.exp()),
    Op("log", lambda a: a.log(), "positive"),
    Op("sqrt", lambda a: a.sqrt(), "positive"),
    Op("reciprocal", lambda a: a.reciprocal(), "nonzero"),
    Op("sin", lambda a: a.sin()),
    Op("cos", lambda a: a.cos()),
    Op("tanh", lambda a: a.tanh()),
    Op("sigmoid", lambda a: a.sigmoid()),
    Op("relu", lambda a: a.relu(), "nonzero"),
    Op("leaky_relu", lambda a: a.leaky_relu(0.1), "nonzero", torch=_leaky),
    Op("clip", lambda a: a.clip(-1.0, 1.0), "nonzero", torch=lambda a: a.clamp(-1.0, 1.0),
       value=False),
    Op("pow_int", lambda a: a**3),
    Op("pow_float", lambda a: a**2.5, "positive"),
    Op("pow_negative", lambda a: a**-2, "nonzero"),
    Op("rpow", lambda a: 2.0**a),
    Op("radd", lambda a: 1.5 + a),
    Op("rsub", lambda a: 1.5 - a),
    Op("rmul", lambda a: 1.5 * a),
    Op("rtruediv", lambda a: 1.5 / a, "nonzero"),
]

#: Unary methods each engine has, mapped to the table rows that exercise them.
METHOD_ROWS = {
    "__neg__": "neg", "__abs__": "abs", "abs": "abs", "exp": "exp", "log": "log",
    "sqrt": "sqrt", "reciprocal": "reciprocal", "sin": "sin", "cos": "cos", "tanh": "tanh",
    "sigmoid": "sigmoid", "relu": "relu", "leaky_relu": "leaky_relu", "clip": "clip",
    "__pow__": "pow_int", "__rpow__": "rpow", "__radd__": "radd", "__rsub__": "rsub",
    "__rmul__": "rmul", "__rtruediv__": "rtruediv",
}  # fmt: skip


def rows(engine: str) -> list[Op]:
    """The rows an engine ("value" or "tensor") has."""
    return [op for op in ELEMENTWISE if getattr(op, engine)]
