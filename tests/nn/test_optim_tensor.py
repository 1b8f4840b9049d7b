"""nn.optim on Tensor parameters: SGD (momentum, weight decay) and Adam match PyTorch."""

import numpy as np
import pytest

import nn
from autograd import Tensor

X = np.random.default_rng(0).standard_normal((16, 5))
Y = np.random.default_rng(1).integers(0, 3, size=16)


def make_pair(torch):
    ours = nn.Sequential(nn.Linear(5, 8, seed=0), nn.Tanh(), nn.Linear(8, 3, seed=1)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(),
                                 torch.nn.Linear(8, 3)).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def train_both(torch, make_ours, make_theirs, steps=6):
    ours, theirs = make_pair(torch)
    opt, topt = make_ours(ours.parameters()), make_theirs(theirs.parameters())
    xt, yt = torch.from_numpy(X), torch.from_numpy(Y)
    for k in range(steps):
        rows = slice(4 * (k % 4), 4 * (k % 4) + 4)  # different minibatches
        opt.zero_grad()
        nn.CrossEntropyLoss()(ours(X[rows]), Y[rows]).backward()
        opt.step()
        topt.zero_grad()
        torch.nn.functional.cross_entropy(theirs(xt[rows]), yt[rows]).backward()
        topt.step()
    return ours, theirs


@pytest.mark.parametrize("kwargs", [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.1, momentum=0.9, weight_decay=0.05),
    dict(lr=0.05, momentum=0.5, dampening=0.5, weight_decay=0.01),
    dict(lr=0.05, momentum=0.9, nesterov=True),
])
def test_sgd_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = train_both(torch, lambda p: nn.optim.SGD(p, **kwargs),
                              lambda p: torch.optim.SGD(p, **kwargs))
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters(),
                                  strict=True):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12, atol=1e-14,
                                   err_msg=name)


@pytest.mark.parametrize("kwargs", [
    dict(lr=0.01),
    dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
])
def test_adam_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = train_both(torch, lambda p: nn.optim.Adam(p, **kwargs),
                              lambda p: torch.optim.Adam(p, **kwargs), steps=8)
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters(),
                                  strict=True):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-10, atol=1e-13,
                                   err_msg=name)


def test_sgd_momentum_by_hand_on_a_tensor():
    w = Tensor([1.0, -2.0], requires_grad=True, dtype="float64")
    opt = nn.optim.SGD([w], lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        (w * Tensor([3.0, 1.0], dtype="float64")).sum().backward()  # constant gradient
        opt.step()
    # buf1 = g, buf2 = 0.9 g + g = 1.9 g: w = w0 - 0.1 g - 0.19 g
    np.testing.assert_allclose(w.data, [1.0 - 0.29 * 3, -2.0 - 0.29 * 1])
    assert w.data.dtype == np.float64


def test_float32_parameters_stay_float32_and_skip_missing_grads():
    a, b = nn.Parameter([1.0, 2.0]), nn.Parameter([3.0])
    opt = nn.optim.Adam([a, b], lr=0.1)
    (a * a).sum().backward()
    opt.step()
    assert a.data.dtype == np.float32 and not np.allclose(a.data, [1.0, 2.0])
    assert b.data.tolist() == [3.0]  # no gradient: untouched
    opt.zero_grad()
    assert a.grad is None
    opt.zero_grad(set_to_none=False)
    assert a.grad is None  # nothing to zero


def test_gradient_shape_mismatch_is_reported():
    p = nn.Parameter([1.0, 2.0])
    p.grad = np.ones(3, dtype=np.float32)
    with pytest.raises(ValueError, match=r"gradient of shape \(3,\) for a parameter of shape "
                                         r"\(2,\)"):
        nn.optim.SGD([p], lr=0.1).step()
