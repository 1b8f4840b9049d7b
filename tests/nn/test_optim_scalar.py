"""nn.optim on scalar Value parameters: hand-computed rules and PyTorch parity."""

import pytest

from autograd import Value
from nn.optim import SGD, Adam

START = [1.5, -0.5, 0.25]


def objective(a, b, c):
    """A smooth non-quadratic function of three scalars (works on Values and torch tensors)."""
    return (a * b - 1) ** 2 + (b + c) ** 2 * 0.5 + (a * c) ** 2 + a**4 * 0.1


def run_ours(make_opt, steps):
    params = [Value(v) for v in START]
    opt = make_opt(params)
    for _ in range(steps):
        opt.zero_grad()
        objective(*params).backward()
        opt.step()
    return [p.data for p in params]


def test_sgd_plain_rule_by_hand():
    w = Value(2.0)
    opt = SGD([w], lr=0.1)
    (w * w).backward()  # grad 4
    opt.step()
    assert w.data == pytest.approx(2.0 - 0.1 * 4.0)


def test_sgd_momentum_rule_by_hand():
    # f = 3 w, constant gradient 3: buf = 3, then 0.9*3 + 3 = 5.7
    w = Value(0.0)
    opt = SGD([w], lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        (3 * w).backward()
        opt.step()
    assert w.data == pytest.approx(-0.1 * 3 - 0.1 * 5.7)


def test_weight_decay_adds_l2_gradient():
    w = Value(2.0)
    opt = SGD([w], lr=0.5, weight_decay=0.1)
    (0 * w).backward()  # zero loss gradient: only the decay acts
    opt.step()
    assert w.data == pytest.approx(2.0 - 0.5 * 0.1 * 2.0)


def test_adam_first_step_is_lr_times_sign():
    # bias correction makes the first step lr * g / (|g| + eps')
    w = Value(1.0)
    opt = Adam([w], lr=0.01)
    (5 * w).backward()
    opt.step()
    assert w.data == pytest.approx(1.0 - 0.01, abs=1e-9)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (dict(lr=0.05), dict(lr=0.05)),
        (dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9)),
        (dict(lr=0.05, momentum=0.9, weight_decay=0.01), dict(lr=0.05, momentum=0.9,
                                                               weight_decay=0.01)),
        (dict(lr=0.03, momentum=0.8, dampening=0.3), dict(lr=0.03, momentum=0.8, dampening=0.3)),
        (dict(lr=0.03, momentum=0.8, nesterov=True), dict(lr=0.03, momentum=0.8, nesterov=True)),
    ],
)
def test_sgd_matches_pytorch_on_values(ours, theirs):
    torch = pytest.importorskip("torch")
    got = run_ours(lambda ps: SGD(ps, **ours), 7)
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in START]
    opt = torch.optim.SGD(params, **theirs)
    for _ in range(7):
        opt.zero_grad()
        objective(*params).backward()
        opt.step()
    assert got == pytest.approx([p.item() for p in params], rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("kwargs", [dict(lr=0.05), dict(lr=0.02, betas=(0.8, 0.99),
                                                          weight_decay=0.05, eps=1e-6)])
def test_adam_matches_pytorch_on_values(kwargs):
    torch = pytest.importorskip("torch")
    got = run_ours(lambda ps: Adam(ps, **kwargs), 9)
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in START]
    opt = torch.optim.Adam(params, **kwargs)
    for _ in range(9):
        opt.zero_grad()
        objective(*params).backward()
        opt.step()
    assert got == pytest.approx([p.item() for p in params], rel=1e-10, abs=1e-13)


def test_optimizer_errors():
    with pytest.raises(TypeError, match="got a single Value; wrap it in a list"):
        SGD(Value(1.0), lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="lr must be >= 0, got -1.0"):
        SGD([Value(1.0)], lr=-1)
    with pytest.raises(TypeError, match=r"params\[1\] is a float"):
        Adam([Value(1.0), 2.0])
    w = Value(1.0)
    with pytest.raises(ValueError, match="more than once"):
        SGD([w, w], lr=0.1)
    with pytest.raises(ValueError, match="betas must be in"):
        Adam([w], betas=(0.9, 1.0))
    assert "SGD(1 parameters, lr=0.1" in repr(SGD([w], lr=0.1))
