"""Tensor backward steps in the lectures' matrix-calculus form, with shapes (issue 20)."""

from __future__ import annotations

import numpy as np
import pytest

import nn
import viz
from autograd import Tensor, opinfo
from viz.texts.tensor import dims, power_text, summary


def norm_wx(column: bool = True):
    """Lecture 002's J = ||W x||^2 with x a column (2x1) or a vector (2,)."""
    W = Tensor([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, label="W")
    x = Tensor([[0.2], [0.4]] if column else [0.2, 0.4], requires_grad=True, label="x")
    q = W @ x
    q.label = "q"
    J = (q**2).sum()
    J.label = "J"
    return W, x, q, J


def backward_texts(stepper):
    return {f.parent.label or stepper.info.name(f.parent): f.text
            for f in stepper.frames if f.phase == "backward"}


def test_norm_wx_steps_read_as_lecture_004():
    *_, J = norm_wx()
    texts = backward_texts(viz.step(J))
    assert texts["W"] == ("dJ/dW = dJ/dq · xᵀ   (2×1 · 1×2 → 2×2, the shape of W)\n"
                          "      = [[0.44]; [0.52]] · [[0.20, 0.40]] "
                          "= [[0.088, 0.18]; [0.10, 0.21]]")
    assert texts["x"].startswith("dJ/dx = Wᵀ · dJ/dq   (2×2 · 2×1 → 2×1, the shape of x)\n")
    assert texts["x"].endswith("= [[0.10, -0.30]; [0.50, 0.80]] · [[0.44]; [0.52]] "
                               "= [[-0.11]; [0.64]]")
    # q**2 is unlabelled: named by its gate, as the picture shows it (issue 21)
    assert texts["q"].startswith("dJ/dq = dJ/d[**2] ⊙ 2q   (2×1, the shape of q)")
    assert texts["[**2]"].startswith(
        "dJ/d[**2] = dJ/dJ broadcast to 2×1   (1 → 2×1, the shape of [**2])")
    assert not any("vjp" in t for t in texts.values())


def test_vector_x_is_a_column_in_the_product():
    W, x, _, J = norm_wx(column=False)
    s = viz.step(J)
    texts = backward_texts(s)
    assert "dJ/dq · xᵀ   (2×1 · 1×2 → 2×2, the shape of W)" in texts["W"]
    assert "Wᵀ · dJ/dq   (2×2 · 2×1 → 2×1 = 2, the shape of x)" in texts["x"]
    J.backward()
    np.testing.assert_allclose(s.gradient(W), W.grad, rtol=1e-6)


def test_broadcast_operand_says_what_is_summed():
    a = Tensor(np.ones((2, 3)), requires_grad=True, label="a")
    b = Tensor([1.0, 2.0, 3.0], requires_grad=True, label="b")
    J = (a * b).sum()
    J.label = "J"
    texts = backward_texts(viz.step(J))
    assert "dJ/d[*] ⊙ a, summed over axis 0   (2×3 → 3, the shape of b)" in texts["b"]
    assert "dJ/d[*] ⊙ b   (2×3, the shape of a)" in texts["a"]


def test_linear_cross_entropy_steps_name_shapes():
    nn.manual_seed(0)
    layer = nn.Linear(3, 2)
    x = Tensor(np.arange(12.0).reshape(4, 3) / 10, dtype="float32", label="x")
    loss = nn.CrossEntropyLoss()(layer(x), np.array([0, 1, 1, 0]))
    loss.label = "J"
    s = viz.step(loss)
    texts = {s.info.name(f.parent): f.text for f in s.frames if f.phase == "backward"}
    # Linear computes x @ weightᵀ: dJ/d(weightᵀ) = xᵀ · dJ/dz, then transposed back
    (wt,) = [n for n in texts if texts[n].startswith(f"dJ/d{n} = xᵀ · ")]
    assert "(3×4 · 4×2 → 3×2, the shape of" in texts[wt]
    assert texts["weight"].startswith(f"dJ/dweight = (dJ/d{wt})ᵀ   (3×2 → 2×3, the shape of")
    assert "summed over axis 0   (4×2 → 2, the shape of bias)" in texts["bias"]
    assert any("− softmax(" in t for t in texts.values())  # log_softmax's step


def test_conv_steps_name_the_correlations():
    nn.manual_seed(0)
    conv = nn.Conv2d(1, 2, 3, stride=2, padding=1)
    x = Tensor(np.random.default_rng(0).normal(size=(1, 1, 5, 5)), requires_grad=True,
               dtype="float32", label="x")
    y = conv(x)
    J = (y * y).sum()
    J.label = "J"
    texts = [f.text for f in viz.step(J).frames if f.phase == "backward"]
    into_x = next(t for t in texts if t.startswith("dJ/dx"))
    assert "full convolution of dJ/d" in into_x and "flipped kernel" in into_x
    assert "dJ/d[conv2d], spread out by stride 2, with the flipped kernel weight" in into_x
    assert "(1×2×3×3 with 2×1×3×3 → 1×1×5×5, the shape of x)" in into_x
    into_w = next(t for t in texts if "correlation of x with" in t)
    assert "the shape of" in into_w and "2×1×3×3" in into_w


def test_every_tensor_row_and_form_is_well_formed():
    """Placeholders a form uses are ones the step texts fill in."""
    known = {"g", "a", "b", "out", "parent", "shape", "n", "k", "s", "spread", "c a^(c-1)"}
    forms = list(opinfo.TENSOR_FORMS.values()) + [r.matrix for r in opinfo.OPS if r.matrix]
    for form in forms:
        for text in form.grads:
            import re

            assert set(re.findall(r"\{([^{}]+)\}", text)) <= known, text


@pytest.mark.parametrize("c,expected", [("2", "2q"), ("3", "3q²"), ("1", "1"),
                                        ("0.5", "0.5 q^-0.5"), ("-1", "-1q⁻²")])
def test_power_text(c, expected):
    assert power_text(c, "q") == expected


def test_large_arrays_are_summarised():
    assert summary(np.arange(24.0).reshape(2, 3, 4)) == "2×3×4 array in [0, 23]"
    assert dims(()) == "1"
