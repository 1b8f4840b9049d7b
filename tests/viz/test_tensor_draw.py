"""Tensor graphs: op, shape and dtype, small matrices (||Wx||^2), collapse by module."""

from __future__ import annotations

import numpy as np
import pytest
from vizhelpers import parse_dot

import viz
from autograd import name_scope

tensor = pytest.importorskip("autograd.tensor")
Tensor = tensor.Tensor


def norm_wx():
    W = Tensor([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, dtype="float64", label="W")
    x = Tensor([0.2, 0.4], requires_grad=True, dtype="float64", label="x")
    q = W @ x
    q.label = "q"
    f = (q * q).sum()
    f.label = "f"
    return W, x, q, f


def test_norm_wx_matrices_on_the_edges():
    W, x, q, f = norm_wx()
    f.backward()  # interior grads are not retained: the drawing computes them on the side
    d = parse_dot(viz.draw(f).source)
    w, mm = d.node_id("W"), d.node_id("matmul")
    edge = d.edge(w, mm)
    assert edge.values == ["[0.10, 0.50]", "[-0.30, 0.80]"]
    assert edge.grads == ["[0.09, 0.18]", "[0.10, 0.21]"]  # 2 q x^T
    assert "2x2 float64" in edge.label
    assert d.edge(d.node_id("x"), mm).grads == ["[-0.11, 0.64]"]  # 2 W^T q
    # q feeds * twice: two edges, each with its share, and the total at the fork
    shares = d.edges_between(mm, d.node_id("*"))
    assert len(shares) == 2 and [e.values for e in shares] == [["q = [0.22, 0.26]"]] * 2
    assert [e.grads for e in shares] == [["[0.22, 0.26]"]] * 2
    assert "Σ [0.44, 0.52]" in d.attrs[mm]
    out = d.edge(d.node_id("sum"), d.node_id("f"))
    assert (out.values, out.grads) == (["0.12"], ["1"])
    assert "scalar float64" in out.label


def test_big_tensors_show_shape_only():
    a = Tensor(np.arange(100.0).reshape(10, 10), requires_grad=True, label="A")
    s = (a * 2.0).sum()
    s.backward()
    d = parse_dot(viz.draw(s, max_elements=36).source)
    edge = d.out_of(d.node_id("A"))[0]
    assert "10x10 float64" in edge.label  # numpy float arrays keep their dtype
    assert not edge.values and not edge.grads


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
    assert "2x4 float64" in between.label
    np.testing.assert_array_equal(h.data.shape, (2, 4))
    assert d.edges_between(fc2, d.node_id("loss"))
