"""The edge-case table: every op of the op table at NaN, +-inf and 0, in both engines
(issue 25, finding 8: ``Value(nan).relu()`` was 0 with gradient 0, so a diverged scalar
network could report a finite loss; ``max``/``min`` dropped a NaN the same way).

For each row: NaN in gives NaN out, in the scalar and the Tensor engine, and where both
engines have the op they agree on the value and on the gradient (PyTorch's choices at
the kinks: |x|'(nan) = 0 as ``torch.sgn``; relu'(nan) = 0 as the Tensor engine's mask).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import op_table  # tests/autograd is on sys.path (rootdir-less)
import pytest

import autograd
import nn
from autograd import Tensor, Value
from nn.scalar import MLP

POINTS = [math.nan, math.inf, -math.inf, 0.0]

#: Value-only rows and the Tensor op they mean (a Tensor's max(x) is a reduction over a dim).
TENSOR_FORM = {
    "max_zero": lambda a: autograd.maximum(a, 0.0),
    "min_zero": lambda a: autograd.minimum(a, 0.0),
}


def _value(op, x):
    v = Value(x)
    out = op.fn(v)
    out.backward()
    return out.data, v.grad


def _tensor(fn, x):
    t = Tensor(np.array(x), requires_grad=True, dtype="float64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's invalid-value warnings at nan and inf
        out = fn(t)
        out.backward()
    return float(out.data), float(t.grad)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("op", op_table.rows("value"), ids=lambda op: op.name)
def test_every_scalar_op_keeps_nan(op):
    out, _ = _value(op, math.nan)
    assert math.isnan(out), f"Value(nan) through {op.name} gave {out}"


@pytest.mark.parametrize("op", op_table.rows("tensor"), ids=lambda op: op.name)
def test_every_tensor_op_keeps_nan(op):
    out, _ = _tensor(op.fn, math.nan)
    assert math.isnan(out), f"Tensor(nan) through {op.name} gave {out}"


@pytest.mark.parametrize("x", POINTS, ids=str)
@pytest.mark.parametrize("op", [op for op in op_table.rows("value")
                                if op.tensor or op.name in TENSOR_FORM],
                         ids=lambda op: op.name)
def test_both_engines_agree_at_non_finite_points_and_zero(op, x):
    got = _value(op, x)
    want = _tensor(TENSOR_FORM.get(op.name, op.fn), x)
    assert _same(got[0], want[0]) and _same(got[1], want[1]), (op.name, x, got, want)


@pytest.mark.parametrize("pick", [lambda a, b: a.max(b), lambda a, b: a.min(b)],
                         ids=["max", "min"])
def test_max_and_min_of_two_values_keep_a_nan_on_either_side(pick):
    for a, b in ((math.nan, 1.0), (1.0, math.nan)):
        x, y = Value(a), Value(b)
        out = pick(x, y)
        out.backward()
        t_out = (autograd.maximum if pick(Value(2.0), Value(1.0)).data == 2.0
                 else autograd.minimum)
        tx = Tensor(np.array(a), requires_grad=True, dtype="float64")
        ty = Tensor(np.array(b), requires_grad=True, dtype="float64")
        t_out(tx, ty).backward()
        assert math.isnan(out.data)
        assert (x.grad, y.grad) == (float(tx.grad), float(ty.grad))


def test_a_diverged_scalar_relu_network_reports_nan():
    net = MLP(2, [3, 1], activation="relu", seed=0)
    net.layers[0].neurons[0].w[0].data = math.nan  # a weight that diverged
    out = net([1.0, 1.0])
    loss = (out - 1.0) ** 2
    assert math.isnan(loss.data)


def test_relu_layers_keep_nan():
    x = Tensor([math.nan, -1.0, 2.0])
    assert np.isnan(nn.ReLU()(x).data[0]) and np.isnan(x.relu().data[0])
    assert math.isnan(Value(math.nan).relu().data)
    assert math.isnan(Value(math.nan).leaky_relu(0.1).data)
