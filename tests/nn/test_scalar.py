"""nn.scalar: Neuron/Layer/MLP on Value, lecture 001's worked network, moons training."""

import math

import numpy as np
import pytest
from nn_seed001 import SEED001_W1, SEED001_W2, SEED001_X, check_seed001

from autograd import Value, gradcheck
from nn.data import moons
from nn.optim import SGD, Adam
from nn.scalar import MLP, Layer, Neuron


def test_seed001_network_scalar_form():
    net = MLP.from_weights([SEED001_W1, SEED001_W2], activation="sigmoid")
    assert net.num_parameters() == 6  # no biases on the slide
    hidden = [n(SEED001_X).data for n in net.layers[0].neurons]
    out = net(SEED001_X)
    loss = 0.5 * (0.5 - out) ** 2
    loss.backward()
    grads = {name: p.grad for name, p in net.named_parameters()}
    SGD(net.parameters(), lr=1.0).step()
    updated = {name: p.data for name, p in net.named_parameters()}
    check_seed001(hidden, out.data, grads, updated)


def test_seed003_parameter_count():
    net = MLP(3, [4, 2], seed=0)
    assert net.num_parameters() == 26 == 3 * 4 + 4 + 4 * 2 + 2
    assert len(MLP(3, [4, 2], bias=False, seed=0).parameters()) == 20


def test_labels_follow_lecture_notation():
    net = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in net.named_parameters()]
    assert names[:3] == ["W1_11", "W1_12", "b1_1"]
    assert names[-3:] == ["W2_12", "W2_13", "b2_1"]


def test_seeded_init_in_pytorch_range():
    a, b = MLP(4, [5, 2], seed=1), MLP(4, [5, 2], seed=1)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    c = MLP(4, [5, 2], seed=2)
    assert [p.data for p in a.parameters()] != [p.data for p in c.parameters()]
    first = [p.data for p in a.layers[0].parameters()]
    assert max(abs(v) for v in first) <= 1 / math.sqrt(4)
    second = [p.data for p in a.layers[1].parameters()]
    assert max(abs(v) for v in second) <= 1 / math.sqrt(5)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_neuron_matches_formula_and_gradcheck(activation):
    n = Neuron(3, activation=activation, seed=0)
    x = [Value(0.5), Value(-1.2), Value(2.0)]
    z = sum(w.data * xi.data for w, xi in zip(n.w, x, strict=True)) + n.b.data
    expected = {"relu": max(z, 0.0), "tanh": math.tanh(z),
                "sigmoid": 1 / (1 + math.exp(-z)), "linear": z}[activation]
    assert n(x).data == pytest.approx(expected, rel=1e-12)
    params = n.parameters()
    assert abs(z) > 1e-3  # away from relu's kink
    assert gradcheck(lambda *vs: n(list(vs[:3])), x + params)


def test_mlp_gradcheck_all_parameters():
    net = MLP(2, [3, 2], activation="tanh", seed=4)
    params = net.parameters()

    def f(*ps):
        out = net([0.3, -0.7])
        return out[0] * out[1] + out[0].exp()

    assert gradcheck(f, params)


def test_layer_output_and_errors():
    layer = Layer(2, 3, seed=0)
    assert len(layer([1.0, 2.0])) == 3
    assert isinstance(Layer(2, 1, seed=0)(np.array([1.0, 2.0])), Value)
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        layer([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="activation must be one of"):
        Neuron(2, activation="softplus")
    with pytest.raises(ValueError, match=r"weights\[1\] has 3 inputs but layer 1 has 2 outputs"):
        MLP.from_weights([np.eye(2), np.ones((1, 3))])


def test_zero_grad_and_repr():
    net = MLP(2, [2, 1], seed=0)
    net([1.0, 1.0]).backward()
    assert any(p.grad != 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad == 0 for p in net.parameters())
    text = repr(net)
    assert "Layer(2 -> 2, activation='relu')" in text
    assert "Layer(2 -> 1, activation='linear')" in text


def test_scalar_mlp_separates_moons():
    X, y = moons(100, noise=0.1, seed=0)
    targets = (2 * y - 1).tolist()  # hinge loss wants -1/+1
    rows = X.tolist()
    net = MLP(2, [8, 8, 1], activation="relu", seed=0)
    opt = Adam(net.parameters(), lr=0.1)
    accuracy = 0.0
    for _ in range(60):
        scores = [net(x) for x in rows]
        accuracy = np.mean([(s.data > 0) == (t > 0) for s, t in zip(scores, targets, strict=True)])
        if accuracy >= 0.97:
            break
        # mean hinge loss max(0, 1 - t s)
        hinge = [(1 - t * s).relu() for s, t in zip(scores, targets, strict=True)]
        loss = sum(hinge, Value(0.0)) / len(rows)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert accuracy >= 0.95
