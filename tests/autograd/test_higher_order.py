"""Gradients of gradients: create_graph=True, autograd.grad, gradgradcheck, jacobian,
hessian, hvp, for every op of the Value and Tensor catalogues."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tensor_cases import CASES  # tests/autograd is on sys.path (rootdir-less)
from test_value import BINARY, UNARY

import autograd as ag
from autograd import Tensor, Value, grad, gradgradcheck, hessian, hvp, jacobian

IDS = [c.name for c in CASES]


# ------------------------------------------------------------------ Tensor catalogue
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_tensor_second_derivatives_gradgradcheck(case):
    xs = [Tensor(a, requires_grad=True) for a in case.inputs(seed=3)]
    assert gradgradcheck(case.ours, xs, atol=1e-5, rtol=1e-4)


def _vhp_ours(case, arrays, v, us):
    xs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = case.ours(*xs)
    gs = grad(out, xs, v, create_graph=True, allow_unused=True)
    total = sum((g * u).sum() for g, u in zip(gs, us) if g is not None)
    if not getattr(total, "requires_grad", False):
        return [np.zeros_like(a) for a in arrays]
    second = grad(total, xs, allow_unused=True)
    return [np.zeros_like(a) if s is None else s for s, a in zip(second, arrays)]


def _vhp_torch(torch, case, arrays, v, us):
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = case.ref(*xs)
    gs = torch.autograd.grad(out, xs, torch.tensor(v), create_graph=True, allow_unused=True)
    total = sum((g * torch.tensor(u)).sum() for g, u in zip(gs, us) if g is not None)
    if not getattr(total, "requires_grad", False):
        return [np.zeros_like(a) for a in arrays]
    second = torch.autograd.grad(total, xs, allow_unused=True)
    return [np.zeros_like(a) if s is None else s.numpy(force=True) for s, a in zip(second, arrays)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_tensor_vector_hessian_product_matches_torch(case):
    torch = pytest.importorskip("torch")
    arrays = case.inputs(seed=5)
    rng = np.random.default_rng(11)
    out_shape = case.ours(*[Tensor(a) for a in arrays]).shape
    v = rng.standard_normal(out_shape)
    us = [rng.standard_normal(a.shape) for a in arrays]
    ours = _vhp_ours(case, arrays, v, us)
    theirs = _vhp_torch(torch, case, arrays, v, us)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


# ------------------------------------------------------------------- Value catalogue
@pytest.mark.parametrize("name,fn,domain,_", UNARY, ids=[u[0] for u in UNARY])
def test_value_unary_second_derivatives(name, fn, domain, _):
    for x in (0.37, 1.3) if name not in ("abs", "relu", "leaky_relu") else (0.7, -0.9):
        if name in ("pow_negative", "rtruediv", "reciprocal") and abs(x) < 0.1:
            continue
        assert gradgradcheck(fn, [Value(x)])


@pytest.mark.parametrize("name,fn,da,db", BINARY, ids=[b[0] for b in BINARY])
def test_value_binary_second_derivatives(name, fn, da, db):
    assert gradgradcheck(fn, [Value(0.8), Value(1.7)])


def test_value_derivative_functions_equal_the_float_locals():
    """Each op's derivative as Values gives exactly the floats of its fast path."""
    a, b = Value(0.8), Value(1.7)
    nodes = [fn(a) for _, fn, _, _ in UNARY] + [fn(a, b) for _, fn, _, _ in BINARY]
    for node in nodes:
        values = node.shares(Value(1.0, requires_grad=False), create_graph=True)
        floats = node.shares(1.0)
        assert [float(getattr(v, "data", v)) for v in values] == pytest.approx(floats, rel=1e-15)


@pytest.mark.parametrize(
    "f,d2",
    [
        (lambda x: x.tanh(), lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2)),
        (lambda x: x.sigmoid(), lambda x: (s := 1 / (1 + math.exp(-x))) * (1 - s) * (1 - 2 * s)),
        (lambda x: x**3, lambda x: 6 * x),
        (lambda x: x.sin(), lambda x: -math.sin(x)),
    ],
    ids=["tanh", "sigmoid", "cube", "sin"],
)
def test_value_second_derivative_closed_forms(f, d2):
    for x0 in (-1.1, 0.3, 2.0):
        x = Value(x0)
        (d1,) = grad(f(x), x, create_graph=True)
        (dd,) = grad(d1, x)
        assert dd == pytest.approx(d2(x0), rel=1e-12, abs=1e-12)
        # and through backward(create_graph=True): x.grad is a Value
        x2 = Value(x0)
        f(x2).backward(create_graph=True)
        g = x2.grad
        x2.grad = 0.0
        g.backward()
        assert x2.grad == pytest.approx(d2(x0), rel=1e-12, abs=1e-12)


def test_value_third_derivative_of_cube_is_six():
    x = Value(0.4)
    (d1,) = grad(x**3, x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    (d3,) = grad(d2, x)
    assert (d1.data, d2.data, d3) == pytest.approx((3 * 0.16, 6 * 0.4, 6.0))


# ------------------------------------------------------------ lecture 002, helpers
def test_hessian_of_norm_wx_squared_is_two_wt_w():
    W = np.array([[0.1, 0.5], [-0.3, 0.8], [1.2, -0.4]])
    x = Tensor([0.2, 0.4], dtype="float64")
    H = hessian(lambda x: ((Tensor(W) @ x) ** 2).sum(), x)
    np.testing.assert_allclose(H, 2 * W.T @ W, rtol=1e-13)
    _, hv = hvp(lambda x: ((Tensor(W) @ x) ** 2).sum(), x, np.array([1.0, -2.0]))
    np.testing.assert_allclose(hv, 2 * W.T @ W @ np.array([1.0, -2.0]), rtol=1e-13)


def test_jacobian_hessian_hvp_shapes_match_torch():
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF

    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3))
    b = rng.standard_normal(3)

    def f_ours(x, y):
        return (x * y).tanh()

    def f_torch(x, y):
        return (x * y).tanh()

    J = jacobian(f_ours, (Tensor(a), Tensor(b)))
    Jt = TF.jacobian(f_torch, (torch.tensor(a), torch.tensor(b)))
    for mine, theirs in zip(J, Jt):
        assert mine.shape == tuple(theirs.shape)
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-12)

    def s_ours(x):
        return (x.sin() * x).sum()

    def s_torch(x):
        return (x.sin() * x).sum()

    H = hessian(s_ours, Tensor(a))
    Ht = TF.hessian(s_torch, torch.tensor(a))
    assert H.shape == tuple(Ht.shape) == (2, 3, 2, 3)
    np.testing.assert_allclose(H, Ht.numpy(), rtol=1e-12, atol=1e-14)
    v = rng.standard_normal((2, 3))
    value, hv = hvp(s_ours, Tensor(a), v)
    value_t, hv_t = TF.hvp(s_torch, torch.tensor(a), torch.tensor(v))
    assert hv.shape == tuple(hv_t.shape)
    np.testing.assert_allclose(hv, hv_t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(value, value_t.numpy(), rtol=1e-12)


def test_gradient_penalty_matches_torch():
    """Loss = ||d out / d x||^2 (a WGAN-GP style penalty), differentiated w.r.t. W."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    W0, x0 = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))

    W, x = Tensor(W0, requires_grad=True), Tensor(x0, requires_grad=True)
    out = (x @ W.T).tanh().sum()
    (gx,) = grad(out, x, create_graph=True)
    penalty = (gx * gx).sum()
    penalty.backward()

    Wt = torch.tensor(W0, requires_grad=True)
    xt = torch.tensor(x0, requires_grad=True)
    (gxt,) = torch.autograd.grad((xt @ Wt.T).tanh().sum(), xt, create_graph=True)
    (gxt * gxt).sum().backward()
    np.testing.assert_allclose(W.grad, Wt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-12)


def test_grad_does_not_touch_dot_grad_and_sums_outputs():
    x = Tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    y1, y2 = (x * x).sum(), (3 * x).sum()
    (g,) = grad([y1, y2], x)
    np.testing.assert_allclose(g, 2 * x.data + 3)
    assert x.grad is None
    v = Value(2.0)
    (gv,) = grad(v * v, [v])
    assert gv == 4.0 and v.grad == 0.0


def test_grad_errors_are_clear():
    x = Tensor([1.0, 2.0], requires_grad=True)
    unused = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="inputs\\[1\\] is not part of the graph"):
        grad((x * x).sum(), [x, unused])
    assert grad((x * x).sum(), [x, unused], allow_unused=True)[1] is None
    with pytest.raises(RuntimeError, match="not a scalar"):
        grad(x * x, x)
    with pytest.raises(TypeError, match="inputs\\[0\\] must be a Value or a Tensor"):
        grad((x * x).sum(), [3.0])


def test_create_graph_through_a_numpy_only_rule_raises_naming_the_op():
    x = Tensor([1.0, 2.0], requires_grad=True)
    cube = ag.custom_op(x.data**3, "cube", [x], lambda g, needs: (g * 3 * x.data**2,))
    with pytest.raises(RuntimeError, match="op 'cube'.*only runs on numpy arrays"):
        grad(cube.sum(), x, create_graph=True)
    (g,) = grad(cube.sum(), x)  # the default path still works
    np.testing.assert_allclose(g, 3 * x.data**2)


def test_custom_op_in_the_rule_convention_supports_create_graph():
    x = Tensor([1.0, 2.0], requires_grad=True, dtype="float64")

    def vjp(g, needs, inputs, out):
        (a,) = inputs
        return (g * 3 * a * a,)

    cube = ag.custom_op(x.data**3, "cube", [x], vjp)
    (g,) = grad(cube.sum(), x, create_graph=True)
    (h,) = grad(g.sum(), x)
    np.testing.assert_allclose(h, 6 * x.data)


def test_double_backward_graph_can_be_drawn_and_stepped():
    pytest.importorskip("graphviz")
    import viz

    x = Value(0.5, label="x")
    (d1,) = grad(x.sigmoid(), x, create_graph=True)
    dot = viz.draw(d1).source
    assert "sigmoid" in dot
    stepper = viz.BackpropStepper(d1)
    assert stepper.n_steps > 0
    # the stepper's gradient of x is the second derivative
    s = 1 / (1 + math.exp(-0.5))
    assert stepper.grads[id(x)] == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-12)
    t = Tensor([0.5, -1.0], requires_grad=True, dtype="float64")
    (gt,) = grad((t.tanh() ** 2).sum(), t, create_graph=True)
    assert "tanh" in viz.draw(gt.sum()).source
    assert viz.BackpropStepper(gt.sum()).n_steps > 0


@pytest.mark.parametrize(
    "op,fn",
    [
        ("conv2d", lambda x, w: ag.conv2d(x, w, padding=1)),
        ("max_pool2d", lambda x, w: ag.max_pool2d(x * w.sum(), 2)),
        ("avg_pool2d", lambda x, w: ag.avg_pool2d(x * w.sum(), 2)),
    ],
)
def test_conv_and_pooling_second_derivatives_are_right_or_refused_by_name(op, fn):
    """Until their rules run on Tensors, create_graph through them must fail loudly."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    try:
        grad(fn(x, w).sum(), [x, w], create_graph=True)
    except RuntimeError as exc:
        assert f"op {op!r}" in str(exc)
    else:
        assert gradgradcheck(fn, [x, w])
