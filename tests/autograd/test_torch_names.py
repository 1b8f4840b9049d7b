"""PyTorch's names and semantics next to numpy's (issue 12): max/min(dim) -> (values, indices),
tied gradients as torch, dim=/keepdim=, dtypes as torch.tensor, sort/split/chunk/gather
outputs, clear errors, Value comparisons/log1p/max."""

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor, Value

TIES = np.array([[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 2.0, 0.0], [5.0, 1.0, 5.0, 5.0]])


@pytest.mark.parametrize("ours, theirs", [
    (lambda t: t.max(), lambda t: t.max()),
    (lambda t: t.min(), lambda t: t.min()),
    (lambda t: t.max(axis=1), lambda t: t.amax(dim=1)),
    (lambda t: t.amax(dim=(0, 1)), lambda t: t.amax(dim=(0, 1))),
    (lambda t: t.amin(dim=0, keepdim=True), lambda t: t.amin(dim=0, keepdim=True)),
    (lambda t: t.max(1)[0], lambda t: t.max(1)[0]),
    (lambda t: t.max(dim=0, keepdim=True).values, lambda t: t.max(dim=0, keepdim=True).values),
    (lambda t: t.min(1).values, lambda t: t.min(1).values),
    (lambda t: t.norm(float("inf")), lambda t: t.norm(float("inf"))),
])
def test_tied_extrema_route_gradients_as_torch(ours, theirs):
    torch = pytest.importorskip("torch")
    x = Tensor(TIES, requires_grad=True)
    tx = torch.tensor(TIES, requires_grad=True)
    out, tout = ours(x), theirs(tx)
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    w = np.arange(1.0, out.data.size + 1).reshape(out.shape)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-15)


def test_max_dim_returns_values_and_indices_like_torch():
    torch = pytest.importorskip("torch")
    x = Tensor(TIES)
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            v, i = x.max(dim, keepdim)
            tv, ti = torch.tensor(TIES).max(dim, keepdim)
            assert isinstance(v, Tensor) and i.dtype == np.int64
            np.testing.assert_array_equal(v.data, tv.numpy())
            np.testing.assert_array_equal(i.data, ti.numpy())
            v, i = x.min(dim=dim, keepdim=keepdim)
            tv, ti = torch.tensor(TIES).min(dim=dim, keepdim=keepdim)
            np.testing.assert_array_equal(i.data, ti.numpy())
    values, indices = Tensor([[0.1, 0.9], [0.8, 0.2]]).max(1)  # the silent unpacking bug
    assert indices.data.tolist() == [1, 0]
    assert x.max(Tensor(np.zeros(4))).shape == (3, 4)  # elementwise, torch.max(a, b)
    with pytest.raises(TypeError, match="give axis= \\(numpy\\) or dim \\(PyTorch\\)"):
        x.max(1, axis=0)


def test_dim_and_keepdim_are_accepted_everywhere_axis_is():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    pairs = [
        (x.sum(dim=1, keepdim=True), x.sum(axis=1, keepdims=True)),
        (x.mean(dim=(0, 2)), x.mean(axis=(0, 2))),
        (x.var(dim=2, correction=1), x.var(axis=2, ddof=1)),
        (x.std(dim=0), x.std(axis=0)),
        (x.logsumexp(dim=1), x.logsumexp(axis=1)),
        (x.argmax(dim=2, keepdim=True), x.argmax(axis=2, keepdims=True)),
        (x.argmin(dim=0), x.argmin(axis=0)),
        (x.softmax(dim=0), x.softmax(axis=0)),
        (x.log_softmax(dim=1), x.log_softmax(1)),
        (x.unsqueeze(dim=1), x.unsqueeze(1)),
        (x.unsqueeze(dim=1).squeeze(dim=1), x),
        (x.prod(dim=2), x.prod(axis=2)),
        (x.cumsum(dim=0), x.cumsum(axis=0)),
        (x.flip(dims=1), x.flip(1)),
        (ag.concatenate([x, x], dim=1), ag.concatenate([x, x], axis=1)),
        (ag.stack([x, x], dim=3), ag.stack([x, x], axis=3)),
        (nn.functional.softmax(x, dim=1), x.softmax(axis=1)),
        (nn.functional.log_softmax(x, dim=0), x.log_softmax(axis=0)),
    ]
    for a, b in pairs:
        np.testing.assert_array_equal(a.data, b.data)
    with pytest.raises(TypeError, match="give axis= \\(numpy\\) or dim= \\(PyTorch\\)"):
        x.sum(axis=0, dim=1)
    with pytest.raises(TypeError, match="cumsum: give the axis"):
        x.cumsum()


def test_dtypes_follow_torch_tensor():
    torch = pytest.importorskip("torch")
    for data in ([0, 2], [[1, 2], [3, 4]], [True, False], [1.5, 2], 3, 2.5, np.array([0, 2]),
                 np.array([1.0, 2.0]), np.array([1.0], np.float32), np.array([1, 2], np.int32)):
        ours, theirs = Tensor(data), torch.tensor(data)
        if theirs.dtype == torch.float64 and not isinstance(data, np.ndarray):
            continue  # (torch never makes float64 from Python floats either way)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), data
    labels = Tensor(np.array([0, 2]))
    x = Tensor(np.eye(3), requires_grad=True)
    assert x[labels].shape == (2, 3)  # integer tensors index, as in torch
    assert (Tensor([1, 2]) + 1).dtype == np.int64
    assert Tensor([1, 2], dtype="float64").dtype == np.float64


def test_sort_split_chunk_gather_match_torch_outputs():
    torch = pytest.importorskip("torch")
    a = np.array([[3.0, 1.0, 2.0, 1.0, 5.0], [0.0, -1.0, 4.0, 4.0, 2.0]])
    for kwargs in (dict(), dict(dim=0), dict(descending=True), dict(dim=1, descending=True)):
        v, i = Tensor(a).sort(**kwargs)
        tv, ti = torch.tensor(a).sort(stable=True, **kwargs)
        np.testing.assert_array_equal(v.data, tv.numpy())
        np.testing.assert_array_equal(i.data, ti.numpy())
    for ours, theirs in [(Tensor(a).split(2, dim=1), torch.tensor(a).split(2, dim=1)),
                         (Tensor(a).split([1, 1]), torch.tensor(a).split([1, 1])),
                         (Tensor(a).chunk(3, dim=1), torch.tensor(a).chunk(3, dim=1)),
                         (Tensor(np.zeros((6, 1))).chunk(4), torch.zeros(6, 1).chunk(4))]:
        assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]
    with pytest.raises(IndexError, match=r"gather: index values must be in \[-5, 5\)"):
        Tensor(a).gather(1, np.array([[5]]))
    with pytest.raises(ValueError, match="index must have as many axes as the input"):
        Tensor(a).gather(1, np.array([0, 1]))
    with pytest.raises(TypeError, match="index must be an integer array"):
        Tensor(a).gather(1, np.array([[0.5]]))
    with pytest.raises(ValueError, match=r"section sizes \[1, 2\] must be non-negative and sum"):
        Tensor(a).split([1, 2])
    with pytest.raises(ValueError, match="chunks must be a positive int"):
        Tensor(a).chunk(0)
    with pytest.raises(TypeError, match="mask must be boolean"):
        Tensor(a).masked_fill(np.ones(a.shape), 0.0)
    with pytest.raises(ValueError, match=r"repeat: give at least one count per axis \(2\)"):
        Tensor(a).repeat(2)
    with pytest.raises(ValueError, match="norm: p must be a positive number"):
        Tensor(a).norm(-1)
    with pytest.raises(TypeError, match="clamp: give at least one of min and max"):
        Tensor(a).clamp()


def test_prod_gradient_is_exact_with_zeros():
    torch = pytest.importorskip("torch")
    a = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.5, 2.0, -1.0]])
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    x.prod(1).sum().backward()
    tx.prod(1).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy())
    x.grad = None
    x.prod().backward()
    assert np.all(x.grad == 0)  # two zeros: every "other factors" product has a zero


def test_value_comparisons_log1p_and_max():
    torch = pytest.importorskip("torch")
    a, b = Value(2.0), Value(-1.0)
    assert a > b and b < a and a >= 2.0 and b <= -1 and not a < 1
    assert max(a, b) is a and min([a, b]) is b  # Python's max/min pick a node
    assert a != Value(2.0)  # == stays identity: Values are graph nodes (kept in sets)
    with pytest.raises(TypeError, match="compare with a Value or a number"):
        _ = a < "3"
    t = Value(1.0)
    u = t.max(t)  # a tie: half to each edge, as torch.maximum
    u.backward()
    assert t.grad == 1.0
    x = Value(1e-10)
    assert x.log1p().data == pytest.approx(1e-10, rel=1e-9)  # log(1 + x) would lose it
    for v in (-0.5, 0.3, 4.0):
        x = Value(v)
        y = (x.log1p() * x.max(0.5)).tanh()
        y.backward()
        tx = torch.tensor(v, dtype=torch.float64, requires_grad=True)
        ty = (tx.log1p() * tx.clamp(min=0.5)).tanh()
        ty.backward()
        assert y.data == pytest.approx(ty.item(), rel=1e-12)
        assert x.grad == pytest.approx(tx.grad.item(), rel=1e-12)
