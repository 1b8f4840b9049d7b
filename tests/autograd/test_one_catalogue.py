"""One catalogue of functions, run through floats, scalar Values and Tensors.

Each entry is a function written once against the common operator/method surface; the float
version (Python's math) is the forward reference, and the Value and Tensor engines must agree
with it and with each other on the derivative, element by element.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Tensor, Value


class F:
    """Python floats with the methods the engines have, so one lambda serves all three."""

    def __init__(self, x: float) -> None:
        self.x = x

    def _w(self, other):  # noqa: ANN001
        return other.x if isinstance(other, F) else other

    def __add__(self, o): return F(self.x + self._w(o))  # noqa: E704
    __radd__ = __add__
    def __sub__(self, o): return F(self.x - self._w(o))  # noqa: E704
    def __rsub__(self, o): return F(self._w(o) - self.x)  # noqa: E704
    def __mul__(self, o): return F(self.x * self._w(o))  # noqa: E704
    __rmul__ = __mul__
    def __truediv__(self, o): return F(self.x / self._w(o))  # noqa: E704
    def __rtruediv__(self, o): return F(self._w(o) / self.x)  # noqa: E704
    def __pow__(self, o): return F(self.x ** self._w(o))  # noqa: E704
    def __neg__(self): return F(-self.x)  # noqa: E704
    def __abs__(self): return F(abs(self.x))  # noqa: E704
    def exp(self): return F(math.exp(self.x))  # noqa: E704
    def log(self): return F(math.log(self.x))  # noqa: E704
    def sqrt(self): return F(math.sqrt(self.x))  # noqa: E704
    def reciprocal(self): return F(1 / self.x)  # noqa: E704
    def tanh(self): return F(math.tanh(self.x))  # noqa: E704
    def sigmoid(self): return F(1 / (1 + math.exp(-self.x)))  # noqa: E704
    def relu(self): return F(max(self.x, 0.0))  # noqa: E704
    def leaky_relu(self, s=0.01): return F(self.x if self.x > 0 else s * self.x)  # noqa: E704
    def sin(self): return F(math.sin(self.x))  # noqa: E704
    def cos(self): return F(math.cos(self.x))  # noqa: E704


# (name, function of two operands, domain of a, domain of b)
real = st.floats(-2.0, 2.0)
positive = st.floats(0.2, 3.0)
nonzero = st.one_of(st.floats(-2.0, -0.2), st.floats(0.2, 2.0))
CATALOGUE = [
    ("add_mul", lambda a, b: a * b + a, real, real),
    ("sub_div", lambda a, b: (a - b) / b, real, nonzero),
    ("neuron", lambda a, b: (a * 2.0 - b * 0.5 + 1).sigmoid(), real, real),
    ("tanh_exp", lambda a, b: (a * b).tanh() * b.exp(), real, real),
    ("log_sqrt", lambda a, b: (a * b).log() + a.sqrt(), positive, positive),
    ("pow", lambda a, b: a ** 3 - 2 * b ** 2, real, real),
    ("reciprocal_abs", lambda a, b: abs(a).reciprocal() * b, nonzero, real),
    ("relus", lambda a, b: a.relu() * b + (a * b).leaky_relu(0.1), nonzero, nonzero),
    ("trig", lambda a, b: a.sin() * b.cos() - 1 / (b * b + 1), real, real),
    ("shared", lambda a, b: a * a * b - a, real, real),
]


@pytest.mark.parametrize("name,fn,da,db", CATALOGUE, ids=[c[0] for c in CATALOGUE])
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_floats_values_and_tensors_agree(name, fn, da, db, data):
    xs = [data.draw(da), data.draw(db)]
    if name == "relus" and abs(xs[0] * xs[1]) < 1e-6:
        return
    expected = fn(F(xs[0]), F(xs[1])).x

    values = [Value(x) for x in xs]
    out_v = fn(*values)
    out_v.backward()

    # Three points at once: the same function elementwise on vectors.
    tensors = [Tensor(np.array([x, x, x], dtype=np.float64), requires_grad=True) for x in xs]
    out_t = fn(*tensors)
    out_t.sum().backward()

    assert out_v.data == pytest.approx(expected, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(out_t.data, expected, rtol=1e-12, atol=1e-12)
    for v, t in zip(values, tensors):
        np.testing.assert_allclose(t.grad, v.grad, rtol=1e-12, atol=1e-12)
