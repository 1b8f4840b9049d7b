"""Lecture drawings: the slide's numbers in the right places of the DOT source."""

from __future__ import annotations

import re

import pytest
from vizhelpers import parse_dot

import viz
from autograd import Value
from viz.demo import sigmoid_circuit, xyz_circuit


def drawn(root, **kw):
    return parse_dot(viz.draw(root, **kw).source)


def test_xyz_values_and_gradients_on_their_edges():
    f = xyz_circuit()
    f.backward()
    d = drawn(f)
    x, y, z = d.node_id("x"), d.node_id("y"), d.node_id("z")
    plus, times = d.node_id("+"), d.node_id("*")
    # forward value (green) of the tail node, gradient (red) of df/d(tail) on each edge
    assert (d.edge(x, plus).values, d.edge(x, plus).grads) == (["-2"], ["-4"])
    assert (d.edge(y, plus).values, d.edge(y, plus).grads) == (["5"], ["-4"])
    assert (d.edge(plus, times).values, d.edge(plus, times).grads) == (["q = 3"], ["-4"])
    assert (d.edge(z, times).values, d.edge(z, times).grads) == (["-4"], ["3"])
    out = d.edge(times, d.node_id("f"))
    assert (out.values, out.grads) == (["-12"], ["1"])
    assert len(d.edges) == 5


SLIDE = {  # lecture 002's sigmoid circuit: (value, gradient) on the edge leaving each input
    "w0": ("2", "-0.20"), "x0": ("-1", "0.39"), "w1": ("-3", "-0.39"),
    "x1": ("-2", "-0.59"), "w2": ("-3", "0.20"),
}
CHAIN = [  # the gates from the sum to the output, with the number on their outgoing edge
    ("+", "1", "0.20"), ("*-1", "-1", "-0.20"), ("exp", "0.37", "-0.53"),
    ("+1", "1.37", "-0.53"), ("1/x", "0.73", "1"),
]


def test_sigmoid_circuit_matches_the_slide():
    f = sigmoid_circuit()
    f.backward()
    d = drawn(f, precision=2)
    for name, (value, grad) in SLIDE.items():
        (edge,) = d.out_of(d.node_id(name))
        assert (edge.values, edge.grads) == ([value], [grad]), name
    # the products feed the first +, whose result feeds the second + (with w2)
    products = d.node_ids("*")
    assert len(products) == 2
    first_sum = {d.out_of(p)[0].dst for p in products}
    assert len(first_sum) == 1
    (s1,) = first_sum
    assert sorted(e.values[0] for e in d.into(s1)) == ["-2", "6"]
    assert [e.grads for e in d.into(s1)] == [["0.20"], ["0.20"]]
    (e4,) = d.out_of(s1)
    assert (e4.values, e4.grads) == (["4"], ["0.20"])
    node = e4.dst
    for gate, value, grad in CHAIN:
        assert d.nodes[node] == gate
        (edge,) = d.out_of(node)
        assert (edge.values, edge.grads) == ([value], [grad]), gate
        node = edge.dst
    assert d.nodes[node] == "f"


def test_precision_changes_the_digits():
    f = sigmoid_circuit()
    f.backward()
    d = drawn(f, precision=3)
    (edge,) = d.out_of(d.node_id("x1"))
    assert edge.grads == ["-0.590"]
    assert d.out_of(d.node_id("w0"))[0].grads == ["-0.197"]


def test_modes_show_values_gradients_or_both():
    f = xyz_circuit()
    f.backward()
    fwd, bwd = drawn(f, mode="forward"), drawn(f, mode="backward")
    assert all(e.values and not e.grads for e in fwd.edges)
    assert all(e.grads and not e.values for e in bwd.edges)


def test_before_backward_no_gradients_are_drawn():
    f = xyz_circuit()
    source = viz.draw(f).source
    d = parse_dot(source)
    assert all(e.values and not e.grads for e in d.edges)
    assert "call backward()" in source


def test_dot_is_identical_across_runs():
    def make():
        f = sigmoid_circuit()
        f.backward()
        return viz.draw(f).source, viz.draw(f, style="record").source

    assert make() == make()


def test_a_times_a_draws_two_edges_with_shares_and_total():
    a = Value(3.0, label="a")
    b = a * a
    b.label = "b"
    b.backward()
    d = drawn(b)
    edges = d.edges_between(d.node_id("a"), d.node_id("*"))
    assert len(edges) == 2
    assert [e.grads for e in edges] == [["3"], ["3"]]  # each share is 3; total 6 = 2a
    assert "Σ 6" in d.attrs[d.node_id("a")]
    rec = parse_dot(viz.draw(b, style="record").source)
    assert len([e for e in rec.edges if e.dst.endswith("_op") and rec.nodes[e.src].startswith(
        "{ a")]) == 2


def test_constant_leaf_is_folded_into_the_gate():
    x = Value(2.0, label="x")
    one = Value(1.0, requires_grad=False)
    y = x + one  # an explicit constant node: drawn like the lecture's "+1" gate
    y.backward()
    d = drawn(y)
    assert "+1" in d.nodes.values()
    assert len(d.nodes) == 3  # x, the gate, the output
    unfolded = drawn(y, fold_constants=False)
    assert "+" in unfolded.nodes.values() and len(unfolded.nodes) == 4
    assert "#eeeeee" in viz.draw(y, fold_constants=False).source  # constant colour


def test_record_style_boxes():
    f = xyz_circuit()
    f.backward()
    src = viz.draw(f, style="record").source
    assert "{ q | data 3 | grad -4 }" in src
    assert "{ f | data -12 | grad 1 }" in src
    assert "{ x | data -2 | grad -4 }" in src


def test_colours_tell_leaves_constants_and_output_apart():
    f = xyz_circuit()
    f.backward()
    d = drawn(f)
    assert "#dbe9f6" in d.attrs[d.node_id("x")]
    assert "#fde2c0" in d.attrs[d.node_id("f")]


def test_unlabelled_nodes_get_stable_names():
    a, b = Value(1.5), Value(-2.0)
    c = (a * b).tanh()
    c.backward()
    src = viz.draw(c, style="record").source
    assert re.search(r"\{ n0 \| data 1.50", src) and re.search(r"\{ n1 \| data -2", src)


def test_ten_thousand_nodes_draw_without_recursion():
    x = Value(0.5, label="x")
    y = x
    for _ in range(5000):
        y = y * 1.0001 + x  # two gates per iteration (the constant folds into "*1.0001")
    y.backward()
    g = viz.draw(y)
    d = parse_dot(g.source)
    assert len(d.nodes) >= 10_000
    assert len(d.edges) >= 15_000


def test_bad_options_are_named():
    f = xyz_circuit()
    with pytest.raises(ValueError, match="mode must be one of"):
        viz.draw(f, mode="sideways")
    with pytest.raises(ValueError, match="style must be one of"):
        viz.draw(f, style="fancy")
    with pytest.raises(ValueError, match="precision"):
        viz.draw(f, precision=-1)
    with pytest.raises(TypeError, match="Value or Tensor"):
        viz.draw(3.0)


def test_gate_labels_parenthesise_ambiguous_negative_constants():
    a = Value(-0.19, label="a")
    gates = {
        "(-2)**x": (-2.0) ** a,  # not -2**x, which reads as -(2**x)
        "-(-3)": a - (-3.0),
        "+(-3)": a + (-3.0),
        "*-1": -a,  # the lecture's gate, kept
        "**-1": a ** -1,
        "1/x": a.reciprocal(),
    }
    for label, root in gates.items():
        assert label in drawn(root).nodes.values(), label
    # the same rule for a folded constant node (two-operand gate)
    c = Value(-3.0, requires_grad=False)
    assert "-(-3)" in drawn(a - c).nodes.values()
    assert "(-3)**x" in drawn(c ** a).nodes.values()
    assert "*-3" in drawn(c * a).nodes.values()
    # record style draws its op nodes with the same rule
    rec = parse_dot(viz.draw((-2.0) ** a, style="record").source)
    assert "(-2)**x" in rec.nodes.values()


def test_sigmoid_leaves_in_expression_order_top_to_bottom(dot_required):
    # w0, x0, w1, x1 as the expression reads: ordering=in keeps each gate's operands in order
    f = sigmoid_circuit()
    f.backward()
    g = viz.draw(f)
    assert "ordering=in" in g.source
    svg = g.svg()
    ys = {}
    node = r'<g id="(n\d+)" class="node">.*?<text[^>]*y="([-\d.]+)"[^>]*>([^<]*)</text>'
    for m in re.finditer(node, svg, flags=re.S):
        ys[m.group(3)] = float(m.group(2))
    order = sorted(["w0", "x0", "w1", "x1"], key=ys.__getitem__)
    assert order == ["w0", "x0", "w1", "x1"]


def test_no_generated_name_tags_by_default():
    f = sigmoid_circuit()
    f.backward()
    # only names the gates cannot tell apart are shown: [*]₁ and [*]₂, [+]₁ and [+]₂
    shown = set(re.findall(r">([^<>]+) = <", viz.draw(f).source))
    assert shown == {"[*]₁", "[*]₂", "[+]₁", "[+]₂"}
    assert set(re.findall(r">([^<>]+) = <", viz.draw(f, tags=True).source)) == shown | {
        "[*-1]", "[exp]", "[+1]"}


def _mlp_231():
    import nn

    m = nn.scalar.MLP(2, [3, 1], activation="tanh", seed=0)
    xs = [Value(1.0, label="x1", requires_grad=False), Value(-0.5, label="x2",
                                                            requires_grad=False)]
    y = m(xs)
    y.label = "y"
    loss = (y - 0.5) ** 2
    loss.label = "L"
    loss.backward()
    return m, loss


def test_collapse_neuron_draws_an_mlp_as_layers_of_boxes():
    m, loss = _mlp_231()
    d = drawn(loss, collapse="neuron")
    boxes = {k: v for k, v in d.attrs.items() if "Σ w·x + b" in v}
    assert len(boxes) == 4  # three hidden neurons and the output neuron
    x1 = d.node_id("x1")
    hidden = [k for k, v in boxes.items() if "tanh" in v]
    assert len(hidden) == 3 and all(len(d.edges_between(x1, h)) == 1 for h in hidden)
    (out,) = [k for k, v in boxes.items() if "linear" in v]
    assert all(len(d.edges_between(h, out)) == 1 for h in hidden)
    # each weight's row: its value (green) and its gradient (red), as backward() gave them
    from vizhelpers import GRAD_COLOR, VALUE_COLOR

    for neuron in m.layers[0].neurons:
        for w in neuron.w:
            row = re.search(rf"<td[^>]*>{w.label}</td>(.*?)</tr>", d.attrs[
                next(k for k, v in boxes.items() if f">{w.label}<" in v)]).group(1)
            assert f'<font color="{VALUE_COLOR}">{viz.format.fmt(w.data)}</font>' in row
            assert f'<font color="{GRAD_COLOR}">{viz.format.fmt(w.grad)}</font>' in row
