"""nn.data: minibatches, toy datasets, train/test split and the shipped digits."""

import hashlib
from importlib import resources

import numpy as np
import pytest

from nn.data import (
    DataLoader,
    circles,
    digits,
    moons,
    spiral,
    standardize,
    train_test_split,
    xor,
)


def test_digits_shapes_dtypes_and_content():
    X, y = digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    counts = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    np.testing.assert_array_equal(np.bincount(y), counts)
    raw, _ = digits(scale=False)
    assert set(np.unique(raw).tolist()) <= set(range(17))
    np.testing.assert_array_equal(raw / 16, X)
    # the first image is a 0 in the UCI file
    assert y[0] == 0 and raw[0, :8].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]
    images, y2 = digits(as_images=True)
    assert images.shape == (1797, 1, 8, 8)
    np.testing.assert_array_equal(images.reshape(1797, 64), X)
    np.testing.assert_array_equal(y2, y)


def test_digits_returns_fresh_arrays():
    X, y = digits()
    X[0, 0] = 99.0
    y[0] = 7
    X2, y2 = digits()
    assert X2[0, 0] == 0.0 and y2[0] == 0


def test_digits_file_is_the_credited_one():
    folder = resources.files("nn").joinpath("datasets")
    blob = folder.joinpath("digits.csv.gz").read_bytes()
    readme = folder.joinpath("README.md").read_text()
    assert hashlib.sha256(blob).hexdigest() in readme
    assert "CC BY 4.0" in readme and "Alpaydin" in readme
    assert "CC BY 4.0" in digits.__doc__


def test_dataloader_batches_cover_every_sample_once():
    X = np.arange(23 * 2).reshape(23, 2)
    y = np.arange(23)
    loader = DataLoader(X, y, batch_size=5, shuffle=True, seed=0)
    assert len(loader) == 5
    seen = np.concatenate([yb for _, yb in loader])
    assert sorted(seen.tolist()) == list(range(23))
    assert not np.array_equal(seen, np.arange(23))  # shuffled
    for xb, yb in loader:
        np.testing.assert_array_equal(xb, X[yb])
    sizes = [len(yb) for _, yb in DataLoader(X, y, batch_size=5, drop_last=True)]
    assert sizes == [5, 5, 5, 5]


def test_dataloader_seeded_and_new_order_each_epoch():
    X = np.arange(20)
    a = DataLoader(X, batch_size=20, shuffle=True, seed=3)
    b = DataLoader(X, batch_size=20, shuffle=True, seed=3)
    e1a, e2a = next(iter(a)), next(iter(a))
    e1b, e2b = next(iter(b)), next(iter(b))
    np.testing.assert_array_equal(e1a, e1b)
    np.testing.assert_array_equal(e2a, e2b)
    assert not np.array_equal(e1a, e2a)


def test_dataloader_errors():
    with pytest.raises(ValueError, match=r"same number of samples, got X \(5, 2\) and y \(4,\)"):
        DataLoader(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        DataLoader(np.zeros((5, 2)), batch_size=0)


def test_train_test_split_partitions_and_is_seeded():
    X, y = digits()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, seed=0)
    assert len(Xtr) + len(Xte) == 1797 and len(Xte) == 360
    # every image appears exactly once
    rows = np.concatenate([Xtr, Xte])
    assert np.unique(rows, axis=0).shape[0] == np.unique(X, axis=0).shape[0]
    again = train_test_split(X, y, test_size=0.2, seed=0)
    np.testing.assert_array_equal(again[3], yte)
    other = train_test_split(X, y, test_size=0.2, seed=1)
    assert not np.array_equal(other[3], yte)


def test_train_test_split_stratified():
    X, y = digits()
    _, _, ytr, yte = train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    share = np.bincount(yte, minlength=10) / np.bincount(y)
    assert np.all(np.abs(share - 0.25) < 0.01)
    assert len(ytr) + len(yte) == len(y)


def test_train_test_split_errors():
    with pytest.raises(ValueError, match="X has 3 samples but y has 2"):
        train_test_split(np.zeros((3, 1)), np.zeros(2))
    with pytest.raises(ValueError, match="test_size must be a float in"):
        train_test_split(np.zeros((3, 1)), np.zeros(3), test_size=1.5)


def test_xor_truth_table_and_noisy_version():
    X, y = xor(4, noise=0.0)
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == [0, 1, 1, 0]
    X, y = xor(200, noise=0.1, seed=0)
    corner = np.round(X).clip(0, 1)
    assert np.mean((corner[:, 0] != corner[:, 1]) == y) > 0.95


@pytest.mark.parametrize("make", [moons, circles, spiral, xor])
def test_toy_sets_are_seeded(make):
    X1, y1 = make(seed=5)
    X2, y2 = make(seed=5)
    X3, _ = make(seed=6)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert X1.dtype == np.float32 and y1.dtype == np.int64 and X1.shape == (len(y1), 2)


def test_toy_set_geometry():
    X, y = moons(200, noise=0.0, seed=0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0, atol=1e-6)
    X, y = circles(100, noise=0.0, factor=0.3)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.where(y == 0, 1.0, 0.3), atol=1e-6)
    X, y = spiral(300, n_classes=3)
    assert np.bincount(y).tolist() == [100, 100, 100]
    assert np.linalg.norm(X, axis=1).max() <= 1.0 + 1e-6


def test_standardize_uses_training_statistics():
    train = np.array([[0.0, 5.0], [2.0, 5.0]], dtype=np.float32)
    test = np.array([[4.0, 6.0]], dtype=np.float32)
    tr, te = standardize(train, test, eps=0.0 + 1e-2)
    np.testing.assert_allclose(tr[:, 0], [-1 / 1.01, 1 / 1.01], rtol=1e-6)
    np.testing.assert_allclose(tr[:, 1], [0.0, 0.0])  # constant feature stays finite
    np.testing.assert_allclose(te[0], [3 / 1.01, 100.0], rtol=1e-5)
    assert tr.dtype == np.float32
    with pytest.raises(ValueError, match=r"share the feature shape \(2,\), got \(3,\)"):
        standardize(train, np.zeros((1, 3)))
