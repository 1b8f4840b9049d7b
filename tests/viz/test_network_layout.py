"""Issue 21's network view for dense layers: every weight attributable to its edge, no edge
through a neuron's box (checked on Graphviz's own layout, ``dot -Tjson``), readable sizes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
from vizhelpers import GRAD_COLOR, edges_through_nodes

import nn
import viz
from viz.network import NEGATIVE_EDGE, POSITIVE_EDGE, sig, weight_name

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "nn"))
from nn_seed001 import SEED001_W1, SEED001_W2, SEED001_X  # noqa: E402

_LINE = re.compile(r'^\t(\w+)(?::(\w+))?(?: -> (\w+)(?::(\w+))?)? \[(.*)\]$')


def _net221():
    return nn.scalar.MLP.from_weights([SEED001_W1, SEED001_W2], activation="sigmoid")


def _net342():  # lecture 003's 3-4-2 network (26 parameters)
    return nn.scalar.MLP(3, [4, 2], activation="sigmoid", seed=3)


def _net2551():
    return nn.scalar.MLP(2, [5, 5, 1], activation="tanh", seed=4)


CASES = {
    "2-2-1": (_net221, SEED001_X, [0.5]),
    "3-4-2": (_net342, [1.0, 0.5, -1.0], [1.0, 0.0]),
    "2-5-5-1": (_net2551, [0.5, -1.0], [0.3]),
}


def _statements(source):
    """(id, tail, tailport, head, headport, attrs) of every node and edge with an id."""
    out = {}
    for line in source.splitlines():
        m = _LINE.match(line)
        ident = m and re.search(r"\bid=\"?([\w~]+)", m.group(5))
        if ident:
            out[ident.group(1)] = m.groups()
    return out


def _weights(model):
    return [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("weights", ["auto", "edges", "table"])
def test_no_edge_runs_through_a_neuron(name, weights, dot_required):
    build, x, t = CASES[name]
    g = viz.draw_network(build(), inputs=x, target=t, lr=1.0, weights=weights)
    assert edges_through_nodes(g.source) == []


def test_the_check_sees_an_edge_through_a_box(dot_required):
    """The check itself: an edge drawn straight through a box in its way is found."""
    src = ('digraph { rankdir=LR; splines=line; x -> a; x -> b; x -> c; {rank=same; a; b; c}; '
           'a -> c [constraint=false] }')
    assert ("a", "c", "b") in edges_through_nodes(src)


def test_layout_auto_keeps_lecture_001_edges_and_tables_wider_layers():
    g221 = viz.draw_network(_net221(), inputs=SEED001_X, target=[0.5]).source
    assert 'class="cr-label"' in g221 and "W1_21 = 0.4" in g221  # named, on its edge
    g342 = viz.draw_network(_net342(), inputs=[1.0, 0.5, -1.0], target=[1.0, 0.0]).source
    assert 'class="cr-label"' not in g342
    with pytest.raises(ValueError, match="weights must be one of"):
        viz.draw_network(_net221(), weights="matrix")


@pytest.mark.parametrize("name", ["3-4-2", "2-5-5-1"])
def test_table_layout_attributes_every_weight(name):
    build, x, t = CASES[name]
    model = build()
    g = viz.draw_network(model, inputs=x, target=t)
    st = _statements(g.source)
    Ws = _weights(model)
    for l_, W in enumerate(Ws, 1):
        top = np.max(np.abs(W))
        widths = {}
        for i in range(W.shape[0]):
            box = st[f"u{l_}_{i}"][4]
            for j in range(W.shape[1]):
                src = "x" + str(j + 1) if l_ == 1 else f"x{l_ - 1}_{j + 1}"
                # in the receiving neuron: "W<l>_<ij> ← source", then the value, in one row
                row = re.search(rf"<tr><td[^>]*>{re.escape(weight_name(l_, i, j))} ← "
                                rf"{src}</td><td[^>]*>([^<]+)</td>", box)
                assert row and row.group(1) == sig(W[i, j]), (l_, i, j)
                # and its edge: from unit j's right side into unit i's left side, coloured
                # by the sign, wider for a larger |w|
                tail, tport, head, hport, attrs = st[f"w{l_}_{i}_{j}"]
                assert (tail, tport, head, hport) == (f"u{l_ - 1}_{j}", "e", f"u{l_}_{i}", "w")
                color = NEGATIVE_EDGE if W[i, j] < 0 else POSITIVE_EDGE
                assert f'color="{color}"' in attrs
                widths[abs(W[i, j])] = float(re.search(r'penwidth="?([\d.]+)', attrs).group(1))
        sizes = sorted(widths)
        assert [widths[s] for s in sizes] == sorted(widths[s] for s in sizes)
        assert widths[top] == pytest.approx(3.0)


def test_edge_layout_names_each_weight_on_its_own_edge():
    g = viz.draw_network(_net221(), inputs=SEED001_X, target=[0.5])
    st = _statements(g.source)
    for l_, W in enumerate([np.array(SEED001_W1), np.array(SEED001_W2)], 1):
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                key = f"w{l_}_{i}_{j}"
                assert f"{weight_name(l_, i, j)} = {sig(W[i, j])}" in st[key][4]
                assert st[key + "~a"][0] == f"u{l_ - 1}_{j}" and st[key + "~a"][2] == key
                assert st[key + "~b"][0] == key and st[key + "~b"][2] == f"u{l_}_{i}"


@pytest.mark.parametrize("weights", ["edges", "table"])
def test_weights_and_gradients_can_be_hidden(weights):
    build, x, t = CASES["3-4-2"]
    full = viz.draw_network(build(), inputs=x, target=t, weights=weights).source
    assert "W1_11" in full and GRAD_COLOR in full
    no_w = viz.draw_network(build(), inputs=x, target=t, weights=weights,
                            show_weights=False).source
    assert "W1_11" not in no_w and "δ = " in no_w
    no_g = viz.draw_network(build(), inputs=x, target=t, weights=weights,
                            show_grads=False).source
    assert GRAD_COLOR not in no_g.replace(f'color="{GRAD_COLOR}">L = ', "")  # the loss stays
    assert "∂L/∂w" not in no_g and "δ = " not in no_g and "W1_11" in no_g


@pytest.mark.parametrize(("name", "least_px"), [("3-4-2", 20), ("2-5-5-1", 16)])
def test_readable_at_1920x1080(name, least_px, dot_required):
    """Fitted to a 1920x1080 screen, the drawing's 12 pt text is at least ``least_px``
    (main before issue 21: 21.6 px for 3-4-2 with labels in one column, 10.6 px for 2-5-5-1)."""
    build, x, t = CASES[name]
    svg = viz.draw_network(build(), inputs=x, target=t).svg()
    w, h = (float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    scale = min(1920 / (w * 96 / 72), 1080 / (h * 96 / 72))
    assert 12 * 96 / 72 * scale >= least_px


def test_the_stepper_takes_the_layout_options():
    build, x, t = CASES["3-4-2"]
    s = viz.step_network(build(), x, t, show_grads=False, weights="table")
    assert all("∂L/∂w" not in src for src in s.sources())
    assert len({len(re.findall(r"label=", src)) for src in s.sources()}) == 1  # one layout
