"""Learning-rate schedulers against PyTorch's, step by step, and nn.fit with a scheduler."""

import warnings

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn.optim import lr_scheduler


def pair(torch, opt_name="SGD", groups=False, **kwargs):
    kwargs = {"lr": 0.1, **kwargs}
    ps = [Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(3), requires_grad=True)]
    tps = [torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True)]
    if groups:
        ours = getattr(nn.optim, opt_name)([{"params": [ps[0]]},
                                            {"params": [ps[1]], "lr": 0.03}], **kwargs)
        theirs = getattr(torch.optim, opt_name)([{"params": [tps[0]]},
                                                 {"params": [tps[1]], "lr": 0.03}], **kwargs)
    else:
        ours = getattr(nn.optim, opt_name)(ps, **kwargs)
        theirs = getattr(torch.optim, opt_name)(tps, **kwargs)
    return ours, theirs


def groups_of(opt):
    return [(g["lr"], g.get("momentum"), tuple(g["betas"]) if "betas" in g else None)
            for g in opt.param_groups]


SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5), {}),
    ("MultiStepLR", dict(milestones=[2, 5, 9], gamma=0.3), dict(groups=True)),
    ("ExponentialLR", dict(gamma=0.9), {}),
    ("CosineAnnealingLR", dict(T_max=7), {}),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01), dict(groups=True)),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=20), dict(momentum=0.9)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], epochs=4, steps_per_epoch=5, pct_start=0.25,
                        anneal_strategy="linear", three_phase=True),
     dict(groups=True, momentum=0.9)),
    ("OneCycleLR", dict(max_lr=0.01, total_steps=20, base_momentum=0.8), dict(opt_name="Adam")),
    ("OneCycleLR", dict(max_lr=0.01, total_steps=20, cycle_momentum=False),
     dict(opt_name="Adagrad")),
]


@pytest.mark.parametrize("name, kwargs, opt_kwargs", SCHEDULES)
def test_schedulers_match_torch(name, kwargs, opt_kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = pair(torch, **opt_kwargs)
    s = getattr(lr_scheduler, name)(ours, **kwargs)
    ts = getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs)
    steps = 19 if name == "OneCycleLR" else 12
    for _ in range(steps):
        np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-12)
        for (lr, m, b), (tlr, tm, tb) in zip(groups_of(ours), groups_of(theirs), strict=True):
            assert lr == pytest.approx(tlr, rel=1e-12)
            if m is not None:
                assert m == pytest.approx(tm, rel=1e-12)
            if b is not None:
                assert b == pytest.approx(tb, rel=1e-12)
        ours.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.step()
        s.step()
        ts.step()


def test_reduce_lr_on_plateau_matches_torch():
    torch = pytest.importorskip("torch")
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.2]
    for kwargs in [dict(patience=2), dict(patience=1, factor=0.5, cooldown=2, min_lr=0.02),
                   dict(mode="max", patience=0, threshold=0.1, threshold_mode="abs")]:
        ours, theirs = pair(torch, groups=True)
        s = lr_scheduler.ReduceLROnPlateau(ours, **kwargs)
        ts = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kwargs)
        for m in metrics:
            s.step(m)
            ts.step(m)
            assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12)


def test_scheduler_state_dict_and_errors():
    opt = nn.optim.SGD([Tensor(np.ones(2), requires_grad=True)], lr=1.0)
    s = lr_scheduler.StepLR(opt, step_size=2)
    for _ in range(3):
        s.step()
    state = s.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    opt2 = nn.optim.SGD([Tensor(np.ones(2), requires_grad=True)], lr=1.0)
    s2 = lr_scheduler.StepLR(opt2, step_size=2)
    s2.load_state_dict(state)
    s.step()
    s2.step()
    assert opt2.param_groups[0]["lr"] == pytest.approx(opt.param_groups[0]["lr"]) == 0.01
    with pytest.raises(ValueError, match="step_size must be a positive int"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="give total_steps, or both epochs and steps_per_epoch"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        lr_scheduler.OneCycleLR(nn.optim.Adagrad([Tensor([1.0], requires_grad=True)]),
                                max_lr=0.1, total_steps=10)
    one = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=2)
    one.step()
    one.step()
    with pytest.raises(ValueError, match="tried to step 3 times"):
        one.step()
    with pytest.raises(ValueError, match="factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=2.0)
    with pytest.raises(TypeError, match="expected an nn.optim optimizer"):
        lr_scheduler.ExponentialLR([1.0], gamma=0.9)


def test_fit_steps_schedulers():
    X, y = nn.spiral(60, seed=0)
    loader = nn.DataLoader(X, y, batch_size=20, shuffle=True, seed=0)  # 9 batches per epoch
    n_batches = len(list(loader))

    def model_and_opt():
        nn.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
        return model, nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    model, opt = model_and_opt()
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    h = nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=4, progress=False,
               scheduler=sched)
    expected = [0.05 * (1 + np.cos(np.pi * e / 4)) for e in range(4)]
    np.testing.assert_allclose(h.lr, expected, rtol=1e-12)
    assert sched.last_epoch == 4

    model, opt = model_and_opt()
    one = lr_scheduler.OneCycleLR(opt, max_lr=0.5, epochs=3, steps_per_epoch=n_batches)
    nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=3, progress=False, scheduler=one)
    assert one.last_epoch == 3 * n_batches  # stepped once per batch

    model, opt = model_and_opt()
    plateau = lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5, threshold=10.0)
    h = nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=3, progress=False,
               scheduler=plateau, val_loader=nn.DataLoader(X, y, batch_size=60))
    assert h.lr == [0.1, 0.05, 0.025]  # never a 10x relative improvement: halved every epoch
    assert plateau.best == np.inf and plateau.last_epoch == 3

    model, opt = model_and_opt()
    other = nn.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="built for a different optimizer"):
        nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, progress=False,
               scheduler=lr_scheduler.StepLR(other, 1))
    with pytest.raises(TypeError, match="scheduler must be an nn.optim.lr_scheduler"):
        nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, progress=False,
               scheduler="cosine")
