"""The perceptron of lectures 000 (step, labels 0/1) and 004 (sign, labels -1/1)."""

import numpy as np
import pytest

from nn import Perceptron, xor

# Lecture 000's four points and their classes (x1 is class 0: <w, x1> = 1 is "wrong").
SEED000_X = [[0, 1], [1, 0], [2, 1], [1, 2]]
SEED000_Y = [0, 0, 1, 1]
TRUTH = [[0, 0], [0, 1], [1, 0], [1, 1]]


def test_seed000_example_exactly():
    p = Perceptron(2)
    history = p.fit(SEED000_X, SEED000_Y, w0=[1, 2, -1], max_epochs=10)
    # one update (x1 wrong), then every point right: w~ = (1, 2, -1) -> (1, 1, -2)
    assert [w.tolist() for w in history.weights] == [[1, 2, -1], [1, 1, -2]]
    assert history.mistakes == [1, 0]
    assert history.converged is True
    assert history.epochs == 2
    # the slide's scores, point by point, epoch 1 then epoch 2
    scores = [(s.epoch, s.index, s.score, s.mistake) for s in history.steps]
    assert scores == [
        (1, 0, 1.0, True), (1, 1, -1.0, False), (1, 2, 1.0, False), (1, 3, 1.0, False),
        (2, 0, -1.0, False), (2, 1, -1.0, False), (2, 2, 1.0, False), (2, 3, 1.0, False),
    ]
    assert history.steps[0].weights.tolist() == [1, 1, -2]
    assert p.weight.tolist() == [1, 1] and p.bias == -2
    assert p.predict(SEED000_X).tolist() == SEED000_Y


def test_xor_does_not_converge_and_says_so():
    p = Perceptron(2)
    history = p.fit(TRUTH, [0, 1, 1, 0], max_epochs=25)
    assert history.converged is False
    assert history.epochs == 25
    assert all(m > 0 for m in history.mistakes)
    assert "NOT converge" in repr(history)
    assert (p.predict(TRUTH) != np.array([0, 1, 1, 0])).any()


def test_noisy_xor_dataset_does_not_converge():
    X, y = xor(40, noise=0.05, seed=1)
    history = Perceptron(2).fit(X, y, max_epochs=15)
    assert not history.converged and history.epochs == 15


@pytest.mark.parametrize(
    "name, y",
    [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1]), ("NAND", [1, 1, 1, 0])],
)
def test_and_or_learned(name, y):
    p = Perceptron(2)
    history = p.fit(TRUTH, y, max_epochs=50)
    assert history.converged, name
    assert p.predict(TRUTH).tolist() == y


def test_not_learned():
    p = Perceptron(1)
    history = p.fit([[0], [1]], [1, 0], max_epochs=50)
    assert history.converged
    assert p.predict([[0], [1]]).tolist() == [1, 0]


def test_sign_variant_seed004():
    # sign(z) = 1 for z >= 0 else -1; same data as lecture 000 with labels -1/1
    p = Perceptron(2, labels=(-1, 1))
    y = [-1, -1, 1, 1]
    history = p.fit(SEED000_X, y, w0=[1, 2, -1])
    assert [w.tolist() for w in history.weights] == [[1, 2, -1], [1, 1, -2]]
    assert history.converged and history.mistakes == [1, 0]
    assert p.predict(SEED000_X).tolist() == y
    # the boundary itself is +1 for sign, 0 for step
    boundary = [[1.0, 1.0]]  # 1 + 1 - 2 = 0
    assert p.predict(boundary).tolist() == [1]
    step = Perceptron(2)
    step.weight, step.bias = np.array([1.0, 1.0]), -2.0
    assert step.predict(boundary).tolist() == [0]


def test_sign_variant_learns_and_from_zero():
    p = Perceptron(2, labels=(-1, 1))
    history = p.fit(TRUTH, [-1, -1, -1, 1])
    assert history.converged
    assert p.predict(TRUTH).tolist() == [-1, -1, -1, 1]


def test_two_layer_step_network_solves_xor_by_hand():
    # hidden: A = OR(x1, x2), B = NAND(x1, x2); output: AND(A, B) = XOR
    A, B, C = Perceptron(2), Perceptron(2), Perceptron(2)
    A.weight, A.bias = np.array([1.0, 1.0]), -0.5
    B.weight, B.bias = np.array([-1.0, -1.0]), 1.5
    C.weight, C.bias = np.array([1.0, 1.0]), -1.5
    X = np.array(TRUTH)
    hidden = np.stack([A.predict(X), B.predict(X)], axis=1)
    assert C.predict(hidden).tolist() == [0, 1, 1, 0]


def test_sign_network_solves_xor_by_hand():
    # seed 004's composition with sign units and +-1 inputs/outputs
    A, B, C = (Perceptron(2, labels=(-1, 1)) for _ in range(3))
    A.weight, A.bias = np.array([1.0, 1.0]), 1.0  # OR
    B.weight, B.bias = np.array([-1.0, -1.0]), 1.0  # NAND
    C.weight, C.bias = np.array([1.0, 1.0]), -1.5  # AND
    X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]])
    z = np.stack([A.predict(X), B.predict(X)], axis=1)
    assert C.predict(z).tolist() == [-1, 1, 1, -1]


def test_clear_errors():
    with pytest.raises(ValueError, match=r"labels must be \(0, 1\) or \(-1, 1\)"):
        Perceptron(2, labels=(1, 2))
    p = Perceptron(2)
    with pytest.raises(ValueError, match=r"shape \(n, 2\), got \(4, 3\)"):
        p.fit(np.zeros((4, 3)), [0, 0, 1, 1])
    with pytest.raises(ValueError, match=r"w0 .* shape \(3,\), got shape \(2,\)"):
        p.fit(SEED000_X, SEED000_Y, w0=[1, 2])
    with pytest.raises(ValueError, match=r"labels must be in \(0, 1\), got \[-1\]"):
        p.fit(SEED000_X, [0, -1, 1, 1])
    with pytest.raises(ValueError, match=r"y must have shape \(4,\)"):
        p.fit(SEED000_X, [0, 1])
