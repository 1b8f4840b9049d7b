"""Second derivatives through conv2d, conv_transpose2d and the pools (create_graph=True):
gradgradcheck against central differences, vector-Hessian products against PyTorch, and the
numpy fast path against the recorded (Tensor) path of the same backward rules."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor, avg_pool2d, conv2d, conv_transpose2d, grad, gradgradcheck, max_pool2d

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 4, 6, 5))
W = RNG.standard_normal((6, 2, 3, 2))
B = RNG.standard_normal(6)
WT = RNG.standard_normal((4, 3, 2, 3))

# name -> (ours, torch's, inputs); every function is non-linear in its inputs so the Hessian
# has cross terms (x, w) and, through the square/tanh, terms within one input
CASES = {
    "conv2d": (
        lambda F, x, w, b: F["conv2d"](x, w, b, stride=(2, 1), padding=1, dilation=(1, 2),
                                       groups=2),
        [X, W, B],
    ),
    "conv2d_same": (lambda F, x, w: F["conv2d"](x, w, padding="same", groups=2), [X, W]),
    "conv_transpose2d": (
        lambda F, x, w: F["conv_transpose2d"](x, w, stride=2, padding=1, output_padding=1),
        [X, WT],
    ),
    "max_pool2d": (
        lambda F, x, w: F["max_pool2d"](F["conv2d"](x, w, groups=2), 2, 1, ceil_mode=True), [X, W]
    ),
    "max_pool2d_overlap": (
        lambda F, x: F["max_pool2d"](x * x, 3, 1, 1, dilation=(1, 2)), [X]
    ),
    "avg_pool2d": (
        lambda F, x, w: F["avg_pool2d"](F["conv2d"](x, w, groups=2), 2, 1, 1, True, False),
        [X, W],
    ),
}
OURS = {"conv2d": conv2d, "conv_transpose2d": conv_transpose2d, "max_pool2d": max_pool2d,
        "avg_pool2d": avg_pool2d}  # fmt: skip


def _scalar(F, fn, inputs, tanh):
    """sum(r * tanh(f(inputs))): non-linear in f, so second derivatives are non-trivial."""
    out = fn(F, *inputs)
    r = np.random.default_rng(1).standard_normal(tuple(out.shape))
    return (tanh(out) * (r if isinstance(out, Tensor) else F["tensor"](r))).sum()


@pytest.mark.parametrize("name", list(CASES))
def test_gradgradcheck(name):
    fn, arrays = CASES[name]
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    assert gradgradcheck(lambda *t: fn(OURS, *t).tanh(), inputs)


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on its own speed
@pytest.mark.parametrize("name", list(CASES))
def test_vector_hessian_product_matches_torch(name):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as tf

    fn, arrays = CASES[name]
    u = [np.random.default_rng(2 + i).standard_normal(a.shape) for i, a in enumerate(arrays)]
    theirs_f = {"conv2d": tf.conv2d, "conv_transpose2d": tf.conv_transpose2d,
                "avg_pool2d": tf.avg_pool2d, "tensor": torch.tensor,
                "max_pool2d": lambda *a, **k: tf.max_pool2d(*a, **k)}  # fmt: skip
    ours_f = dict(OURS, tensor=Tensor)

    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    gs = grad(_scalar(ours_f, fn, inputs, lambda t: t.tanh()), inputs, create_graph=True)
    dot = sum((g * Tensor(v)).sum() for g, v in zip(gs, u, strict=True))
    ours = grad(dot, inputs)

    tin = [torch.tensor(a, requires_grad=True) for a in arrays]
    tgs = torch.autograd.grad(_scalar(theirs_f, fn, tin, torch.tanh), tin, create_graph=True)
    tdot = sum((g * torch.tensor(v)).sum() for g, v in zip(tgs, u, strict=True))
    theirs = torch.autograd.grad(tdot, tin)
    for a, b in zip(gs, tgs, strict=True):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-9, atol=1e-10)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.data if isinstance(a, Tensor) else a, b.numpy(),
                                   rtol=1e-8, atol=1e-10)  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_fast_path_and_recorded_path_agree(name):
    """The numpy branch (cached positions, blocked kernels) and the Tensor branch of each
    rule give the same first derivatives."""
    fn, arrays = CASES[name]
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    loss = _scalar(dict(OURS, tensor=Tensor), fn, inputs, lambda t: t.tanh())
    fast = grad(loss, inputs, retain_graph=True)
    recorded = grad(loss, inputs, create_graph=True)
    for a, b in zip(fast, recorded, strict=True):
        assert isinstance(b, Tensor) and b.requires_grad
        np.testing.assert_allclose(a.data if isinstance(a, Tensor) else a, b.data,
                                   rtol=1e-12, atol=1e-13)  # fmt: skip


def test_recorded_backward_is_made_of_convolutions():
    """conv's input gradient is a conv_transpose2d node, its weight gradient conv2d_weight,
    the pools' backward passes are their own linear ops."""
    x = Tensor(X, requires_grad=True)
    w = Tensor(W, requires_grad=True)
    gx, gw = grad((conv2d(x, w, groups=2) ** 2).sum(), [x, w], create_graph=True)
    assert gx.op == "conv_transpose2d" and gw.op == "conv2d_weight"
    (gm,) = grad((max_pool2d(x, 2) ** 2).sum(), [x], create_graph=True)
    (ga,) = grad((avg_pool2d(x, 2) ** 2).sum(), [x], create_graph=True)
    assert gm.op == "max_pool2d_backward" and ga.op == "avg_pool2d_backward"
