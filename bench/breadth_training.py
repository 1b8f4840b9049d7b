"""Benchmark: a LeNet-5 with BatchNorm and a cosine schedule, chainrule vs PyTorch CPU.

The model of ``tests/nn/test_lenet_batchnorm.py``: conv 1->6 k3 p1, BatchNorm2d, ReLU,
maxpool 2, conv 6->16 k3 p1, BatchNorm2d, ReLU, maxpool 2, linear 64->120, BatchNorm1d,
ReLU, linear 120->84, ReLU, linear 84->10. SGD lr 0.1, momentum 0.9, weight decay 5e-4,
CosineAnnealingLR over 10 epochs, batch 32, on the shipped 8x8 digits (80/20 split, seed 0,
standardised). Both frameworks start from the same weights (chainrule's seeded init copied
through ``state_dict``) and see the same minibatches, so they train the same network; the
figure is the wall-clock of the whole 10-epoch schedule (training plus the per-epoch test
evaluation), median of several repeats, with the final test accuracy of each.

Run: ``python bench/breadth_training.py [--threads N]``. ``--threads N`` pins numpy's BLAS
and PyTorch to N threads; otherwise PyTorch is timed with its default threads and with one,
and the ratio is against the faster.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

# isort: split
import pin_threads  # noqa: F401 (--threads N pins BLAS before numpy loads)

# isort: split
import numpy as np  # noqa: E402

import nn  # noqa: E402
from autograd import no_grad  # noqa: E402

from record import record  # for make bench's summary table

EPOCHS = 10
REPEATS = 3
BATCH = 32
LR, MOMENTUM, WEIGHT_DECAY = 0.1, 0.9, 5e-4


def load_data():
    X, y = nn.digits(as_images=True)
    X_train, X_test, y_train, y_test = nn.train_test_split(X, y, test_size=0.2, seed=0)
    X_train, X_test = nn.standardize(X_train, X_test)
    return X_train, X_test, y_train, y_test


def make_ours(seed: int) -> nn.Module:
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1, seed=rng), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 3, padding=1, seed=rng), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64, 120, seed=rng), nn.BatchNorm1d(120), nn.ReLU(),
        nn.Linear(120, 84, seed=rng), nn.ReLU(), nn.Linear(84, 10, seed=rng),
    )  # fmt: skip


def make_theirs(torch, ours: nn.Module):
    t = torch.nn
    model = t.Sequential(
        t.Conv2d(1, 6, 3, padding=1), t.BatchNorm2d(6), t.ReLU(), t.MaxPool2d(2),
        t.Conv2d(6, 16, 3, padding=1), t.BatchNorm2d(16), t.ReLU(), t.MaxPool2d(2),
        t.Flatten(), t.Linear(64, 120), t.BatchNorm1d(120), t.ReLU(),
        t.Linear(120, 84), t.ReLU(), t.Linear(84, 10),
    )  # fmt: skip
    model.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    return model


def run_ours(model: nn.Module, data) -> tuple[float, float]:
    """(seconds, final test accuracy) for the whole schedule with chainrule."""
    X_train, X_test, y_train, y_test = data
    loader = nn.DataLoader(X_train, y_train, batch_size=BATCH, shuffle=True, seed=0)
    opt = nn.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    sched = nn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(EPOCHS):
        model.train()
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        with no_grad():
            acc = nn.accuracy(model(X_test), y_test)
    return time.perf_counter() - start, acc


def run_torch(torch, model, data) -> tuple[float, float]:
    """The same schedule in PyTorch (same batches, same start)."""
    X_train, X_test, y_train, y_test = data
    loader = nn.DataLoader(X_train, y_train, batch_size=BATCH, shuffle=True, seed=0)
    X_test_t, y_test_t = torch.from_numpy(X_test), torch.from_numpy(y_test)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM,
                          weight_decay=WEIGHT_DECAY)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(EPOCHS):
        model.train()
        for xb, yb in loader:
            loss = loss_fn(model(torch.from_numpy(xb)), torch.from_numpy(yb))
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        with torch.no_grad():
            acc = (model(X_test_t).argmax(1) == y_test_t).double().mean().item()
    return time.perf_counter() - start, acc


def main() -> int:
    try:
        import torch
    except ImportError:
        torch = None
    data = load_data()
    print(f"LeNet-5 + BatchNorm + cosine schedule, {EPOCHS} epochs on digits "
          f"({len(data[0])} train / {len(data[1])} test); median of {REPEATS} runs")
    pinned = os.environ.get("OPENBLAS_NUM_THREADS")
    thread_counts: list[int] = []
    if torch is not None:
        default_threads = int(pinned) if pinned else torch.get_num_threads()
        thread_counts = [default_threads] if pinned else sorted({default_threads, 1},
                                                                reverse=True)
    print(f"numpy BLAS threads: {pinned or 'default'}; load average {os.getloadavg()[0]:.1f}")
    ours: list = []
    theirs: dict[int, list] = {n: [] for n in thread_counts}
    for r in range(REPEATS):  # interleaved, so load changes hit both alike
        ours.append(run_ours(make_ours(r), data))
        for n in thread_counts:
            torch.set_num_threads(n)
            theirs[n].append(run_torch(torch, make_theirs(torch, make_ours(r)), data))
    ref = min((statistics.median(t for t, _ in theirs[n]) for n in thread_counts), default=None)
    print(f"{'framework':<22}{'seconds':>9}{'s/epoch':>9}{'test acc':>10}{'ratio':>8}")
    rows = [("chainrule", ours)] + [
        (f"pytorch {n} thread{'s' if n > 1 else ''}", theirs[n]) for n in thread_counts
    ]
    for name, results in rows:
        secs = statistics.median(t for t, _ in results)
        acc = statistics.median(a for _, a in results)
        ratio = f"{secs / ref:8.2f}" if ref else f"{'-':>8}"
        print(f"{name:<22}{secs:9.3f}{secs / EPOCHS:9.3f}{acc:10.3f}{ratio}")
    if ref:
        ours_secs = statistics.median(t for t, _ in ours)
        record(f"LeNet-5+BN cosine, {EPOCHS} epochs", ours_secs, ref, "PyTorch (faster threads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
