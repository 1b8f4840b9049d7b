"""In-place operators on Tensor (issue 25, finding 3): ``p -= lr * p.grad`` under no_grad
updates the model (it used to rebind ``p`` and train nothing), a leaf that requires grad
refuses them outside no_grad (PyTorch's error), interior tensors record them."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor, grad, no_grad
from nn.optim import SGD

LEAF = "a leaf Variable that requires grad is being used in an in-place operation"


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((32, 3))
    y = x @ np.array([[1.5], [-2.0], [0.5]]) + 0.3
    return Tensor(x, dtype="float64"), Tensor(y, dtype="float64")


def _model():
    nn.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)).double()


def test_manual_sgd_idiom_trains_and_matches_the_optimizer():
    x, y = _data()
    model, reference = _model(), _model()
    opt = SGD(reference.parameters(), lr=0.1)
    params = list(model.parameters())
    losses = []
    for _ in range(50):
        model.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        losses.append(loss.item())
        with no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad  # the PyTorch tutorials' loop
        opt.zero_grad()
        ((reference(x) - y) ** 2).mean().backward()
        opt.step()
    assert list(model.parameters()) == params  # the same objects, updated in place
    assert losses[-1] < 0.2 * losses[0]
    for p, q in zip(model.parameters(), reference.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("write", [
    lambda w: w.__iadd__(1.0), lambda w: w.__isub__(1.0), lambda w: w.__imul__(2.0),
    lambda w: w.__itruediv__(2.0), lambda w: w.__ipow__(2.0), lambda w: w.add_(1.0),
    lambda w: w.sub_(1.0), lambda w: w.mul_(2.0), lambda w: w.div_(2.0),
    lambda w: w.zero_(), lambda w: w.fill_(3.0), lambda w: w.copy_([5.0, 6.0]),
], ids=["+=", "-=", "*=", "/=", "**=", "add_", "sub_", "mul_", "div_", "zero_", "fill_",
        "copy_"])
def test_a_leaf_that_requires_grad_refuses_in_place_ops_outside_no_grad(write):
    w = Tensor([1.0, 2.0], requires_grad=True, label="w")
    with pytest.raises(RuntimeError, match=LEAF + r".*'w'.*no_grad"):
        write(w)
    np.testing.assert_array_equal(w.data, [1.0, 2.0])
    assert w.version == 0
    with no_grad():
        assert write(w) is w  # allowed there, in place
    assert w.version == 1


def test_plus_equals_on_a_leaf_does_not_rebind_it_silently():
    w = Tensor([1.0, 2.0], requires_grad=True)
    before = w
    with pytest.raises(RuntimeError, match=LEAF):
        w += 1
    assert w is before


def test_a_view_of_a_leaf_refuses_too():
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    view = w[0:2]
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        view += 1
    with no_grad():
        w[1:].mul_(10)  # through a view, in the same memory
    np.testing.assert_array_equal(w.data, [1.0, 20.0, 30.0])
    assert w.version == 1


def test_writes_under_no_grad_bump_the_version_and_refuse_a_stale_backward():
    w = Tensor([1.0, 2.0], requires_grad=True, label="w")
    loss = (w * w).sum()
    with no_grad():
        w -= 0.5
    assert w.version == 1
    with pytest.raises(RuntimeError, match="'w'.*modified in place"):
        loss.backward()


def test_other_names_and_views_see_the_change():
    t = Tensor(np.zeros((2, 2)))
    alias, row = t.detach(), t[0]
    t += 1
    t[1].mul_(5)
    np.testing.assert_array_equal(alias.data, [[1, 1], [5, 5]])
    np.testing.assert_array_equal(row.data, [1, 1])
    assert alias.version == row.version == 2


@pytest.mark.parametrize("symbol", ["+", "-", "*", "/", "**"])
def test_interior_tensors_record_the_op_with_the_out_of_place_gradients(symbol):
    rng = np.random.default_rng(1)
    xs = rng.uniform(0.5, 2.0, (2, 3))
    zs = rng.uniform(0.5, 2.0, (3,))

    def run(in_place):
        x = Tensor(xs, requires_grad=True, dtype="float64")
        z = Tensor(zs, requires_grad=True, dtype="float64")
        y = x.exp()
        if in_place:
            before = y
            y = {"+": y.__iadd__, "-": y.__isub__, "*": y.__imul__, "/": y.__itruediv__,
                 "**": y.__ipow__}[symbol](z)
            assert y is before  # the same object became the new node
        else:
            y = {"+": y + z, "-": y - z, "*": y * z, "/": y / z, "**": y ** z}[symbol]
        (y * y).sum().backward()
        return y.data, x.grad, z.grad

    for got, want in zip(run(True), run(False)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_accumulating_a_loss_with_plus_equals_works():
    x = Tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    total = 0
    for k in range(1, 4):
        total += (x * x).sum() * k  # 0 + t, then in place on the interior sum
    total.backward()
    np.testing.assert_allclose(total.item(), 6 * 5.0)
    np.testing.assert_allclose(x.grad, 6 * 2 * x.data)


def test_a_constant_updated_from_a_tensor_that_requires_grad_records_it():
    w = Tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    acc = Tensor.zeros(2, dtype="float64")
    acc += w * 3
    acc.sub_(w)  # acc = 2 w
    acc *= w  # acc = 2 w * w
    acc.sum().backward()
    np.testing.assert_allclose(w.grad, 4 * w.data)
    other = Tensor.zeros(2, dtype="float64")
    other.copy_(w * w)
    other.sum().backward()
    np.testing.assert_allclose(w.grad, 6 * w.data)


def test_copy_from_the_tensor_itself_is_refused_by_the_op_that_read_it():
    w = Tensor([1.0, 2.0], requires_grad=True)
    acc = w * 1
    acc.copy_(acc * w)  # the product read acc's old values (as in PyTorch)
    with pytest.raises(RuntimeError, match="modified in place after op '\\*'"):
        acc.sum().backward()


def test_ops_recorded_earlier_refuse_rather_than_use_the_new_values():
    x = Tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    b = a.exp()  # exp's backward reads its input's values
    a += 1
    with pytest.raises(RuntimeError, match="modified in place after op 'exp'"):
        (a + b).sum().backward()


def test_zero_and_fill_on_an_interior_tensor_stop_the_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    y = x * 3
    y.zero_()
    (y + x).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_recorded_in_place_ops_have_second_derivatives():
    x = Tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    y = x * x
    y *= x  # x**3
    (dx,) = grad(y.sum(), [x], create_graph=True)
    np.testing.assert_allclose(dx.data, 3 * x.data**2)
    dx.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * x.data)


def test_in_place_ops_under_no_grad_on_an_interior_tensor():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with no_grad():
        y += 1  # not recorded (PyTorch's rule): d y / d x stays 2
    np.testing.assert_array_equal(y.data, [3.0, 5.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


@pytest.mark.parametrize("op", ["exp", "tanh", "sigmoid", "sqrt"])
def test_an_output_its_rule_reads_must_not_change(op):
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = getattr(x, op)()  # these backward rules read the output
    with no_grad():
        y += 1
    with pytest.raises(RuntimeError, match=f"output of '{op}'.*modified in place after op "
                                           f"'{op}' computed it"):
        y.sum().backward()
    z = x.exp()
    z.data += 1  # through .data as well
    with pytest.raises(RuntimeError, match="computed it"):
        z.sum().backward()


@pytest.mark.parametrize("write, error, match", [
    (lambda t: t.__iadd__(np.ones((2, 2))), ValueError, r"shape \(2, 2\) cannot update.*\(2,\)"),
    (lambda t: t.__iadd__(np.ones(3)), ValueError, r"shape \(3,\) cannot update"),
    (lambda t: t.__iadd__("a"), TypeError, "expected a Tensor, an array or a number"),
    (lambda t: t.__iadd__(None), TypeError, "got NoneType"),
    (lambda t: t.fill_([1.0, 2.0]), ValueError, "expected a number"),
    (lambda t: t.__imatmul__(t), TypeError, "@= is not supported"),
])
def test_bad_operands_get_clear_errors(write, error, match):
    t = Tensor([1.0, 2.0])
    with pytest.raises(error, match=match):
        write(t)
    np.testing.assert_array_equal(t.data, [1.0, 2.0])
    assert t.version == 0


def test_integer_and_read_only_tensors():
    i = Tensor([1, 2])
    i += 1
    i *= 3
    np.testing.assert_array_equal(i.data, [6, 9])
    with pytest.raises(TypeError, match="true division of a tensor of dtype int64"):
        i /= 2
    with pytest.raises(TypeError, match="dtype float64, which cannot be written into a tensor "
                                        "of dtype int64"):
        i += 1.5
    wide = Tensor([1.0, 2.0]).expand(3, 2)
    with pytest.raises(ValueError, match="read-only broadcast view"):
        wide += 1


def test_float32_stays_float32():
    t = Tensor([1.0, 2.0])
    t += np.float64(0.1)
    t.mul_(Tensor(np.array([2.0, 2.0])))
    assert t.dtype == np.float32
    np.testing.assert_allclose(t.data, [2.2, 4.2], rtol=1e-6)
