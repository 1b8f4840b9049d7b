"""Training loops under misuse (issue 11): one-shot loaders, the model's mode, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

import nn


def setup(seed: int = 0):
    X, y = nn.xor(32, noise=0.05, seed=seed)
    model = nn.Sequential(nn.Linear(2, 4, seed=0), nn.Tanh(), nn.Linear(4, 2, seed=1))
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    batches = [(X[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8)]
    return model, opt, batches


# ------------------------------------------------------------------ nn.fit
@pytest.mark.parametrize("make", [
    lambda b: (batch for batch in b),
    lambda b: iter(b),
    lambda b: map(tuple, b),
])
def test_fit_refuses_one_shot_loaders_before_training(make):
    model, opt, batches = setup()
    before = model[0].weight.data.copy()
    with pytest.raises(TypeError, match="train_loader is a one-shot iterator"):
        nn.fit(model, nn.CrossEntropyLoss(), opt, make(batches), epochs=3, progress=False)
    np.testing.assert_array_equal(model[0].weight.data, before)  # refused before any step
    with pytest.raises(TypeError, match="val_loader is a one-shot iterator"):
        nn.fit(model, nn.CrossEntropyLoss(), opt, batches, epochs=2,
               val_loader=make(batches), progress=False)


def test_fit_takes_a_one_shot_loader_for_one_epoch_and_lists_for_many():
    model, opt, batches = setup()
    history = nn.fit(model, nn.CrossEntropyLoss(), opt, (b for b in batches), epochs=1,
                     progress=False)
    assert history.epochs == 1
    history = nn.fit(model, nn.CrossEntropyLoss(), opt, batches, epochs=3,
                     val_loader=batches, progress=False)
    assert history.epochs == 3 and None not in history.val_loss


@pytest.mark.parametrize("mode", [True, False])
def test_fit_restores_the_mode_it_found(mode):
    model, opt, batches = setup()
    model.train(mode)
    nn.fit(model, nn.CrossEntropyLoss(), opt, batches, epochs=2, val_loader=batches,
           progress=False)
    assert all(m.training is mode for m in model.modules())


def test_fit_restores_the_mode_when_training_raises():
    model, opt, batches = setup()
    model.eval()
    seen = []

    def loss_fn(out, y):
        seen.append(model.training)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        nn.fit(model, loss_fn, opt, batches, epochs=1, progress=False)
    assert seen == [True]  # trained in train mode...
    assert model.training is False  # ...and handed back in eval mode


# -------------------------------------------------------------- Perceptron
X4 = [[0, 1], [1, 0], [2, 1], [1, 2]]
Y4 = [0, 0, 1, 1]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"max_epochs": 1.5}, TypeError, r"max_epochs must be an int, got 1\.5 \(float\)"),
    ({"max_epochs": "10"}, TypeError, r"max_epochs must be an int, got '10' \(str\)"),
    ({"max_epochs": True}, TypeError, r"max_epochs must be an int, got True \(bool\)"),
    ({"max_epochs": 0}, ValueError, r"max_epochs must be >= 1, got 0"),
    ({"w0": [1, "a", 0]}, TypeError, r"w0 must be numeric"),
    ({"w0": [np.nan, 0, 0]}, ValueError, r"w0 must be finite"),
])
def test_perceptron_fit_names_the_bad_argument(kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        nn.Perceptron(2).fit(X4, Y4, **kwargs)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("X, y, message", [
    ([[0, 1], [1, np.nan], [2, 1], [1, 2]], Y4, r"X must be finite"),
    ([[0, 1], [1, 0], [np.inf, 1], [1, 2]], Y4, r"X must be finite"),
    (X4, [0, np.nan, 1, 1], r"y must be finite"),
    (X4, [0, 0, np.inf, 1], r"y must be finite"),
])
def test_perceptron_rejects_non_finite_inputs(X, y, message):
    p = nn.Perceptron(2)
    with pytest.raises(ValueError, match=message):
        p.fit(X, y)
    assert p.weight.tolist() == [0.0, 0.0]  # nothing was trained


def test_perceptron_bad_inputs_get_one_line_messages():
    with pytest.raises(TypeError, match=r"X must be numeric"):
        nn.Perceptron(2).fit([["a", "b"]] * 4, Y4)
    with pytest.raises(ValueError, match=r"X must be finite"):
        nn.Perceptron(2).predict([[np.nan, 0.0]])
    with pytest.raises(TypeError, match=r"n_inputs must be an int, got 2\.5 \(float\)"):
        nn.Perceptron(2.5)
    with pytest.raises(ValueError, match=r"n_inputs must be >= 1, got 0"):
        nn.Perceptron(0)
    with pytest.raises(ValueError, match=r"labels must be \(0, 1\) or \(-1, 1\), got 'ab'"):
        nn.Perceptron(2, labels="ab")
    with pytest.raises(ValueError, match=r"labels must be \(0, 1\) or \(-1, 1\), got 5"):
        nn.Perceptron(2, labels=5)
