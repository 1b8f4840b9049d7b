"""Training benchmark: wall-clock seconds to 97% test accuracy on the shipped 8x8 digits.

Two models, each trained by chainrule (``nn``) and by PyTorch CPU in the same run:

* MLP 64-128-10 (ReLU), SGD lr 0.05 momentum 0.9, batch 32;
* CNN conv 1->16 k3 p1, ReLU, maxpool 2, conv 16->32 k3 p1, ReLU, maxpool 2, linear 128->10,
  same optimizer and batch size.

Both frameworks start from the *same* weights (chainrule's seeded init, copied into the
torch model through ``state_dict``) and see the same minibatches in the same order, so
they need about the same number of epochs and the ratio measures the speed of the step,
not luck. Data: ``nn.digits()``, 80/20 split (seed 0), standardised with the training
statistics. Timing covers training and the per-epoch test evaluation, and stops at the
first epoch whose test accuracy is >= 97%. Median of several repeats.

Run: ``python bench/training.py [--threads N]`` (or ``make bench``). PyTorch is optional;
without it only chainrule's figures are printed. ``--threads N`` pins numpy's BLAS and
PyTorch to N threads each (the stable comparison when other work shares the cores);
without it PyTorch runs with its default threads and with one, and the faster is the
reference.
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

from record import record  # noqa: E402 (make bench's summary table)

TARGET = 0.97
MAX_EPOCHS = 40
REPEATS = 5
BATCH = 32
LR, MOMENTUM = 0.05, 0.9


def load_data():
    X, y = nn.digits()
    X_train, X_test, y_train, y_test = nn.train_test_split(X, y, test_size=0.2, seed=0)
    X_train, X_test = nn.standardize(X_train, X_test)
    return X_train, X_test, y_train, y_test


def make_mlp(seed: int) -> nn.Module:
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(64, 128, seed=rng), nn.ReLU(), nn.Linear(128, 10, seed=rng))


def make_cnn(seed: int) -> nn.Module:
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, seed=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, seed=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128, 10, seed=rng),
    )  # fmt: skip


def torch_twin(torch, kind: str, ours: nn.Module):
    tnn = torch.nn
    if kind == "mlp":
        model = tnn.Sequential(tnn.Linear(64, 128), tnn.ReLU(), tnn.Linear(128, 10))
    else:
        model = tnn.Sequential(
            tnn.Conv2d(1, 16, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
            tnn.Conv2d(16, 32, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
            tnn.Flatten(), tnn.Linear(128, 10),
        )  # fmt: skip
    model.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    return model


def run_ours(model: nn.Module, data, shape) -> tuple[float, int, int]:
    """(seconds, epochs, steps) until test accuracy >= TARGET with chainrule."""
    X_train, X_test, y_train, y_test = data
    X_train, X_test = X_train.reshape(shape), X_test.reshape(shape)
    loader = nn.DataLoader(X_train, y_train, batch_size=BATCH, shuffle=True, seed=0)
    opt = nn.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = nn.CrossEntropyLoss()
    steps = 0
    start = time.perf_counter()
    for epoch in range(1, MAX_EPOCHS + 1):
        model.train()
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
        model.eval()
        with no_grad():
            acc = nn.accuracy(model(X_test), y_test)
        if acc >= TARGET:
            return time.perf_counter() - start, epoch, steps
    return float("nan"), MAX_EPOCHS, steps


def run_torch(torch, model, data, shape) -> tuple[float, int, int]:
    """The same loop in PyTorch (same batches: the loader's order is seeded identically)."""
    X_train, X_test, y_train, y_test = data
    X_train, X_test = X_train.reshape(shape), X_test.reshape(shape)
    loader = nn.DataLoader(X_train, y_train, batch_size=BATCH, shuffle=True, seed=0)
    X_test_t, y_test_t = torch.from_numpy(X_test), torch.from_numpy(y_test)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = torch.nn.CrossEntropyLoss()
    steps = 0
    start = time.perf_counter()
    for epoch in range(1, MAX_EPOCHS + 1):
        model.train()
        for xb, yb in loader:
            loss = loss_fn(model(torch.from_numpy(xb)), torch.from_numpy(yb))
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
        model.eval()
        with torch.no_grad():
            acc = (model(X_test_t).argmax(1) == y_test_t).double().mean().item()
        if acc >= TARGET:
            return time.perf_counter() - start, epoch, steps
    return float("nan"), MAX_EPOCHS, steps


def main() -> int:
    try:
        import torch
    except ImportError:
        torch = None
    data = load_data()
    print(f"digits: {len(data[0])} train / {len(data[1])} test images; target {TARGET:.0%} "
          f"test accuracy; median of {REPEATS} runs")
    default_threads = torch.get_num_threads() if torch is not None else 1
    thread_counts = sorted({default_threads, 1}, reverse=True) if torch is not None else []
    pinned = os.environ.get("OPENBLAS_NUM_THREADS")
    if torch is not None and pinned is not None:
        default_threads, thread_counts = int(pinned), [int(pinned)]
        torch.set_num_threads(default_threads)
    print(f"numpy BLAS threads: {pinned or 'default'}; load average {os.getloadavg()[0]:.1f}")
    if torch is not None:
        how = "pinned to" if pinned else "default"
        print(f"PyTorch {torch.__version__} ({how} {default_threads} threads); ratio = "
              f"chainrule / the faster PyTorch configuration")
    print(f"{'model':<6}{'framework':<22}{'seconds':>9}{'epochs':>8}{'ms/step':>9}{'ratio':>8}")
    for kind, make, shape in [("mlp", make_mlp, (-1, 64)), ("cnn", make_cnn, (-1, 1, 8, 8))]:
        ours: list = []
        theirs: dict[int, list] = {n: [] for n in thread_counts}
        for r in range(REPEATS):
            model = make(r)
            ours.append(run_ours(make(r), data, shape))
            for n in thread_counts:  # PyTorch with its default threads, and with one
                torch.set_num_threads(n)
                theirs[n].append(run_torch(torch, torch_twin(torch, kind, model), data, shape))
        if torch is not None:
            torch.set_num_threads(default_threads)
        rows = [("chainrule", ours)] + [
            (f"pytorch {n} thread{'s' if n > 1 else ''}", theirs[n]) for n in thread_counts
        ]
        # the reference is the faster PyTorch configuration
        ref = min((statistics.median(t for t, _, _ in theirs[n]) for n in thread_counts),
                  default=None)
        for name, results in rows:
            secs = statistics.median(t for t, _, _ in results)
            epochs = statistics.median(e for _, e, _ in results)
            per_step = statistics.median(t / s for t, _, s in results) * 1e3
            ratio = f"{secs / ref:8.2f}" if ref else f"{'-':>8}"
            print(f"{kind:<6}{name:<22}{secs:9.3f}{epochs:8.1f}{per_step:9.3f}{ratio}")
            if ref and name == "chainrule":
                record(f"{kind} to {TARGET:.0%} test accuracy", secs, ref,
                       "PyTorch, faster thread setting")
    return 0


if __name__ == "__main__":
    sys.exit(main())
