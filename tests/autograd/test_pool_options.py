"""max_pool2d(dilation=, ceil_mode=, return_indices=) and avg_pool2d(ceil_mode=,
count_include_pad=) with unbatched 3-D inputs, and the nn layers: PyTorch float64 parity
(outputs, indices and gradients), central differences."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor, avg_pool2d, gradcheck, max_pool2d

MAX_CASES = [
    # (N, C, H, W, kernel, stride, padding, dilation, ceil_mode)
    (2, 3, 7, 9, 2, None, 0, 1, True),
    (2, 2, 9, 8, 3, 2, 1, 1, True),
    (1, 2, 10, 9, 3, 2, 1, 2, False),
    (2, 2, 11, 10, (2, 3), (3, 2), (1, 1), (3, 2), True),
    (1, 3, 8, 8, 2, 1, 0, 2, False),  # overlapping dilated windows
    (2, 1, 6, 7, 4, 3, 2, 1, True),
    # windows that tile the input (kernel == stride): the backward's scatter_tiles path
    (2, 3, 7, 9, 2, None, 0, 1, False),  # a last row and column no window reaches
    (2, 2, 8, 6, (2, 3), None, 0, 1, False),
]


def test_tiling_cases_take_the_tiles_path():
    from autograd.pooling import PoolGeometry

    tiling = [case for case in MAX_CASES if case[5] is None and case[6] == 0 and not case[8]]
    assert len(tiling) == 2
    for n, c, h, w, k, s, p, d, ceil in tiling:
        assert PoolGeometry((n, c, h, w), k, s, p, d, ceil, "max_pool2d").tiles
    assert not PoolGeometry((2, 3, 7, 9), 2, None, 0, 1, True, "max_pool2d").tiles  # ceil pads


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("n,c,h,w,k,s,p,d,ceil", MAX_CASES)
def test_max_pool2d_options_match_torch(n, c, h, w, k, s, p, d, ceil, ties):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = (rng.integers(0, 3, (n, c, h, w)) if ties else rng.standard_normal((n, c, h, w)))
    x = x.astype(np.float64)
    X = Tensor(x, requires_grad=True)
    out, idx = max_pool2d(X, k, s, p, d, ceil_mode=ceil, return_indices=True)
    tx = torch.tensor(x, requires_grad=True)
    ref, ref_idx = torch.nn.functional.max_pool2d(tx, k, s, p, d, ceil_mode=ceil,
                                                  return_indices=True)  # fmt: skip
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    np.testing.assert_array_equal(idx, ref_idx.numpy())
    assert idx.dtype == np.int64
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(X.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


AVG_CASES = [
    # (N, C, H, W, kernel, stride, padding, ceil_mode, count_include_pad)
    (2, 3, 7, 9, 2, None, 0, True, True),
    (2, 2, 9, 8, 3, 2, 1, True, False),
    (1, 2, 10, 9, 3, 2, 1, False, False),
    (2, 2, 11, 10, (2, 3), (3, 2), (1, 1), True, True),
    (2, 2, 11, 10, (2, 3), (3, 2), (1, 1), True, False),
    (1, 3, 8, 8, 3, 1, 1, False, True),
    (2, 1, 6, 7, 4, 3, 2, True, False),
]


@pytest.mark.parametrize("n,c,h,w,k,s,p,ceil,count_pad", AVG_CASES)
def test_avg_pool2d_options_match_torch(n, c, h, w, k, s, p, ceil, count_pad):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, c, h, w))
    X = Tensor(x, requires_grad=True)
    out = avg_pool2d(X, k, s, p, ceil_mode=ceil, count_include_pad=count_pad)
    tx = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.avg_pool2d(tx, k, s, p, ceil_mode=ceil,
                                         count_include_pad=count_pad)  # fmt: skip
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(X.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_pools_unbatched_and_float32():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 7, 6)).astype(np.float32)
    X = Tensor(x, requires_grad=True)
    y, idx = max_pool2d(X, 3, 2, 1, ceil_mode=True, return_indices=True)
    ty, tidx = torch.nn.functional.max_pool2d(torch.tensor(x), 3, 2, 1, ceil_mode=True,
                                              return_indices=True)  # fmt: skip
    assert y.shape == tuple(ty.shape) and y.dtype == np.float32
    np.testing.assert_array_equal(idx, tidx.numpy())
    z = avg_pool2d(y, 2, 1, count_include_pad=False)
    z.sum().backward()
    assert X.grad.shape == x.shape and X.grad.dtype == np.float32
    tx = torch.tensor(x, requires_grad=True)
    tz = torch.nn.functional.avg_pool2d(torch.nn.functional.max_pool2d(tx, 3, 2, 1, ceil_mode=True),
                                        2, 1, count_include_pad=False)  # fmt: skip
    tz.sum().backward()
    np.testing.assert_allclose(X.grad, tx.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("k,s,p,d", [(2, 2, 1, 1), (3, 2, 1, 2), (3, 3, 1, 1)])
def test_max_pool2d_windows_of_minus_inf_point_inside_the_input(k, s, p, d):
    """A window holding only -inf (and padding) routes to its first pixel inside the input."""
    torch = pytest.importorskip("torch")
    x = np.full((2, 2, 5, 6), -np.inf)
    x[0, 0, 2, 3] = 1.0
    X = Tensor(x, requires_grad=True)
    out, idx = max_pool2d(X, k, s, p, d, ceil_mode=True, return_indices=True)
    tx = torch.tensor(x, requires_grad=True)
    ref, ref_idx = torch.nn.functional.max_pool2d(tx, k, s, p, d, ceil_mode=True,
                                                  return_indices=True)  # fmt: skip
    np.testing.assert_array_equal(idx, ref_idx.numpy())
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_array_equal(X.grad, tx.grad.numpy())


def test_pool_options_gradcheck():
    rng = np.random.default_rng(3)
    x = Tensor(rng.permutation(2 * 2 * 7 * 8).reshape(2, 2, 7, 8) * 0.1, requires_grad=True)
    wm = rng.standard_normal(max_pool2d(x, 3, 2, 1, 2, True).shape)
    assert gradcheck(lambda x: (max_pool2d(x, 3, 2, 1, 2, True) * wm).sum(), [x])
    wa = rng.standard_normal(avg_pool2d(x, 3, 2, 1, True, False).shape)
    assert gradcheck(lambda x: (avg_pool2d(x, 3, 2, 1, True, False) * wa).sum(), [x])


def test_pool_layers_and_errors():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 9, 9))
    ours = nn.MaxPool2d(3, 2, 1, dilation=2, return_indices=True, ceil_mode=True)
    theirs = torch.nn.MaxPool2d(3, 2, 1, dilation=2, return_indices=True, ceil_mode=True)
    (y, idx), (ty, tidx) = ours(Tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_array_equal(y.data, ty.numpy())
    np.testing.assert_array_equal(idx, tidx.numpy())
    avg = nn.AvgPool2d(2, ceil_mode=True, count_include_pad=False)
    np.testing.assert_allclose(
        avg(Tensor(x)).data,
        torch.nn.AvgPool2d(2, ceil_mode=True, count_include_pad=False)(torch.tensor(x)).numpy(),
        rtol=1e-12,
    )
    assert "ceil_mode=True" in repr(avg) and "dilation=(2, 2)" in repr(ours)
    with pytest.raises(ValueError, match="dilation must be >= 1"):
        max_pool2d(Tensor(x), 2, dilation=0)
    with pytest.raises(ValueError, match=r"must be 4-D \(N, C, H, W\) or 3-D"):
        avg_pool2d(Tensor(np.ones((4, 4))), 2)
    with pytest.raises(TypeError, match="floating point"):
        avg_pool2d(Tensor(np.ones((1, 1, 4, 4), dtype=np.int64), dtype="int64"), 2)
