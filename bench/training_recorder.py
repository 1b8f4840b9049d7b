"""What watching costs: ``nn.fit`` with a ``viz.TrainingRecorder`` recording every epoch, over
``nn.fit`` alone, on the same model, data and batches.

Two trainings (issue 23's target: recording costs at most 15% of the training time):

* the digits MLP of ``bench/training.py``: 64-128-10 ReLU on the shipped 8x8 digits (80% split,
  standardised, 1437 images), SGD lr 0.05 momentum 0.9, batch 32, 10 epochs; the recorder's
  pass covers 512 of the images (its default ``sample``), no boundary (64-D inputs);
* the XOR net: 2-8-2 tanh on ``nn.xor(200)``, SGD lr 0.3 momentum 0.9, batch 16, 40 epochs;
  the recorder also evaluates the decision boundary on its 60 x 60 grid every epoch.

Each timing is one fresh process (``python bench/training_recorder.py --child KIND MODE``),
with and without the recorder alternating, ``ROUNDS`` pairs back to back; the ratio is the
median of the per-pair ratios (recorded / plain), so load that drifts over the run cancels.
The recorder's own clock (``rec.seconds``) is printed as a cross-check. The views (figures,
player) are drawn after training and are not part of this cost.

Run: ``python bench/training_recorder.py [--threads N]`` (or ``make bench``).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

# isort: split
import pin_threads  # noqa: F401 (--threads N pins BLAS before numpy loads)

# isort: split
import numpy as np  # noqa: E402

from record import record  # noqa: E402 (make bench's summary table)

ROUNDS = 5
TARGET = 1.15
RUNS = {
    "digits": {"epochs": 10, "batch": 32, "lr": 0.05},
    "xor": {"epochs": 40, "batch": 16, "lr": 0.3},
}


def child(kind: str, mode: str) -> None:
    """Train once and print the seconds (and the recorder's own seconds) as JSON."""
    import nn
    import viz

    cfg = RUNS[kind]
    if kind == "digits":
        X, y = nn.digits()
        X, _, y, _ = nn.train_test_split(X, y, test_size=0.2, seed=0)
        (X,) = nn.standardize(X)
        rng = np.random.default_rng(0)
        model = nn.Sequential(nn.Linear(64, 128, seed=rng), nn.ReLU(),
                              nn.Linear(128, 10, seed=rng))
    else:
        X, y = nn.xor(200, noise=0.1, seed=0)
        model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.Tanh(), nn.Linear(8, 2, seed=1))
    loader = nn.DataLoader(X, y, batch_size=cfg["batch"], shuffle=True, seed=0)
    opt = nn.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)
    rec = viz.TrainingRecorder(model, X, y) if mode == "recorded" else None
    start = time.perf_counter()
    history = nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=cfg["epochs"],
                     progress=False, callback=rec)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "recorder_s": rec.seconds if rec else 0.0,
                      "accuracy": history.accuracy[-1], "frames": len(rec) if rec else 0}))


def run(kind: str, mode: str) -> dict:
    args = [sys.executable, __file__, "--child", kind, mode]
    if "--threads" in sys.argv:
        args += ["--threads", sys.argv[sys.argv.index("--threads") + 1]]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    print(f"nn.fit with viz.TrainingRecorder(every=1) / nn.fit alone; {ROUNDS} alternating "
          f"pairs of fresh processes; load average {os.getloadavg()[0]:.1f} (a shared machine: "
          "the ratio, timed in the same run, is the measurement)")
    print(f"{'training':<8}{'plain s':>10}{'recorded s':>12}{'recorder s':>12}{'ratio':>8}"
          f"{'target':>8}")
    for kind in RUNS:
        plain, recorded, own, ratios = [], [], [], []
        for r in range(ROUNDS):
            first, second = ("plain", "recorded") if r % 2 == 0 else ("recorded", "plain")
            result = {first: run(kind, first), second: run(kind, second)}
            plain.append(result["plain"]["seconds"])
            recorded.append(result["recorded"]["seconds"])
            own.append(result["recorded"]["recorder_s"])
            ratios.append(recorded[-1] / plain[-1])
            assert result["recorded"]["accuracy"] == result["plain"]["accuracy"]
        ratio = statistics.median(ratios)
        p, q = statistics.median(plain), statistics.median(recorded)
        print(f"{kind:<8}{p:>10.3f}{q:>12.3f}{statistics.median(own):>12.3f}{ratio:>8.3f}"
              f"{TARGET:>8.2f}   (pair ratios {', '.join(f'{x:.3f}' for x in ratios)})")
        record(f"{kind} fit, recording every epoch", q, p, "nn.fit without a recorder",
               target=TARGET)
    return 0


if __name__ == "__main__":
    if "--child" in sys.argv:
        i = sys.argv.index("--child")
        child(sys.argv[i + 1], sys.argv[i + 2])
    else:
        sys.exit(main())
