"""Losses: lecture fixtures, gradcheck in float64, PyTorch parity, stability, errors."""

import math
import warnings

import numpy as np
import pytest

import nn
from autograd import Tensor, gradcheck
from nn import functional as F

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((5, 4))
CLASSES = np.array([0, 3, 1, 1, 2])
SCORES = RNG.standard_normal((6,))
BINARY = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
SIGNS = 2 * BINARY - 1
PROBS = 1 / (1 + np.exp(-SCORES))
REG_X = RNG.standard_normal((3, 2))
REG_T = RNG.standard_normal((3, 2))

# name -> (our function, input, target, torch call)
CASES = {
    "mse": (F.mse_loss, REG_X, REG_T,
            lambda torch, x, t, r: torch.nn.functional.mse_loss(x, t, reduction=r)),
    "l1": (F.l1_loss, REG_X, REG_T,
           lambda torch, x, t, r: torch.nn.functional.l1_loss(x, t, reduction=r)),
    "hinge": (F.hinge_loss, SCORES, SIGNS,
              lambda torch, x, t, r: _reduce(torch, torch.clamp(1 - t * x, min=0), r)),
    "bce": (F.binary_cross_entropy, PROBS, BINARY,
            lambda torch, x, t, r: torch.nn.functional.binary_cross_entropy(x, t, reduction=r)),
    "bce_logits": (F.binary_cross_entropy_with_logits, SCORES, BINARY,
                   lambda torch, x, t, r: torch.nn.functional.binary_cross_entropy_with_logits(
                       x, t, reduction=r)),
    "cross_entropy": (F.cross_entropy, LOGITS, CLASSES,
                      lambda torch, x, t, r: torch.nn.functional.cross_entropy(
                          x, t.long(), reduction=r)),
    "nll": (F.nll_loss, np.log(np.abs(LOGITS) / np.abs(LOGITS).sum(1, keepdims=True)), CLASSES,
            lambda torch, x, t, r: torch.nn.functional.nll_loss(x, t.long(), reduction=r)),
}


def _reduce(torch, losses, reduction):
    return {"mean": losses.mean, "sum": losses.sum, "none": lambda: losses}[reduction]()


def test_seed000_cross_entropy_quiz():
    # probabilities of classes 1..5; the label is class 3
    probs = np.array([[0.02, 0.90, 0.05, 0.01, 0.02]])
    loss = F.cross_entropy(Tensor(np.log(probs)), [2])
    assert loss.item() == pytest.approx(-math.log(0.05), rel=1e-6)
    assert F.nll_loss(Tensor(np.log(probs)), [2]).item() == pytest.approx(-math.log(0.05), rel=1e-6)
    # the logits need not be normalised: softmax is shift-invariant
    shifted = F.cross_entropy(Tensor(np.log(probs) + 7.0, dtype="float64"), np.array([2]))
    assert shifted.item() == pytest.approx(-math.log(0.05), rel=1e-12)


def test_seed000_binary_cross_entropy_is_minus_log_p_y():
    p = Tensor([0.8, 0.3])
    losses = F.binary_cross_entropy(p, [1.0, 0.0], reduction="none").data
    np.testing.assert_allclose(losses, [-math.log(0.8), -math.log(0.7)], rtol=1e-6)


def test_seed003_hinge_and_zero_one():
    y_hat = Tensor([2.0, 0.3, -0.5])
    np.testing.assert_allclose(F.hinge_loss(y_hat, [1, 1, 1], reduction="none").data,
                               [0.0, 0.7, 1.5], rtol=1e-6)
    assert nn.zero_one_loss([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], [0, 0, 0]) == pytest.approx(1 / 3)
    assert nn.accuracy(np.array([1, 0, 1]), [1, 1, 1]) == pytest.approx(2 / 3)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_gradcheck(name, reduction):
    fn, x, t, _ = CASES[name]
    weights = Tensor(np.linspace(0.5, 1.5, np.asarray(x).shape[0]), dtype="float64")

    def f(x):
        out = fn(x, t, reduction=reduction)
        if reduction == "none":
            w = weights if out.ndim == 1 else weights.reshape(-1, 1)
            return (out * w).sum()
        return out

    assert gradcheck(f, [Tensor(x, requires_grad=True, dtype="float64")], atol=1e-6)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_torch(name, reduction):
    torch = pytest.importorskip("torch")
    fn, x, t, theirs = CASES[name]
    ours_x = Tensor(x, requires_grad=True, dtype="float64")
    out = fn(ours_x, t, reduction=reduction)
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tout = theirs(torch, tx, torch.tensor(t, dtype=torch.float64), reduction)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    seed = np.linspace(1.0, 2.0, out.data.size).reshape(out.shape)
    out.backward(seed)
    tout.backward(torch.from_numpy(seed))
    np.testing.assert_allclose(ours_x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_loss_modules_match_functions():
    pairs = [
        (nn.MSELoss(), F.mse_loss, REG_X, REG_T),
        (nn.L1Loss(reduction="sum"), lambda x, t: F.l1_loss(x, t, "sum"), REG_X, REG_T),
        (nn.HingeLoss(margin=2.0), lambda x, t: F.hinge_loss(x, t, 2.0), SCORES, SIGNS),
        (nn.BCELoss(), F.binary_cross_entropy, PROBS, BINARY),
        (nn.BCEWithLogitsLoss(), F.binary_cross_entropy_with_logits, SCORES, BINARY),
        (nn.CrossEntropyLoss(), F.cross_entropy, LOGITS, CLASSES),
        (nn.NLLLoss(reduction="none"), lambda x, t: F.nll_loss(x, t, reduction="none"),
         -np.abs(LOGITS), CLASSES),
    ]
    for module, fn, x, t in pairs:
        np.testing.assert_array_equal(module(Tensor(x), t).data, fn(Tensor(x), t).data)
    assert repr(nn.L1Loss(reduction="sum")) == "L1Loss(reduction='sum')"


def test_stable_for_huge_logits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / divide warnings either
        z = Tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], requires_grad=True)
        loss = F.cross_entropy(z, [0, 0])
        loss.backward()
        assert np.isfinite(loss.item()) and loss.item() == pytest.approx(1e4, rel=1e-6)
        assert np.isfinite(z.grad).all()
        s = Tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
        bce = F.binary_cross_entropy_with_logits(s, [1.0, 0.0, 0.0, 1.0])
        bce.backward()
        assert bce.item() == pytest.approx(1e4 / 2, rel=1e-6)
        np.testing.assert_allclose(s.grad, [0, 0, 0.25, -0.25])
        p = Tensor([0.0, 1.0, 1.0, 0.0], requires_grad=True)  # saturated sigmoids
        clamped = F.binary_cross_entropy(p, [0.0, 1.0, 0.0, 1.0], reduction="none")
        clamped.sum().backward()
        np.testing.assert_allclose(clamped.data, [0, 0, 100, 100])
        assert np.isfinite(p.grad).all()


def test_unbatched_cross_entropy():
    logits = Tensor([0.5, 2.0, -1.0], dtype="float64")
    batched = F.cross_entropy(Tensor([[0.5, 2.0, -1.0]], dtype="float64"), [1])
    assert F.cross_entropy(logits, 1).item() == pytest.approx(batched.item(), rel=1e-15)


def test_loss_errors():
    with pytest.raises(ValueError, match=r"reduction must be one of \('mean', 'sum', 'none'\), "
                                         r"got 'avg'"):
        F.mse_loss(Tensor([1.0]), [1.0], reduction="avg")
    with pytest.raises(ValueError, match=r"target shape \(3,\) must equal input shape \(2,\)"):
        F.mse_loss(Tensor([1.0, 2.0]), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"class indices must be in \[0, 4\), got min 0 and max 4"):
        F.cross_entropy(Tensor(LOGITS), [0, 1, 2, 3, 4])
    with pytest.raises(ValueError, match=r"target must have shape \(5,\), got \(4,\)"):
        F.cross_entropy(Tensor(LOGITS), [0, 1, 2, 3])
    with pytest.raises(TypeError, match="integer class indices"):
        F.cross_entropy(Tensor(LOGITS), [0.5, 1, 2, 3, 1])
    with pytest.raises(ValueError, match=r"logits must have shape \(N, C\), \(C,\) or"):
        F.cross_entropy(Tensor(np.zeros(())), 0)
    with pytest.raises(ValueError, match=r"target must have shape \(2, 4\), got \(2,\)"):
        F.cross_entropy(Tensor(np.zeros((2, 3, 4))), [0, 1])
    with pytest.raises(TypeError, match="pass reduction='none' by keyword"):
        F.nll_loss(Tensor(LOGITS), CLASSES, "none")
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\]; for scores"):
        F.binary_cross_entropy(Tensor([2.0]), [1.0])
    with pytest.raises(ValueError, match="targets must be -1 or \\+1"):
        F.hinge_loss(Tensor([2.0]), [0.0])


def test_cross_entropy_errors_name_cross_entropy():
    with pytest.raises(ValueError, match=r"^cross_entropy: class indices must be in \[0, 5\)"):
        nn.functional.cross_entropy(Tensor(np.ones((2, 5))), [1, 7])
