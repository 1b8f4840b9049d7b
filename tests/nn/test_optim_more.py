"""AdamW, Adam(amsgrad), RMSprop, Adagrad, parameter groups, optimizer state_dict and
clip_grad_norm_ against PyTorch float64, step by step."""

import numpy as np
import pytest

import nn
from autograd import Tensor, Value

X = np.random.default_rng(0).standard_normal((16, 5))
Y = np.random.default_rng(1).integers(0, 3, size=16)


def make_pair(torch):
    ours = nn.Sequential(nn.Linear(5, 8, seed=0), nn.Tanh(), nn.Linear(8, 3, seed=1)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(),
                                 torch.nn.Linear(8, 3)).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def step_both(torch, ours, theirs, opt, topt, k, clip=None):
    rows = slice(4 * (k % 4), 4 * (k % 4) + 4)
    opt.zero_grad()
    nn.CrossEntropyLoss()(ours(X[rows]), Y[rows]).backward()
    topt.zero_grad()
    torch.nn.functional.cross_entropy(theirs(torch.from_numpy(X[rows])),
                                      torch.from_numpy(Y[rows])).backward()
    if clip is not None:
        n1 = nn.utils.clip_grad_norm_(ours.parameters(), **clip)
        n2 = torch.nn.utils.clip_grad_norm_(theirs.parameters(), **clip)
        np.testing.assert_allclose(n1.item(), n2.item(), rtol=1e-12)
    opt.step()
    topt.step()


def assert_same(ours, theirs, rtol=1e-11):
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters(),
                                  strict=True):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=rtol, atol=1e-13,
                                   err_msg=name)


CASES = [
    ("AdamW", {}),
    ("AdamW", dict(lr=0.02, betas=(0.8, 0.95), weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.02, amsgrad=True)),
    ("Adam", dict(lr=0.02, amsgrad=True, weight_decay=0.05)),
    ("RMSprop", {}),
    ("RMSprop", dict(lr=0.005, alpha=0.9, momentum=0.8, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.005, centered=True, momentum=0.5)),
    ("Adagrad", {}),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.02, initial_accumulator_value=0.1)),
]


@pytest.mark.parametrize("name, kwargs", CASES)
def test_optimizers_match_torch_step_by_step(name, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = make_pair(torch)
    opt = getattr(nn.optim, name)(ours.parameters(), **kwargs)
    topt = getattr(torch.optim, name)(theirs.parameters(), **kwargs)
    for k in range(8):
        step_both(torch, ours, theirs, opt, topt, k)
        assert_same(ours, theirs)


@pytest.mark.parametrize("name, kwargs", CASES[:3] + CASES[5:7] + CASES[8:])
def test_optimizers_on_scalar_values_match_tensors(name, kwargs):
    """The same rule on a Value (a 0-d array inside) and on a 1-element Tensor."""
    v, t = Value(1.5), Tensor(np.array([1.5]), requires_grad=True)
    ov = getattr(nn.optim, name)([v], **kwargs)
    ot = getattr(nn.optim, name)([t], **kwargs)
    for _ in range(5):
        ov.zero_grad()
        ot.zero_grad()
        (v * v * v - v * 2).backward()
        (t * t * t - t * 2).sum().backward()
        ov.step()
        ot.step()
    assert v.data == pytest.approx(float(t.data[0]), rel=1e-12)


def test_parameter_groups_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = make_pair(torch)
    opt = nn.optim.SGD([{"params": ours[0].parameters()},
                        {"params": ours[2].parameters(), "lr": 0.3, "nesterov": True}],
                       lr=0.05, momentum=0.9)
    topt = torch.optim.SGD([{"params": theirs[0].parameters()},
                            {"params": theirs[2].parameters(), "lr": 0.3, "nesterov": True}],
                           lr=0.05, momentum=0.9)
    for k in range(5):
        step_both(torch, ours, theirs, opt, topt, k)
    assert_same(ours, theirs)
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.3]
    assert opt.lr == 0.05 and len(opt.params) == 4
    opt.lr = 0.01  # sets every group, like assigning each group's lr
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.01]
    with pytest.raises(ValueError, match=r"unknown option\(s\) \['lrr'\]"):
        nn.optim.SGD([{"params": ours.parameters(), "lrr": 0.1}], lr=0.1)
    with pytest.raises(ValueError, match="appear more than once"):
        nn.optim.Adam([{"params": ours.parameters()}, {"params": ours[0].parameters()}])
    with pytest.raises(TypeError, match="a parameter group must be a dict"):
        opt.add_param_group([ours[0].weight])


@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.1, momentum=0.9)),
                                          ("Adam", dict(lr=0.01, amsgrad=True)),
                                          ("RMSprop", dict(momentum=0.5, centered=True)),
                                          ("Adagrad", {})])
def test_optimizer_state_dict_resumes_training_and_loads_torchs(name, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = make_pair(torch)
    opt = getattr(nn.optim, name)(ours.parameters(), **kwargs)
    topt = getattr(torch.optim, name)(theirs.parameters(), **kwargs)
    for k in range(3):
        step_both(torch, ours, theirs, opt, topt, k)
    # resume from our own state dict, in a fresh optimizer over a copy of the model
    saved, saved_model = opt.state_dict(), ours.state_dict()
    copy = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    copy.load_state_dict(saved_model)
    opt2 = getattr(nn.optim, name)(copy.parameters(), lr=123.0)  # lr comes from the state
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    # and from PyTorch's state dict (same buffer names)
    copy2 = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    copy2.load_state_dict(saved_model)
    opt3 = getattr(nn.optim, name)(copy2.parameters(), **kwargs)
    opt3.load_state_dict(topt.state_dict())
    for k in range(3, 6):
        rows = slice(4 * (k % 4), 4 * (k % 4) + 4)
        for model, o in ((copy, opt2), (copy2, opt3)):
            o.zero_grad()
            nn.CrossEntropyLoss()(model(X[rows]), Y[rows]).backward()
            o.step()
        step_both(torch, ours, theirs, opt, topt, k)
    assert_same(copy, theirs)
    assert_same(copy2, theirs)
    assert_same(ours, theirs)
    assert saved["state"][0] is not opt.state_dict()["state"][0]  # a copy
    with pytest.raises(ValueError, match="parameter group"):
        opt2.load_state_dict({"state": {}, "param_groups": []})


def test_clip_grad_norm_matches_torch_during_training():
    torch = pytest.importorskip("torch")
    ours, theirs = make_pair(torch)
    opt = nn.optim.SGD(ours.parameters(), lr=0.5)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.5)
    for k, clip in enumerate([dict(max_norm=0.1), dict(max_norm=0.05, norm_type=1.0),
                              dict(max_norm=0.01, norm_type=float("inf")),
                              dict(max_norm=100.0)]):
        step_both(torch, ours, theirs, opt, topt, k, clip=clip)
        assert_same(ours, theirs)


def test_clip_grad_norm_values_and_errors():
    a, b = Value(0.0), Tensor(np.zeros(2), requires_grad=True)
    a.grad, b.grad = 3.0, np.array([0.0, 4.0])
    norm = nn.utils.clip_grad_norm_([a, b], max_norm=2.5)
    assert norm.item() == pytest.approx(5.0)
    assert a.grad == pytest.approx(1.5, rel=1e-6) and b.grad[1] == pytest.approx(2.0, rel=1e-6)
    b.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 of the gradients is inf"):
        nn.utils.clip_grad_norm_(b, 1.0, error_if_nonfinite=True)
    b.grad = np.array([-3.0, 0.5])
    nn.utils.clip_grad_value_([b], 1.0)
    assert b.grad.tolist() == [-1.0, 0.5]
    with pytest.raises(TypeError, match=r"parameters\[0\] is a float"):
        nn.utils.clip_grad_norm_([1.0], 1.0)


def test_new_optimizer_errors():
    w = Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"RMSprop: alpha must be in \[0, 1\], got 1.5"):
        nn.optim.RMSprop([w], alpha=1.5)
    with pytest.raises(ValueError, match="Adagrad: lr_decay must be >= 0, got -0.1"):
        nn.optim.Adagrad([w], lr_decay=-0.1)
    with pytest.raises(ValueError, match=r"AdamW: betas must be in \[0, 1\)"):
        nn.optim.AdamW([w], betas=(0.9, 1.2))
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        nn.optim.AdamW([{"params": [w], "weight_decay": -1.0}])
    opt = nn.optim.Adam([w], lr=0.1)
    w.grad = np.ones(3)
    opt.step()
    state = opt.state_dict()
    state["state"][0]["exp_avg"] = np.zeros(4)
    with pytest.raises(ValueError, match=r"buffer 'exp_avg' has shape \(4,\), its parameter"):
        nn.optim.Adam([Tensor(np.zeros(3), requires_grad=True)]).load_state_dict(state)
    with pytest.raises(ValueError, match="group 0 has 1 parameters in the state, 2 here"):
        nn.optim.Adam([Tensor(np.zeros(3), requires_grad=True),
                       Tensor(np.zeros(1), requires_grad=True)]).load_state_dict(opt.state_dict())
    with pytest.raises(AttributeError, match="has no attribute 'momentum'"):
        _ = opt.momentum
