"""A LeNet-5 with BatchNorm and a cosine learning-rate schedule on the shipped digits:
>= 98% test accuracy; its state_dict (running statistics included) drives the PyTorch twin
to the same eval outputs."""

import numpy as np
import pytest

import nn

EPOCHS = 10


def lenet5_bn(seed=None):
    """LeNet-5's layout scaled to 8x8 digits: two conv-BN-ReLU-pool blocks (6 and 16
    channels), then 120-84-10 fully connected, the first with BatchNorm1d."""
    rng = np.random.default_rng(seed) if seed is not None else None
    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1, seed=rng), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 3, padding=1, seed=rng), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64, 120, seed=rng), nn.BatchNorm1d(120), nn.ReLU(),
        nn.Linear(120, 84, seed=rng), nn.ReLU(), nn.Linear(84, 10, seed=rng),
    )  # fmt: skip


def torch_lenet5_bn(torch):
    t = torch.nn
    return t.Sequential(
        t.Conv2d(1, 6, 3, padding=1), t.BatchNorm2d(6), t.ReLU(), t.MaxPool2d(2),
        t.Conv2d(6, 16, 3, padding=1), t.BatchNorm2d(16), t.ReLU(), t.MaxPool2d(2),
        t.Flatten(), t.Linear(64, 120), t.BatchNorm1d(120), t.ReLU(),
        t.Linear(120, 84), t.ReLU(), t.Linear(84, 10),
    )  # fmt: skip


@pytest.fixture(scope="module")
def trained():
    X, y = nn.digits(as_images=True)
    X_train, X_test, y_train, y_test = nn.train_test_split(X, y, test_size=0.2, seed=0)
    X_train, X_test = nn.standardize(X_train, X_test)
    model = lenet5_bn(seed=0)
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    sched = nn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    history = nn.fit(model, nn.CrossEntropyLoss(), opt,
                     nn.DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=0),
                     epochs=EPOCHS, val_loader=nn.DataLoader(X_test, y_test, batch_size=360),
                     progress=False, scheduler=sched)
    return model, history, X_test, y_test


@pytest.mark.slow
def test_lenet5_batchnorm_cosine_reaches_98_percent(trained):
    model, history, X_test, y_test = trained
    assert history.val_accuracy[-1] >= 0.98
    assert history.loss[-1] < 0.2 * history.loss[0]
    # the cosine schedule ran: lr from 0.1 down to nearly 0, one value per epoch
    np.testing.assert_allclose(history.lr, 0.05 * (1 + np.cos(np.pi * np.arange(EPOCHS) / EPOCHS)))
    bn = model[1]
    assert int(bn.num_batches_tracked.data) == EPOCHS * 45  # 1437 images, batches of 32
    assert not np.allclose(bn.running_mean.data, 0) and not np.allclose(bn.running_var.data, 1)
    # eval mode uses the running statistics: the accuracy does not depend on the batch
    model.eval()
    full = nn.accuracy(model(X_test), y_test)
    halves = [model(X_test[:7]).data, model(X_test[7:]).data]
    np.testing.assert_allclose(np.concatenate(halves), model(X_test).data, rtol=1e-5, atol=1e-6)
    assert full == pytest.approx(history.val_accuracy[-1])


@pytest.mark.slow
def test_trained_batchnorm_model_loads_into_torch(trained):
    torch = pytest.importorskip("torch")
    model, _, X_test, _ = trained
    twin = torch_lenet5_bn(torch)
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    model.eval()
    twin.eval()
    with torch.no_grad():
        theirs = twin(torch.from_numpy(X_test)).numpy()
    np.testing.assert_allclose(model(X_test).data, theirs, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(model(X_test).data.argmax(1), theirs.argmax(1))
    # and in float64 the two agree to rounding
    model64 = lenet5_bn().double()
    model64.load_state_dict(model.state_dict())
    twin.double()
    with torch.no_grad():
        theirs64 = twin(torch.from_numpy(X_test.astype(np.float64))).numpy()
    np.testing.assert_allclose(model64.eval()(X_test.astype(np.float64)).data, theirs64,
                               rtol=1e-10, atol=1e-10)
