"""viz.TrainingRecorder: what it keeps per epoch, checked against the model at that moment."""

from __future__ import annotations

import numpy as np
import pytest

import nn
import viz
from viz.training.record import class_labels, probabilities
from viz.training.stats import layer_stats


def xor_setup(hidden=8, seed=0, act=nn.Tanh):
    X, y = nn.xor(64, noise=0.05, seed=0)
    model = nn.Sequential(nn.Linear(2, hidden, seed=seed), act(),
                          nn.Linear(hidden, 2, seed=seed + 1))
    opt = nn.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    loader = nn.DataLoader(X, y, batch_size=16, shuffle=True, seed=0)
    return X, y, model, opt, loader


def deep(act, seed=0, width=16, layers=6):
    rng = np.random.default_rng(seed)
    sizes = [2] + [width] * (layers - 1) + [2]
    mods = []
    for i in range(layers):
        mods.append(nn.Linear(sizes[i], sizes[i + 1], seed=rng))
        if i < layers - 1:
            mods.append(act())
    return nn.Sequential(*mods)


def test_grad_norms_equal_the_gradients_at_the_end_of_each_epoch():
    X, y, model, opt, loader = xor_setup()
    rec = viz.TrainingRecorder(model, X, y)
    seen = []

    def callback(epoch, history):  # what p.grad holds when nn.fit hands over the epoch
        seen.append({n: float(np.linalg.norm(p.grad)) for n, p in model.named_parameters()})
        weights = {n: p.data.copy() for n, p in model.named_parameters()}
        out = rec(epoch, history)
        assert all(np.array_equal(weights[n], p.data) for n, p in model.named_parameters())
        return out

    nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=12, progress=False,
           callback=callback)
    assert rec.epochs == list(range(1, 13)) and len(rec) == 12
    assert sorted(rec.grad_norms) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    for k, norms in enumerate(seen):
        for name, value in norms.items():
            assert rec.grad_norms[name][k] == pytest.approx(value, rel=1e-12)
    assert len(set(rec.grad_norms["0.weight"])) == 12  # a new gradient every epoch
    for name, p in model.named_parameters():  # and the weights as they ended
        assert rec.weight_norms[name][-1] == pytest.approx(float(np.linalg.norm(p.data)))
        if p.data.ndim == 2:
            np.testing.assert_array_equal(rec.weights[name][-1], p.data)


def test_loss_and_accuracy_come_from_the_history():
    X, y, model, opt, loader = xor_setup()
    rec = viz.TrainingRecorder(model, X, y)
    history = nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=5, progress=False,
                     callback=rec)
    assert rec.loss == history.loss and rec.accuracy == history.accuracy


def test_every_and_a_second_fit_continue_the_count():
    X, y, model, opt, loader = xor_setup()
    rec = viz.TrainingRecorder(model, X, y, every=3)
    rec(0)  # the start, before training: no gradients yet
    assert rec.grad_norms["0.weight"] == [None] and rec.loss == [None]
    assert rec.accuracy[0] is not None  # measured on the inputs
    nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=7, progress=False, callback=rec)
    nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=5, progress=False, callback=rec)
    assert rec.epochs == [0, 3, 6, 10]  # second fit: its epoch 3 is epoch 7 + 3


def test_recording_changes_nothing_in_training():
    """Same weights, buffers and random stream with and without a recorder (BatchNorm, Dropout)."""
    def run(record):
        nn.manual_seed(0)
        X, y = nn.moons(96, noise=0.1, seed=1)
        model = nn.Sequential(nn.Linear(2, 12, seed=0), nn.BatchNorm1d(12), nn.ReLU(),
                              nn.Dropout(0.2), nn.Linear(12, 2, seed=1))
        opt = nn.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
        loader = nn.DataLoader(X, y, batch_size=16, shuffle=True, seed=0)
        rec = viz.TrainingRecorder(model, X, y) if record else None
        nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=4, progress=False,
               callback=rec)
        return model.state_dict(), model.training, rec

    (plain, mode_a, _), (watched, mode_b, rec) = run(False), run(True)
    assert plain.keys() == watched.keys() and mode_a is mode_b is True
    for key in plain:
        np.testing.assert_array_equal(plain[key], watched[key], err_msg=key)
    assert list(rec.activations) == ["2"] and rec.layer_kinds == {"2": "relu"}


def test_activation_statistics_match_a_forward_pass_by_hand():
    X, y, model, opt, loader = xor_setup(act=nn.ReLU)
    rec = viz.TrainingRecorder(model, X, y)
    nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=3, progress=False, callback=rec)
    hidden = np.maximum(X @ model[0].weight.data.T + model[0].bias.data, 0)
    stats = rec.activations["1"]
    assert stats["mean"][-1] == pytest.approx(hidden.mean(), rel=1e-5)
    assert stats["std"][-1] == pytest.approx(hidden.std(), rel=1e-4)
    assert stats["dead"][-1] == pytest.approx(np.mean(np.all(hidden <= 0, axis=0)))
    assert stats["saturated"][-1] is None


def test_layer_stats_dead_and_saturated():
    a = np.array([[0.0, 2.0, -1.0], [0.0, 0.0, -3.0]])
    assert layer_stats(np.maximum(a, 0), "relu")["dead"] == pytest.approx(2 / 3)
    s = layer_stats(np.array([[0.999, 0.5], [0.001, 0.2]]), "sigmoid")
    assert s["saturated"] == 0.5 and s["dead"] is None
    assert layer_stats(np.array([[0.995, -0.999, 0.1, 0.0]]), "tanh")["saturated"] == 0.5
    with pytest.raises(ValueError, match="kind must be"):
        layer_stats(a, "softmax")
    with pytest.raises(ValueError, match="batch-first"):
        layer_stats(np.zeros((0, 3)), "relu")


def test_decision_boundary_is_the_models_probability_on_the_grid():
    X, y, model, opt, loader = xor_setup()
    rec = viz.TrainingRecorder(model, X, y, grid=25)
    nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=4, progress=False, callback=rec)
    assert rec.boundary[-1].shape == (25, 25, 2)
    i, j = 7, 18  # grid row i is y = grid_y[i], column j is x = grid_x[j]
    point = np.array([[rec.grid_x[j], rec.grid_y[i]]], dtype=np.float32)
    logits = model(point).data[0].astype(np.float64)
    p = np.exp(logits - logits.max())
    p /= p.sum()
    np.testing.assert_allclose(rec.boundary[-1][i, j], p, rtol=1e-5)
    assert rec.grid_x.min() < X[:, 0].min() and rec.grid_y.max() > X[:, 1].max()
    # the network learns XOR: its boundary separates the data by the end
    nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=30, progress=False, callback=rec)
    assert rec.accuracy[-1] == 1.0


def test_no_boundary_for_inputs_that_are_not_2d():
    X, y = nn.digits()
    X = X[:100]
    model = nn.Sequential(nn.Linear(64, 16, seed=0), nn.Sigmoid(), nn.Linear(16, 10, seed=1))
    rec = viz.TrainingRecorder(model, X, y[:100], sample=50)
    rec(0)
    assert rec.boundary == [] and rec.grid_x is None
    assert rec.layer_kinds == {"1": "sigmoid"} and rec.activations["1"]["saturated"][0] >= 0
    assert 0 <= rec.accuracy[0] <= 1


def test_by_hand_loop_with_a_loss_function():
    X, y, model, opt, _ = xor_setup()
    loss_fn = nn.CrossEntropyLoss()
    rec = viz.TrainingRecorder(model, X, y, loss_fn=loss_fn)
    for epoch in range(1, 4):
        loss = loss_fn(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        rec(epoch)
    assert rec.loss[-1] == pytest.approx(float(loss_fn(model(X), y).item()), rel=1e-5)
    rec(4, loss=0.25, accuracy=0.5)
    assert rec.loss[-1] == 0.25 and rec.accuracy[-1] == 0.5
    assert "epoch 4, loss 0.2500, accuracy 0.500" in repr(rec)


def test_six_layer_sigmoid_gradients_vanish_relu_ones_do_not():
    """Lecture 000: the product of small factors. First/last weight-gradient ratio."""
    X, y = nn.moons(200, noise=0.1, seed=0)
    ratios = {}
    for act in (nn.Sigmoid, nn.ReLU):
        model = deep(act)
        rec = viz.TrainingRecorder(model, X, y)
        opt = nn.optim.SGD(model.parameters(), lr=0.1)
        nn.fit(model, nn.CrossEntropyLoss(), opt, nn.DataLoader(X, y, batch_size=200),
               epochs=2, progress=False, callback=rec)
        g = rec.layer_grad_norms()
        assert list(g) == [f"{2 * i}.weight" for i in range(6)]
        ratios[act.__name__] = g["0.weight"][-1] / g["10.weight"][-1]
    assert ratios["Sigmoid"] * 10 <= ratios["ReLU"], ratios


def test_probabilities_and_labels():
    p = probabilities(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(p[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), rtol=1e-6)
    # no overflow for scores of magnitude 1e4
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        big = probabilities(np.array([[1e4, -1e4], [-1e4, 1e4]]))
        wide = probabilities(np.array([[1e4, -1e4, 0.0]]))
    assert big[0, 0] == 1.0 and big[0, 1] < 1e-30 and big[1, 1] == 1.0
    assert wide[0].tolist() == [1.0, 0.0, 0.0]
    np.testing.assert_allclose(probabilities(np.array([[0.2]]), is_probability=True),
                               [[0.8, 0.2]], rtol=1e-6)
    assert class_labels(np.array([0, 2, 1])).tolist() == [0, 2, 1]
    assert class_labels(np.array([[1.0], [0.0]])).tolist() == [1, 0]
    assert class_labels(np.array([[0.0, 1.0], [1.0, 0.0]])).tolist() == [1, 0]
    assert class_labels(np.array([0.3, 1.2])) is None


def test_bad_input_is_refused_clearly():
    X, y, model, _, _ = xor_setup()
    with pytest.raises(TypeError, match="nn.Module"):
        viz.TrainingRecorder(object(), X, y)
    with pytest.raises(ValueError, match="differ in length"):
        viz.TrainingRecorder(model, X, y[:-1])
    with pytest.raises(ValueError, match="every must be a positive int"):
        viz.TrainingRecorder(model, X, y, every=0)
    with pytest.raises(ValueError, match="non-empty batch"):
        viz.TrainingRecorder(model, X[:0], y[:0])
    rec = viz.TrainingRecorder(model, X, y)
    with pytest.raises(ValueError, match="epoch must be a non-negative int"):
        rec(-1)
    with pytest.raises(ValueError, match="nothing recorded"):
        rec.summary()
    rec(0)
    with pytest.raises(KeyError, match="epoch 5 was not recorded"):
        rec.index(5)


@pytest.mark.parametrize("name", ["viz.training.record", "viz.training.stats",
                                  "viz.training.panels", "viz.training.export"])
def test_docstring_examples(name):
    """tests/test_docstring_examples.py walks top-level modules; the package's run here."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
