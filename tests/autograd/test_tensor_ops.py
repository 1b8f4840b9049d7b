"""Every catalogued Tensor op: central differences, PyTorch float64 parity, grad dtype/shape."""

from __future__ import annotations

import numpy as np
import pytest
from tensor_cases import CASES  # tests/autograd is on sys.path (rootdir-less)

import autograd as ag
from autograd import Tensor, gradcheck

IDS = [c.name for c in CASES]


def _weights(shape: tuple[int, ...], seed: int = 7) -> np.ndarray:
    """Fixed random weights: checking sum(w * f(x)) tests every output entry separately."""
    return np.random.default_rng(seed).uniform(0.5, 1.5, size=shape)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradcheck(case):
    arrays = case.inputs(seed=1)
    xs = [Tensor(a, requires_grad=True, label=f"x{i}") for i, a in enumerate(arrays)]
    out_shape = case.ours(*xs).shape
    w = _weights(out_shape)
    assert gradcheck(lambda *ts: (case.ours(*ts) * w).sum(), xs)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_torch_float64(case):
    torch = pytest.importorskip("torch")
    arrays = case.inputs(seed=2)
    ours_in = [Tensor(a, requires_grad=True) for a in arrays]
    ref_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours_out = case.ours(*ours_in)
    ref_out = case.ref(*ref_in)
    np.testing.assert_allclose(ours_out.data, ref_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert ours_out.shape == tuple(ref_out.shape)
    w = _weights(ours_out.shape)
    (ours_out * w).sum().backward()
    (ref_out * torch.tensor(w)).sum().backward()
    for ours, ref in zip(ours_in, ref_in, strict=True):
        np.testing.assert_allclose(ours.grad, ref.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grad_dtype_and_shape(case, dtype):
    arrays = case.inputs(seed=3, dtype=dtype)
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = case.ours(*xs)
    assert out.dtype == np.dtype(dtype), f"{case.name}: output dtype {out.dtype}"
    out.sum().backward()
    for x in xs:
        assert x.grad is not None
        assert x.grad.shape == x.shape
        assert x.grad.dtype == np.dtype(dtype)
        assert x.grad.flags.writeable
        assert np.isfinite(x.grad).all()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_vjp_matches_backward(case):
    """The per-edge rule that viz shows is the same computation backward performs."""
    arrays = case.inputs(seed=4)
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = case.ours(*xs)
    upstream = _weights(out.shape, seed=11)
    shares = out.vjp(upstream)
    assert len(shares) == len(out.parents)
    out.backward(upstream)
    totals: dict[int, np.ndarray] = {}
    for parent, share in zip(out.parents, shares, strict=True):
        if share is None:
            assert not parent.requires_grad
            continue
        assert share.shape == parent.shape
        totals[id(parent)] = totals.get(id(parent), 0) + share
    for x in xs:
        if id(x) in totals:  # x is a direct parent (not behind a constant wrapper)
            np.testing.assert_allclose(x.grad, totals[id(x)], rtol=1e-12)


def test_catalogue_covers_every_differentiable_op():
    names = " ".join(c.name for c in CASES)
    for op in [
        "add", "sub", "mul", "div", "pow", "neg", "maximum", "minimum", "where", "abs", "exp",
        "log", "sqrt", "reciprocal", "tanh", "sigmoid", "relu", "leaky_relu", "clip", "sum",
        "mean", "var", "max", "min", "logsumexp", "softmax", "log_softmax", "matmul", "reshape",
        "flatten", "transpose", "permute", "squeeze", "unsqueeze", "expand", "broadcast_to",
        "index", "concatenate", "stack", "pad",
    ]:  # fmt: skip
        assert op in names, f"{op} missing from the op catalogue"
    assert ag.maximum is not None
