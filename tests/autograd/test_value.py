"""The scalar engine: every primitive's derivative, accumulation, the graph walk, memory."""

from __future__ import annotations

import gc
import math
import sys
import warnings
import weakref

import op_table  # tests/autograd is on sys.path (rootdir-less)
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck, no_grad, numerical_grad, zero_grad
from autograd.numerical import GradcheckError

# Each primitive: (name, builder taking Values, input strategy per argument, torch builder).
finite = st.floats(-3.0, 3.0, allow_nan=False)
positive = st.floats(0.1, 4.0)
away_from_zero = st.one_of(st.floats(-3.0, -0.1), st.floats(0.1, 3.0))
near_zero = st.floats(-0.3, 0.3)  # against far_from_zero: never within 0.2 of a tie
far_from_zero = st.one_of(st.floats(-3.0, -0.5), st.floats(0.5, 3.0))

# Every unary op of the op table (tests/autograd/op_table.py), with a hypothesis strategy.
_STRATEGY = {"real": finite, "positive": positive, "nonzero": away_from_zero}
UNARY = [(op.name, op.fn, _STRATEGY[op.domain], op.torch_fn) for op in op_table.rows("value")]
BINARY = [
    ("add", lambda a, b: a + b, finite, finite),
    ("sub", lambda a, b: a - b, finite, finite),
    ("mul", lambda a, b: a * b, finite, finite),
    ("truediv", lambda a, b: a / b, finite, away_from_zero),
    ("pow_value", lambda a, b: a**b, positive, finite),
    ("max", lambda a, b: a.max(b), far_from_zero, near_zero),
    ("min", lambda a, b: a.min(b), far_from_zero, near_zero),
]


@pytest.mark.parametrize("name,fn,domain,_", UNARY, ids=[u[0] for u in UNARY])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_unary_derivative_matches_central_differences(name, fn, domain, _, data):
    a = Value(data.draw(domain), label="a")
    assert gradcheck(fn, [a], h=1e-6, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name,fn,da,db", BINARY, ids=[b[0] for b in BINARY])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_binary_derivative_matches_central_differences(name, fn, da, db, data):
    a, b = Value(data.draw(da), label="a"), Value(data.draw(db), label="b")
    assert gradcheck(fn, [a, b], h=1e-6, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name,fn,domain,torch_fn", UNARY, ids=[u[0] for u in UNARY])
def test_unary_matches_pytorch_float64(name, fn, domain, torch_fn):
    torch = pytest.importorskip("torch")
    for x in (-2.5, -0.7, 0.3, 1.9):
        if domain is positive and x <= 0:
            x = -x
        a = Value(x)
        out = fn(a)
        out.backward()
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        ref = torch_fn(t)
        ref.backward()
        assert out.data == pytest.approx(ref.item(), rel=1e-12, abs=1e-12)
        assert a.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name,fn,da,db", BINARY, ids=[b[0] for b in BINARY])
def test_binary_matches_pytorch_float64(name, fn, da, db):
    torch = pytest.importorskip("torch")
    for x, y in ((1.3, -0.4), (0.6, 2.2), (2.5, 0.5)):
        a, b = Value(x), Value(y)
        out = fn(a, b)
        out.backward()
        ta = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        tb = torch.tensor(y, dtype=torch.float64, requires_grad=True)
        ref = fn(ta, tb)
        ref.backward()
        assert out.data == pytest.approx(ref.item(), rel=1e-12)
        assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)
        assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12)


def test_kinks_follow_pytorch():
    for fn, expected in ((lambda a: a.relu(), 0.0), (abs, 0.0), (lambda a: a.leaky_relu(0.2), 0.2)):
        a = Value(0.0)
        fn(a).backward()
        assert a.grad == expected


def test_undefined_math_gives_nan_or_inf_not_exceptions():
    assert math.isnan(Value(-1.0).log().data)
    assert Value(0.0).log().data == -math.inf
    assert math.isnan(Value(-4.0).sqrt().data)
    assert math.isnan((Value(-8.0) ** 0.5).data)
    assert (Value(-2.0) ** 3).data == -8.0  # integer exponents of negative bases are fine
    assert Value(0.0).reciprocal().data == math.inf
    assert (Value(1.0) / 0.0).data == math.inf
    assert math.isnan((Value(0.0) / 0.0).data)
    assert Value(1000.0).exp().data == math.inf


@pytest.mark.parametrize("x", [1000.0, -1000.0, 1e4, -1e4])
def test_stable_tanh_and_sigmoid_at_extremes(x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in (lambda a: a.tanh(), lambda a: a.sigmoid()):
            a = Value(x)
            out = fn(a)
            out.backward()
            assert math.isfinite(out.data) and math.isfinite(a.grad)
            assert a.grad == pytest.approx(0.0, abs=1e-300)
    assert Value(x).sigmoid().data == (1.0 if x > 0 else 0.0)


# ---------------------------------------------------------------- the lectures
def test_seed002_x_plus_y_times_z():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    f = q * z
    f.backward()
    assert (q.data, f.data) == (3.0, -12.0)
    assert (x.grad, y.grad, z.grad, q.grad) == (-4.0, -4.0, 3.0, -4.0)


def sigmoid_circuit(w0, x0, w1, x1, w2):
    """Lecture 002's circuit from the gates *, +, *-1, exp, +1, 1/x."""
    return ((-(w0 * x0 + w1 * x1 + w2)).exp() + 1).reciprocal()


def test_seed002_sigmoid_circuit_from_gates():
    w0, x0, w1, x1, w2 = (Value(v, label=n) for v, n in
                          zip((2.0, -1.0, -3.0, -2.0, -3.0), ("w0", "x0", "w1", "x1", "w2")))
    f = sigmoid_circuit(w0, x0, w1, x1, w2)
    f.backward()
    assert round(f.data, 2) == 0.73
    got = [round(v.grad, 2) for v in (w0, x0, w1, x1, w2)]
    assert got == [-0.20, 0.39, -0.39, -0.59, 0.20]
    # The gates are the lecture's, in order from the output back.
    ops = [f.op, f.parents[0].op, f.parents[0].parents[0].op, f.parents[0].parents[0].parents[0].op]
    assert ops == ["1/x", "+1", "exp", "*-1"]


def test_seed002_sigmoid_gate_gives_same_gradients():
    vals = (2.0, -1.0, -3.0, -2.0, -3.0)
    a = [Value(v) for v in vals]
    sigmoid_circuit(*a).backward()
    b = [Value(v) for v in vals]
    (b[0] * b[1] + b[2] * b[3] + b[4]).sigmoid().backward()
    for u, v in zip(a, b):
        assert u.grad == pytest.approx(v.grad, rel=1e-12)


def test_seed000_sigmoid_bce_backprop():
    w1, w2, x1, x2, y = Value(1.0), Value(2.0), 1.0, -1.0, 1.0
    z = w1 * x1 + w2 * x2
    y_hat = z.sigmoid()
    loss = -y * y_hat.log() - (1 - y) * (1 - y_hat).log()
    loss.backward()
    s = 1 / (1 + math.exp(1))
    assert z.data == -1.0
    assert loss.data == pytest.approx(-math.log(s))
    assert w1.grad == pytest.approx(s - 1)
    assert w2.grad == pytest.approx((s - 1) * -1)


def test_seed000_relu_square_loss_quiz_answer_is_4():
    w1, w2 = Value(1.0), Value(-2.0)  # any weights giving z = w1 - w2 = 3
    y_hat = (w1 * 1.0 + w2 * -1.0).relu()
    loss = (y_hat - 1.0) ** 2
    loss.backward()
    assert (y_hat.data, loss.data, w1.grad) == (3.0, 4.0, 4.0)


def test_seed004_multivariate_chain_rule():
    for x0 in (-1.3, 0.4, 0.9):
        x = Value(x0)
        z1, z2 = x.sin(), x**3
        y = z1**4 * z2.exp() + 5 * z1 + 7 * z2
        y.backward()
        s, c, e = math.sin(x0), math.cos(x0), math.exp(x0**3)
        # dy/dx = dy/dz1 dz1/dx + dy/dz2 dz2/dx
        expected = (4 * s**3 * e + 5) * c + (s**4 * e + 7) * 3 * x0**2
        assert x.grad == pytest.approx(expected, rel=1e-12)
        assert z1.grad == pytest.approx(4 * s**3 * e + 5, rel=1e-12)


def test_seed003_fit_y_equals_wx_by_gradient_descent():
    table = [(10.0, 10.1), (2.0, 1.9), (3.5, 3.4), (1.0, 1.1)]
    w = Value(0.0, label="w")
    for _ in range(200):
        loss = sum(0.5 * (y - w * x) ** 2 for x, y in table)
        w.grad = 0.0
        loss.backward()
        # the slide's rule: dL/dw = -(y - y_hat) x, summed over the samples
        assert w.grad == pytest.approx(sum(-(y - w.data * x) * x for x, y in table))
        w.data -= 0.005 * w.grad
    least_squares = sum(x * y for x, y in table) / sum(x * x for x, _ in table)
    assert w.data == pytest.approx(least_squares, rel=1e-9)
    assert round(w.data, 2) == 1.0


# --------------------------------------------------------- reuse, accumulation
def test_reuse_accumulates_both_contributions():
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0
    assert b.parents == (a, a)
    c = Value(3.0)
    (c * c).backward()
    assert c.grad == 6.0


def test_diamond():
    a = Value(2.0)
    b, c = a * 3, a.exp()
    d = b * c
    d.backward()
    assert a.grad == pytest.approx(3 * math.exp(2) + 6 * math.exp(2))


def test_second_backward_accumulates_into_leaves_only():
    a, b = Value(2.0), Value(-1.5)
    q = a * b
    f = q + a
    f.backward()
    first = (a.grad, b.grad, q.grad)
    f.backward()
    assert (a.grad, b.grad) == (2 * first[0], 2 * first[1])
    assert q.grad == first[2]  # interior gradients are recomputed, not doubled
    zero_grad(f)
    assert (a.grad, b.grad, q.grad, f.grad) == (0.0, 0.0, 0.0, 0.0)


def test_inplace_add_rebinds_to_new_node():
    a = Value(1.0)
    c = a
    c += 1
    assert c is not a and a.data == 1.0 and c.data == 2.0 and c.parents[0] is a


# ---------------------------------------------------- sum(): one Σ gate (issue 26)
def _chain_sum(terms: list) -> Value:
    """The same sum as binary "+" gates (a named total: never one Σ gate)."""
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def test_sum_of_values_is_one_sigma_gate_with_the_chains_value_and_gradients():
    xs = [Value(v) for v in (0.1, -2.5, 3.25, 1e-3, 7.0)]
    s = sum(x * x for x in xs)
    assert s.op == "Σ" and len(s.parents) == 5 and s.local == (1.0,) * 5
    assert all(p.op == "*" and p.parents == (x, x) for p, x in zip(s.parents, xs, strict=True))
    (s * 0.5).backward()
    grads = [x.grad for x in xs]
    for x in xs:
        x.grad = 0.0
    chain = _chain_sum([x * x for x in xs])
    assert chain.op == "+" and len(chain.parents) == 2
    (chain * 0.5).backward()
    assert s.data == chain.data  # summed left to right, as the chain
    assert grads == [x.grad for x in xs] == [x.data for x in xs]


def test_sum_of_one_value_and_a_total_in_an_expression():
    x, y = Value(2.0), Value(3.0)
    one = sum([x])
    assert (one.op, one.parents, one.data) == ("Σ", (x,), 2.0)
    s = sum([x, y]) + x  # still a temporary: the same gate takes the term
    assert s.op == "Σ" and s.parents == (x, y, x) and s.data == 7.0
    s.backward()
    assert (x.grad, y.grad) == (2.0, 1.0)


def test_a_sum_held_in_a_variable_is_not_extended():
    x, y, z = Value(1.0), Value(2.0), Value(4.0)
    total = sum([x, y])
    later = total + z  # `total` is visible: a new "+" gate, `total` unchanged
    also = total + x
    assert (total.op, total.parents, total.data) == ("Σ", (x, y), 3.0)
    assert later.op == "+" and later.parents == (total, z) and later.data == 7.0
    assert also.parents == (total, x) and also.data == 4.0
    later.backward()
    assert total.grad == 1.0 and (x.grad, y.grad, z.grad) == (1.0, 1.0, 1.0)


def test_explicit_additions_stay_binary_gates_as_the_lecture_draws_them():
    w0, x0, w1, x1, w2 = (Value(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0))
    net = w0 * x0 + w1 * x1 + w2  # the sigmoid neuron of lecture 002: two "+" gates
    assert net.op == "+" and net.parents[0].op == "+"
    start = sum([w0 * x0, w1 * x1], w2)  # sum() from a Value: Python adds w2 + ... first
    assert start.op == "+" and start.parents[0].op == "+"


def test_long_sums_chain_full_sigma_gates():
    from autograd.value import SUM_WIDTH

    xs = [Value(float(i)) for i in range(2 * SUM_WIDTH + 3)]
    s = sum(xs)
    assert s.op == "Σ" and s.data == sum(x.data for x in xs)
    widths = []
    node = s
    while node.op == "Σ":
        widths.append(len(node.parents))
        node = node.parents[0]
    # 64 terms, then the full gate and 63 terms, then that gate and the last 4
    assert widths == [5, SUM_WIDTH, SUM_WIDTH]
    s.backward()
    assert all(x.grad == 1.0 for x in xs)


def test_sum_under_no_grad_and_second_derivatives_through_a_sigma_gate():
    xs = [Value(v) for v in (0.5, -1.5, 2.0)]
    with no_grad():
        s = sum(x * x for x in xs)
    assert s.parents == () and s.data == 6.5
    s = sum(x * x * x for x in xs)  # d/dx_i = 3 x_i**2, d2/dx_i**2 = 6 x_i
    s.backward(create_graph=True)
    firsts = [x.grad for x in xs]
    assert [g.data for g in firsts] == pytest.approx([3 * x.data**2 for x in xs])
    for x in xs:
        x.grad = 0.0
    sum(firsts).backward()
    assert [x.grad for x in xs] == pytest.approx([6 * x.data for x in xs])


def test_million_node_chain_at_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0 and y.data == 1_000_001.0


def test_no_grad_records_nothing():
    a = Value(2.0)
    with no_grad():
        b = a * a + 1
    assert b.parents == () and b.op == "" and b.data == 5.0
    c = a * a  # recording resumes afterwards
    assert c.parents == (a, a)


def test_graph_has_no_reference_cycles_and_is_freed_when_root_dropped():
    gc.collect()
    gc.disable()
    try:
        x = Value(0.5)
        y = x
        for _ in range(100):
            y = (y * 2).tanh() + y.sigmoid()
        y.backward()
        middle = weakref.ref(y.parents[0])
        del y
        assert middle() is None  # freed by reference counting alone
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_repr_and_item():
    q = Value(3.0, label="q")
    q.grad = -4.0
    assert repr(q) == "Value(data=3.0, grad=-4.0, label='q')"
    assert q.item() == 3.0 and float(q) == 3.0
    assert "op='+2'" in repr(Value(1.0) + 2)


def test_bad_input_raises_clear_errors():
    with pytest.raises(TypeError, match="real number"):
        Value("3")
    with pytest.raises(TypeError):
        Value(1.0) + "x"


def test_number_operands_fold_into_lecture_gates():
    x = Value(2.0)
    cases = [(x + 1, "+1", 3.0, 1.0), (1 + x, "+1", 3.0, 1.0), (x * -1, "*-1", -2.0, -1.0),
             (-x, "*-1", -2.0, -1.0), (x - 0.5, "-0.5", 1.5, 1.0), (3 - x, "3-x", 1.0, -1.0),
             (x / 4, "/4", 0.5, 0.25), (1 / x, "1/x", 0.5, -0.25), (x**2, "**2", 4.0, 4.0),
             (2**x, "2**x", 4.0, 4.0 * math.log(2))]
    for out, op, data, local in cases:
        assert (out.op, out.parents, out.data) == (op, (x,), data)
        assert out.local[0] == pytest.approx(local)
    assert x.requires_grad and not Value(1.0, requires_grad=False).requires_grad


# -------------------------------------------------------------- gradient check
def test_forward_difference_is_first_order_central_second_order():
    x = Value(0.7)
    exact = math.cos(0.7)
    fwd = numerical_grad(lambda x: x.sin(), [x], h=1e-4, method="forward")[0]
    cen = numerical_grad(lambda x: x.sin(), [x], h=1e-4, method="central")[0]
    assert abs(cen - exact) < 1e-8 < abs(fwd - exact) < 1e-4
    assert x.data == 0.7  # restored


def test_gradcheck_names_every_mismatching_input():
    def broken(a, b):
        out = a * b
        out.local = (1.0, 1.0)  # a wrong local derivative for both parents
        return out

    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    with pytest.raises(GradcheckError) as info:
        gradcheck(broken, [a, b])
    assert "input 0 ('a')" in str(info.value) and "input 1 ('b')" in str(info.value)


def test_numerical_grad_rejects_bad_arguments():
    with pytest.raises(ValueError, match="method"):
        numerical_grad(lambda x: x, [Value(1.0)], method="backward")
    with pytest.raises(ValueError, match="positive"):
        numerical_grad(lambda x: x, [Value(1.0)], h=0)
