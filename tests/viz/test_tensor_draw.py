"""Tensor graphs: op, shape and dtype, small matrices (||Wx||^2), collapse by module."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from vizhelpers import norm_wx, parse_dot, require_dot

import viz
from autograd import Tensor, name_scope


def test_norm_wx_matrices_on_the_edges():
    W, x, q, f = norm_wx()
    f.backward()  # interior grads are not retained: the drawing computes them on the side
    d = parse_dot(viz.draw(f).source)
    w, mm = d.node_id("W"), d.node_id("matmul")
    edge = d.edge(w, mm)
    assert edge.values == ["[0.10, 0.50]", "[-0.30, 0.80]"]
    assert edge.grads == ["[0.088, 0.18]", "[0.10, 0.21]"]  # 2 q x^T; 2 digits below 0.1
    assert ">2×2<" in edge.label and "float64" not in edge.label  # the dtype is said once:
    assert d.edge(d.node_id("x"), mm).grads == ["[-0.11, 0.64]"]  # 2 W^T q
    # q feeds * twice: two edges, each with its share, and the total at the fork
    shares = d.edges_between(mm, d.node_id("*"))
    assert len(shares) == 2 and [e.values for e in shares] == [["q = [0.22, 0.26]"]] * 2
    assert [e.grads for e in shares] == [["[0.22, 0.26]"]] * 2
    assert "Σ [0.44, 0.52]" in d.attrs[mm]
    out = d.edge(d.node_id("sum"), d.node_id("f"))
    assert (out.values, out.grads) == (["0.12"], ["1"])
    assert ">scalar<" in out.label
    assert 'label="arrays are float64"' in viz.draw(f).source


def test_big_tensors_show_shape_and_range():
    a = Tensor(np.arange(100.0).reshape(10, 10), requires_grad=True, label="A")
    s = (a * 2.0).sum()
    s.backward()
    d = parse_dot(viz.draw(s, max_elements=36).source)
    edge = d.out_of(d.node_id("A"))[0]
    assert ">10×10<" in edge.label  # numpy float arrays keep their dtype: float64, said once
    assert edge.values == ["in [0, 99]"] and edge.grads == ["all 2"]


def test_kernels_and_integer_inputs():
    """A 4x1x3x3 kernel is its shape and range (not 12 rows); a dtype that differs from the
    drawing's (integer indices) is written on its edge."""
    nn = pytest.importorskip("nn")
    nn.manual_seed(0)
    conv = nn.Conv2d(1, 4, 3)
    y = conv(Tensor(np.ones((1, 1, 4, 4), dtype="float32"), requires_grad=True, label="x"))
    J = y.sum()
    J.backward()
    d = parse_dot(viz.draw(J).source)
    (edge,) = d.out_of(d.node_id("weight"))
    assert ">4×1×3×3<" in edge.label and len(edge.values) == 1
    assert edge.values[0].startswith("in [")
    a = Tensor([0.5, 1.5], requires_grad=True, dtype="float64", label="a")
    out = (a * Tensor(np.array([1, 3]), label="k")).sum()
    out.backward()
    d = parse_dot(viz.draw(out).source)
    assert ">2 int64<" in d.edge(d.node_id("k"), d.node_id("*")).label
    assert ">2<" in d.edge(d.node_id("a"), d.node_id("*")).label


def test_tensor_stepper_player_html_has_frames():
    *_, f = norm_wx()
    s = viz.step(f)
    html = s._repr_html_()
    assert html.count('class="cr-frame"') == len(s)
    assert "<html" not in html  # a notebook fragment, not a page
    assert s._repr_html_().split('id="')[1][:20] != html.split('id="')[1][:20]


def test_collapse_by_module_draws_layer_by_layer():
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(2, 3)), label="x")
    with name_scope("fc1"):
        w1 = Tensor(rng.normal(size=(4, 3)), requires_grad=True, label="weight")
        h = (x @ w1.T).relu()
    with name_scope("fc2"):
        w2 = Tensor(rng.normal(size=(1, 4)), requires_grad=True, label="weight")
        out = (h @ w2.T).sum()
    out.label = "loss"
    out.backward()
    full = parse_dot(viz.draw(out).source)
    d = parse_dot(viz.draw(out, collapse="module").source)
    assert len(d.nodes) < len(full.nodes)
    fc1, fc2 = d.node_id("fc1"), d.node_id("fc2")
    # x enters fc1, fc1's output enters fc2, fc2 produces the loss
    assert [e.src for e in d.into(fc1)] == [d.node_id("x")]
    (between,) = d.edges_between(fc1, fc2)
    assert ">2×4<" in between.label
    np.testing.assert_array_equal(h.data.shape, (2, 4))
    assert d.edges_between(fc2, d.node_id("loss"))


def constant_matrix_graph():
    W = Tensor([[0.8, -0.44], [0.64, -0.42]], dtype="float64")  # data: no label, no grad
    x = Tensor([1.0, 2.0], requires_grad=True, dtype="float64", label="x")
    f = (W @ x).sum()
    f.label = "f"
    f.backward()
    return f


def test_unlabelled_constant_matrix_prints_one_row_a_line():
    f = constant_matrix_graph()
    source = viz.draw(f).source
    d = parse_dot(source)
    const = next(k for k, a in d.attrs.items() if "#eeeeee" in a)
    assert d.nodes[const] == "[0.80, -0.44]"  # first line of the label: the first row only
    assert "[0.80, -0.44]<br/>[0.64, -0.42]" in d.attrs[const]
    assert "[0.80, -0.44]\n[0.64, -0.42]" not in source  # a raw newline runs rows together
    record = viz.draw(f, style="record").source
    assert r"data\n[0.80, -0.44]\n[0.64, -0.42] }" in record  # DOT's \n: a line break
    assert "{ x | 2 | data [1, 2] | grad [1.44, -0.86] }" in record


def test_constant_matrix_rows_render_as_separate_lines():
    require_dot()
    svg = html.unescape(viz.draw(constant_matrix_graph(), style="record").svg())
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "[0.80, -0.44]" in texts and "[0.64, -0.42]" in texts
    svg = html.unescape(viz.draw(constant_matrix_graph()).svg())
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert texts.count("[0.80, -0.44]") == 2  # the constant's box and its edge
    assert not any("][" in t for t in texts)


def small_mlp():
    nn = pytest.importorskip("nn")
    model = nn.Sequential(nn.Linear(3, 4, seed=0), nn.ReLU(), nn.Linear(4, 2, seed=1))
    x = Tensor(np.ones((2, 3), dtype="float32"), label="x")
    return model, x


@pytest.mark.parametrize("style", ["lecture", "record"])
def test_collapse_draws_parameters_inside_their_module(style):
    model, x = small_mlp()
    loss = model(x).sum()
    loss.label = "loss"
    loss.backward()
    d = parse_dot(viz.draw(loss, collapse="module", style=style).source)
    assert not d.node_ids("weight") and not d.node_ids("bias")  # no parameter outside
    assert not any(v.startswith("{ weight") or v.startswith("{ bias") for v in d.nodes.values())
    first, relu, last = (d.node_id(t) for t in ("0: Linear", "1: ReLU", "2: Linear"))
    assert "3 ops, 2 parameters (16 numbers)" in d.attrs[first]  # 4x3 weight + 4 bias
    assert "0.weight 4×3, 0.bias 4" in d.attrs[first]  # named by path, as named_parameters()
    assert "→ 2×4" in d.attrs[first]  # the module's output shape
    assert "3 ops, 2 parameters (10 numbers)" in d.attrs[last]
    assert "1 op" in d.attrs[relu] and "parameter" not in d.attrs[relu]
    assert model.num_parameters() == 16 + 10
    (into_first,) = d.into(first)  # the data only: the parameters are inside
    assert d.nodes[into_first.src] in ("x", r"{ x | 2×3 | data\n[1, 1, 1]\n[1, 1, 1] }")
    assert d.edges_between(first, relu) and d.edges_between(relu, last)


def test_shared_parameter_stays_outside_the_modules():
    nn = pytest.importorskip("nn")
    first, second = nn.Linear(2, 2, seed=0), nn.Linear(2, 2, seed=1)
    second.weight = first.weight  # tied: used by two modules, owned by neither drawing
    x = Tensor(np.ones((1, 2), dtype="float32"), label="x")
    with name_scope("net"):
        with name_scope("a"):
            h = first.forward(x)
        with name_scope("b"):
            out = second.forward(h).sum()
    out.backward()
    d = parse_dot(viz.draw(out, collapse="module").source)
    assert len(d.node_ids("weight")) == 1  # the shared weight, with an edge into each box
    (w,) = d.node_ids("weight")
    assert {e.dst for e in d.out_of(w)} == {d.node_id("a"), d.node_id("b")}
    assert "1 parameter (2 numbers)" in d.attrs[d.node_id("a")]  # its own bias only


def test_collapsed_stepper_highlights_the_owning_module():
    model, x = small_mlp()
    loss = model(x).sum()
    s = viz.step(loss, collapse="module")
    frame = next(f for f in s if f.phase == "backward" and f.parent.label == "0.weight")
    d = parse_dot(s.draw(frame.index).source)
    boxes = [k for k, a in d.attrs.items() if "#ffe066" in a]
    assert len(boxes) == 1 and d.nodes[boxes[0]] == "0: Linear"


def test_a_long_caption_is_wrapped_not_widening_the_drawing():
    """A note under the drawing (here the repeated-backward warning) goes on lines of at most
    CAPTION_CHARS characters; on one line it made notebook 04's module drawing 'too wide'."""
    import warnings

    from viz.render.graph import CAPTION_CHARS

    w = Tensor([[0.5, -1.0]], requires_grad=True, label="w")
    x = Tensor([[1.0], [2.0]], label="x")
    for _ in range(2):
        f = (w @ x).sum()
        f.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = viz.draw(f).source
    caption = re.search(r'\blabel="([^"]*arrays are float32)"', source).group(1)
    lines = caption.split("\\n")
    assert len(lines) >= 3 and "more than one backward()" in caption.replace("\\n", " ")
    assert max(len(line) for line in lines) <= CAPTION_CHARS
