"""Conv and pooling in drawings and step texts: k/s/p on the gate, the output-size formula with
the numbers, the gradients as a full convolution and a correlation with their shapes (issue 20)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from vizhelpers import parse_dot

import autograd
import nn
import viz
from autograd import Tensor

RNG = np.random.default_rng(0)


def tensor(shape, label):
    return Tensor(RNG.normal(size=shape), requires_grad=True, dtype="float64", label=label)


def stepped(y):
    """The stepper of J = sum(y * y) and J itself (backward() run on it)."""
    J = (y * y).sum()
    J.label = "J"
    s = viz.step(J)
    J.backward()
    return s, J


def forward_text(stepper, node):
    (frame,) = [f for f in stepper.frames if f.phase == "forward" and f.node is node]
    return frame.text


def evaluate_formula(text):
    """The number the printed output-size arithmetic gives (``floor((5 + 2·1 − 3)/2) + 1``)."""
    expr = text.replace("·", "*").replace("−", "-")
    assert re.fullmatch(r"[\d\s+\-*/()a-z]*", expr), expr
    return eval(expr, {"__builtins__": {}}, {"floor": math.floor, "ceil": math.ceil})


CASES = {  # name: (make the output from x, the gate's argument text)
    "conv s2 p1": (lambda x, w: autograd.conv2d(x, w, stride=2, padding=1), "k=3×3 s=2 p=1"),
    "conv dilated": (lambda x, w: autograd.conv2d(x, w, padding=2, dilation=2),
                     "k=3×3 s=1 p=2 d=2"),
    "conv groups": (lambda x, w2: autograd.conv2d(x, w2, stride=(1, 2), groups=2),
                    "k=3×3 s=1×2 p=0 groups=2"),
    "max pool ceil": (lambda x, w: autograd.max_pool2d(x, 3, stride=2, padding=1,
                                                       ceil_mode=True), "k=3×3 s=2 p=1"),
    "avg pool": (lambda x, w: autograd.avg_pool2d(x, 2), "k=2×2 s=2 p=0"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_gate_and_forward_step_carry_the_arguments_and_the_output_size(case):
    make, args_text = CASES[case]
    x = tensor((1, 2, 7, 6), "x")
    w = tensor((4, 1 if "groups" in case else 2, 3, 3), "w")
    y = make(x, w)
    s, J = stepped(y)
    text = forward_text(s, y)
    assert text.startswith(f"[{y.op}] = {y.op}(x") and f", {args_text}   (" in text
    assert "d=" not in args_text or "d=2" in text
    assert ("groups" in text) == ("groups" in case)  # dilation/groups only when not 1
    line = text.split("\n")[2]  # under "= value"
    assert line.startswith("output size ")
    # the arithmetic printed for each axis gives the output's size on that axis
    shown = re.findall(r"((?:floor|ceil)\(\(\d[^=]*?\)/\d+\) \+ 1) = (\d+)", line)
    assert shown, line
    if "rows" in line:
        assert [int(n) for _, n in shown] == list(y.shape[2:])
    else:
        assert y.shape[2] == y.shape[3] and [int(n) for _, n in shown] == [y.shape[2]]
    for formula, n in shown:
        assert evaluate_formula(formula) == int(n)
    # the drawing's gate says the same, under the op's name
    d = parse_dot(viz.draw(J).source)
    assert args_text in d.attrs[d.node_id(y.op)]


def test_different_rows_and_columns_are_worked_out_separately():
    x = tensor((1, 1, 5, 8), "x")
    y = autograd.max_pool2d(x, (3, 2), stride=(1, 2))
    line = forward_text(stepped(y)[0], y).split("\n")[2]
    assert line == ("output size floor((n + 2p − k)/s) + 1: rows floor((5 + 2·0 − 3)/1) + 1 = 3, "
                    "columns floor((8 + 2·0 − 2)/2) + 1 = 4")


def test_transposed_conv_output_size():
    x, k = tensor((1, 2, 4, 4), "x"), tensor((2, 3, 3, 3), "k")
    y = autograd.conv_transpose2d(x, k, stride=2, padding=1, output_padding=1)
    text = forward_text(stepped(y)[0], y)
    assert "k=3×3 s=2 p=1" in text
    assert text.endswith("= (4 − 1)·2 − 2·1 + (3 − 1) + 1 + 1 = 8") and y.shape[2] == 8


def test_uneven_same_padding_is_written_per_side():
    x, w = tensor((1, 1, 6, 6), "x"), tensor((1, 1, 2, 2), "w")
    y = autograd.conv2d(x, w, padding="same")
    text = forward_text(stepped(y)[0], y)
    assert "k=2×2 s=1 p=(0,1)" in text
    assert "floor((n + p₁ + p₂ − k)/s) + 1 = floor((6 + 0 + 1 − 2)/1) + 1 = 6" in text


def test_conv_gradients_read_as_convolution_and_correlation_with_shapes():
    x, w, b = tensor((2, 1, 5, 5), "x"), tensor((4, 1, 3, 3), "w"), tensor((4,), "b")
    y = autograd.conv2d(x, w, b, stride=2, padding=1)
    y.label = "y"
    s, _ = stepped(y)
    texts = {f.parent.label: f.text for f in s.frames
             if f.phase == "backward" and f.node is y}
    assert texts["x"] == (  # a long formula: its shapes on a line of their own
        "dJ/dx = full convolution of dJ/dy, spread out by stride 2, with the flipped kernel w\n"
        "        (2×4×3×3 with 4×1×3×3 → 2×1×5×5, the shape of x)\n"
        f"      = 2×1×5×5 array in [{viz.format.fmt(x.grad.min())}, "
        f"{viz.format.fmt(x.grad.max())}]")
    flat = {k: re.sub(r"\s+", " ", t) for k, t in texts.items()}  # wherever the lines break
    assert flat["w"].startswith("dJ/dw = correlation of x with dJ/dy, summed over the batch"
                                " (2×1×5×5 with 2×4×3×3 → 4×1×3×3, the shape of w) = ")
    assert flat["b"].startswith("dJ/db = dJ/dy summed over the batch and every position"
                                " (2×4×3×3 → 4, the shape of b) = ")
    # a 4x1x3x3 kernel is its shape and range, not 12 rows of numbers
    assert texts["w"].count("\n") <= 2 and re.search(r"= 4×1×3×3 array in \[-?\d", texts["w"])
    assert "vjp" not in "".join(f.text for f in s.frames)
    for leaf in (x, w, b):  # the numbers the texts stand for are backward()'s
        np.testing.assert_allclose(s.gradient(leaf), leaf.grad, rtol=1e-12)


def test_stride_one_needs_no_spreading():
    x, w = tensor((1, 1, 5, 5), "x"), tensor((2, 1, 3, 3), "w")
    y = autograd.conv2d(x, w)
    s, _ = stepped(y)
    (text,) = [f.text for f in s.frames if f.phase == "backward" and f.parent is x]
    assert "full convolution of dJ/d" in text and "spread out" not in text


def test_an_in_place_op_on_a_conv_output_keeps_the_arguments_on_the_conv():
    x, w = tensor((1, 1, 5, 5), "x"), tensor((2, 1, 3, 3), "w")
    y = autograd.conv2d(x, w, stride=2)
    y += 1.0  # y is now the + node; the conv's output is its recorded snapshot
    assert y.op == "+" and not hasattr(y, "op_args")
    (conv,) = [p for p in y.parents if p.op == "conv2d"]
    assert conv.op_args["stride"] == (2, 2)
    s, J = stepped(y)
    assert "k=3×3 s=2 p=0" in forward_text(s, conv)
    assert "k=" not in forward_text(s, y)
    np.testing.assert_allclose(s.gradient(w), w.grad, rtol=1e-12)


# ------------------------------------------------------------------ parameter names, dtype
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, 3, padding=1, seed=0)
        self.fc = nn.Linear(2 * 4 * 4, 3, seed=1)

    def forward(self, x):
        return self.fc(self.conv1(x).relu().reshape(x.shape[0], -1))


def test_parameters_are_named_by_their_path_in_drawings_and_texts():
    net = Net()
    net.fc.bias.label = "b_out"  # a label the user chose is kept
    x = Tensor(np.ones((1, 1, 4, 4)), dtype="float32", label="x")
    loss = nn.CrossEntropyLoss()(net(x), np.array([2]))
    loss.label = "J"
    assert [p.label for _, p in net.named_parameters()] == [
        "conv1.weight", "conv1.bias", "fc.weight", "b_out"]
    assert [n for n, _ in net.named_parameters()][:3] == ["conv1.weight", "conv1.bias",
                                                          "fc.weight"]
    d = parse_dot(viz.draw(loss).source)
    for name in ("conv1.weight", "conv1.bias", "fc.weight", "b_out"):
        assert len(d.node_ids(name)) == 1  # one box each, no two named "weight"
    assert not d.node_ids("weight") and not d.node_ids("bias")
    texts = "\n".join(f.text for f in viz.step(loss).frames)
    assert "dJ/dconv1.weight = correlation of x with" in texts
    # nested later in another model, the path grows (the attribute names stay its tail)
    outer = nn.Sequential(net)
    outer(x)
    assert net.conv1.weight.label == "0.conv1.weight" and net.fc.bias.label == "b_out"


def test_the_dtype_is_said_once():
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2))
    x = Tensor(np.ones((4, 3)), dtype="float32", label="x")
    target = Tensor(np.array([0, 1, 1, 0]), label="t")
    loss = nn.CrossEntropyLoss()(model(x), target)
    texts = "\n".join(f.text for f in viz.step(loss).frames)
    assert texts.count("float32") == 1  # the first array's step names it
    a = Tensor([0.5, 1.5], requires_grad=True, dtype="float32", label="a")
    mixed = "\n".join(f.text for f in viz.step((a * Tensor(np.array([1, 3]), label="k")).sum())
                      .frames)
    # numpy promotes float32 * int64 to float64: an array of another dtype says its own
    assert mixed.count("float32") == 1 and "[0.50, 4.50] (2 float64)" in mixed
    loss.backward()
    drawing = viz.draw(loss).source
    assert drawing.count("float32") == 1 and 'label="arrays are float32"' in drawing


def test_collapsed_cnn_reads_top_to_bottom_with_shapes_and_arguments():
    nn.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16, 3))
    x = Tensor(RNG.normal(size=(2, 1, 8, 8)), dtype="float32", label="x")
    loss = nn.CrossEntropyLoss()(model(x), np.array([0, 2]))
    loss.label = "loss"
    loss.backward()
    d = parse_dot(viz.draw(loss, collapse="module", rankdir="TB").source)
    titles = ["0: Conv2d", "1: ReLU", "2: MaxPool2d", "3: Flatten", "4: Linear"]
    boxes = [d.node_id(t) for t in titles]
    for a, b in zip(boxes, boxes[1:]):  # one chain, in the model's order
        assert d.edges_between(a, b)
    assert "k=3×3 s=2 p=1 → 2×4×4×4" in d.attrs[boxes[0]]
    assert "0.weight 4×1×3×3, 0.bias 4" in d.attrs[boxes[0]]
    assert "k=2×2 s=2 p=0 → 2×4×2×2" in d.attrs[boxes[2]]
    assert "→ 2×16" in d.attrs[boxes[3]] and "→ 2×3" in d.attrs[boxes[4]]
