"""nn.fit on the shipped digits: an MLP and a CNN reach >= 97% test accuracy."""

import numpy as np
import pytest

import nn


def digits_split(as_images=False):
    X, y = nn.digits(as_images=as_images)
    X_train, X_test, y_train, y_test = nn.train_test_split(X, y, test_size=0.2, seed=0)
    X_train, X_test = nn.standardize(X_train, X_test)
    return X_train, X_test, y_train, y_test


def test_mlp_reaches_97_percent_on_digits():
    X_train, X_test, y_train, y_test = digits_split()
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = nn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = nn.fit(model, nn.CrossEntropyLoss(), opt,
                     nn.DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=0),
                     epochs=10, val_loader=nn.DataLoader(X_test, y_test, batch_size=256),
                     progress=False)
    assert history.epochs == 10
    assert history.loss[-1] < history.loss[0]
    assert history.val_accuracy[-1] >= 0.97
    # the history agrees with an independent evaluation
    model.eval()
    assert nn.accuracy(model(X_test), y_test) == pytest.approx(history.val_accuracy[-1])


def test_cnn_reaches_97_percent_on_digits():
    X_train, X_test, y_train, y_test = digits_split(as_images=True)
    nn.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128, 10),
    )
    opt = nn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = nn.fit(model, nn.CrossEntropyLoss(), opt,
                     nn.DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=0),
                     epochs=8, val_loader=nn.DataLoader(X_test, y_test, batch_size=256),
                     progress=False)
    assert history.val_accuracy[-1] >= 0.97


def test_fit_history_callback_and_binary_task():
    X, y = nn.moons(200, noise=0.1, seed=0)
    nn.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1), nn.Flatten(0))
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    seen = []

    def stop_after_three(epoch, history):
        seen.append((epoch, history.epochs))
        return epoch == 3

    history = nn.fit(model, nn.BCEWithLogitsLoss(), opt,
                     nn.DataLoader(X, y.astype(np.float32), batch_size=50, shuffle=True, seed=0),
                     epochs=10, progress=False, callback=stop_after_three)
    assert seen == [(1, 1), (2, 2), (3, 3)]
    assert history.epochs == 3 and history.accuracy == [None] * 3  # no class scores
    assert history.val_loss == [None] * 3
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert "3 epochs" in repr(history)


def test_evaluate_keeps_train_mode_and_fit_errors():
    X, y = nn.spiral(90, seed=0)
    model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.Dropout(0.1, seed=0), nn.Linear(8, 3, seed=1))
    loader = nn.DataLoader(X, y, batch_size=30)
    loss, acc = nn.evaluate(model, nn.CrossEntropyLoss(), loader)
    assert model.training and 0.0 <= acc <= 1.0 and loss > 0
    with pytest.raises(ValueError, match="epochs must be a non-negative int"):
        nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1),
               loader, epochs=-1)
    with pytest.raises(TypeError, match=r"each batch must be an \(inputs, targets\) pair"):
        nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1),
               nn.DataLoader(X), epochs=1, progress=False)


def test_history_plots():
    pytest.importorskip("matplotlib")
    history = nn.History(loss=[1.0, 0.5], accuracy=[0.5, 0.8], val_loss=[None, None],
                         val_accuracy=[None, None])
    ax = history.plot()
    assert ax.get_xlabel() == "epoch" and len(ax.get_lines()) == 1
