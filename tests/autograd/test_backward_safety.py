"""backward() is safe to call: in-place changes of saved inputs are detected (version
counters, as PyTorch), a failing pass leaves every .grad as it was, and a result built
under no_grad raises the same clear error for Value and Tensor (issue 11)."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor, Value, custom_op, grad, no_grad
from nn import Parameter
from nn.optim import SGD


def test_data_changed_after_forward_is_detected_naming_the_tensor():
    w = Tensor([1.0, 2.0], requires_grad=True, label="w")
    loss = (w * w).sum()
    w.data += 100  # what the issue did: silently wrong gradients before
    with pytest.raises(RuntimeError, match="'w'.*modified in place after op '\\*'"):
        loss.backward()
    assert w.grad is None
    (w * w).sum().backward()  # a fresh forward pass is fine
    np.testing.assert_allclose(w.grad, 2 * w.data)


def test_reassigning_data_is_detected():
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    W = Tensor([[0.5], [1.5]], requires_grad=True, label="W")
    y = (x @ W).tanh().sum()
    W.data = np.zeros((2, 1), dtype=np.float32)
    with pytest.raises(RuntimeError, match="'W' of shape \\(2, 1\\)"):
        y.backward()
    with pytest.raises(RuntimeError, match="modified in place"):
        grad(y, x)


def test_optimizer_step_between_forward_and_backward_is_detected():
    p = Parameter([1.0, -1.0], label="p")
    loss = (p * 3.0).sum()
    loss.backward()
    opt = SGD([p], lr=0.1)
    second = (p * p).sum()  # forward with the old weights
    opt.step()  # an in-place update through the library
    assert p.version == 1
    with pytest.raises(RuntimeError, match="'p'"):
        second.backward()


def test_version_counts_library_assignments_only():
    t = Tensor([1.0, 2.0])
    assert t.version == 0
    t.data -= 1
    t.data = t.data * 2
    assert t.version == 2


def test_failing_tensor_backward_leaves_grads_as_they_were():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor([3.0, 4.0], requires_grad=True)
    y.grad = np.array([10.0, 10.0], dtype=np.float32)

    def broken(g, needs):
        raise ValueError("rule failed")

    bad = custom_op(x.data * 2, "bad", [x], broken)
    out = bad.sum() + (y * 3.0).sum()  # y's branch is reached before the failing rule
    with pytest.raises(ValueError, match="rule failed"):
        out.backward()
    assert x.grad is None
    np.testing.assert_array_equal(y.grad, [10.0, 10.0])  # not 13: no partial gradient


class _Boom:
    def __iadd__(self, other):
        raise KeyboardInterrupt  # e.g. Ctrl-C in the middle of the pass

    __add__ = __radd__ = __iadd__


def test_failing_value_backward_leaves_grads_as_they_were():
    a, b, c = Value(2.0), Value(3.0), Value(4.0)
    a.grad, b.grad = 5.0, 7.0
    out = a * b + c * a
    c.grad = _Boom()
    with pytest.raises(KeyboardInterrupt):
        out.backward()
    assert (a.grad, b.grad) == (5.0, 7.0)
    c.grad = 0.0
    out.backward()  # a retry counts each contribution once
    assert (a.grad, b.grad, c.grad) == (5.0 + 3.0 + 4.0, 7.0 + 2.0, 2.0)


def test_value_backward_under_no_grad_raises_like_tensor():
    a = Value(2.0)
    with no_grad():
        v = a * 3
        t = Tensor([1.0], requires_grad=True) * 3
    with pytest.raises(RuntimeError, match="does not require grad") as value_error:
        v.backward()
    with pytest.raises(RuntimeError, match="does not require grad") as tensor_error:
        t.backward()
    assert str(value_error.value).replace("Value", "X") == str(tensor_error.value).replace(
        "Tensor", "X"
    )
    assert a.grad == 0.0
