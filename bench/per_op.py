"""The engine's own cost per recorded op, in microseconds (issue 26).

One op at a time, at the sizes of a small-batch MLP step, where the engine's bookkeeping
(node creation, operand and shape checks, the backward walk and the rule) and not the
arithmetic is the cost:

* Tensor, float32, batch 8: ``a + b`` (8x256 + a 256 bias), ``a @ b`` (8x64 @ 64x256),
  ``relu`` (8x256). Forward alone (recorded: one input requires grad), then forward +
  ``backward(g)``. References in the same run: the same numpy calls with no graph (the
  forward, and the forward plus the hand-written backward: the floor), and PyTorch CPU.
* Value (float64): ``a + b``, ``a * b``, ``a.relu()``: building the node, and building it
  plus ``backward()``. Reference: the closure-per-node engine of ``bench/scalar.py``.

Every cell is the fastest round's mean over a batch of calls; the implementations
are interleaved round by round, so load from other processes hits them alike. The overhead
column is chainrule minus numpy: what the engine adds to one op.

Run: ``python bench/per_op.py [--rounds R] [--threads N] [--cpu]`` (``--cpu``: the main
thread's CPU time instead of wall-clock, which other processes' load barely moves; use it
with ``--threads 1``).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable

# isort: split
import pin_threads  # noqa: F401 (--threads N pins BLAS before numpy loads)

# isort: split
import numpy as np  # noqa: E402

from autograd import Tensor, Value  # noqa: E402

from record import record  # noqa: E402 (make bench's summary table)

#: wall-clock by default; ``--cpu``: this thread's CPU time
CLOCK = time.thread_time if "--cpu" in sys.argv else time.perf_counter


def per_call_us(fns: dict[str, Callable[[], object]], rounds: int, calls: int) -> dict:
    """The fastest over ``rounds`` of the mean time of ``calls`` calls, in microseconds, each
    implementation timed in turn within a round. Load from other processes only ever adds
    time, so the least disturbed round is the op's cost (the median moved 1.5x between runs
    of the same code on a shared machine; the minimum moves a few percent)."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():  # warm up
        for _ in range(calls):
            fn()
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = CLOCK()
            for _ in range(calls):
                fn()
            times[name].append((CLOCK() - t0) / calls * 1e6)
    return {name: min(ts) for name, ts in times.items()}


# ----------------------------------------------------------------------------- Tensor
def tensor_cases(torch) -> dict[str, dict[str, Callable[[], object]]]:
    """For each op: forward and forward + backward, in chainrule, numpy and PyTorch."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 256)).astype(np.float32)
    bias = rng.standard_normal(256).astype(np.float32)
    h = rng.standard_normal((8, 64)).astype(np.float32)
    w = rng.standard_normal((64, 256)).astype(np.float32)
    g = np.ones((8, 256), np.float32)
    tx, tb = Tensor(x, requires_grad=True), Tensor(bias, requires_grad=True)
    th, tw = Tensor(h, requires_grad=True), Tensor(w, requires_grad=True)

    def backward(out: Tensor, leaves: tuple) -> None:
        out.backward(g)
        for t in leaves:
            t.grad = None

    def np_add_backward() -> object:
        x + bias
        return g.copy(), g.sum(axis=0)  # dJ/dx = g (a fresh array, as an engine gives), dJ/db

    def np_matmul_backward() -> object:
        h @ w
        return g @ w.T, h.T @ g  # dJ/dh = G W^T, dJ/dW = H^T G

    def np_relu_backward() -> object:
        out = np.maximum(x, 0)
        return g * (out > 0)  # d relu = 1 where the output is positive

    cases: dict[str, dict[str, Callable[[], object]]] = {
        "a + b": {"chainrule": lambda: tx + tb, "numpy": lambda: x + bias},
        "a + b, +backward": {"chainrule": lambda: backward(tx + tb, (tx, tb)),
                             "numpy": np_add_backward},
        "a @ b": {"chainrule": lambda: th @ tw, "numpy": lambda: h @ w},
        "a @ b, +backward": {"chainrule": lambda: backward(th @ tw, (th, tw)),
                             "numpy": np_matmul_backward},
        "relu": {"chainrule": lambda: tx.relu(), "numpy": lambda: np.maximum(x, 0)},
        "relu, +backward": {"chainrule": lambda: backward(tx.relu(), (tx,)),
                            "numpy": np_relu_backward},
    }  # fmt: skip
    if torch is not None:
        px = torch.from_numpy(x).requires_grad_()
        pb = torch.from_numpy(bias).requires_grad_()
        ph = torch.from_numpy(h).requires_grad_()
        pw = torch.from_numpy(w).requires_grad_()
        pg = torch.from_numpy(g)

        def torch_backward(out, leaves: tuple) -> None:
            out.backward(pg)
            for t in leaves:
                t.grad = None

        cases["a + b"]["torch"] = lambda: px + pb
        cases["a + b, +backward"]["torch"] = lambda: torch_backward(px + pb, (px, pb))
        cases["a @ b"]["torch"] = lambda: ph @ pw
        cases["a @ b, +backward"]["torch"] = lambda: torch_backward(ph @ pw, (ph, pw))
        cases["relu"]["torch"] = lambda: px.relu()
        cases["relu, +backward"]["torch"] = lambda: torch_backward(px.relu(), (px,))
    return cases


# ------------------------------------------------------------------------------ Value
def value_cases() -> dict[str, dict[str, Callable[[], object]]]:
    from scalar import ClosureValue  # bench/scalar.py's closure-per-node reference engine

    def cases_for(V) -> dict[str, Callable[[], object]]:
        a, b = V(1.5), V(-2.5)

        def backward(out) -> None:
            out.backward()
            a.grad = b.grad = 0.0

        return {
            "a + b": lambda: a + b,
            "a + b, +backward": lambda: backward(a + b),
            "a * b": lambda: a * b,
            "a * b, +backward": lambda: backward(a * b),
            "relu": lambda: a.relu(),
            "relu, +backward": lambda: backward(a.relu()),
        }

    ours, ref = cases_for(Value), cases_for(ClosureValue)
    return {name: {"chainrule": ours[name], "closure engine": ref[name]} for name in ours}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--threads", default=None, help="(read by pin_threads before numpy loads)")
    ap.add_argument("--cpu", action="store_true", help="time CPU, not wall-clock (read above)")
    args = ap.parse_args()
    try:
        import torch

        torch.set_num_threads(1)  # one small op: threads only add synchronisation
    except ImportError:
        torch = None
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, torch "
          f"{torch.__version__ if torch else 'not installed'}; fastest of {args.rounds} rounds; "
          f"microseconds per call ({CLOCK.__name__})")
    print(f"{'Tensor op (batch 8)':<24}{'chainrule':>10}{'numpy':>9}{'overhead':>10}"
          f"{'torch':>9}{'ratio to torch':>16}")
    for name, fns in tensor_cases(torch).items():
        us = per_call_us(fns, args.rounds, 2000)
        over = us["chainrule"] - us["numpy"]
        line = f"{name:<24}{us['chainrule']:10.2f}{us['numpy']:9.2f}{over:10.2f}"
        record(f"Tensor {name} (us/op)", us["chainrule"] * 1e-6, us["numpy"] * 1e-6, "numpy")
        if "torch" in us:
            line += f"{us['torch']:9.2f}{us['chainrule'] / us['torch']:15.2f}x"
            record(f"Tensor {name} (us/op)", us["chainrule"] * 1e-6, us["torch"] * 1e-6,
                   "PyTorch CPU")
        print(line)
    # The scalar engine with the collector off: the per-node cost itself (the closure
    # engine's nodes are reference cycles, so with the collector on it would mostly time
    # the collector; bench/scalar.py measures whole steps both ways).
    print(f"\n{'Value op':<24}{'chainrule':>10}{'closure':>9}{'ratio':>9}")
    gc.collect()
    gc.disable()
    try:
        for name, fns in value_cases().items():
            us = per_call_us(fns, args.rounds, 5000)
            ours, ref = us["chainrule"], us["closure engine"]
            print(f"{name:<24}{ours:10.3f}{ref:9.3f}{ours / ref:8.2f}x")
            record(f"Value {name} (us/op)", ours * 1e-6, ref * 1e-6, "closure engine")
            gc.collect()
    finally:
        gc.enable()


if __name__ == "__main__":
    main()
