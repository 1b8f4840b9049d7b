"""The backprop stepper: frame texts with the slide's numbers, counts, no mutation."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from vizhelpers import GRAD_COLOR, norm_wx, parse_dot

import viz
from autograd import Value, gradcheck
from viz.demo import sigmoid_circuit, xyz_circuit
from viz.format import operand


def test_xyz_frame_texts_match_the_slides():
    s = viz.step(xyz_circuit())
    texts = [f.text for f in s]
    assert texts == [
        "x = -2",
        "y = 5",
        "q = x + y = -2 + 5 = 3",
        "z = -4",
        "f = q * z = 3 * -4 = -12",
        "df/df = 1",
        "df/dq = z = -4 (local derivative of q * z with respect to q)",
        "df/dz = q = 3 (local derivative of q * z with respect to z)",
        "df/dx = df/dq * dq/dx = -4 * 1 = -4\ndq/dx = d(u + v)/du = 1",
        "df/dy = df/dq * dq/dy = -4 * 1 = -4\ndq/dy = d(v + u)/du = 1",
    ]
    assert [f.phase for f in s] == ["forward"] * 5 + ["seed"] + ["backward"] * 4


def test_frames_are_inspectable():
    s = viz.step(xyz_circuit())
    f = s.frames[s.n_forward + 1]  # df/dq
    assert f.node.label == "f" and f.parent.label == "q" and f.slot == 0
    assert (f.upstream, f.local, f.contribution, f.accumulated) == (1.0, -4.0, -4.0, -4.0)
    assert f.previous is None
    assert f.highlight is f.parent


def test_frame_count_is_forward_nodes_plus_backward_steps():
    f = sigmoid_circuit()
    s = viz.step(f)
    # 5 inputs + 8 gates forward; the seed; one chain-rule step per edge (12 edges)
    assert s.n_forward == 13 and s.n_steps == 12
    assert len(s) == s.n_forward + 1 + s.n_steps == 26
    edges = sum(len(n.parents) for n in s.info.order)
    assert s.n_steps == edges


def test_stepper_does_not_touch_the_users_grads_and_matches_backward():
    f = sigmoid_circuit()
    s = viz.step(f)
    nodes = s.info.order
    assert all(n.grad == 0.0 for n in nodes)  # untouched
    f.backward()
    for n in nodes:
        assert s.gradient(n) == pytest.approx(n.grad, abs=1e-15)
    leaves = {n.label: s.gradient(n) for n in nodes if not n.parents}
    expected = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20}
    for name, g in expected.items():
        assert round(leaves[name], 2) == g


def test_fork_shows_the_accumulation():
    # L = z1 * b + z1 * a: backward reaches z1 * a first, so z1 gets -0.5 then +0.25
    z1 = Value(2.0, label="z1")
    a, b = Value(-0.5, label="a"), Value(0.25, label="b")
    L = z1 * b + z1 * a
    L.label = "L"
    s = viz.step(L)
    into_z1 = [f for f in s if f.phase == "backward" and f.parent is z1]
    assert len(into_z1) == 2
    first, second = into_z1
    assert first.previous is None and first.accumulated == -0.5
    assert second.previous == -0.5 and second.accumulated == pytest.approx(-0.25)
    assert second.text.splitlines()[-1] == "dL/dz1 = -0.50 + 0.25 = -0.25"


def test_a_times_a_accumulates_two_shares():
    a = Value(3.0, label="a")
    b = a * a
    b.label = "b"
    s = viz.step(b)
    steps = [f for f in s if f.phase == "backward"]
    assert [f.slot for f in steps] == [0, 1]
    assert steps[-1].text.endswith("db/da = 3 + 3 = 6")


def test_frame_drawings_highlight_and_reveal_gradients_progressively():
    s = viz.step(xyz_circuit())
    first = parse_dot(s.draw(0).source)
    assert "#ffe066" in first.attrs[first.node_id("x")]
    assert not any(e.values for e in first.edges if e.src != first.node_id("x"))
    reds = [sum(len(e.grads) for e in parse_dot(s.draw(i).source).edges) for i in range(len(s))]
    assert reds[: s.n_forward] == [0] * s.n_forward
    assert reds[s.n_forward:] == sorted(reds[s.n_forward:])  # gradients only appear
    last = parse_dot(s.draw(len(s) - 1).source)
    assert all(e.grads for e in last.edges)
    assert GRAD_COLOR in s.draw(len(s) - 1).source


def test_save_frames_writes_dot_sources(tmp_path):
    s = viz.step(xyz_circuit())
    paths = s.save_frames(tmp_path / "frames", fmt="dot")
    assert [p.name for p in paths][:2] == ["frame_000.dot", "frame_001.dot"]
    assert len(paths) == len(s)
    assert paths[-1].read_text() == list(s.slides())[-1]  # what the images are made of
    assert list(s.sources())[-1] == s.draw(len(s) - 1).source


# A small catalogue of expressions: the stepper's gradients equal backward()'s and a
# central-difference check, at random points.
CATALOGUE = {
    "poly": lambda x, y: x * y + x * x - y / 3,
    "sigmoid": lambda x, y: 1 / (1 + (-(x * 2 + y)).exp()),
    "trig": lambda x, y: x.sin() * y.cos() + (x * y).tanh(),
    "powers": lambda x, y: (x * x + 1).sqrt() + (y ** 2) * x,
}


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(sorted(CATALOGUE)),
       x=st.floats(-2, 2), y=st.floats(-2, 2))
def test_stepper_gradients_equal_backward_and_finite_differences(name, x, y):
    fn = CATALOGUE[name]
    xv, yv = Value(x, label="x"), Value(y, label="y")
    out = fn(xv, yv)
    s = viz.step(out)
    stepped = (s.gradient(xv), s.gradient(yv))
    out.backward()
    assert stepped == (pytest.approx(xv.grad, rel=1e-12, abs=1e-12),
                       pytest.approx(yv.grad, rel=1e-12, abs=1e-12))
    assert gradcheck(fn, [Value(x), Value(y)])


def test_tensor_graph_steps_match_backward_and_torch():
    W, x, q, f = norm_wx()
    s = viz.step(f)
    assert W.grad is None and x.grad is None  # stepping did not run backward
    f.backward()
    np.testing.assert_allclose(s.gradient(W), W.grad, rtol=1e-12)
    np.testing.assert_allclose(s.gradient(x), x.grad, rtol=1e-12)
    # lecture 002: d||Wx||^2/dW = 2 q x^T, d/dx = 2 W^T q
    qv = W.data @ x.data
    np.testing.assert_allclose(s.gradient(W), 2 * np.outer(qv, x.data), rtol=1e-12)
    np.testing.assert_allclose(s.gradient(x), 2 * W.data.T @ qv, rtol=1e-12)
    fork = [fr for fr in s if fr.phase == "backward" and fr.parent is q]
    assert len(fork) == 2 and fork[1].previous is not None
    assert "df/dq = [0.22, 0.26] + [0.22, 0.26] = [0.44, 0.52]" in fork[1].text
    torch = pytest.importorskip("torch")
    Wt = torch.tensor(W.data, requires_grad=True)
    xt = torch.tensor(x.data, requires_grad=True)
    (Wt @ xt).pow(2).sum().backward()
    np.testing.assert_allclose(s.gradient(W), Wt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(s.gradient(x), xt.grad.numpy(), rtol=1e-12)


def test_stepper_rejects_unknown_options():
    with pytest.raises(TypeError, match="unknown drawing option"):
        viz.step(xyz_circuit(), colour="red")


def test_math_of_the_sigmoid_frames():
    s = viz.step(sigmoid_circuit())
    texts = [f.text for f in s]
    # unlabelled intermediates are named by the gate the picture shows
    assert "[+1] = [exp] + 1 = 0.37 + 1 = 1.37" in texts
    assert "f = 1/[+1] = 1/1.37 = 0.73" in texts
    # operands carry the digits that make the shown product round to the shown result,
    # and every chain-rule product names its local derivative as a rule (op-info table)
    assert "df/dx1 = df/d[*]₂ * d[*]₂/dx1 = 0.197 * -3 = -0.59\n" \
        "d[*]₂/dx1 = d(v * u)/du = v = -3" in texts
    assert "df/d[*-1] = df/d[exp] * d[exp]/d[*-1] = -0.53 * 0.37 = -0.20\n" \
        "d[exp]/d[*-1] = d(exp(u))/du = exp(u) = 0.37" in texts
    assert "df/d[+1] = -1/[+1]**2 = -0.53 (local derivative of 1 / [+1] with respect to " \
        "[+1])" in texts
    assert math.isclose(s.frames[12].value, 1 / (1 + math.exp(-1)))


def _named_values(d):
    """{name: value} of every intermediate named on an edge (generated names are grey)."""
    out = {}
    for e in d.edges:
        for name, value in zip(e.names, e.values, strict=False):
            out[name] = value
    return out


def test_frame_drawings_name_the_intermediates_the_texts_mention():
    s = viz.step(sigmoid_circuit())
    i = next(f.index for f in s if f.text.startswith("df/d[*]₁ ="))
    named = _named_values(parse_dot(
        viz.step(sigmoid_circuit(), tags=True).draw(i).source))
    assert named["[*]₁"] == "-2" and named["[+1]"] == "1.37"
    # without tags, only the names the gates cannot tell apart are written
    assert set(_named_values(parse_dot(s.draw(i).source))) == {"[*]₁", "[*]₂", "[+]₁", "[+]₂"}


def test_plain_drawing_uses_the_stepper_names():
    # every name a step text mentions is on an edge of the plain drawing, with its value,
    # and the slide's numbers stay alone in green (test_draw checks their places)
    f = sigmoid_circuit()
    s = viz.step(f)
    f.backward()
    d = parse_dot(viz.draw(f, tags=True).source)
    named = _named_values(d)
    # without tags only the ambiguous gates are named (the others show their gate)
    assert set(_named_values(parse_dot(viz.draw(f).source))) == {"[*]₁", "[*]₂", "[+]₁", "[+]₂"}
    mentioned = set(re.findall(r"\[[^\]]+\][₀-₉]*", " ".join(fr.text for fr in s)))
    assert mentioned and mentioned <= set(named) | {d.nodes["output"]}
    assert not re.search(r"\bn\d+\b", " ".join(fr.text for fr in s))  # no invisible n22
    for fr in s:
        if fr.phase == "forward" and fr.node.parents and fr.node is not f:
            name, value = fr.text.split(" = ")[0], fr.text.rsplit(" = ", 1)[1]
            assert named[name] == value
    assert not any("=" in v for e in d.edges for v in e.values)  # green: numbers only
    assert not any(e.names for e in parse_dot(
        viz.draw(f, show_labels=False, tags=True).source).edges)


def test_negative_operands_are_parenthesised_where_ambiguous():
    a, b = Value(-0.19, label="a"), Value(-3.0, label="b")

    def last_forward(root):
        s = viz.step(root)
        return s.frames[s.n_forward - 1].text

    assert last_forward(a ** 2) == "f = a ** 2 = (-0.19) ** 2 = 0.036"
    assert last_forward(b ** a) == "f = b ** a = (-3) ** -0.19 = nan"
    assert last_forward((-2.0) ** a) == "f = (-2) ** a = (-2) ** -0.19 = nan"
    assert last_forward(a - b) == "f = a - b = -0.19 - (-3) = 2.81"
    assert last_forward(a + (-3.0)) == "f = a + (-3) = -0.19 + (-3) = -3.19"
    assert last_forward(a * b) == "f = a * b = -0.19 * -3 = 0.57"  # unambiguous: kept
    assert last_forward(a / -2.0) == "f = a / -2 = -0.19 / -2 = 0.095"
    assert last_forward(-a) == "f = -a = -(-0.19) = 0.19"
    # a fork whose second share is negative: "prev + (share)"
    c = a * b + a
    c.label = "c"
    acc = [fr.text for fr in viz.step(c) if fr.phase == "backward" and fr.previous is not None]
    assert acc == ["dc/da += dc/d[*] * d[*]/da = 1 * -3 = -3\nd[*]/da = d(u * v)/du = v = -3\n"
                   "dc/da = 1 + (-3) = -2"]


@pytest.mark.parametrize(("text", "op", "side", "expected"), [
    ("-0.19", "**", "left", "(-0.19)"), ("-1", "**", "right", "-1"),
    ("-4", "*", "right", "-4"), ("-4", "*", "left", "-4"), ("-2", "/", "right", "-2"),
    ("-3", "-", "right", "(-3)"), ("-3", "+", "right", "(-3)"), ("-2", "+", "left", "-2"),
    ("-inf", "**", "left", "(-inf)"), ("0.5", "**", "left", "0.5"), ("[-1, 2]", "+", "right",
                                                                    "[-1, 2]"),
])
def test_operand_rule(text, op, side, expected):
    assert operand(text, op, side) == expected


# derandomized: the same 30 cases in every run (a sum that cancels to 1e-10 of its terms
# cannot be shown consistently at any precision; random runs would find one now and then)
@settings(max_examples=30, deadline=None, derandomize=True)
@given(x=st.floats(-3, 3), y=st.floats(-3, 3))
@example(x=1e-05, y=1.0)  # tanh' = 0.9999999996 prints as 1.00: "1 * 1.00 = 1.00"
@example(x=1e-05, y=0.0)  # 9.99999e-06 and 1e-05 print alike (0.000010)
def test_shown_arithmetic_is_consistent(x, y):
    # the rule: printed operands, combined and rounded to the precision, give the printed result
    xv, yv = Value(x, label="x"), Value(y, label="y")
    out = (xv * yv + xv).tanh() * yv
    out.label = "o"
    for fr in viz.step(out, precision=2):
        if fr.phase != "backward" or fr.local is None or fr.node is out:
            continue
        m = re.search(r"= (\S+) \* (\S+) = (\S+)$", fr.text.splitlines()[0])  # u * l = c
        u, l, c = m.groups()
        # the same number at the shown precision ("1" and "1.00" alike)
        assert float(viz.format.fmt(float(u) * float(l), 2)) == float(c), fr.text
        if fr.previous is not None:  # "prev + share = total"
            m = re.search(r"= (\S+) \+ \(?(\S+?)\)? = (\S+)$", fr.text.splitlines()[-1])
            a, b, total = m.groups()
            assert float(viz.format.fmt(float(a) + float(b), 2)) == float(total), fr.text


def test_walking_all_frames_costs_linear_work():
    # a chain of n gates: every frame re-renders only the few elements its step touches
    x = Value(0.5, label="x")
    y = x
    for _ in range(60):
        y = (y * 0.9).tanh()
    s = viz.step(y)
    touched = [len(keys) for i, _, keys in s.walk() if i > 0]
    assert max(touched) <= 6 and sum(touched) <= 6 * len(s)


def test_every_frame_has_the_same_labels():
    s = viz.step(sigmoid_circuit())
    sources = list(s.sources())

    def labels(src):
        found = re.findall(r"label=(<.*?>)(?= \w+=|\]$)", src, flags=re.M)
        return [re.sub(r'color="[^"]*"', "", lab) for lab in found]

    first = labels(sources[0])
    assert len(first) > 10
    assert all(labels(src) == first for src in sources)
    assert 'color="transparent"' in sources[0]  # unknown numbers are invisible


def test_element_id_is_validated():
    s = viz.step(xyz_circuit())
    with pytest.raises(ValueError, match="element_id"):
        s.to_html(element_id='x"><script>alert(1)</script>')
    assert 'id="my-player"' in s.to_html(element_id="my-player", images=False)


def test_player_refuses_graphs_over_the_node_limit():
    x = Value(0.5, label="x")
    y = x
    for _ in range(viz.MAX_RENDER_NODES):
        y = y * 1.0001
    with pytest.raises(viz.GraphTooLargeError, match="collapse="):
        viz.step(y).to_html()
    assert "nodes" in viz.step(y)._repr_html_()


def test_pdf_deck_has_one_page_per_frame(tmp_path, dot_required):
    pypdf = pytest.importorskip("pypdf")
    s = viz.step(xyz_circuit())
    path = s.save_pdf(tmp_path / "deck.pdf")
    assert len(pypdf.PdfReader(path).pages) == len(s)
    pdfs = s.save_frames(tmp_path / "pdf", fmt="pdf")
    assert len(pdfs) == len(s) and all(p.read_bytes()[:5] == b"%PDF-" for p in pdfs)


def test_animated_gif(tmp_path, dot_required):
    Image = pytest.importorskip("PIL.Image")
    s = viz.step(xyz_circuit())
    with Image.open(s.save_gif(tmp_path / "steps.gif", dpi=48)) as im:
        assert im.n_frames == len(s)


def test_collapsed_neuron_texts_use_the_lecture_names():
    import nn

    m = nn.scalar.MLP(2, [3, 1], activation="tanh", seed=0)
    xs = [Value(1.0, label="x1", requires_grad=False), Value(-0.5, label="x2",
                                                            requires_grad=False)]
    y = m(xs)
    y.label = "y"
    loss = (y - 0.5) ** 2
    loss.label = "L"
    texts = [f.text for f in viz.step(loss, collapse="neuron")]
    # one frame per neuron: its net input, then its output
    assert any(t.startswith("net1_1 = W1_11 * x1 + W1_12 * x2 + b1_1 = ")
               and "\nx1_1 = tanh(net1_1) = tanh(" in t for t in texts)
    assert any(t.startswith("dL/dnet1_1 = dL/dx1_1 * dx1_1/dnet1_1 = ") for t in texts)
    assert texts == [f.text for f in viz.step(loss, collapse="neuron")]  # deterministic


def test_hostile_labels_stay_inside_the_players_data():
    x = Value(2.0, label='</script><script>alert("x")</script><!--')
    y = x * x
    y.label = "y&<b>"
    page = viz.step(y).to_html(images=False)
    assert page.lower().count("<script") == 1 and page.lower().count("</script") == 1
    assert "<!--" not in page
    outside = page.split("<script>")[0]  # the markup: every label escaped
    assert "<b>" not in outside.replace("<b>Backpropagation", "")


def test_a_sum_of_values_steps_and_draws_as_one_sigma_gate():
    # Python's sum() of Values is one Σ gate (issue 26), as the lectures draw a weighted sum
    a, b, c = Value(1.0, label="a"), Value(-2.0, label="b"), Value(4.0, label="c")
    p, q = a * a, b * b
    p.label, q.label = "p", "q"
    s = sum([p, q, c])
    s.label = "s"
    st = viz.step(s)
    texts = [f.text for f in st]
    assert "s = Σ(p, q, c) = Σ(1, 4, 4) = 9" in texts
    assert "ds/dc = 1 (local derivative of Σ(p, q, c) with respect to c)" in texts
    assert st.n_steps == 3 + 2 + 2  # one chain-rule step per edge: 3 into Σ, 2 per product
    s.backward()
    assert st.gradient(a) == a.grad == 2.0 and st.gradient(b) == b.grad == -4.0
    dot = parse_dot(st.draw(len(st) - 1).source)
    gate = dot.node_id("Σ")  # one gate, three inputs
    assert len(dot.into(gate)) == 3
