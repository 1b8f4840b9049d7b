"""Scalar-engine benchmark: chainrule's ``Value`` against references measured in the same run.

1. The classic demo step: an MLP 2-16-16-1 of scalar Values on 100 two-moons points, SVM
   max-margin loss + 1e-4 L2, one full-batch forward + backward + SGD update.
2. A chain of 100,000 ``y = y * 1.0001 + 0.0001`` ops, forward + backward.

References: a closure-based scalar engine in the style of the well-known teaching engines
(written here: a backward closure per node, parents in a set, recursive topological sort),
and PyTorch CPU on scalar tensors for the chain (when installed).

The reference engine runs with CPython's default collector settings (what its users get);
chainrule runs with the settings ``import autograd`` makes (``autograd.engine.GC_THRESHOLD``).

Run: ``python bench/scalar.py`` (or ``make bench``). Prints median CPU seconds per step and
the ratios to the references.
"""

from __future__ import annotations

import contextlib
import gc
import math
import random
import statistics
import sys
import time

import autograd
from autograd import Value, gc_paused

from record import record  # for make bench's summary table

REPEATS = 7


def median_time(fn, repeats: int = REPEATS) -> float:
    """Median CPU time of this process (``time.process_time``): everything here runs on one
    thread, and CPU time does not count the waits a loaded machine imposes on wall time."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


# ------------------------------------------------------------------- the data
def two_moons(n: int, seed: int = 0, noise: float = 0.1):
    rng = random.Random(seed)
    X, y = [], []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2 == 0:
            X.append((math.cos(t) + rng.gauss(0, noise), math.sin(t) + rng.gauss(0, noise)))
            y.append(-1.0)
        else:
            dx, dy = rng.gauss(0, noise), rng.gauss(0, noise)
            X.append((1 - math.cos(t) + dx, 0.5 - math.sin(t) + dy))
            y.append(1.0)
    return X, y


# -------------------------------------------------- reference closure engine
class ClosureValue:
    """A closure-per-node scalar engine: the design chainrule's Value improves on."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, ClosureValue) else ClosureValue(other)
        out = ClosureValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, ClosureValue) else ClosureValue(other)
        out = ClosureValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        out = ClosureValue(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = ClosureValue(0 if self.data < 0 else self.data, (self,), "relu")

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1
        for v in reversed(topo):
            v._backward()


# ------------------------------------------------------------ the MLP step
def make_mlp(V, sizes, seed=1):
    rng = random.Random(seed)
    layers = []
    for nin, nout in zip(sizes[:-1], sizes[1:]):
        layers.append([([V(rng.uniform(-1, 1)) for _ in range(nin)], V(0.0)) for _ in range(nout)])
    return layers


def mlp_forward(layers, x):
    for i, layer in enumerate(layers):
        last = i == len(layers) - 1
        outs = []
        for w, b in layer:
            act = sum((wi * xi for wi, xi in zip(w, x)), b)
            outs.append(act if last else act.relu())
        x = outs
    return x[0]


def mlp_parameters(layers):
    return [p for layer in layers for w, b in layer for p in (*w, b)]


def demo_graph(V, layers, X, y):
    """The demo step's loss graph (forward only)."""
    params = mlp_parameters(layers)
    scores = [mlp_forward(layers, x) for x in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)


def demo_step(V, layers, X, y):
    """Forward on the full batch, SVM max-margin loss + L2, backward, SGD update."""
    params = mlp_parameters(layers)
    scores = [mlp_forward(layers, x) for x in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in params)
    total = data_loss + reg_loss
    for p in params:
        p.grad = 0.0
    total.backward()
    for p in params:
        p.data -= 0.01 * p.grad
    return total.data


# ---------------------------------------------------------------- the chain
def chain_step(V, n=100_000):
    x = V(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    y.backward()
    return x.grad


def chain_step_torch(torch, n=100_000):
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    y.backward()
    return x.grad.item()


@contextlib.contextmanager
def python_default_gc():
    """CPython's default collector thresholds, as a script without autograd has them."""
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def paused(fn, *args):
    """Run one step inside ``autograd.gc_paused()``, the documented idiom for hand-written loops."""
    with gc_paused():
        return fn(*args)


def main() -> None:
    sys.setrecursionlimit(1_000_000)  # only for the recursive reference engine
    X, y = two_moons(100)
    print(f"python {sys.version.split()[0]}; gc enabled: {gc.isenabled()}, thresholds "
          f"{gc.get_threshold()} (reference engine: (700, 10, 10)); median of {REPEATS}")

    rows = []
    ours_mlp = make_mlp(Value, [2, 16, 16, 1])
    ref_mlp = make_mlp(ClosureValue, [2, 16, 16, 1])
    # Same initial weights, same loss, same update.
    assert abs(demo_step(Value, make_mlp(Value, [2, 16, 16, 1]), X, y)
               - demo_step(ClosureValue, make_mlp(ClosureValue, [2, 16, 16, 1]), X, y)) < 1e-9
    with python_default_gc():
        t_ref = median_time(lambda: demo_step(ClosureValue, ref_mlp, X, y), repeats=3)
    t_ref_off = median_time(lambda: paused(demo_step, ClosureValue, ref_mlp, X, y), repeats=3)
    t_ours = median_time(lambda: demo_step(Value, ours_mlp, X, y))
    rows.append(("MLP demo step, default gc", t_ours, t_ref, "closure engine", 0.10))
    t_ours = median_time(lambda: paused(demo_step, Value, ours_mlp, X, y))
    rows.append(("MLP demo step, gc off", t_ours, t_ref_off, "closure, gc off", 0.5))

    # Value.backward's float fast path against the engine's generic reverse pass (the same
    # algorithm with a dictionary of gradients): the fast path must pay for itself.
    backpropagate = getattr(autograd, "backpropagate", None)  # (older versions lack it)
    if backpropagate is not None:
        root = demo_graph(Value, ours_mlp, X, y)
        with gc_paused():
            t_fast = median_time(root.backward)
            t_generic = median_time(lambda: backpropagate(root, 1.0))
        rows.append(("demo backward, fast path", t_fast, t_generic, "engine.backpropagate",
                     1.0))

    with python_default_gc():
        t_chain_ref = median_time(lambda: chain_step(ClosureValue), repeats=3)
    t_chain = median_time(lambda: chain_step(Value))
    rows.append(("chain 100k, default gc", t_chain, t_chain_ref, "closure engine", None))
    t_chain_off = median_time(lambda: paused(chain_step, Value))
    rows.append(("chain 100k, gc off", t_chain_off, t_chain_ref, "closure engine", None))
    try:
        import torch

        torch.set_num_threads(1)
        t_torch = median_time(lambda: chain_step_torch(torch), repeats=3)
        reference = f"PyTorch {torch.__version__}"
        rows.append(("chain 100k, default gc", t_chain, t_torch, reference, 0.20))
    except ImportError:
        print("(PyTorch not installed: skipping the PyTorch reference)")

    print(f"{'benchmark':26} {'chainrule s':>11} {'reference s':>11} {'ratio':>7}  "
          f"{'reference':20} target")
    for name, ours, ref, ref_name, target in rows:
        ratio = ours / ref
        verdict = "" if target is None else (
            f"<= {target}x {'ok' if ratio <= target else 'MISSED'}")
        print(f"{name:26} {ours:11.4f} {ref:11.4f} {ratio:6.3f}x  {ref_name:20} {verdict}")
        record(name, ours, ref, ref_name, target)


if __name__ == "__main__":
    main()
