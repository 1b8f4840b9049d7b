"""Issue 21's texts and drawings: names the picture shows, the op's rule in every product,
labelled constants as boxes, a warning for summed gradients, neurons with float inputs."""

from __future__ import annotations

import re
import warnings

import pytest
from test_honest_numbers import lecture_001_loss  # tests/viz is on the path

import nn
import viz
from autograd import Tensor, Value
from viz.demo import sigmoid_circuit, xyz_circuit
from viz.texts.numbers import fmt


def test_texts_name_only_what_the_picture_shows():
    s = viz.step(lecture_001_loss())
    text = "\n".join(f.text for f in s)
    assert not re.search(r"\bn\d+\b", text)  # no invisible generated names (dn20/dn19)
    assert "df/df = 1" in text  # an unlabelled output is f
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    loss = nn.MSELoss()(x, Tensor([[0.0, 1.0]]))
    assert viz.step(loss).objective == "L"  # a loss module's output is L
    # every bracketed name a text uses is a gate the picture shows, or a tag it writes
    f = sigmoid_circuit()
    f.backward()
    src = viz.draw(f).source
    gates = {m[1] for m in re.findall(r'\tn\d+ \[label=("?)([^" ]+)\1 .*shape=circle', src)}
    assert {"exp", "1/x", "+1", "*-1", "*", "+"} <= gates
    tags = set(re.findall(r">([^<>]+) = <", src))
    for name in set(re.findall(r"\[[^\]]+\][₀-₉]*", "\n".join(fr.text for fr in viz.step(f)))):
        assert name in tags or name[1:-1] in gates, name


def test_every_backward_product_names_the_ops_rule():
    s = viz.step(sigmoid_circuit())
    products = [f for f in s if f.phase == "backward" and f.node is not s.root]
    assert len(products) == 11  # 12 edges, one at the output
    for fr in products:
        rule = fr.text.splitlines()[1]
        assert re.match(r"d\S+/d\S+ = d\(.*\)/du = ", rule), fr.text
        assert rule.endswith(fmt(fr.local, 2)), fr.text
    texts = [f.text for f in products]
    assert any("d(exp(u))/du = exp(u) = 0.37" in t for t in texts)
    assert any("d(-u)/du = -1" in t for t in texts)
    assert any("d(u + 1)/du = 1" in t for t in texts)  # a folded number stays itself
    # the output's own gate keeps its one-line "local derivative of ..." text
    root_steps = [f.text for f in s if f.phase == "backward" and f.node is s.root]
    assert root_steps == ["df/d[+1] = -1/[+1]**2 = -0.53 (local derivative of 1 / [+1] "
                          "with respect to [+1])"]


def test_labelled_constants_are_boxes_not_folded_into_gates():
    x1 = Value(1.0, label="x1", requires_grad=False)
    w1 = Value(0.5, label="w1")
    y = w1 * x1
    y.label = "y"
    y.backward()
    src = viz.draw(y).source
    assert 'label="*1"' not in src and 'label="*"' in src
    assert re.search(r"label=<x1", src)  # its own box
    s = viz.step(y)
    assert s.frames[s.n_forward - 1].text == "y = w1 * x1 = 0.50 * 1 = 0.50"
    # an unlabelled number still is folded: w1 * Value(2.0) is one "*2" gate
    z = Value(0.5, label="w") * Value(2.0, requires_grad=False)
    z.backward()
    assert 'label="*2"' in viz.draw(z).source


def test_a_drawing_after_two_backward_calls_warns_and_says_so():
    f = xyz_circuit()
    f.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "more than one backward" not in viz.draw(f).source  # one call: no warning
    f.backward()
    with pytest.warns(UserWarning, match="more than one backward"):
        g = viz.draw(f)
    assert "more than one backward()" in g.source and "zero_grad()" in g.source


def test_collapse_neuron_works_for_float_inputs():
    m = nn.scalar.MLP(2, [3, 1], activation="tanh", seed=0)
    y = m([1.0, -0.5])
    y.backward()
    src = viz.draw(y, collapse="neuron").source
    gates = re.findall(r'\tn\d+ \[label="([^"]+)"', src)
    assert gates == [], gates  # every *, + and tanh is inside a neuron box
    assert len(re.findall(r"\tm\d+ \[label=<", src)) == 4  # 3 hidden neurons and the output
    assert "W1_11 × 1<" in src and "W1_12 × -0.5<" in src


def _collapsed_231():
    m = nn.scalar.MLP(2, [3, 1], activation="tanh", seed=0)
    y = m([1.0, -0.5])  # float inputs
    return m, (y - 0.5) ** 2


def test_collapsed_stepper_moves_neuron_by_neuron():
    m, loss = _collapsed_231()
    gate_steps = viz.step(loss)
    s = viz.step(loss, collapse="neuron")
    # 4 neurons and the two loss gates forward, the seed, the two loss gates and 4 neurons
    # backward (the gate-level stepper needs a frame per gate and per edge)
    assert [f.phase for f in s] == ["forward"] * 6 + ["seed"] + ["backward"] * 6
    assert len(gate_steps) > 5 * len(s)
    assert len(s) == s.n_forward + 1 + s.n_steps
    params = dict(m.named_parameters())
    neuron_frames = [f for f in s if f.phase == "backward" and len(f.steps) > 1]
    assert len(neuron_frames) == 4
    loss.backward()
    for f in neuron_frames:
        lines = f.text.splitlines()
        assert re.match(r"df/dnet\d_\d = ", lines[0]), f.text
        # every weight and bias of the neuron, with the number backward() gives
        named = {m_.group(1): m_.group(2) for m_ in
                 (re.match(r"df/d([Wb]\d_\d+) = .* = (\S+)$", line) for line in lines) if m_}
        assert named, f.text
        for label, shown in named.items():
            assert shown == fmt(params[label].grad, 2), (label, f.text)
    # the texts name only what the collapsed picture shows (no gate inside a neuron box)
    text = "\n".join(f.text for f in s)
    assert not re.search(r"\[[*+]\]|\[tanh\]|\bn\d+\b", text), text
    # the stepper's gradients are backward()'s; frames share one layout
    for p in params.values():
        assert s.gradient(p) == pytest.approx(p.grad, rel=1e-12)
    sources = list(s.sources())
    assert len(sources) == len(s)
    assert len({len(re.findall(r"label=", src)) for src in sources}) == 1


def test_collapsed_forward_frame_adds_up():
    _, loss = _collapsed_231()
    s = viz.step(loss, collapse="neuron")
    for f in s:
        if not f.text.startswith("net"):
            continue
        first = f.text.splitlines()[0]
        shown, result = first.rsplit(" = ", 2)[1:]
        terms = [t.strip().strip("()") for t in shown.split(" + ")]
        total = sum(float(a) * float(b) if "*" in t else float(t)
                    for t in terms for a, _, b in [t.partition(" * ")])
        assert fmt(total, 2) == result, first
