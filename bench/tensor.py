"""Benchmark the numpy Tensor backend against hand-written numpy and PyTorch CPU.

Run: ``.venv/bin/python bench/tensor.py [--threads N] [--cpu]`` (``--threads 1`` pins numpy's
BLAS and PyTorch to one thread each: the stable comparison when other work shares the cores;
``--cpu`` times the main thread's CPU time instead of wall-clock, which load from other
processes barely moves, meaningful with ``--threads 1``).
Prints median times and ratios measured in the same run (references: a hand-written numpy
forward/backward written below, the floor for any numpy backend; the same numpy keeping every
intermediate value alive, as a graph that can be drawn does; the least Python graph engine
that runs the same numpy calls, ``bench/minimal_engine.py``, the floor for any engine that
records and walks a graph in Python; and PyTorch CPU when installed).
The MLP steps are timed in blocks of consecutive steps, as a training loop runs them
(:func:`block_median_times`). Targets (issues 3 and 26):

* MLP 64-256-256-10, ReLU, softmax cross-entropy, one SGD step, float32: at batch 128
  <= 1.1x hand-written numpy, at batch 8 (where the engine's own cost per op shows, see
  ``bench/per_op.py``) <= 1.5x; <= 1.0x PyTorch at both.
* LeNet-like CNN on 1x28x28, batch 64, one SGD step: <= 1.1x the same step without a graph
  (autograd's convolution kernels called directly, :func:`cnn_numpy_step`), <= 1.5x PyTorch.
* 1024x1024 float32 matmul through Tensor: within 5% of raw numpy.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable

# isort: split
import pin_threads  # noqa: F401 (--threads N pins BLAS before numpy loads)

# isort: split
import minimal_engine  # noqa: E402
import numpy as np  # noqa: E402

from autograd import Tensor, conv2d, max_pool2d  # noqa: E402
from autograd.conv_geometry import conv_geometry, pad_hw  # noqa: E402
from autograd.conv_kernels import (  # noqa: E402
    bias_grad,
    conv_forward,
    conv_input_grad,
    conv_weight_grad,
)

from record import record  # noqa: E402 (make bench's summary table)

LR = np.float32(0.01)
#: wall-clock by default; ``--cpu``: this thread's CPU time (with ``--threads 1``)
CLOCK = time.thread_time if "--cpu" in sys.argv else time.perf_counter


def median_times(
    fns: dict[str, Callable[[], object]], repeats: int, warmup: int = 5, interleave: bool = True
) -> dict:
    """Median wall time (s) of each function, timed round-robin (``interleave``).

    Interleaving the implementations means a burst of load from other processes hits
    all of them alike, so the ratios stay meaningful on a busy machine. It also means each
    one runs after the others have used the caches and the allocator, unlike a training
    loop: ``interleave=False`` times each function's repeats back to back instead.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for order in [list(fns)] if interleave else [[name] for name in fns]:
        for _ in range(warmup):
            for name in order:
                fns[name]()
        for _ in range(repeats):
            for name in order:
                t0 = CLOCK()
                fns[name]()
                times[name].append(CLOCK() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def block_median_times(
    fns: dict[str, Callable[[], object]], blocks: int, steps: int = 25, warmup: int = 5
) -> dict:
    """Median time (s) of one call of each function, timed in blocks: ``steps`` calls of one
    function back to back (the first ``warmup`` of each block not counted), then the next
    function's block, round-robin ``blocks`` times.

    Inside a block each function runs as in a training loop, right after itself, with its
    own arrays in the caches (interleaving single steps instead evicts each one's weights
    with the others': at batch 8 that slowed the numpy step 1.9x and the engine's 1.5x); the
    round-robin still spreads bursts of load from other processes over all of them.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(blocks):
        for name, fn in fns.items():
            for k in range(steps):
                t0 = CLOCK()
                fn()
                if k >= warmup:
                    times[name].append(CLOCK() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def init_linear(rng: np.random.Generator, fan_in: int, fan_out: int) -> tuple:
    bound = 1 / np.sqrt(fan_in)
    w = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
    b = rng.uniform(-bound, bound, fan_out).astype(np.float32)
    return w, b


# ---------------------------------------------------------------------------- MLP
MLP_SIZES = (64, 256, 256, 10)
BATCH = 128


def mlp_params(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:], strict=True):
        params.extend(init_linear(rng, fan_in, fan_out))
    return params


def softmax_parts(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stable softmax's pieces along axis 1: shifted logits, e = exp(shifted) and the
    row sums s of e (softmax = e / s, log-softmax = shifted - log s)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return shifted, e, e.sum(axis=1, keepdims=True)


def cross_entropy_grad(e: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dJ/d(logits) of the mean softmax cross-entropy: (softmax - onehot(y)) / n."""
    n = y.shape[0]
    d = e / s
    d[np.arange(n), y] -= 1
    d /= n
    return d


def cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean softmax cross-entropy of labels ``y`` and its gradient dJ/d(logits)."""
    shifted, e, s = softmax_parts(logits)
    loss = float(np.log(s[:, 0]).mean() - shifted[np.arange(y.shape[0]), y].mean())
    return loss, cross_entropy_grad(e, s, y)


def sgd_update(params: list[np.ndarray], grads: tuple) -> None:
    for p, g in zip(params, grads, strict=True):
        p -= LR * g


def mlp_numpy_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """Forward, backward and SGD update written out by hand (the floor)."""
    w1, b1, w2, b2, w3, b3 = params
    z1 = x @ w1.T + b1
    h1 = np.maximum(z1, 0)
    z2 = h1 @ w2.T + b2
    h2 = np.maximum(z2, 0)
    loss, d = cross_entropy(h2 @ w3.T + b3, y)
    mlp_numpy_backward(params, x, (z1, h1, z2, h2), d)
    return loss


def mlp_numpy_backward(params: list[np.ndarray], x: np.ndarray, hidden: tuple,
                       d: np.ndarray) -> None:
    """The hand-written backward and SGD update, from the forward's pre-activations and
    activations ``hidden = (z1, h1, z2, h2)`` and the loss gradient ``d`` = dJ/d(logits)."""
    _, _, w2, _, w3, _ = params
    z1, h1, z2, h2 = hidden
    gw3, gb3 = d.T @ h2, d.sum(axis=0)
    dh2 = (d @ w3) * (z2 > 0)
    gw2, gb2 = dh2.T @ h1, dh2.sum(axis=0)
    dh1 = (dh2 @ w2) * (z1 > 0)
    gw1, gb1 = dh1.T @ x, dh1.sum(axis=0)
    sgd_update(params, (gw1, gb1, gw2, gb2, gw3, gb3))


def mlp_numpy_kept_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """:func:`mlp_numpy_step` with every intermediate array alive until the step ends, as a
    graph that can be drawn keeps each node's value (``x @ W.T`` and ``+ b`` separately, the
    log-softmax, the picked entries). The same arithmetic; only the memory differs: the floor
    for an engine that keeps what ``viz`` shows (PyTorch frees what its backward needs not)."""
    w1, b1, w2, b2, w3, b3 = params
    x0 = x.copy()  # Tensor(x) copies its data
    a1 = x0 @ w1.T
    z1 = a1 + b1
    h1 = np.maximum(z1, 0)
    a2 = h1 @ w2.T
    z2 = a2 + b2
    h2 = np.maximum(z2, 0)
    a3 = h2 @ w3.T
    logits = a3 + b3
    shifted, e, s = softmax_parts(logits)
    log_p = shifted - np.log(s)
    picked = log_p[np.arange(x.shape[0]), y]
    loss = -picked.mean()
    kept = [x0, a1, z1, h1, a2, z2, h2, a3, logits, log_p, picked]  # noqa: F841 (alive)
    mlp_numpy_backward(params, x, (z1, h1, z2, h2), cross_entropy_grad(e, s, y))
    return float(loss)


def mlp_tensor_step(params: list[Tensor], x: np.ndarray, y: np.ndarray) -> float:
    w1, b1, w2, b2, w3, b3 = params
    xt = Tensor(x)
    h = (xt @ w1.T + b1).relu()
    h = (h @ w2.T + b2).relu()
    logits = h @ w3.T + b3
    loss = -logits.log_softmax(axis=1)[np.arange(x.shape[0]), y].mean()
    loss.backward()
    for p in params:
        p.data -= LR * p.grad
        p.grad = None
    return loss.item()


def torch_sgd_step(model, opt, loss_fn, tx, ty) -> Callable[[], float]:
    """One PyTorch SGD step on a fixed batch, as a closure for the timer."""

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(tx), ty)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def bench_mlp(torch, batch: int = BATCH) -> dict[str, float]:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, MLP_SIZES[0])).astype(np.float32)
    y = rng.integers(0, MLP_SIZES[-1], batch)
    np_params = mlp_params()
    t_params = [Tensor(p, requires_grad=True) for p in mlp_params()]
    # Same numbers from both implementations first: the benchmark compares equal work.
    kept_params = mlp_params()
    a = mlp_numpy_step([p.copy() for p in mlp_params()], x, y)
    b = mlp_tensor_step([Tensor(p, requires_grad=True) for p in mlp_params()], x, y)
    c = mlp_numpy_kept_step([p.copy() for p in mlp_params()], x, y)
    d = minimal_engine.mlp_step([minimal_engine.Node(p) for p in mlp_params()], x, y, LR)
    assert abs(a - b) < 1e-4 and abs(a - c) < 1e-6 and b == d, (a, b, c, d)
    min_params = [minimal_engine.Node(p) for p in mlp_params()]
    fns = {
        "numpy": lambda: mlp_numpy_step(np_params, x, y),
        "numpy, values kept": lambda: mlp_numpy_kept_step(kept_params, x, y),
        "minimal engine": lambda: minimal_engine.mlp_step(min_params, x, y, LR),
        "tensor": lambda: mlp_tensor_step(t_params, x, y),
    }
    if torch is not None:
        layers = []
        for fan_in, fan_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:], strict=True):
            layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
        model = torch.nn.Sequential(*layers[:-1])
        opt = torch.optim.SGD(model.parameters(), lr=float(LR))
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        loss_fn = torch.nn.CrossEntropyLoss()
        fns["torch"] = torch_sgd_step(model, opt, loss_fn, tx, ty)
    return block_median_times(fns, 16)


# ---------------------------------------------------------------------------- CNN
CNN_BATCH = 64


def cnn_params(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)

    def conv(o: int, c: int, k: int) -> tuple:
        bound = 1 / np.sqrt(c * k * k)
        w = rng.uniform(-bound, bound, (o, c, k, k)).astype(np.float32)
        return w, rng.uniform(-bound, bound, o).astype(np.float32)

    return [*conv(8, 1, 5), *conv(16, 8, 5), *init_linear(rng, 400, 64), *init_linear(rng, 64, 10)]


def cnn_tensor_step(params: list[Tensor], x: np.ndarray, y: np.ndarray) -> float:
    c1w, c1b, c2w, c2b, f1w, f1b, f2w, f2b = params
    h = max_pool2d(conv2d(Tensor(x), c1w, c1b, padding=2).relu(), 2)  # 8 x 14 x 14
    h = max_pool2d(conv2d(h, c2w, c2b).relu(), 2)  # 16 x 5 x 5
    h = (h.flatten(1) @ f1w.T + f1b).relu()
    logits = h @ f2w.T + f2b
    loss = -logits.log_softmax(axis=1)[np.arange(x.shape[0]), y].mean()
    loss.backward()
    for p in params:
        p.data -= LR * p.grad
        p.grad = None
    return loss.item()


_CORNERS = ((0, 0), (0, 1), (1, 0), (1, 1))  # the four pixels of a 2x2 window


def pool2(a: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """2x2 max pooling, stride 2, of even-sized planes: the maxima and, per window corner,
    where it holds the maximum."""
    corners = [a[:, :, i::2, j::2] for i, j in _CORNERS]
    best = np.maximum(np.maximum(corners[0], corners[1]), np.maximum(corners[2], corners[3]))
    # every maximal corner of a window (ties happen only among ReLU's zeros, whose gradient
    # the ReLU mask zeroes anyway, so the step equals first-maximum pooling)
    return best, [c == best for c in corners]


def unpool2(g: np.ndarray, where: list[np.ndarray]) -> np.ndarray:
    """The backward of :func:`pool2`: each window's gradient to its maximum."""
    n, c, h, w = g.shape
    out = np.empty((n, c, 2 * h, 2 * w), g.dtype)
    for (i, j), held in zip(_CORNERS, where, strict=True):
        np.multiply(g, held, out=out[:, :, i::2, j::2])
    return out


def cnn_numpy_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """:func:`cnn_tensor_step` with no graph: autograd's convolution kernels called directly
    (``autograd.conv_kernels``, the only numpy code of a convolution here) and everything
    else written out as in :func:`mlp_numpy_step`: the floor for this engine's LeNet step."""
    c1w, c1b, c2w, c2b, f1w, f1b, f2w, f2b = params
    n = x.shape[0]
    geo1 = conv_geometry(x, c1w, 1, 2, 1, 1, "conv2d")
    xp = pad_hw(x, geo1.pads)
    z1, cols1 = conv_forward(x, c1w, c1b, geo1, xp)
    p1, where1 = pool2(np.maximum(z1, 0))  # 8 x 14 x 14
    geo2 = conv_geometry(p1, c2w, 1, 0, 1, 1, "conv2d")
    z2, cols2 = conv_forward(p1, c2w, c2b, geo2, p1)
    p2, where2 = pool2(np.maximum(z2, 0))  # 16 x 5 x 5
    f = p2.reshape(n, -1)
    z3 = f @ f1w.T + f1b
    h3 = np.maximum(z3, 0)
    loss, d = cross_entropy(h3 @ f2w.T + f2b, y)
    g_f2w, g_f2b = d.T @ h3, d.sum(axis=0)
    dz3 = (d @ f2w) * (z3 > 0)
    g_f1w, g_f1b = dz3.T @ f, dz3.sum(axis=0)
    dz2 = unpool2((dz3 @ f1w).reshape(p2.shape), where2) * (z2 > 0)
    g_c2w, g_c2b = conv_weight_grad(p1, dz2, geo2, p1, cols2), bias_grad(dz2)
    dz1 = unpool2(conv_input_grad(dz2, c2w, geo2), where1) * (z1 > 0)
    g_c1w, g_c1b = conv_weight_grad(x, dz1, geo1, xp, cols1), bias_grad(dz1)
    sgd_update(params, (g_c1w, g_c1b, g_c2w, g_c2b, g_f1w, g_f1b, g_f2w, g_f2b))
    return loss


def bench_cnn(torch) -> dict[str, Callable[[], object]]:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((CNN_BATCH, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, CNN_BATCH)
    params = [Tensor(p, requires_grad=True) for p in cnn_params()]
    # the same step, the same numbers (the parameters after it too) with and without a graph
    ours, mine = [Tensor(p, requires_grad=True) for p in cnn_params()], cnn_params()
    assert abs(cnn_tensor_step(ours, x, y) - cnn_numpy_step(mine, x, y)) < 1e-5
    assert all(np.allclose(p.data, q, atol=1e-6) for p, q in zip(ours, mine, strict=True))
    np_params = cnn_params()
    fns: dict[str, Callable[[], object]] = {
        "numpy": lambda: cnn_numpy_step(np_params, x, y),
        "tensor": lambda: cnn_tensor_step(params, x, y),
    }
    if torch is not None:
        nn = torch.nn
        model = nn.Sequential(
            nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(400, 64), nn.ReLU(), nn.Linear(64, 10),
        )  # fmt: skip
        # Same initial weights, so both steps compute the same loss.
        with torch.no_grad():
            for p, a in zip(model.parameters(), cnn_params(), strict=True):
                p.copy_(torch.from_numpy(a))
        opt = torch.optim.SGD(model.parameters(), lr=float(LR))
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        loss_fn = nn.CrossEntropyLoss()
        ours = cnn_tensor_step([Tensor(p, requires_grad=True) for p in cnn_params()], x, y)
        theirs = loss_fn(model(tx), ty).item()
        assert abs(ours - theirs) < 1e-4, (ours, theirs)
        fns["torch"] = torch_sgd_step(model, opt, loss_fn, tx, ty)
    return fns


# ------------------------------------------------------------------------- matmul
def bench_matmul() -> dict[str, float]:
    rng = np.random.default_rng(3)
    a = rng.standard_normal((1024, 1024)).astype(np.float32)
    b = rng.standard_normal((1024, 1024)).astype(np.float32)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    assert (ta @ tb).dtype == np.float32
    return median_times({"numpy": lambda: a @ b, "tensor": lambda: ta @ tb}, 30, 3)


def main() -> None:
    try:
        import torch
    except ImportError:  # PyTorch is an optional reference
        torch = None
    if torch is not None:
        torch.manual_seed(0)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    if torch is not None and threads != "default":
        torch.set_num_threads(int(threads))
    print(
        f"numpy {np.__version__}; torch {torch.__version__ if torch else 'not installed'}; "
        f"BLAS/torch threads: {threads}; {CLOCK.__name__}; load average {os.getloadavg()[0]:.1f}"
    )

    def report(name: str, res: dict[str, float], targets: dict[str, float | None]) -> None:
        cells = ", ".join(f"{k} {v * 1e3:.3f} ms" for k, v in res.items())
        print(f"{name}: {cells}")
        for ref, limit in targets.items():
            if ref in res:
                ratio = res["tensor"] / res[ref]
                if limit is None:
                    print(f"  tensor / {ref} = {ratio:.2f}x")
                else:
                    verdict = "ok" if ratio <= limit else "MISSED"
                    print(f"  tensor / {ref} = {ratio:.2f}x (target <= {limit}x) {verdict}")
                record(name.strip(), res["tensor"], res[ref], ref, limit)

    # No targets for two references: "numpy, values kept", the same numpy with every node's
    # value alive (the floor for an engine that keeps what viz draws), and "minimal engine",
    # the least Python graph engine on the same numpy (its ratio: what autograd's features
    # cost, its own ratio to numpy: what recording a graph in Python costs at all)
    for batch, limit in ((BATCH, 1.1), (8, 1.5)):
        res = bench_mlp(torch, batch)
        report(f"MLP 64-256-256-10 b{batch} SGD step", res,
               {"numpy": limit, "numpy, values kept": None, "minimal engine": None, "torch": 1.0})
        floor = res["minimal engine"] / res["numpy"]
        print(f"  minimal engine / numpy = {floor:.2f}x (what recording in Python costs at all)")
    cnn = bench_cnn(torch)
    report("LeNet-like CNN b64 SGD step", median_times(cnn, 40, 5),
           {"numpy": 1.1, "torch": 1.5})
    # As in a training loop: each step right after the previous one of the same kind
    # (numpy's large temporaries then meet glibc's heap trimming: page faults every step).
    report("  same, back to back", median_times(cnn, 40, 5, interleave=False),
           {"numpy": 1.1, "torch": 1.5})
    report("matmul 1024x1024 float32", bench_matmul(), {"numpy": 1.05})


if __name__ == "__main__":
    main()
