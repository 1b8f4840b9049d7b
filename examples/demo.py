"""``make demo``: the lectures' worked examples forward and backward, drawn, stepped, trained.

1. f = (x + y) z at x=-2, y=5, z=-4 (lecture 002): values and gradients.
2. The sigmoid neuron circuit at w=(2,-3,-3), x=(-1,-2), gate by gate and as one gate.
3. Lecture figures: out/xyz.svg, out/sigmoid.svg, out/sigmoid_steps.html (needs Graphviz).
4. An MLP trained on the 8x8 handwritten digits, saved to out/digits_mlp.npz.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nn
import viz
from autograd import Tensor, Value
from viz.demo import sigmoid_circuit, xyz_circuit

OUT = Path("out")


def show_xyz() -> None:
    print("== f = (x + y) z at x=-2, y=5, z=-4 (lecture 002) ==")
    f = xyz_circuit()
    q, z = f.parents
    x, y = q.parents
    f.backward()
    print(f"forward:  q = x + y = {q.data:g}   f = q z = {f.data:g}")
    print(f"backward: df/dq = z = {q.grad:g}   df/dz = q = {z.grad:g}")
    print(f"          df/dx = df/dq * dq/dx = {x.grad:g}   df/dy = {y.grad:g}")


def show_sigmoid() -> None:
    print("\n== sigmoid neuron, gates *, +, *-1, exp, +1, 1/x (lecture 002) ==")
    f = sigmoid_circuit()
    f.backward()
    leaves = {}
    for node in _leaves(f):
        leaves[node.label] = node
    print(f"forward:  f = {f.data:.2f}")
    print("backward: " + "  ".join(f"df/d{n} = {leaves[n].grad:.2f}"
                                  for n in ("w0", "x0", "w1", "x1", "w2")))
    w = [Value(v) for v in (2.0, -3.0, -3.0)]
    xs = [Value(v) for v in (-1.0, -2.0)]
    g = (w[0] * xs[0] + w[1] * xs[1] + w[2]).sigmoid()
    g.backward()
    print(f"one sigmoid gate: f = {g.data:.2f}, df/dw0 = {w[0].grad:.2f} "
          "(local derivative sigma(1 - sigma), same numbers)")


def _leaves(root: Value) -> list[Value]:
    from autograd import topological_order

    return [n for n in topological_order(root) if not n.parents]


def write_figures() -> list[Path]:
    print("\n== lecture figures ==")
    if not viz.dot_available():
        print("Graphviz 'dot' is missing, so no images: install it with "
              "`sudo apt-get install -y graphviz` (make demo does this when run as root).")
        return []
    written = viz.demo.write_lecture_figures(OUT)
    for path in written:
        print(f"wrote {path}")
    return written


def train_digits() -> Path:
    print("\n== an MLP 64-128-10 on the 8x8 handwritten digits ==")
    X, y = nn.digits()
    X_train, X_test, y_train, y_test = nn.train_test_split(X, y, test_size=0.25, seed=0)
    X_train, X_test = nn.standardize(X_train, X_test)  # training-set statistics only
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = nn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loader = nn.DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=0)
    start = time.perf_counter()
    nn.fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=10,
           progress=sys.stdout.isatty())
    seconds = time.perf_counter() - start
    model.eval()
    predictions = model(Tensor(X_test)).argmax(axis=1).numpy()
    accuracy = float((predictions == y_test).mean())
    print(f"trained 10 epochs in {seconds:.2f} s; test accuracy {accuracy:.1%}")
    path = OUT / "digits_mlp.npz"
    model.save(path)
    print(f"saved the weights to {path}")
    return path


def main() -> None:
    OUT.mkdir(exist_ok=True)
    show_xyz()
    show_sigmoid()
    figures = write_figures()
    model_path = train_digits()
    print("\n== where things went ==")
    for path in figures:
        print(f"  {path}")
    print(f"  {model_path}")
    print("Open out/sigmoid_steps.html in a browser to step through backprop.")


if __name__ == "__main__":
    main()
