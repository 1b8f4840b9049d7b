"""gradcheck / numerical_grad under misuse (issue 11): inputs restored, clear TypeErrors."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor, Value, gradcheck, numerical_grad


def raise_on_nudge(calls: list[int], fail_at: int):
    """f(x) = sum(x^2) that raises on its fail_at-th call (a nudged evaluation)."""
    def f(x):
        calls.append(1)
        if len(calls) == fail_at:
            raise FloatingPointError("f failed at a nudged point")
        return (x * x).sum()
    return f


@pytest.mark.parametrize("fail_at", [2, 3, 4])  # call 1 is the analytic pass
def test_gradcheck_restores_a_tensor_input_when_f_raises(fail_at):
    x = Tensor(np.array([0.5, -1.25, 2.0]), requires_grad=True, dtype=np.float64)
    before = x.data.copy()
    with pytest.raises(FloatingPointError):
        gradcheck(raise_on_nudge([], fail_at), [x])
    np.testing.assert_array_equal(x.data, before)


def test_numerical_grad_restores_a_value_input_when_f_raises():
    a, b = Value(0.3), Value(-2.0)

    def f(a, b):
        if b.data != -2.0:
            raise ZeroDivisionError("only at the nudged b")
        return a * b

    with pytest.raises(ZeroDivisionError):
        numerical_grad(f, [a, b])
    assert (a.data, b.data) == (0.3, -2.0)


@pytest.mark.parametrize("call, message", [
    (lambda x: gradcheck(3, [x]), r"gradcheck: f must be a callable .* got int 3"),
    (lambda x: gradcheck(lambda v: v, 3), r"gradcheck: inputs must be a sequence .* got int"),
    (lambda x: gradcheck(lambda v: v, [x, 2.0]), r"gradcheck: inputs\[1\] must be a Value or "
                                                 r"Tensor, got float 2.0"),
    (lambda x: gradcheck(lambda v: v, "ab"), r"inputs must be a sequence .* got str"),
    (lambda x: numerical_grad(None, [x]), r"numerical_grad: f must be a callable"),
    (lambda x: numerical_grad(lambda v: v, [x], h="1e-6"), r"h must be a positive float"),
])
def test_bad_arguments_raise_one_line_type_errors(call, message):
    with pytest.raises(TypeError, match=message) as info:
        call(Value(1.0))
    assert "\n" not in str(info.value)


def test_a_single_input_is_accepted_as_torch_does():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True, dtype=np.float64)
    assert gradcheck(lambda t: (t * t).sum(), x)
    assert numerical_grad(lambda v: v * v, Value(3.0))[0] == pytest.approx(6.0)
