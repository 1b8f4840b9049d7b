"""The network view and stepper: lecture 001's 2-2-1 network and lecture 003's 3-4-2."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
from vizhelpers import GRAD_COLOR, VALUE_COLOR

import nn
import viz
from autograd import Value
from viz.network import sig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "nn"))
from nn_seed001 import (  # noqa: E402
    SEED001_W1,
    SEED001_W2,
    SEED001_X,
    SLIDE_GRADS,
    SLIDE_UPDATED,
    slide_before,
)

_LINE = re.compile(r'^\t(\w+)(?::\w+)?(?: -> (\w+)(?::\w+)?)? \[(.*)\]$')


def _elements(source: str) -> dict[str, str]:
    """DOT element id -> its label (nodes by name, edges by their id attribute)."""
    out = {}
    for line in source.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        attrs = m.group(3)
        ident = re.search(r"\bid=(\w+)", attrs)
        if ident:
            out[ident.group(1)] = attrs
    return out


def _texts(label: str, color: str) -> list[str]:
    return re.findall(rf'<font color="{color}">([^<]*)</font>', label)


def _net221():
    return nn.scalar.MLP.from_weights([SEED001_W1, SEED001_W2], activation="sigmoid")


def _number(text: str) -> float:
    return float(text.split("= ")[-1].replace("→ ", ""))


def test_lecture_001_numbers_at_the_right_neurons_and_edges():
    g = viz.draw_network(_net221(), inputs=SEED001_X, target=[0.5], lr=1.0)
    el = _elements(g.source)
    # forward values, as the slide prints them: 0.68, 0.6637, 0.69
    h1, h2, y = (_texts(el[k], VALUE_COLOR)[0] for k in ("u1_0", "u1_1", "u2_0"))
    assert round(_number(h1), 2) == 0.68 and h2 == "x = 0.6637" and round(_number(y), 2) == 0.69
    assert _texts(el["u0_0"], VALUE_COLOR) == ["0.35"]
    assert _texts(el["u0_1"], VALUE_COLOR) == ["0.9"]
    # the error terms, to the slide's rounding: -0.0406 (from y rounded to 0.69), -0.0027, -0.0082
    deltas = [_number(_texts(el[k], GRAD_COLOR)[0]) for k in ("u2_0", "u1_0", "u1_1")]
    assert abs(deltas[0] - -0.0406) < 1.5e-4 and round(deltas[1], 4) == -0.0027
    assert round(deltas[2], 4) == -0.0082
    # each weight's edge: the weight, its gradient (slide's, to the 3% its 2-digit deltas
    # allow) and the weight after one step at learning rate 1 (slide's to 1.5e-4)
    for name, slide in SLIDE_GRADS.items():
        layer, i, j = int(name[1]), int(name[3]) - 1, int(name[4]) - 1
        label = el[f"w{layer}_{i}_{j}"]
        # the weight, named, right above the edge's rule, its gradient and update below it
        assert f'<tr><td>{name} = {sig(slide_before(name))}</td></tr><tr><td sides="t"' \
            in label, name
        assert label.index(GRAD_COLOR) > label.index('sides="t"'), name
        (grad,) = _texts(label, GRAD_COLOR)
        assert _number(grad) == pytest.approx(slide, rel=0.03), name
        (updated,) = _texts(label, viz.network.UPDATE_COLOR)
        assert abs(_number(updated) - SLIDE_UPDATED[name]) <= 1.5e-4, name
    assert "6 parameters" in g.source


def test_network_numbers_equal_backward():
    net = _net221()
    xs = [Value(v, requires_grad=False) for v in SEED001_X]
    loss = 0.5 * (0.5 - net(xs)) ** 2
    loss.backward()
    s = viz.step_network(net, SEED001_X, [0.5])
    g = s.nums.gW
    for name, p in net.named_parameters():
        layer, i, j = int(name[1]), int(name[3]) - 1, int(name[4]) - 1
        assert g[layer][i, j] == pytest.approx(p.grad, rel=1e-12), name
    assert s.nums.loss == pytest.approx(loss.data, rel=1e-12)


def test_sequential_with_biases_matches_torch():
    torch = pytest.importorskip("torch")
    model = nn.Sequential(nn.Linear(3, 4, seed=1, dtype="float64"), nn.Tanh(),
                          nn.Linear(4, 2, seed=2, dtype="float64"), nn.ReLU())
    x, t = np.array([0.5, -1.0, 2.0]), np.array([0.3, -0.2])
    s = viz.step_network(model, x, t, loss="mse")
    tl = [torch.nn.Linear(3, 4).double(), torch.nn.Linear(4, 2).double()]
    for mine, theirs in zip([model[0], model[2]], tl, strict=True):
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(mine.weight.data))
            theirs.bias.copy_(torch.tensor(mine.bias.data))
    out = torch.relu(tl[1](torch.tanh(tl[0](torch.tensor(x)))))
    ((out - torch.tensor(t)) ** 2).mean().backward()
    np.testing.assert_allclose(s.nums.gW[1], tl[0].weight.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(s.nums.gW[2], tl[1].weight.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(s.nums.gb[1], tl[0].bias.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_lecture_003_counts_26_parameters():
    g = viz.draw_network(nn.scalar.MLP(3, [4, 2], seed=0))
    assert "3-4-2 network" in g.source and "26 parameters (20 weights + 6 biases)" in g.source
    el = _elements(g.source)
    assert sum(k.startswith("w") for k in el) == 20
    assert sum(k.startswith("u1_") for k in el) == 4


def test_wide_layers_are_elided_with_a_count():
    model = nn.Sequential(nn.Linear(5, 40, seed=0), nn.ReLU(), nn.Linear(40, 3, seed=1))
    g = viz.draw_network(model, max_neurons=8)
    el = _elements(g.source)
    assert "u1_more" in el and "32 more" in el["u1_more"]  # units 8..39
    assert sum(k.startswith("u1_") for k in el) == 9  # 7 first, "...", the last
    assert "u1_39" in el


def test_step_network_texts_follow_lecture_001():
    s = viz.step_network(_net221(), SEED001_X, [0.5], lr=1.0)
    assert [f.phase for f in s] == ["forward", "forward", "loss", "backward", "backward",
                                    "backward", "update"]
    assert "net1_1 = 0.1*0.35 + 0.8*0.9 = 0.755" in s[0].text
    assert s[3].text.startswith("δ2_1 = f'(net) * (t - y) = 0.6903 * (1 - 0.6903) * "
                                "(0.5 - 0.6903) = -0.04068")
    assert s[4].text.startswith("δ1_1 = f'(net) * Σ_k w_k δ_k = 0.6803 * (1 - 0.6803) * "
                                "(0.3 * -0.04068) = -0.002654")
    assert "W2_11 = 0.3 - 1 * 0.02767 = 0.2723" in s[6].text


def test_frames_share_one_layout_and_reveal_numbers():
    s = viz.step_network(_net221(), SEED001_X, [0.5])
    sources = list(s.sources())

    def plain(src):  # the text of every label, colours dropped
        labels = re.findall(r"label=(<.*?>)(?= \w+=|\]$)", src, flags=re.M)
        return [re.sub(r' ?color="[^"]*"', "", label) for label in labels]

    assert len(plain(sources[0])) >= 10
    assert all(plain(src) == plain(sources[0]) for src in sources)  # same labels: same layout
    reds = [len(re.findall(f'color="{GRAD_COLOR}"', src)) for src in sources]
    assert reds == sorted(reds) and reds[0] == 0 and reds[-1] > 0


def test_bad_models_and_inputs_are_named():
    with pytest.raises(TypeError, match="nn.scalar.MLP or nn.Sequential"):
        viz.draw_network(3)
    with pytest.raises(TypeError, match="Conv2d"):
        viz.draw_network(nn.Sequential(nn.Conv2d(1, 1, 3)))
    with pytest.raises(ValueError, match="inputs must have 2"):
        viz.draw_network(_net221(), inputs=[1.0])
    with pytest.raises(ValueError, match="loss must be one of"):
        viz.draw_network(_net221(), inputs=SEED001_X, target=[0.5], loss="l1")
    with pytest.raises(ValueError, match="inputs and target"):
        viz.step_network(_net221(), SEED001_X, None)


def test_network_player_renders(dot_required):
    html = viz.step_network(_net221(), SEED001_X, [0.5]).to_html()
    assert html.count('class="cr-frame"') == 6 and "δ2_1" in html


def test_after_backward_the_weights_show_their_grad():
    net = _net221()
    xs = [Value(v, requires_grad=False) for v in SEED001_X]
    loss = (net(xs) - 0.5) ** 2 * 0.5
    assert GRAD_COLOR not in viz.draw_network(net, inputs=SEED001_X).source  # no grads yet
    loss.backward()
    el = _elements(viz.draw_network(net, inputs=SEED001_X).source)
    for name, p in net.named_parameters():
        layer, i, j = int(name[1]), int(name[3]) - 1, int(name[4]) - 1
        (grad,) = _texts(el[f"w{layer}_{i}_{j}"], GRAD_COLOR)
        assert grad == f"∂L/∂w = {sig(p.grad)}", name
