"""custom_op: a user-defined op joins the graph like a built-in one."""

import numpy as np
import pytest

from autograd import Tensor, custom_op, gradcheck, no_grad


def smooth_abs(x):
    """sqrt(x^2 + 1): a new op in two lines; d/dx = x / sqrt(x^2 + 1)."""
    out = np.sqrt(x.data**2 + 1)
    return custom_op(out, "smooth_abs", [x], lambda g, needs: (g * x.data / out,))


def test_custom_op_gradient_matches_central_differences():
    x = Tensor(np.linspace(-2, 2, 7), requires_grad=True, dtype="float64", label="x")
    assert gradcheck(lambda x: (smooth_abs(x) * x).sum(), [x])


def test_custom_op_records_like_builtins():
    x = Tensor([1.0, -3.0], requires_grad=True)
    y = smooth_abs(x)
    assert (y.op, y.parents) == ("smooth_abs", (x,))
    with no_grad():
        assert smooth_abs(x).parents == ()
    assert smooth_abs(Tensor([1.0])).parents == ()  # no parent requires grad


def test_custom_op_rejects_bad_arguments():
    with pytest.raises(TypeError, match="parent 0 must be a Tensor"):
        custom_op(np.ones(2), "bad", [np.ones(2)], lambda g, needs: (g,))
    with pytest.raises(TypeError, match="vjp must be callable"):
        custom_op(np.ones(2), "bad", [Tensor([1.0, 2.0])], None)


def test_a_rule_returning_the_wrong_number_of_shares_is_named():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor([3.0, 4.0], requires_grad=True)
    bad = custom_op(x.data * y.data, "twice", [x, y], lambda g, needs: (g * y.data,))
    with pytest.raises(ValueError, match="op 'twice' returned 1 gradient shares for 2 parents"):
        bad.sum().backward()


def test_a_numpy_only_vjp_gets_g_and_needs_and_guards_its_output():
    """A two-argument vjp runs as vjp(g, needs); since it may read the output array it
    captured, changing that output in place before backward() is refused."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([5.0, 6.0])  # needs no gradient
    calls = []

    def vjp(g, needs):
        calls.append((g.copy(), needs))
        return (g * 2, None)

    y = custom_op(x.data * 2 + c.data, "affine", [x, c], vjp)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    assert c.grad is None
    (g, needs), = calls
    np.testing.assert_array_equal(g, [1.0, 1.0])
    assert needs == (True, False)

    x.grad = None
    z = custom_op(x.data**3, "cube", [x], lambda g, needs: (g * 3 * x.data**2,))
    with no_grad():
        z += 1  # the output the vjp might read has changed
    with pytest.raises(RuntimeError, match="modified in place"):
        z.sum().backward()
