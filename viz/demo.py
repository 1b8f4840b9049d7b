"""The lecture's worked circuits, and the figures ``make demo`` writes from them.

Lecture 002: ``f = (x + y) z`` at x=-2, y=5, z=-4 (f = -12; df/dx = df/dy = -4, df/dz = 3) and
the sigmoid neuron ``f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2)))`` at w=(2,-3,-3), x=(-1,-2)
(f = 0.73; gradients w0 = -0.20, x0 = 0.39, w1 = -0.39, x1 = -0.59, w2 = 0.20).
"""

from __future__ import annotations

from pathlib import Path

from autograd import Value

from .draw import draw
from .stepper import BackpropStepper


def xyz_circuit(x: float = -2.0, y: float = 5.0, z: float = -4.0) -> Value:
    """``f = (x + y) z`` with the intermediate ``q = x + y`` labelled, not yet differentiated.

    >>> f = xyz_circuit(); f.data
    -12.0
    """
    xv, yv, zv = Value(x, label="x"), Value(y, label="y"), Value(z, label="z")
    q = xv + yv
    q.label = "q"
    f = q * zv
    f.label = "f"
    return f


def sigmoid_circuit(
    w: tuple[float, float, float] = (2.0, -3.0, -3.0), x: tuple[float, float] = (-1.0, -2.0)
) -> Value:
    """The sigmoid neuron as the lecture's gates ``*``, ``+``, ``*-1``, ``exp``, ``+1``, ``1/x``.

    >>> round(sigmoid_circuit().data, 2)
    0.73
    """
    w0, w1, w2 = (Value(v, label=f"w{i}") for i, v in enumerate(w))
    x0, x1 = (Value(v, label=f"x{i}") for i, v in enumerate(x))
    s = w0 * x0 + w1 * x1 + w2  # the neuron's weighted sum
    f = ((-s).exp() + 1).reciprocal()  # sigma(s) = 1 / (1 + e^-s), gate by gate
    f.label = "f"
    return f


def write_lecture_figures(out_dir: str | Path = "out") -> list[Path]:
    """Write ``xyz.svg``, ``sigmoid.svg`` (values and gradients) and ``sigmoid_steps.html``.

    Parameters
    ----------
    out_dir : str or Path
        Created if missing.

    Returns
    -------
    list of Path
        The files written. Needs Graphviz's ``dot`` for the SVGs.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    f = xyz_circuit()
    f.backward()
    written.append(Path(draw(f, mode="both").save(out / "xyz.svg")))
    s = sigmoid_circuit()
    stepper = BackpropStepper(s)  # built before backward: it never needs the user's grads
    s.backward()
    written.append(Path(draw(s, mode="both").save(out / "sigmoid.svg")))
    written.append(Path(stepper.save_html(out / "sigmoid_steps.html",
                                          title="Backprop through the sigmoid neuron")))
    return written
