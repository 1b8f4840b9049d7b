"""conv2d, max_pool2d, avg_pool2d and dropout: PyTorch parity grids, gradchecks, errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from autograd import Tensor, avg_pool2d, conv2d, dropout, gradcheck, max_pool2d
from autograd.conv_geometry import output_size

RNG_SEED = 1234


def _conv_grid():
    """Strides 1-3, paddings 0-2, kernels 1-5, several channel counts and batch sizes."""
    rng = np.random.default_rng(0)
    cases = []
    for k, s, p in itertools.product(range(1, 6), range(1, 4), range(3)):
        n, c, o = rng.choice([1, 2, 3]), rng.choice([1, 2, 3]), rng.choice([1, 2, 4])
        h, w = int(rng.integers(k, 9)), int(rng.integers(k, 9))
        cases.append((int(n), int(c), int(o), h, w, k, s, p))
    # Rectangular kernels / strides / paddings.
    cases.append((2, 3, 2, 7, 9, (2, 3), (1, 2), (1, 0)))
    cases.append((1, 2, 3, 6, 5, (3, 1), (2, 1), (0, 1)))
    cases.append((6, 8, 5, 9, 8, 3, 2, 1))
    return cases


CONV = _conv_grid()


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


@pytest.mark.parametrize("n,c,o,h,w,k,s,p", CONV)
def test_conv2d_matches_torch(n, c, o, h, w, k, s, p, conv_blocks):
    """Every column layout (the conv_blocks fixture), against PyTorch."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(RNG_SEED)
    kh, kw = _pair(k)
    x = rng.standard_normal((n, c, h, w))
    wt = rng.standard_normal((o, c, kh, kw))
    b = rng.standard_normal(o)
    X, W, B = (Tensor(a, requires_grad=True) for a in (x, wt, b))
    out = conv2d(X, W, B, stride=s, padding=p)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, wt, b))
    ref = torch.nn.functional.conv2d(tx, tw, tb, stride=s, padding=p)
    assert out.shape == tuple(ref.shape)
    assert out.shape[2] == output_size(h, kh, _pair(s)[0], _pair(p)[0])
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for ours, theirs in ((X, tx), (W, tw), (B, tb)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-9, atol=1e-10)


def _pool_grid():
    cases = []
    rng = np.random.default_rng(1)
    for k, s, p in itertools.product(range(1, 6), range(1, 4), range(3)):
        if 2 * p > k:
            continue
        h, w = int(rng.integers(k, 10)), int(rng.integers(k, 10))
        cases.append((int(rng.choice([1, 2])), int(rng.choice([1, 3])), h, w, k, s, p))
    cases.append((2, 2, 8, 8, 2, None, 0))  # stride defaults to the kernel size
    cases.append((1, 2, 7, 9, (2, 3), (1, 2), (1, 1)))
    return cases


POOL = _pool_grid()


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("n,c,h,w,k,s,p", POOL)
def test_max_pool2d_matches_torch(n, c, h, w, k, s, p, ties):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(RNG_SEED)
    if ties:  # few distinct values: many tied maxima, routed to the first as in PyTorch
        x = rng.integers(0, 3, size=(n, c, h, w)).astype(np.float64)
    else:
        x = rng.standard_normal((n, c, h, w))
    X = Tensor(x, requires_grad=True)
    out = max_pool2d(X, k, s, p)
    tx = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.max_pool2d(tx, k, s, p)
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(X.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "h,w,k,p",
    [
        (8, 8, 2, 0),  # windows tile the input exactly: the no-zero-fill backward
        (6, 10, 2, 1),  # ... the padded input exactly
        (9, 7, 2, 0),  # a ragged last row/column no window covers: its gradient is 0
        (12, 12, 3, 0),
    ],
)
def test_max_pool2d_after_relu_ties_float32(h, w, k, p):
    """The CNN case: ReLU zeros make whole windows tie; the first zero gets the gradient."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    x = np.maximum(rng.standard_normal((3, 4, h, w)), 0).astype(np.float32)
    X = Tensor(x, requires_grad=True)
    out = max_pool2d(X, k, padding=p)
    tx = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.max_pool2d(tx, k, padding=p)
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(g)
    ref.backward(torch.tensor(g))
    assert X.grad.dtype == np.float32
    np.testing.assert_array_equal(X.grad, tx.grad.numpy())
    rows, cols = (out.shape[2] - 1) * k + k - p, (out.shape[3] - 1) * k + k - p
    assert not X.grad[:, :, rows:].any() and not X.grad[:, :, :, cols:].any()


@pytest.mark.parametrize("n,c,h,w,k,s,p", POOL)
def test_avg_pool2d_matches_torch(n, c, h, w, k, s, p):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(RNG_SEED)
    x = rng.standard_normal((n, c, h, w))
    X = Tensor(x, requires_grad=True)
    out = avg_pool2d(X, k, s, p)
    tx = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.avg_pool2d(tx, k, s, p)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(X.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("s,p", [(1, 0), (2, 1), (3, 2)])
def test_conv2d_gradcheck(s, p):
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((2, 2, 5, 6)), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 2, 3, 2)), requires_grad=True)
    b = Tensor(rng.standard_normal(3), requires_grad=True)
    weights = rng.standard_normal(conv2d(x, w, b, s, p).shape)
    assert gradcheck(lambda x, w, b: (conv2d(x, w, b, s, p) * weights).sum(), [x, w, b])


def test_pools_gradcheck():
    rng = np.random.default_rng(4)
    x = Tensor(rng.permutation(2 * 2 * 6 * 7).reshape(2, 2, 6, 7) * 0.1, requires_grad=True)
    wm = rng.standard_normal(max_pool2d(x, 3, 2, 1).shape)
    assert gradcheck(lambda x: (max_pool2d(x, 3, 2, 1) * wm).sum(), [x])
    wa = rng.standard_normal(avg_pool2d(x, (2, 3), 1, (1, 0)).shape)
    assert gradcheck(lambda x: (avg_pool2d(x, (2, 3), 1, (1, 0)) * wa).sum(), [x])


def test_conv_pool_keep_float32_and_contiguous_output():
    rng = np.random.default_rng(5)
    x = Tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    y = conv2d(x, w, stride=1, padding=1)
    assert y.op == "conv2d" and y.parents == (x, w)
    z = avg_pool2d(max_pool2d(y.relu(), 2), 2)
    assert y.dtype == z.dtype == np.float32 and y.data.flags.c_contiguous
    z.sum().backward()
    assert x.grad.dtype == w.grad.dtype == np.float32
    assert x.grad.shape == x.shape and w.grad.shape == w.shape


def test_conv_and_pool_errors_name_shapes():
    x = Tensor(np.ones((1, 3, 5, 5)))
    with pytest.raises(ValueError, match=r"input \(1, 3, 5, 5\) has 3 channels .* expects 2"):
        conv2d(x, Tensor(np.ones((4, 2, 3, 3))))
    with pytest.raises(ValueError, match=r"must be 4-D .* or 3-D .* \(5, 5\)"):
        conv2d(Tensor(np.ones((5, 5))), Tensor(np.ones((4, 3, 3, 3))))
    with pytest.raises(ValueError, match=r"kernel \(7, 7\) is larger than the padded input"):
        conv2d(x, Tensor(np.ones((1, 3, 7, 7))))
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        conv2d(x, Tensor(np.ones((4, 3, 3, 3))), Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="stride must be >= 1"):
        conv2d(x, Tensor(np.ones((4, 3, 3, 3))), stride=0)
    with pytest.raises(ValueError, match="at most half the kernel"):
        max_pool2d(x, 2, padding=2)


def test_dropout_mask_scale_and_gradient():
    x = Tensor(np.ones((200, 50)), requires_grad=True)
    y = dropout(x, 0.3, rng=np.random.default_rng(0))
    kept = y.data != 0
    assert 0.65 < kept.mean() < 0.75
    np.testing.assert_allclose(y.data[kept], 1 / 0.7)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, kept / 0.7)
    np.testing.assert_array_equal(dropout(x, 0.3, rng=7).data, dropout(x, 0.3, rng=7).data)
    assert dropout(x, 0.3, training=False) is x and dropout(x, 0.0) is x
    assert (dropout(x, 1.0).data == 0).all()
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        dropout(x, 1.5)
