"""Loss options against PyTorch float64: cross_entropy(weight, ignore_index, label_smoothing,
probability targets, (N, C, d1, ...) logits), nll_loss(weight, ignore_index),
BCE-with-logits(pos_weight, weight), BCE(weight), mse/l1 broadcasting (warning as PyTorch)."""

import warnings

import numpy as np
import pytest

import nn
from autograd import Tensor, gradcheck
from nn import functional as F

RNG = np.random.default_rng(3)
W4 = np.array([0.5, 2.0, 1.0, 3.0])


def classes(shape, c=4, ignore=None):
    y = RNG.integers(0, c, size=shape)
    if ignore is not None:
        y.flat[::3] = ignore
    return y


def probs(shape, axis=1):
    e = np.exp(RNG.standard_normal(shape))
    return e / e.sum(axis=axis, keepdims=True)


CE_CASES = [
    ("plain", (6, 4), lambda: classes(6), {}),
    ("weight", (6, 4), lambda: classes(6), dict(weight=W4)),
    ("ignore", (6, 4), lambda: classes(6, ignore=-100), {}),
    ("ignore_custom_weight", (6, 4), lambda: classes(6, ignore=1), dict(ignore_index=1,
                                                                         weight=W4)),
    ("smoothing", (6, 4), lambda: classes(6), dict(label_smoothing=0.2)),
    ("smoothing_ignore_weight", (6, 4), lambda: classes(6, ignore=-100),
     dict(label_smoothing=0.3, weight=W4)),
    ("smoothing_ignore", (6, 4), lambda: classes(6, ignore=-100), dict(label_smoothing=0.1)),
    ("spatial", (3, 4, 2, 5), lambda: classes((3, 2, 5)), {}),
    ("spatial_all", (3, 4, 5), lambda: classes((3, 5), ignore=-100),
     dict(weight=W4, label_smoothing=0.25)),
    ("probabilities", (6, 4), lambda: probs((6, 4)), {}),
    ("probabilities_weight_smooth", (6, 4), lambda: probs((6, 4)),
     dict(weight=W4, label_smoothing=0.2)),
    ("probabilities_spatial", (2, 4, 3), lambda: probs((2, 4, 3)), {}),
    ("unbatched", (4,), lambda: np.array(2), dict(weight=W4)),
    ("unbatched_probabilities", (4,), lambda: probs((4,), 0), {}),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, shape, make_target, kwargs", CE_CASES, ids=[c[0] for c in CE_CASES])
def test_cross_entropy_options_match_torch(name, shape, make_target, kwargs, reduction):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal(shape) * 2
    t = make_target()
    xo, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    tkw = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    ours = F.cross_entropy(xo, t, reduction=reduction, **kwargs)
    theirs = torch.nn.functional.cross_entropy(xt, torch.from_numpy(t), reduction=reduction,
                                               **tkw)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    up = RNG.standard_normal(ours.shape)
    ours.backward(up)
    theirs.backward(torch.from_numpy(up))
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    module = nn.CrossEntropyLoss(reduction=reduction, **kwargs)
    np.testing.assert_allclose(module(Tensor(x), t).data, ours.data, rtol=1e-15)


def test_cross_entropy_gradcheck_with_options():
    x = Tensor(RNG.standard_normal((3, 4, 2)), requires_grad=True)
    y = classes((3, 2), ignore=-100)
    gradcheck(lambda z: F.cross_entropy(z, y, weight=W4, label_smoothing=0.1), [x])
    p = probs((3, 4, 2))
    gradcheck(lambda z: F.cross_entropy(z, p), [x])


@pytest.mark.parametrize("kwargs", [{}, dict(weight=W4), dict(ignore_index=2),
                                    dict(weight=W4, ignore_index=0)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_options_match_torch(kwargs, reduction):
    torch = pytest.importorskip("torch")
    logp = np.log(probs((7, 4)))
    y = classes(7)
    tkw = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    ours = F.nll_loss(Tensor(logp), y, reduction=reduction, **kwargs)
    theirs = torch.nn.functional.nll_loss(torch.from_numpy(logp), torch.from_numpy(y),
                                          reduction=reduction, **tkw)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)
    assert np.allclose(nn.NLLLoss(reduction=reduction, **kwargs)(Tensor(logp), y).data, ours.data)


@pytest.mark.parametrize("kwargs", [
    dict(pos_weight=np.array([1.0, 3.0, 0.5])),
    dict(weight=np.array([[2.0], [1.0], [0.0], [0.5]])),
    dict(pos_weight=np.array([2.0, 1.0, 4.0]), weight=np.array([1.0, 0.5, 2.0])),
])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_weights_match_torch(kwargs, reduction):
    torch = pytest.importorskip("torch")
    z = np.concatenate([RNG.standard_normal((3, 3)) * 3, [[1e4, -1e4, 0.0]]])
    t = RNG.uniform(0, 1, (4, 3)).round(1)
    zo, zt = Tensor(z, requires_grad=True), torch.tensor(z, requires_grad=True)
    tkw = {k: torch.from_numpy(v) for k, v in kwargs.items()}
    ours = F.binary_cross_entropy_with_logits(zo, t, reduction=reduction, **kwargs)
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        zt, torch.from_numpy(t), reduction=reduction, **tkw)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    up = RNG.standard_normal(ours.shape)
    ours.backward(up)
    theirs.backward(torch.from_numpy(up))
    np.testing.assert_allclose(zo.grad, zt.grad.numpy(), rtol=1e-10, atol=1e-14)
    module = nn.BCEWithLogitsLoss(reduction=reduction, **kwargs)
    np.testing.assert_allclose(module(Tensor(z), t).data, ours.data)
    p = 1 / (1 + np.exp(-z[:3]))
    if "weight" in kwargs and "pos_weight" not in kwargs:
        w = kwargs["weight"][:3]
        np.testing.assert_allclose(
            F.binary_cross_entropy(Tensor(p), t[:3], weight=w, reduction=reduction).data,
            torch.nn.functional.binary_cross_entropy(torch.from_numpy(p), torch.from_numpy(t[:3]),
                                                     weight=torch.from_numpy(w),
                                                     reduction=reduction).numpy(), rtol=1e-10)


def test_mse_and_l1_broadcast_with_torchs_warning():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((4, 1))
    t = RNG.standard_normal(4)
    for ours_fn, theirs_fn in [(F.mse_loss, torch.nn.functional.mse_loss),
                               (F.l1_loss, torch.nn.functional.l1_loss)]:
        with pytest.warns(UserWarning, match=r"target size \(4,\) that is different to the "
                                             r"input size \(4, 1\)"):
            ours = ours_fn(Tensor(x), t)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = theirs_fn(torch.from_numpy(x), torch.from_numpy(t))
        np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    with pytest.raises(ValueError, match=r"must equal input shape \(4, 1\) \(or broadcast"):
        F.mse_loss(Tensor(x), np.zeros((3, 2)))


def test_loss_option_errors():
    x = Tensor(RNG.standard_normal((3, 4)))
    with pytest.raises(ValueError, match=r"weight must have shape \(4,\) \(one per class\)"):
        F.cross_entropy(x, [0, 1, 2], weight=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\]"):
        F.cross_entropy(x, [0, 1, 2], label_smoothing=1.5)
    with pytest.raises(ValueError, match="ignore_index is not supported for probability"):
        F.cross_entropy(x, probs((3, 4)), ignore_index=0)
    with pytest.raises(ValueError, match=r"class indices must be in \[0, 4\)"):
        F.cross_entropy(x, [0, -1, 2])  # -1 is not the ignore_index
    with pytest.raises(ValueError, match=r"pos_weight of shape \(2,\) does not broadcast"):
        F.binary_cross_entropy_with_logits(x, np.zeros((3, 4)), pos_weight=[1.0, 2.0])
    with pytest.raises(TypeError, match="integer class indices"):
        F.nll_loss(x, probs((3, 4)))  # nll_loss takes class indices only
    # every target ignored: nan, as PyTorch
    assert np.isnan(F.cross_entropy(x, [-100, -100, -100]).item())


LOSS_2ND = [
    ("bce_logits", lambda f, z, t: f.binary_cross_entropy_with_logits(z, t), "z"),
    ("bce_logits_pos_weight", lambda f, z, t: f.binary_cross_entropy_with_logits(
        z, t, pos_weight=POS_W, weight=ELEM_W), "z"),
    ("bce", lambda f, z, t: f.binary_cross_entropy(z, t, weight=ELEM_W), "p"),
    ("cross_entropy", lambda f, z, t: f.cross_entropy(z, CE_T, weight=W3,
                                                       label_smoothing=0.1), "z"),
    ("cross_entropy_probs", lambda f, z, t: f.cross_entropy(z, t), "z"),
    ("mse", lambda f, z, t: f.mse_loss(z, t, reduction="sum"), "z"),
]
POS_W = np.array([1.0, 3.0, 0.5])
ELEM_W = np.array([2.0, 1.0, 0.5])
W3 = np.array([0.5, 2.0, 1.0])
CE_T = np.array([0, 2, 1, 2])


@pytest.mark.parametrize("name, loss, domain", LOSS_2ND, ids=[c[0] for c in LOSS_2ND])
def test_losses_second_derivatives_match_torch(name, loss, domain):
    torch = pytest.importorskip("torch")
    from autograd import grad, gradgradcheck

    z0 = RNG.standard_normal((4, 3))
    if domain == "p":
        z0 = 1 / (1 + np.exp(-z0))
    t = probs((4, 3)) if name == "cross_entropy_probs" else RNG.uniform(0, 1, (4, 3))

    def tw(a):
        return torch.from_numpy(a) if isinstance(a, np.ndarray) else a

    class TorchF:  # the same call with torch tensors for the array options
        def __getattr__(self, name):
            fn = getattr(torch.nn.functional, name)
            return lambda *a, **k: fn(*map(tw, a), **{key: tw(v) for key, v in k.items()})

    assert gradgradcheck(lambda z: loss(F, z, t), [Tensor(z0.copy(), requires_grad=True)],
                         atol=1e-5, rtol=1e-4)
    u = RNG.standard_normal(z0.shape)
    z = Tensor(z0.copy(), requires_grad=True)
    (g,) = grad(loss(F, z, t), z, create_graph=True)
    (h,) = grad((g * Tensor(u)).sum(), z)
    tz = torch.tensor(z0, requires_grad=True)
    (tg,) = torch.autograd.grad(loss(TorchF(), tz, t), tz, create_graph=True)
    (th,) = torch.autograd.grad((tg * torch.from_numpy(u)).sum(), tz)
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h, th.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_plain_labels_equal_the_general_form(reduction):
    """(N, C) logits with plain class labels take a shorter road to the one-hot coefficients;
    the loss and the gradient equal the general form's (here forced by unit class weights)
    bit for bit, and out-of-range labels are still refused."""
    z = RNG.standard_normal((6, 4)).astype(np.float32)
    y = classes((6,))
    results = []
    for weight in (None, np.ones(4, np.float32)):
        t = Tensor(z, requires_grad=True)
        loss = F.cross_entropy(t, y, weight=weight, reduction=reduction)
        loss.sum().backward()
        results.append((loss.data, t.grad))
    (fast, g_fast), (general, g_general) = results
    np.testing.assert_array_equal(fast, general)
    np.testing.assert_array_equal(g_fast, g_general)
    with pytest.raises(ValueError, match=r"class indices must be in \[0, 4\)"):
        F.cross_entropy(Tensor(z), np.array([0, 1, 2, 3, 4, 0]))
    with pytest.raises(ValueError, match=r"class indices must be in \[0, 4\)"):
        F.cross_entropy(Tensor(z), np.array([0, 1, -1, 3, 2, 0]))
    ignored = np.array([0, -100, 2, 3, 1, 0])  # the default ignore_index is not an error
    assert np.isfinite(F.cross_entropy(Tensor(z), ignored).item())
