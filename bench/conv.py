"""Convolution benchmark: CNN training steps of chainrule against PyTorch CPU (issue 14).

Models (float32, SGD lr 0.01, softmax cross-entropy, one full step = forward, backward and
the parameter update):

* ``lenet``: conv 1->8 k5 p2, ReLU, maxpool 2, conv 8->16 k5, ReLU, maxpool 2, linear
  400->64, ReLU, linear 64->10; 1x28x28 inputs, batch 64 (the LeNet of ``bench/tensor.py``);
* ``c8``, ``c32``, ``c64``: conv 3->c k3 p1, ReLU, maxpool 2, conv c->2c k3 p1, ReLU,
  maxpool 2, flatten, linear -> 10; 3x28x28 batch 64 (c=8), 3x32x32 batch 64 (c=32) and
  3x32x32 batch 128 (c=64).

Each measurement runs in its own fresh Python process (so neither framework inherits the
other's heap, caches or thread pools), chainrule and PyTorch alternate back to back for
several rounds (the order flips every round), and the table gives the median over rounds of
each process's median step time, with the ratio chainrule / PyTorch. Both models start from
the same weights and the first step's losses are compared, so both do the same work.

Run: ``python bench/conv.py [--rounds R] [--models lenet,c8,...] [--threads N]``;
``python bench/conv.py --profile c32`` prints the time per op, forward and backward, for
both frameworks (ours by timing each layer and each backward rule; PyTorch's from
``torch.profiler``). ``--threads N`` pins numpy's BLAS and PyTorch to N threads.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict

from record import record  # for make bench's summary table

MODELS = {
    # name: (input channels, image size, batch, c) ; c=None is the LeNet
    "lenet": (1, 28, 64, None),
    "c8": (3, 28, 64, 8),
    "c32": (3, 32, 64, 32),
    "c64": (3, 32, 128, 64),
}
LR = 0.01
STEPS = {"lenet": 40, "c8": 40, "c32": 20, "c64": 8}
WARMUP = 3
#: wall-clock by default; ``--cpu`` switches to this thread's CPU time with BLAS and PyTorch
#: pinned to one thread (load from other processes then barely moves the numbers)
CLOCK = time.perf_counter


def layer_specs(model: str) -> list[tuple]:
    """The model as a framework-neutral list of layers."""
    cin, size, _, c = MODELS[model]
    if c is None:
        return [("conv", 1, 8, 5, 2), ("relu",), ("maxpool", 2),
                ("conv", 8, 16, 5, 0), ("relu",), ("maxpool", 2), ("flatten",),
                ("linear", 400, 64), ("relu",), ("linear", 64, 10)]  # fmt: skip
    side = size // 4
    return [("conv", cin, c, 3, 1), ("relu",), ("maxpool", 2),
            ("conv", c, 2 * c, 3, 1), ("relu",), ("maxpool", 2), ("flatten",),
            ("linear", 2 * c * side * side, 10)]  # fmt: skip


def initial_weights(model: str):
    """Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) weights and biases, seeded, float32."""
    import numpy as np

    rng = np.random.default_rng(0)
    params = []
    for spec in layer_specs(model):
        if spec[0] == "conv":
            _, c, o, k, _ = spec
            shape, fan_in = (o, c, k, k), c * k * k
        elif spec[0] == "linear":
            _, fan_in, o = spec
            shape = (o, fan_in)
        else:
            continue
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, shape).astype(np.float32))
        params.append(rng.uniform(-bound, bound, o).astype(np.float32))
    return params


def batch(model: str):
    import numpy as np

    cin, size, n, _ = MODELS[model]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, cin, size, size)).astype(np.float32)
    return x, rng.integers(0, 10, n)


# ------------------------------------------------------------------------- chainrule
def ours_model(model: str):
    import nn

    layers = []
    for spec in layer_specs(model):
        kind = spec[0]
        if kind == "conv":
            layers.append(nn.Conv2d(spec[1], spec[2], spec[3], padding=spec[4]))
        elif kind == "linear":
            layers.append(nn.Linear(spec[1], spec[2]))
        else:
            layers.append({"relu": nn.ReLU, "flatten": nn.Flatten}.get(kind, nn.MaxPool2d)(
                *spec[1:]))
    net = nn.Sequential(*layers)
    for p, a in zip(net.parameters(), initial_weights(model), strict=True):
        p.data[...] = a
    return net


def ours_stepper(model: str):
    import nn

    net = ours_model(model)
    x, y = batch(model)
    opt = nn.optim.SGD(net.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()

    def step() -> float:
        loss = loss_fn(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


# --------------------------------------------------------------------------- PyTorch
def torch_model(torch, model: str):
    tnn = torch.nn
    layers = []
    for spec in layer_specs(model):
        kind = spec[0]
        if kind == "conv":
            layers.append(tnn.Conv2d(spec[1], spec[2], spec[3], padding=spec[4]))
        elif kind == "linear":
            layers.append(tnn.Linear(spec[1], spec[2]))
        else:
            layers.append({"relu": tnn.ReLU, "flatten": tnn.Flatten}.get(kind, tnn.MaxPool2d)(
                *spec[1:]))
    net = tnn.Sequential(*layers)
    with torch.no_grad():
        for p, a in zip(net.parameters(), initial_weights(model), strict=True):
            p.copy_(torch.from_numpy(a))
    return net


def torch_stepper(model: str):
    import torch

    net = torch_model(torch, model)
    x, y = batch(model)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(tx), ty)
        loss.backward()
        opt.step()
        return loss.item()

    return step


# ---------------------------------------------------------------------------- worker
def worker(framework: str, model: str, steps: int) -> None:
    """Time ``steps`` training steps in this (fresh) process; print JSON on stdout."""
    step = ours_stepper(model) if framework == "ours" else torch_stepper(model)
    first = step()
    for _ in range(WARMUP - 1):
        step()
    times = []
    for _ in range(steps):
        t0 = CLOCK()
        step()
        times.append(CLOCK() - t0)
    print(json.dumps({"median": statistics.median(times), "first_loss": first}))


def run_worker(
    framework: str, model: str, steps: int, threads: str | None, source: str | None = None
) -> dict:
    env = dict(os.environ)
    extra = ["--cpu"] if CLOCK is time.thread_time else []
    if source:  # another checkout of chainrule (e.g. the code before a change)
        env["PYTHONPATH"] = source
    if threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = threads
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", framework, "--models", model,
           "--steps", str(steps), *extra]  # fmt: skip
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(models: list[str], rounds: int, threads: str | None, baseline: str | None) -> None:
    try:
        import torch  # noqa: F401

        frameworks = ["ours", "torch"]
    except ImportError:
        frameworks = ["ours"]
    if baseline:
        frameworks.insert(1, "before")
    clock = "CPU time of the main thread" if CLOCK is time.thread_time else "wall-clock"
    print(f"{rounds} rounds, each framework in a fresh process per round, alternating; {clock}; "
          f"threads: {threads or 'default'}; load average {os.getloadavg()[0]:.1f} at start")
    print(f"{'model':<8}{'chainrule ms':>14}{'pytorch ms':>12}{'ratio':>8}   (per-round ratios)")
    for model in models:
        times: dict[str, list[float]] = defaultdict(list)
        losses = {}
        for r in range(rounds):
            for fw in frameworks if r % 2 == 0 else frameworks[::-1]:
                res = run_worker(fw if fw != "before" else "ours", model, STEPS[model], threads,
                                 baseline if fw == "before" else None)
                times[fw].append(res["median"] * 1e3)
                losses[fw] = res["first_loss"]
        if "torch" in losses:
            for fw in losses:  # the same work
                assert abs(losses[fw] - losses["torch"]) < 1e-3, losses
        ours = statistics.median(times["ours"])
        cells = f"{model:<8}{ours:14.2f}"
        if "torch" in times:
            ref = statistics.median(times["torch"])
            per = " ".join(f"{a / b:.2f}" for a, b in zip(times["ours"], times["torch"]))
            cells += f"{ref:12.2f}{ours / ref:8.2f}   ({per})"
            record(f"CNN step {model}", ours / 1e3, ref / 1e3, "PyTorch CPU", 1.2)
            if "before" in times:
                old = statistics.median(times["before"])
                cells += f"   before: {old:.2f} ms, {old / ref:.2f}x"
        print(cells, flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at end")


# --------------------------------------------------------------------------- profile
def layer_names(model: str) -> list[str]:
    return [spec[0] + str(i) for i, spec in enumerate(layer_specs(model))]


def profile_ours(model: str, steps: int) -> dict[str, float]:
    """ms per step: each layer's forward, the loss, each op's backward rule, the update."""
    import nn

    net = ours_model(model)
    x, y = batch(model)
    opt = nn.optim.SGD(net.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    acc: dict[str, float] = defaultdict(float)
    names = layer_names(model)

    def timed_rule(key, rule):
        def timed(*args):
            t0 = CLOCK()
            res = rule(*args)
            acc[key] += CLOCK() - t0
            return res

        return lambda g, needs, inputs, out: timed(g, needs, inputs, out)

    for it in range(steps + WARMUP):
        if it == WARMUP:
            acc.clear()
        h = x
        for name, layer in zip(names, net._layers, strict=True):
            t0 = CLOCK()
            h = layer(h)
            acc["fwd " + name] += CLOCK() - t0
        t0 = CLOCK()
        loss = loss_fn(h, y)
        acc["fwd loss"] += CLOCK() - t0
        # Wrap every recorded node's backward rule with a timer keyed by layer and op.
        seen, stack = set(), [loss]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            rule = getattr(node, "_rule", None)
            if rule is not None:
                node._rule = timed_rule(f"bwd {node.scope or 'loss'} {node.op}", rule)
            stack.extend(node.parents)
        opt.zero_grad()
        t0 = CLOCK()
        loss.backward()
        acc["bwd total"] += CLOCK() - t0
        t0 = CLOCK()
        opt.step()
        acc["sgd step"] += CLOCK() - t0
    return {k: v / steps * 1e3 for k, v in acc.items()}


def profile_torch(model: str, steps: int) -> dict[str, float]:
    import torch
    from torch.profiler import ProfilerActivity, profile

    net = torch_model(torch, model)
    x, y = batch(model)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    acc: dict[str, float] = defaultdict(float)
    names = layer_names(model)

    def one(timed: bool) -> None:
        opt.zero_grad(set_to_none=True)
        h = tx
        for name, layer in zip(names, net, strict=True):
            t0 = CLOCK()
            h = layer(h)
            if timed:
                acc["fwd " + name] += CLOCK() - t0
        t0 = CLOCK()
        loss = loss_fn(h, ty)
        if timed:
            acc["fwd loss"] += CLOCK() - t0
        t0 = CLOCK()
        loss.backward()
        if timed:
            acc["bwd total"] += CLOCK() - t0
        t0 = CLOCK()
        opt.step()
        if timed:
            acc["sgd step"] += CLOCK() - t0

    for _ in range(WARMUP):
        one(False)
    for _ in range(steps):  # plain wall-clock per layer (no profiler overhead)
        one(True)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            one(False)
    for ev in prof.key_averages():
        if ev.key.startswith("autograd::engine::evaluate_function: "):
            acc["bwd " + ev.key.split(": ", 1)[1]] += ev.cpu_time_total / 1e3
    return {k: (v / steps * 1e3 if not k.startswith("bwd ") or k == "bwd total" else v / steps)
            for k, v in acc.items()}


def print_profile(model: str, steps: int, baseline: str | None) -> None:
    extra = ["--cpu"] if CLOCK is time.thread_time else []
    for fw in (["before"] if baseline else []) + ["ours", "torch"]:
        cmd = [sys.executable, os.path.abspath(__file__), "--profile-worker",
               "ours" if fw == "before" else fw, "--models", model, "--steps", str(steps),
               *extra]  # fmt: skip
        env = dict(os.environ, PYTHONPATH=baseline) if fw == "before" else None
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        name = {"before": f"chainrule ({baseline})", "ours": "chainrule", "torch": "pytorch"}[fw]
        print(f"--- {name} {model}: ms per step "
              f"(load average {os.getloadavg()[0]:.1f})")
        fwd = sum(v for k, v in res.items() if k.startswith("fwd"))
        for key in sorted(res, key=lambda k: (not k.startswith("fwd"), k == "sgd step",
                                              k == "bwd total")):
            print(f"  {key:<48}{res[key]:9.3f}")
        print(f"  {'fwd total':<48}{fwd:9.3f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default=None)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--baseline", default=None,
                    help="also time the chainrule checkout in this folder (e.g. before a change)")
    ap.add_argument("--profile", default=None, help="print a per-op profile of this model")
    ap.add_argument("--worker", choices=["ours", "torch"], help=argparse.SUPPRESS)
    ap.add_argument("--profile-worker", choices=["ours", "torch"], help=argparse.SUPPRESS)
    ap.add_argument("--cpu", action="store_true",
                    help="time CPU seconds of the main thread, BLAS and PyTorch on one thread")
    args = ap.parse_args()
    if args.cpu:
        global CLOCK
        CLOCK = time.thread_time
        args.threads = "1"
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = "1"  # before numpy and torch load (they load lazily here)
    models = args.models.split(",")
    if args.worker:
        worker(args.worker, models[0], args.steps or STEPS[models[0]])
    elif args.profile_worker:
        fn = profile_ours if args.profile_worker == "ours" else profile_torch
        print(json.dumps(fn(models[0], args.steps or STEPS[models[0]])))
    elif args.profile:
        print_profile(args.profile, args.steps or STEPS[args.profile], args.baseline)
    else:
        compare(models, args.rounds, args.threads, args.baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
