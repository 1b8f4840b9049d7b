"""Data for the lectures: minibatches, toy 2-D datasets, and the real 8x8 handwritten digits.

Every random choice takes a ``seed`` (an int, ``None`` or a ``numpy.random.Generator``), so
the same call always gives the same data; ``None`` means the library's one generator, reset
by ``nn.manual_seed`` (``autograd.functional``). Features are float32 (chainrule's default dtype)
and labels int64.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import Any, Union

import numpy as np

from autograd import functional

__all__ = [
    "DataLoader",
    "circles",
    "digits",
    "moons",
    "spiral",
    "standardize",
    "train_test_split",
    "xor",
]

Seed = Union[int, np.random.Generator, None]


def _rng(seed: Seed) -> np.random.Generator:
    """A Generator from an int seed, an existing Generator, or None (the library's default
    generator, reset by ``nn.manual_seed``)."""
    return functional.generator(seed)


def _check_n(n_samples: int, where: str, minimum: int = 1) -> int:
    if not isinstance(n_samples, (int, np.integer)) or n_samples < minimum:
        raise ValueError(f"{where}: n_samples must be an int >= {minimum}, got {n_samples!r}")
    return int(n_samples)


# --------------------------------------------------------------------- minibatches
class DataLoader:
    """Minibatches of ``(X, y)`` for one epoch per iteration (lecture 000's minibatch SGD).

    Parameters
    ----------
    X : array-like, shape (n, ...)
        Inputs; the first axis indexes samples.
    y : array-like, shape (n, ...), optional
        Targets. Without ``y`` the loader yields ``X`` batches alone.
    batch_size : int
        Samples per batch; the last batch is smaller unless ``drop_last``.
    shuffle : bool
        Visit the samples in a new random order every epoch.
    seed : int or numpy.random.Generator, optional
        Makes the shuffling reproducible: the k-th epoch's order is the same from run to run.
        ``None`` draws from the library's default generator (reset by ``nn.manual_seed``).
    drop_last : bool
        Skip a final batch smaller than ``batch_size``.

    Batches are numpy arrays (views of the data when not shuffled); chainrule's modules
    accept arrays directly, and the scalar MLP accepts their rows.

    Examples
    --------
    >>> X = np.arange(10).reshape(5, 2); y = np.arange(5)
    >>> [yb.tolist() for _, yb in DataLoader(X, y, batch_size=2)]
    [[0, 1], [2, 3], [4]]
    >>> len(DataLoader(X, y, batch_size=2, drop_last=True))
    2
    """

    def __init__(
        self,
        X: Any,
        y: Any = None,
        batch_size: int = 32,
        shuffle: bool = False,
        seed: Seed = None,
        drop_last: bool = False,
    ) -> None:
        self.X = np.asarray(X)
        self.y = None if y is None else np.asarray(y)
        if self.X.ndim == 0:
            raise ValueError("DataLoader: X must have a sample axis, got a scalar")
        if self.y is not None and (self.y.ndim == 0 or len(self.y) != len(self.X)):
            raise ValueError(
                f"DataLoader: X and y must have the same number of samples, got X "
                f"{self.X.shape} and y {self.y.shape}"
            )
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self._rng = _rng(seed)

    @property
    def n_samples(self) -> int:
        """Number of samples in the dataset."""
        return len(self.X)

    def __len__(self) -> int:
        """Number of batches per epoch."""
        n, b = len(self.X), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self) -> Iterator[Any]:
        n, b = len(self.X), self.batch_size
        order = self._rng.permutation(n) if self.shuffle else None
        stop = n - n % b if self.drop_last else n
        for start in range(0, stop, b):
            if order is None:
                idx: Any = slice(start, start + b)
            else:
                idx = order[start : start + b]
            if self.y is None:
                yield self.X[idx]
            else:
                yield self.X[idx], self.y[idx]

    def __repr__(self) -> str:
        return (
            f"DataLoader(n_samples={len(self.X)}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, batches={len(self)})"
        )


def train_test_split(
    X: Any, y: Any, test_size: float = 0.25, seed: Seed = 0, stratify: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split ``(X, y)`` at random into train and test parts.

    Parameters
    ----------
    X, y : array-like with the same first dimension
    test_size : float in (0, 1) or int
        Fraction (or number) of samples that go to the test part.
    seed : int or Generator
        The split is the same for the same seed.
    stratify : bool
        Keep each class's share the same in both parts (``y`` are class labels).

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray

    Examples
    --------
    >>> X = np.arange(20).reshape(10, 2); y = np.arange(10) % 2
    >>> Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, seed=0)
    >>> Xtr.shape, Xte.shape
    ((8, 2), (2, 2))
    """
    X, y = np.asarray(X), np.asarray(y)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"train_test_split: X has {n} samples but y has {len(y)}")
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        n_test = int(test_size)
    elif isinstance(test_size, float) and 0.0 < test_size < 1.0:
        n_test = int(np.ceil(test_size * n))
    else:
        raise ValueError(
            f"train_test_split: test_size must be a float in (0, 1) or an int, got {test_size!r}"
        )
    if not 0 < n_test < n:
        raise ValueError(
            f"train_test_split: test part of {n_test} samples leaves no train or test data "
            f"(n={n})"
        )
    rng = _rng(seed)
    if stratify:
        # Shuffle each class, then deal the test share of every class to the test part.
        test_idx = []
        classes, counts = np.unique(y, return_counts=True)
        for c, count in zip(classes, counts, strict=True):
            members = rng.permutation(np.flatnonzero(y == c))
            test_idx.append(members[: int(round(count * n_test / n))])
        test = np.sort(np.concatenate(test_idx))
        mask = np.ones(n, dtype=bool)
        mask[test] = False
        train = rng.permutation(np.flatnonzero(mask))
        test = rng.permutation(test)
    else:
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def standardize(
    train: Any, *others: Any, eps: float = 1e-2
) -> tuple[np.ndarray, ...]:
    """Shift and scale every feature to mean 0, standard deviation 1 *on the training set*.

    ``(x - mean_train) / (std_train + eps)`` is applied to ``train`` and to each array in
    ``others`` (test sets) with the training statistics, so no test information leaks into
    training. ``eps`` keeps constant features (the digits' blank border pixels) finite.
    Statistics are per feature: over axis 0, so images (N, C, H, W) are standardised pixel
    by pixel. Returns a tuple (train, *others) in the input dtype.

    Examples
    --------
    >>> tr, te = standardize(np.array([[0.0], [2.0]]), np.array([[4.0]]), eps=0.0)
    >>> tr.ravel().tolist(), te.ravel().tolist()
    ([-1.0, 1.0], [3.0])
    """
    arrays = [np.asarray(a) for a in (train, *others)]
    train = arrays[0]
    for a in arrays[1:]:
        if a.shape[1:] != train.shape[1:]:
            raise ValueError(
                f"standardize: arrays must share the feature shape {train.shape[1:]}, got "
                f"{a.shape[1:]}"
            )
    mean = train.mean(axis=0)
    std = train.std(axis=0) + eps
    return tuple(((a - mean) / std).astype(train.dtype, copy=False) for a in arrays)


# ------------------------------------------------------------------ toy datasets
def _finish(X: np.ndarray, y: np.ndarray, rng: np.random.Generator, noise: float):
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    if noise > 0:
        X = X + rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(len(X))
    return X[order].astype(np.float32), y[order].astype(np.int64)


def xor(n_samples: int = 200, noise: float = 0.15, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points around the four corners of the unit square, labelled x1 XOR x2.

    With ``n_samples=4, noise=0`` this is the truth table of lecture 000:
    (0,0)->0, (0,1)->1, (1,0)->1, (1,1)->0 (in that order).

    Returns
    -------
    X : ndarray, float32, shape (n_samples, 2)
    y : ndarray, int64, shape (n_samples,), in {0, 1}

    Examples
    --------
    >>> X, y = xor(4, noise=0.0)
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    n = _check_n(n_samples, "xor")
    rng = _rng(seed)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    which = np.arange(n) % 4
    X = corners[which]
    y = (corners[which, 0] != corners[which, 1]).astype(np.int64)
    if n == 4 and noise == 0:
        return X.astype(np.float32), y  # the truth table, unshuffled
    return _finish(X, y, rng, noise)


def moons(
    n_samples: int = 100, noise: float = 0.1, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (class 0 on top, class 1 below and shifted).

    Class 0: (cos t, sin t); class 1: (1 - cos t, 1/2 - sin t), t evenly in [0, pi];
    then Gaussian noise of standard deviation ``noise``.

    Returns
    -------
    X : ndarray, float32, shape (n_samples, 2)
    y : ndarray, int64, shape (n_samples,), in {0, 1}
    """
    n = _check_n(n_samples, "moons", minimum=2)
    rng = _rng(seed)
    n0 = n // 2 + n % 2
    n1 = n - n0
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    X = np.concatenate(
        [np.stack([np.cos(t0), np.sin(t0)], 1), np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)]
    )
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    return _finish(X, y, rng, noise)


def circles(
    n_samples: int = 100, noise: float = 0.05, factor: float = 0.5, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (class 1, radius ``factor``) inside a unit circle (class 0).

    Returns
    -------
    X : ndarray, float32, shape (n_samples, 2)
    y : ndarray, int64, shape (n_samples,), in {0, 1}
    """
    n = _check_n(n_samples, "circles", minimum=2)
    if not 0 < factor < 1:
        raise ValueError(f"circles: factor must be in (0, 1), got {factor}")
    rng = _rng(seed)
    n0 = n // 2 + n % 2
    n1 = n - n0
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate(
        [np.stack([np.cos(t0), np.sin(t0)], 1), factor * np.stack([np.cos(t1), np.sin(t1)], 1)]
    )
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    return _finish(X, y, rng, noise)


def spiral(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the classic non-linear classification toy).

    Arm k: radius r in [0, 1], angle 4 r + 2 pi k / n_classes (+ noise on the angle).

    Returns
    -------
    X : ndarray, float32, shape (n_samples, 2)
    y : ndarray, int64, shape (n_samples,), in {0, ..., n_classes - 1}
    """
    n = _check_n(n_samples, "spiral")
    if not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"spiral: n_classes must be an int >= 2, got {n_classes!r}")
    if noise < 0:
        raise ValueError(f"spiral: noise must be >= 0, got {noise}")
    rng = _rng(seed)
    y = np.arange(n) % n_classes
    r = np.empty(n)
    for k in range(n_classes):  # positions along arm k, evenly spread in (0, 1]
        members = np.flatnonzero(y == k)
        r[members] = np.arange(1, len(members) + 1) / max(len(members), 1)
    theta = 4.0 * r + 2 * np.pi * y / n_classes + rng.normal(scale=noise, size=n)
    X = np.stack([r * np.sin(theta), r * np.cos(theta)], 1)
    return _finish(X, y, rng, 0.0)


# ------------------------------------------------------------------------ digits
@lru_cache(maxsize=1)
def _digits_raw() -> np.ndarray:
    blob = resources.files("nn").joinpath("datasets", "digits.csv.gz").read_bytes()
    text = gzip.decompress(blob).decode("ascii")
    table = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.int64)
    table.setflags(write=False)
    return table


def digits(scale: bool = True, as_images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits: 1797 images of 10 classes, shipped with chainrule.

    This is the test set of the UCI "Optical Recognition of Handwritten Digits" data
    (E. Alpaydin and C. Kaynak, 1998; https://doi.org/10.24432/C50P49), licensed
    CC BY 4.0. 32x32 bitmaps from 43 writers were reduced to 8x8 by counting the set
    pixels in each 4x4 block, so every pixel is an integer 0..16.

    Parameters
    ----------
    scale : bool
        Divide by 16 so pixels are in [0, 1] (the default; what the training examples use).
        ``False`` keeps the raw counts 0..16 (still float32).
    as_images : bool
        Return X with shape (1797, 1, 8, 8) (NCHW, for ``Conv2d``) instead of (1797, 64).

    Returns
    -------
    X : ndarray, float32, shape (1797, 64) or (1797, 1, 8, 8)
    y : ndarray, int64, shape (1797,), the digit 0..9

    Examples
    --------
    >>> X, y = digits()
    >>> X.shape, X.dtype, y.shape, y.dtype
    ((1797, 64), dtype('float32'), (1797,), dtype('int64'))
    >>> float(X.min()), float(X.max()), sorted(set(y.tolist())) == list(range(10))
    (0.0, 1.0, True)
    """
    table = _digits_raw()
    X = table[:, :64].astype(np.float32)
    if scale:
        X /= 16.0
    if as_images:
        X = X.reshape(-1, 1, 8, 8)
    return X, table[:, 64].copy()
