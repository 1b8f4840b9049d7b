"""Tensor core: construction, backward semantics, graph bookkeeping, errors, lecture fixtures."""

from __future__ import annotations

import gc
import warnings
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd import Tensor, Value, gradcheck, name_scope, no_grad, topological_order, zero_grad
from autograd.broadcast import unbroadcast

# ------------------------------------------------------------------ construction


def test_default_dtype_is_float32_and_float64_is_kept():
    # as torch.tensor: integers and bools keep their dtype, Python floats become float32
    assert Tensor([1, 2, 3]).dtype == np.int64
    assert Tensor(np.array([0, 2], np.int32)).dtype == np.int32
    assert Tensor([True, False]).dtype == np.bool_
    assert Tensor([1, 2.5]).dtype == np.float32
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor(3.0).shape == () and Tensor(3.0).dtype == np.float32
    assert Tensor(np.arange(3)).dtype == np.int64
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x[Tensor(np.array([1, 0]))].data.tolist() == [[3, 4, 5], [0, 1, 2]]  # usable index
    with pytest.raises(TypeError, match=r"got dtype int64 \(integer data keeps an integer"):
        Tensor([1, 2], requires_grad=True)
    assert Tensor(np.zeros(2, np.float64)).dtype == np.float64
    assert Tensor([1, 2], dtype="float64").dtype == np.float64
    assert Tensor.zeros(2, 3).shape == (2, 3) and Tensor.zeros((2, 3)).dtype == np.float32
    assert Tensor.ones(4).data.sum() == 4
    assert Tensor.eye(3).data.trace() == 3
    np.testing.assert_array_equal(Tensor.arange(4).data, [0, 1, 2, 3])
    np.testing.assert_array_equal(ag.arange(1, 7, 2).data, [1, 3, 5])
    assert ag.zeros(2).dtype == ag.ones(2).dtype == np.float32


def test_randn_is_seeded():
    a, b = Tensor.randn(3, 4, seed=5), ag.randn((3, 4), seed=5)
    np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(a.data, Tensor.randn(3, 4, seed=6).data)
    assert a.dtype == np.float32


def test_constructor_copies_input_and_numpy_interop():
    arr = np.ones(3)
    t = Tensor(arr)
    arr[0] = 5
    assert t.data[0] == 1
    assert np.asarray(t) is t.data and t.numpy() is t.data
    assert t.ndim == 1 and t.size == 3 and len(t) == 3
    assert Tensor([[1.0, 2.0]]).T.shape == (2, 1)
    assert Tensor([2.5]).item() == 2.5 and float(Tensor(1.5)) == 1.5
    assert "requires_grad=True" in repr(Tensor([1.0], requires_grad=True))
    assert "label='w'" in repr(Tensor([1.0], label="w"))


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="floating"):
        Tensor(np.arange(3), dtype=np.int64, requires_grad=True)


# ---------------------------------------------------------------- graph fields


def test_graph_fields_op_parents_scope_and_hashing():
    a = Tensor([1.0, 2.0], requires_grad=True, label="a")
    with name_scope("layer1"):
        b = a * a + 1.0
    assert b.op == "+" and b.scope == "layer1"
    prod, const = b.parents
    assert prod.op == "*" and prod.parents == (a, a)  # duplicates kept, argument order
    assert const.op == "" and not const.requires_grad and const.dtype == np.float32
    assert a.op == "" and a.parents == () and a.scope == ""
    assert len({a, b, prod}) == 3  # identity hashing even though == is elementwise
    assert topological_order(b)[-1] is b


def test_no_recording_without_requires_grad_or_under_no_grad():
    x = Tensor([1.0, 2.0])
    y = x * 2
    assert y.op == "" and y.parents == () and not y.requires_grad
    w = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        z = (w * 3).exp()
    assert z.parents == () and not z.requires_grad
    d = (w * 3).detach()
    assert d.parents == () and not d.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        z.sum().backward()


def test_comparisons_return_boolean_tensors_without_grad():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = a > 1.5
    assert m.dtype == bool and not m.requires_grad and m.parents == ()
    np.testing.assert_array_equal(m.data, [False, True, True])
    np.testing.assert_array_equal((a == Tensor([1.0, 0.0, 3.0])).data, [True, False, True])
    np.testing.assert_array_equal((a <= 2).data, [True, True, False])
    np.testing.assert_array_equal((a != 2).data, [True, False, True])
    assert a.argmax().item() == 2 and a.argmin().item() == 0


# ------------------------------------------------------------- backward semantics


def test_backward_needs_gradient_for_non_scalar_outputs():
    a = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"not a scalar.*\(2,\)"):
        (a * 2).backward()
    with pytest.raises(ValueError, match=r"gradient shape \(3,\) != tensor shape \(2,\)"):
        (a * 2).backward(np.ones(3))
    (a * 2).backward(np.array([1.0, 10.0]))
    np.testing.assert_allclose(a.grad, [2.0, 20.0])


def test_leaves_accumulate_and_zero_grad_resets_to_none():
    a = Tensor([1.0, 2.0], requires_grad=True)
    out = (a * a).sum()
    out.backward()
    out.backward()
    np.testing.assert_allclose(a.grad, [4.0, 8.0])
    zero_grad(out)
    assert a.grad is None


def test_interior_grads_only_with_retain_grad_or_retain_graph_grads():
    a = Tensor([1.0, -2.0], requires_grad=True)
    h = a * 3
    r = h.relu()
    out = r.sum()
    out.backward()
    assert h.grad is None and r.grad is None
    h2 = (a * 3).retain_grad()
    h2.relu().sum().backward()
    np.testing.assert_allclose(h2.grad, [1.0, 0.0])
    a.grad = None
    h3 = a * 3
    r3 = h3.relu()
    out3 = r3.sum()
    out3.backward(retain_graph_grads=True)
    np.testing.assert_allclose(out3.grad, 1.0)
    np.testing.assert_allclose(r3.grad, [1.0, 1.0])
    np.testing.assert_allclose(h3.grad, [1.0, 0.0])
    np.testing.assert_allclose(a.grad, [3.0, 0.0])


def test_shared_upstream_is_not_aliased_between_gradients():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    c = Tensor([[5.0, 6.0]], requires_grad=True)  # broadcast with a leading size-1 axis
    out = a + b + c
    out.backward(np.ones((1, 2)), retain_graph_grads=True)
    grads = [a.grad, b.grad, c.grad, out.grad]
    for i, g in enumerate(grads):
        for h in grads[i + 1 :]:
            assert not np.shares_memory(g, h)
    a.grad += 100  # in-place update of one gradient leaves the others alone
    np.testing.assert_allclose(b.grad, [1.0, 1.0])
    np.testing.assert_allclose(c.grad, [[1.0, 1.0]])


def test_used_twice_collects_both_contributions():
    x = Tensor([3.0], requires_grad=True, dtype="float64")
    y = x * x + x  # dy/dx = 2x + 1
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [7.0])


def test_graph_is_freed_when_root_is_dropped():
    """Backward rules never capture their own output: no reference cycles."""
    was = gc.isenabled()
    gc.disable()
    try:
        w = Tensor(np.ones((4, 4)), requires_grad=True)
        h = (w @ w).relu().sigmoid()
        out = h.log_softmax(axis=1).sum()
        ref_h, ref_out = weakref.ref(h), weakref.ref(out)
        out.backward()
        del h, out
        assert ref_h() is None and ref_out() is None  # freed by reference counting alone
    finally:
        if was:
            gc.enable()


def test_deep_chain_backward_is_iterative():
    x = Tensor([1.0], requires_grad=True, dtype="float64")
    y = x
    for _ in range(20_000):
        y = y * 1.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0])


def test_mixed_precision_gradients_keep_each_tensor_dtype():
    a = Tensor(np.ones(3, np.float32), requires_grad=True)
    b = Tensor(np.ones(3, np.float64), requires_grad=True)
    out = (a * b).sum()
    assert out.dtype == np.float64
    out.backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_float32_stays_float32_with_python_scalars():
    x = Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    y = ((x * 0.5 + 1) / 3.0 - 2.0) ** 2
    assert y.dtype == np.float32
    z = y.mean().exp().log().sqrt().sigmoid().tanh()
    assert z.dtype == np.float32
    z.backward()
    assert x.grad.dtype == np.float32


# -------------------------------------------------------------------- errors


def test_mixing_tensor_and_value_raises_with_shape():
    t = Tensor(np.ones((2, 3)))
    v = Value(1.0)
    with pytest.raises(TypeError, match=r"Tensor of shape \(2, 3\).*Value"):
        t + v
    with pytest.raises(TypeError, match=r"\(2, 3\)"):
        v + t
    with pytest.raises(TypeError, match=r"\(2, 3\)"):
        t * v


def test_broadcast_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\+: shapes \(2, 3\) and \(4,\) cannot be broadcast"):
        Tensor(np.ones((2, 3))) + Tensor(np.ones(4))
    with pytest.raises(ValueError, match=r"\*: shapes \(2,\) and \(3,\)"):
        Tensor([1.0, 2.0]) * np.ones(3)


def test_matmul_errors_name_both_shapes():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"matmul: \(2, 3\) @ \(4, 5\): inner dimensions 3 and 4"):
        a @ b
    with pytest.raises(ValueError, match=r"batch dimensions"):
        Tensor(np.ones((2, 2, 3))) @ Tensor(np.ones((3, 3, 2)))
    with pytest.raises(ValueError, match="at least one axis"):
        Tensor(2.0) @ a


def test_shape_op_errors_are_clear():
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"cannot reshape .* \(2, 3\) .* into \(4, 2\)"):
        t.reshape(4, 2)
    with pytest.raises(ValueError, match="sum: axis 2 is out of range"):
        t.sum(axis=2)
    with pytest.raises(ValueError, match="not of size 1"):
        t.squeeze(0)
    with pytest.raises(ValueError, match="not a permutation"):
        t.permute(0, 0)
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast shape \(2, 3\)"):
        t.broadcast_to((4, 3))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(t)


# ------------------------------------------------------------------ numerics


def test_log_softmax_and_logsumexp_are_stable_at_1e4():
    logits = Tensor([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]], requires_grad=True, dtype="float64")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lsm = logits.log_softmax(axis=1)
        lse = logits.logsumexp(axis=1)
        sm = logits.softmax(axis=1)
        sig = logits.sigmoid()
        th = logits.tanh()
        (lsm[0, 0] + lse.sum() + sm[1, 2] + sig.sum() + th.sum()).backward()
    assert np.isfinite(lsm.data).all() and np.isfinite(logits.grad).all()
    np.testing.assert_allclose(lsm.data[0], [0.0, -1e4, -2e4])
    np.testing.assert_allclose(lse.data, [1e4, -1e4 + np.log(3)])
    np.testing.assert_allclose(sm.data[1], [1 / 3] * 3)
    np.testing.assert_allclose(sig.data[0], [1.0, 0.5, 0.0])


def test_cross_entropy_at_large_logits_matches_formula():
    # -log softmax(z)_y with z = (1e4, 1e4 - 3): exactly log(1 + e^-3) for y = 0.
    z = Tensor([[1e4, 1e4 - 3.0]], requires_grad=True, dtype="float64")
    loss = -z.log_softmax(axis=1)[0, 0]
    loss.backward()
    np.testing.assert_allclose(loss.item(), np.log1p(np.exp(-3.0)))
    p = 1 / (1 + np.exp(-3.0))
    np.testing.assert_allclose(z.grad, [[p - 1, 1 - p]])


def test_max_ties_split_for_values_and_pick_one_for_dim():
    # max()/max(axis=) (torch's max()/amax): tied maxima share the gradient evenly
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True, dtype="float64")
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0.5, 0.5], [0.5, 0.5, 0]])
    y = Tensor([5.0, 1.0, 5.0], requires_grad=True)
    y.max().backward()
    np.testing.assert_array_equal(y.grad, [0.5, 0, 0.5])
    # max(dim) (torch's max(dim)): (values, indices), the gradient to the index returned
    x.grad = None
    values, indices = x.max(1)
    assert indices.data.tolist() == [1, 0] and indices.dtype == np.int64
    values.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 1, 0], [1, 0, 0]])
    z = Tensor([[0.0, 1.0], [0.0, 1.0]], requires_grad=True)
    z.min(dim=0).values.sum().backward()
    np.testing.assert_array_equal(z.grad, [[1, 1], [0, 0]])


def test_maximum_splits_ties_like_pytorch():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([1.0, 3.0], requires_grad=True)
    ag.maximum(a, b).sum().backward()
    np.testing.assert_allclose(a.grad, [0.5, 0.0])
    np.testing.assert_allclose(b.grad, [0.5, 1.0])


def test_relu_kink_gradient_is_zero_and_clip_bounds_pass():
    x = Tensor([0.0, 1.0, -1.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])
    y = Tensor([-1.0, 0.0, 1.0, 2.0], requires_grad=True)
    y.clip(-1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(y.grad, [1.0, 1.0, 1.0, 0.0])


def test_where_with_scalar_branch_and_bool_condition():
    x = Tensor([-1.0, 2.0, -3.0], requires_grad=True)
    y = ag.where(x.data > 0, x, 0.0)
    assert y.parents[0].dtype == bool and y.parents[1] is x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])


# ----------------------------------------------------------- broadcasting helper


@settings(max_examples=60, deadline=None)
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
    data=st.data(),
)
def test_unbroadcast_is_the_adjoint_of_broadcasting(shapes, data):
    """<broadcast(x), g> == <x, unbroadcast(g)> for every x: the defining property."""
    shape = shapes.input_shapes[0]
    out_shape = shapes.result_shape
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    x = rng.standard_normal(shape)
    g = rng.standard_normal(out_shape)
    u = unbroadcast(g, shape)
    assert u.shape == shape
    np.testing.assert_allclose(np.sum(np.broadcast_to(x, out_shape) * g), np.sum(x * u), atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
def test_broadcast_binary_ops_gradcheck(shapes):
    rng = np.random.default_rng(0)
    a, b = (
        Tensor(rng.uniform(0.5, 1.5, s), requires_grad=True, dtype="float64")
        for s in shapes.input_shapes
    )
    assert gradcheck(lambda a, b: ((a * b - a / b + b**2) * 1.3).sum(), [a, b])


# ---------------------------------------------------------------- lecture fixtures


def test_seed_002_vectorized_norm_example():
    """f(x, W) = ||W x||^2: df/dW = 2 q x^T and df/dx = 2 W^T q with q = W x."""
    W = Tensor([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, dtype="float64")
    x = Tensor([0.2, 0.4], requires_grad=True, dtype="float64")
    q = W @ x
    f = (q * q).sum()
    f.backward()
    qd = W.data @ x.data
    np.testing.assert_allclose(qd, [0.22, 0.26])
    np.testing.assert_allclose(f.item(), 0.116)
    np.testing.assert_allclose(W.grad, 2 * np.outer(qd, x.data))
    np.testing.assert_allclose(x.grad, 2 * W.data.T @ qd)
    np.testing.assert_allclose(W.grad, [[0.088, 0.176], [0.104, 0.208]])
    np.testing.assert_allclose(x.grad, [-0.112, 0.636])


def test_seed_001_network_in_matrix_form_matches_scalar_values():
    """The 2-2-1 sigmoid network of lecture 001, once with Tensors and once with Values."""
    inputs, target = [0.35, 0.9], 0.5
    w1 = [[0.1, 0.8], [0.4, 0.6]]
    w2 = [0.3, 0.9]

    x = Tensor(inputs, dtype="float64")
    W1 = Tensor(w1, requires_grad=True, dtype="float64")
    W2 = Tensor(w2, requires_grad=True, dtype="float64")
    h = (W1 @ x).sigmoid()
    y = (W2 @ h).sigmoid()
    loss = 0.5 * (target - y) ** 2
    loss.backward()

    xs = [Value(v) for v in inputs]
    V1 = [[Value(v) for v in row] for row in w1]
    V2 = [Value(v) for v in w2]
    hs = [(V1[j][0] * xs[0] + V1[j][1] * xs[1]).sigmoid() for j in range(2)]
    yv = (V2[0] * hs[0] + V2[1] * hs[1]).sigmoid()
    lv = 0.5 * (target - yv) ** 2
    lv.backward()

    np.testing.assert_allclose(y.item(), yv.data, rtol=1e-14)
    np.testing.assert_allclose(loss.item(), lv.data, rtol=1e-14)
    np.testing.assert_allclose(W1.grad, [[v.grad for v in row] for row in V1], rtol=1e-12)
    np.testing.assert_allclose(W2.grad, [v.grad for v in V2], rtol=1e-12)
    # The slide's numbers, to its rounding (it rounds the deltas to 2 significant digits).
    np.testing.assert_allclose(h.data, [0.68, 0.6637], atol=5e-3)
    np.testing.assert_allclose(y.item(), 0.69, atol=5e-3)
    np.testing.assert_allclose(W2.grad, [0.0276, 0.0269], atol=2e-4)
    np.testing.assert_allclose(W1.grad, [[0.000945, 0.00243], [0.00287, 0.00738]], rtol=0.05)
    np.testing.assert_allclose(
        W1.data - W1.grad, [[0.0991, 0.7976], [0.3971, 0.5926]], atol=2e-4
    )  # one SGD step with learning rate 1


def test_name_scope_nests_returns_its_name_and_refuses_a_second_entry():
    scope = name_scope("outer")
    with scope as full:
        assert full == "outer"
        with name_scope("inner") as inner:
            assert inner == "outer.inner" and Tensor([1.0]).scope == "outer.inner"
        with pytest.raises(RuntimeError, match="already entered"):
            with scope:
                pass
    assert Tensor([1.0]).scope == ""
    with scope:  # after it exits, the same object can be entered again
        assert Tensor([1.0]).scope == "outer"


def test_name_scope_decorates_a_function_even_a_recursive_one():
    @name_scope("block")
    def depth(n):
        return Tensor([1.0]).scope if n == 0 else depth(n - 1)

    assert depth(0) == "block"
    assert depth(2) == "block.block.block"
    assert Tensor([1.0]).scope == ""
