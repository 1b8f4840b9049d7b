"""The network view: layers of neurons as the lectures draw them, with live numbers.

Lectures 000, 001 and 003 draw a multilayer perceptron as columns of neurons: inputs on the
left, one column per layer, neuron 0 at the top, a weight on every edge. ``draw_network``
draws ``nn.scalar.MLP`` and ``nn.Sequential`` of ``Linear`` + activation layers that way, and
``step_network`` plays lecture 001's forward and backward pass through it, layer by layer and
neuron by neuron, in the same HTML player as :func:`viz.step`.

Notation (lecture 001)
----------------------
Unit ``i`` of layer ``l`` computes ``net^l_i = sum_j W^l_ij x^(l-1)_j + b^l_i`` and outputs
``x^l_i = f(net^l_i)``. With the loss ``L`` the *error term* is ``delta^l_i = -dL/dnet^l_i``:

- output layer: ``delta^L_i = f'(net^L_i) * (-dL/dy_i)``, which for ``L = 1/2 sum (t - y)^2``
  is ``f'(net) (t_i - y_i)``;
- hidden layers: ``delta^l_i = f'(net^l_i) * sum_k W^(l+1)_ki delta^(l+1)_k``;
- weights: ``dL/dW^l_ij = -delta^l_i x^(l-1)_j``, biases ``dL/db^l_i = -delta^l_i``.

Legend: neurons are boxes with their name, net input and (green) output; a bias is written
inside its neuron (``b = 0.1``), not drawn as a "+1" node; after a forward pass with a target,
each neuron shows its error term delta (red). Every weight is named as the step texts and
``nn.scalar`` name it, ``W<l>_<ij>`` (layer ``l``, to unit ``i`` from unit ``j``), with its
value (black), its gradient (red) and, with ``lr=``, the updated weight (blue), in one of two
layouts (``weights=``):

- ``"edges"`` (lecture 001's 2-2-1 picture): on its edge, ``W1_12 = 0.8`` above the line and
  the gradient below, through a label node;
- ``"table"``: a row per incoming weight inside the receiving neuron (``W1_12 ← x2``, value,
  gradient, update), and plain edges whose colour gives the sign (grey: positive, purple:
  negative) and whose width the size (``|w|`` relative to the layer's largest).

``"auto"`` (the default) picks ``"edges"`` when no layer has more than 2 inputs or outputs,
``"table"`` otherwise: beyond 2x2, labels on crossing edges cannot be told apart. Edges leave a
neuron on its right side and enter the next on its left, and the boxes of a column share one
width, so no edge passes through a neuron. ``show_weights=False`` / ``show_grads=False`` leave
out the weights' numbers / the error terms and gradients. Numbers are printed with ``digits``
significant digits. The numbers are computed in float64 with the formulas above
and equal what ``backward()`` gives (tested against the engine and PyTorch).

Layers wider than ``max_neurons`` are elided: the first neurons, a "..." node with the count
of hidden ones, and the last neuron.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .frameplayer import FramePlayer
from .graph import Graph, dot_available
from .labels import dot_html
from .limits import check_node_count
from .palette import GRAD_COLOR, HIGHLIGHT_FILL, HIGHLIGHT_LINE, TRANSPARENT, VALUE_COLOR
from .player import diff_roles, svg_for_player
from .render import Renderer

UPDATE_COLOR = "#1f5fbf"
NET_COLOR = "#333333"
POSITIVE_EDGE = "#555555"  # table layout: a weight's sign is its edge's colour
NEGATIVE_EDGE = "#8e44ad"
WEIGHT_LAYOUTS = ("auto", "edges", "table")
CHAR_PT = 6.6  # a generous width of one 12 pt Helvetica character, for equal column widths
LOSSES = ("half_sse", "mse")
_ACT = ("sigmoid", "tanh", "relu", "linear", "leaky_relu")


def sig(x: float, digits: int = 4) -> str:
    """``x`` with ``digits`` significant digits, no exponent for 1e-4 <= |x| < 1e6.

    >>> sig(0.680267), sig(0.000929), sig(-4.0), sig(0.0)
    ('0.6803', '0.000929', '-4', '0')
    """
    if not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if x == 0:
        return "0"
    if not 1e-4 <= abs(x) < 1e6:
        return f"{x:.{digits - 1}e}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    text = f"{round(x, decimals):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# --------------------------------------------------------------------------- the model
@dataclass
class _Layer:
    W: np.ndarray  # out x in
    b: np.ndarray | None
    activation: str
    slope: float = 0.01  # leaky ReLU
    grad: np.ndarray | None = None  # dL/dW from the parameters' .grad (after backward())
    grad_b: np.ndarray | None = None


def _grad_array(values: Any) -> np.ndarray | None:
    """Parameters' gradients as an array, or None when no backward() reached them."""
    arr = np.asarray(values, dtype=np.float64) if values is not None else None
    if arr is None or not np.any(arr):
        return None
    return arr


def _act(name: str, z: np.ndarray, slope: float) -> np.ndarray:
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, slope * z)
    return z.copy()


def _dact(name: str, z: np.ndarray, x: np.ndarray, slope: float) -> np.ndarray:
    """f'(net), from the stored output where the lecture does (sigmoid: x (1 - x))."""
    if name == "sigmoid":
        return x * (1.0 - x)
    if name == "tanh":
        return 1.0 - x * x
    if name == "relu":
        return (z > 0).astype(float)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, slope)
    return np.ones_like(z)


def _layers_of(model: Any) -> list[_Layer]:
    """The (W, b, activation) of each layer of a scalar MLP or a Sequential of Linear layers."""
    import nn

    if isinstance(model, nn.scalar.MLP):
        out = []
        for layer in model.layers:
            W = np.array([[w.data for w in n.w] for n in layer.neurons], dtype=np.float64)
            has_b = layer.neurons[0].b is not None
            b = np.array([n.b.data for n in layer.neurons]) if has_b else None
            gW = _grad_array([[w.grad for w in n.w] for n in layer.neurons])
            gb = _grad_array([n.b.grad for n in layer.neurons]) if has_b else None
            out.append(_Layer(W, b, layer.activation, grad=gW, grad_b=gb))
        return out
    if isinstance(model, nn.Sequential):
        acts = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu", nn.Identity: "linear",
                nn.LeakyReLU: "leaky_relu"}
        out = []
        for i, m in enumerate(model):
            if isinstance(m, nn.Linear):
                b = None if m.bias is None else np.asarray(m.bias.data, dtype=np.float64)
                gW = _grad_array(m.weight.grad)
                gb = None if m.bias is None else _grad_array(m.bias.grad)
                out.append(_Layer(np.asarray(m.weight.data, dtype=np.float64), b, "linear",
                                  grad=gW, grad_b=gb))
            elif type(m) in acts and out and out[-1].activation == "linear":
                out[-1].activation = acts[type(m)]
                if isinstance(m, nn.LeakyReLU):
                    out[-1].slope = float(m.negative_slope)
            else:
                raise TypeError(
                    f"draw_network: Sequential layer {i} is {type(m).__name__}; the network "
                    "view draws Linear layers, each optionally followed by one of Sigmoid, "
                    "Tanh, ReLU, LeakyReLU or Identity"
                )
        if not out:
            raise TypeError("draw_network: the Sequential has no Linear layer")
        return out
    raise TypeError(
        f"draw_network: expected nn.scalar.MLP or nn.Sequential of Linear + activation "
        f"layers, got {type(model).__name__}"
    )


@dataclass
class _Numbers:
    """Everything the view shows, computed once (float64)."""

    x: list[np.ndarray]  # x[0] inputs, x[l] outputs of layer l
    net: list[np.ndarray]  # net[l] for l >= 1 (net[0] unused)
    delta: list[np.ndarray] = field(default_factory=list)  # delta[l] = -dL/dnet[l]
    gW: list[np.ndarray] = field(default_factory=list)  # dL/dW[l]
    gb: list[np.ndarray | None] = field(default_factory=list)
    loss: float | None = None
    target: np.ndarray | None = None


def _compute(layers: list[_Layer], inputs: Any, target: Any, loss: str) -> _Numbers:
    x0 = np.asarray([float(getattr(v, "data", v)) for v in np.ravel(inputs).tolist()]
                    if not isinstance(inputs, np.ndarray) else inputs.astype(np.float64).ravel())
    if x0.shape != (layers[0].W.shape[1],):
        raise ValueError(f"draw_network: inputs must have {layers[0].W.shape[1]} numbers, "
                         f"got {x0.size}")
    xs, nets = [x0], [np.zeros(0)]
    for layer in layers:
        z = layer.W @ xs[-1] + (layer.b if layer.b is not None else 0.0)
        nets.append(z)
        xs.append(_act(layer.activation, z, layer.slope))
    nums = _Numbers(xs, nets)
    if target is None:
        return nums
    t = np.asarray(target, dtype=np.float64).ravel()
    y = xs[-1]
    if t.shape != y.shape:
        raise ValueError(f"draw_network: target must have {y.size} numbers, got {t.size}")
    if loss not in LOSSES:
        raise ValueError(f"draw_network: loss must be one of {LOSSES}, got {loss!r}")
    if loss == "half_sse":  # L = 1/2 sum (t - y)^2, dL/dy = y - t
        nums.loss, dy = float(0.5 * np.sum((t - y) ** 2)), y - t
    else:  # mean squared error
        nums.loss, dy = float(np.mean((t - y) ** 2)), 2.0 * (y - t) / y.size
    nums.target = t
    L = len(layers)
    delta: list[np.ndarray] = [np.zeros(0)] * (L + 1)
    top = layers[-1]
    delta[L] = _dact(top.activation, nets[L], xs[L], top.slope) * (-dy)
    for l_ in range(L - 1, 0, -1):
        layer = layers[l_ - 1]
        delta[l_] = _dact(layer.activation, nets[l_], xs[l_], layer.slope) * (
            layers[l_].W.T @ delta[l_ + 1])
    nums.delta = delta
    nums.gW = [np.zeros(0)] + [-np.outer(delta[l_], xs[l_ - 1]) for l_ in range(1, L + 1)]
    nums.gb = [None] + [(-delta[l_] if layers[l_ - 1].b is not None else None)
                        for l_ in range(1, L + 1)]
    return nums


def _shown(n: int, max_neurons: int) -> list[int | None]:
    """Indices drawn for a layer of ``n`` (``None``: the "..." node)."""
    if n <= max_neurons:
        return list(range(n))
    return list(range(max_neurons - 1)) + [None, n - 1]


# --------------------------------------------------------------------------- drawing
@dataclass
class NetState:
    """What one frame shows: layers whose forward values are known, error terms known
    (``(layer, unit)``), weight gradients known (``(layer, unit)`` of the receiving unit),
    whether the loss and the update are shown, and what is highlighted."""

    forward: int = 0  # layers 0..forward have their outputs (0: the inputs only)
    loss: bool = False
    deltas: set[tuple[int, int]] = field(default_factory=set)
    update: bool = False
    highlight: set[str] = field(default_factory=set)


def weight_name(l_: int, i: int, j: int) -> str:
    """``W<l>_<ij>``: the weight of layer ``l`` into unit ``i`` from unit ``j`` (1-based), as
    ``nn.scalar`` labels it; ``W<l>_<i>,<j>`` once an index has two digits.

    >>> weight_name(1, 0, 1), weight_name(2, 11, 0)
    ('W1_12', 'W2_12,1')
    """
    sep = "," if i >= 9 or j >= 9 else ""
    return f"W{l_}_{i + 1}{sep}{j + 1}"


def pick_layout(weights: str, sizes: Sequence[int]) -> str:
    """``"edges"`` or ``"table"`` for ``weights=`` (``"auto"``: edges up to 2x2 layers)."""
    if weights not in WEIGHT_LAYOUTS:
        raise ValueError(f"draw_network: weights must be one of {WEIGHT_LAYOUTS}, "
                         f"got {weights!r}")
    if weights != "auto":
        return weights
    return "edges" if max(sizes) <= 2 else "table"


class NetworkRenderer(Renderer):
    """The network's drawing, element by element (the :class:`viz.render.Renderer` protocol)."""

    def __init__(self, layers: list[_Layer], nums: _Numbers, state: NetState, *, digits: int,
                 rankdir: str, max_neurons: int, lr: float | None, names: Sequence[str],
                 final: bool, weights: str = "auto", show_weights: bool = True,
                 show_grads: bool = True) -> None:
        self.layers, self.nums, self.state = layers, nums, state
        self.digits, self.lr, self.final = digits, lr, final
        self.names = list(names)
        self.sizes = [layers[0].W.shape[1]] + [layer.W.shape[0] for layer in layers]
        self.shown = [_shown(n, max_neurons) for n in self.sizes]
        self.layout = pick_layout(weights, self.sizes)
        self.show_weights, self.show_grads = show_weights, show_grads
        self.ports = ("e", "w") if rankdir == "LR" else ("s", "n")  # out of a unit, into one
        n_w = sum(layer.W.size for layer in layers)
        n_b = sum(0 if layer.b is None else layer.b.size for layer in layers)
        arch = "-".join(str(n) for n in self.sizes)
        acts = ", ".join(dict.fromkeys(layer.activation for layer in layers))
        caption = (f"{arch} network ({acts}): {n_w + n_b} parameters "
                   f"({n_w} weights + {n_b} biases)")
        parts = ["green: outputs x = f(net)"]
        if show_weights:
            parts.append("black: weights W<l>_<ij> (to unit i from unit j)")
        if show_grads:
            parts.append("red: error terms δ = -∂L/∂net and gradients ∂L/∂w")
        if lr and show_weights:
            parts.append("blue: updated weights")
        legend = "; ".join(parts)
        if self.layout == "table":
            legend += "\nedges: grey w > 0, purple w < 0, width ∝ |w|"
        self.caption = caption
        super().__init__(Graph(
            name="network",
            graph_attr={"rankdir": rankdir, "ranksep": "0.9" if self.layout == "table"
                        else "0.5", "nodesep": "0.25",
                        "fontname": "Helvetica", "fontsize": "12", "labelloc": "b",
                        "label": f"{caption}\n{legend}", "splines": "line",
                        "ordering": "out"},
            node_attr={"fontname": "Helvetica", "fontsize": "12"},
            edge_attr={"fontname": "Helvetica", "fontsize": "11", "arrowsize": "0.6"},
        ))
        self.widths = [self._column_width(l_) for l_ in range(len(self.sizes))]

    # numbers
    def n(self, x: float) -> str:
        return sig(float(x), self.digits)

    def _line(self, color: str, text: str, shown: bool, role: str) -> str:
        roles = self.roles.setdefault(self.current, {})
        prev = roles.get(role)
        value = text if shown else None
        roles[role] = value if prev is None else (prev if value is None else prev + "\n" + value)
        c = color if shown else TRANSPARENT
        return f'<font color="{c}">{dot_html(text)}</font>'

    def _lit(self, key: str) -> bool:
        lit = key in self.state.highlight
        self.role("h", lit)
        return lit

    @staticmethod
    def nid(l_: int, i: int | None) -> str:
        return f"u{l_}_{'more' if i is None else i}"

    def unit_name(self, l_: int, i: int) -> str:
        if l_ == 0:
            return self.names[i] if i < len(self.names) else f"x{i + 1}"
        if l_ == len(self.layers) and self.sizes[-1] == 1:
            return "y"
        return f"x{l_}_{i + 1}"

    # what a unit writes, as plain text rows (the width estimate and the label share them)
    def _unit_rows(self, l_: int, i: int) -> list[tuple[str, str, str]]:
        """``(color, text, role)`` rows of unit ``i`` of layer ``l_`` (layer >= 1)."""
        nums, layer = self.nums, self.layers[l_ - 1]
        rows = []
        if layer.b is not None:
            rows.append(("", f"b = {self.n(layer.b[i])}", ""))
        if not math.isnan(nums.x[l_][i]):
            rows.append((NET_COLOR, f"net = {self.n(nums.net[l_][i])}", "n"))
            rows.append((VALUE_COLOR, f"x = {self.n(nums.x[l_][i])}", "v"))
        if nums.delta and self.show_grads:
            rows.append((GRAD_COLOR, f"δ = {self.n(nums.delta[l_][i])}", "g"))
            if layer.b is not None and self.lr:
                rows.append((UPDATE_COLOR, f"b → {self.n(layer.b[i] - self.lr * nums.gb[l_][i])}",
                             "u"))
        return rows

    def _weight_cells(self, l_: int, i: int, j: int) -> list[tuple[str, str, str]]:
        """``(color, text, role)`` of weight ``W<l>_<ij>``: name and value, gradient, update."""
        w = self.layers[l_ - 1].W[i, j]
        cells = [("", f"{weight_name(l_, i, j)} = {self.n(w)}", "")]
        if self.nums.gW and self.show_grads:
            g = self.nums.gW[l_][i, j]
            cells.append((GRAD_COLOR, f"∂L/∂w = {self.n(g)}", "g"))
            if self.lr:
                cells.append((UPDATE_COLOR, f"→ {self.n(w - self.lr * g)}", "u"))
        return cells

    def _column_width(self, l_: int) -> str:
        """One least width (inches) for every box of column ``l_``: edges leave and enter the
        boxes on their sides, so with one width per column no edge runs through a box."""
        texts = []
        for i in self.shown[l_]:
            if i is None:
                continue
            texts.append(f"{self.unit_name(l_, i)} {self.layers[l_ - 1].activation}"
                         if l_ else self.unit_name(l_, i))
            if l_ == 0:
                texts.append(self.n(self.nums.x[0][i]))
                continue
            rest = [t for _, t, _ in self._unit_rows(l_, i)]
            texts += rest
            if self.layout == "table" and self.show_weights:
                texts += ["   ".join(rest[k:k + 2]) for k in range(0, len(rest), 2)]
                for j in self.shown[l_ - 1]:
                    if j is not None:
                        from_ = self.unit_name(l_ - 1, j)
                        texts.append(f"{from_}  " + "  ".join(
                            t for _, t, _ in self._weight_cells(l_, i, j)))
        chars = max((len(t) for t in texts), default=4)
        return f"{(chars * CHAR_PT + 16) / 72:.2f}"

    def plan(self) -> None:
        L = len(self.layers)
        for l_ in range(L + 1):
            for i in self.shown[l_]:
                key = self.nid(l_, i)
                self.add(key, lambda a=l_, b=i: self.unit(a, b))
        for l_ in range(1, L + 1):
            for i in self.shown[l_]:
                for j in self.shown[l_ - 1]:
                    if i is None or j is None:
                        continue
                    key = f"w{l_}_{i}_{j}"
                    self.add(key, lambda a=l_, b=i, c=j: self.weight(a, b, c))
        if self.nums.target is not None:
            self.add("loss", self.loss_node)
            out, into = self.ports
            for i in self.shown[L]:
                if i is not None:
                    self.add(f"t{i}", lambda b=i: self.g.edge(
                        f"{self.nid(L, b)}:{out}", f"loss:{into}", id=f"t{b}",
                        arrowsize="0.5", color="#888888"))
        # columns: one rank per layer, neuron 0 at the top (invisible chain keeps the order)
        for l_ in range(L + 1):
            ids = [self.nid(l_, i) for i in self.shown[l_]]
            self.add(f"rank{l_}", lambda ids=ids: self._rank(ids))

    def _rank(self, ids: list[str]) -> None:
        self.g.body.append("\t{rank=same; " + "; ".join(ids) + "}\n")
        for a, b in itertools.pairwise(ids):
            self.g.edge(a, b, style="invis")

    def unit(self, l_: int, i: int | None) -> None:
        key = self.nid(l_, i)
        lit = self._lit(key)
        hl = {"fillcolor": HIGHLIGHT_FILL, "color": HIGHLIGHT_LINE, "penwidth": "3"} if lit \
            else {}
        width = self.widths[l_]
        if i is None:
            hidden = self.sizes[l_] - len(self.shown[l_]) + 1
            self.g.node(key, label=f"<⋮<br/>{hidden} more>", shape="plaintext", id=key)
            return
        s, nums = self.state, self.nums
        name = self.unit_name(l_, i)
        if l_ == 0:
            rows = [f"<b>{dot_html(name)}</b>"]
            if not math.isnan(nums.x[0][i]):
                rows.append(self._line(VALUE_COLOR, self.n(nums.x[0][i]), s.forward >= 0, "v"))
            label = "<" + "<br/>".join(rows) + ">"
            attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": "#dbe9f6",
                     "color": "#444444", "width": width, **hl}
            self.g.node(key, label=label, id=key, **attrs)
            return
        layer = self.layers[l_ - 1]
        shown = {"n": s.forward >= l_, "v": s.forward >= l_, "g": (l_, i) in s.deltas,
                 "u": s.update, "": True}
        act = dot_html(layer.activation)
        rows = [f"<b>{dot_html(name)}</b> <font point-size='10'>{act}</font>"]
        rows += [self._line(c, t, shown[r], r) if c else dot_html(t)
                 for c, t, r in self._unit_rows(l_, i)]
        if self.layout == "table" and self.show_weights:
            label = self._table_label(l_, i, rows)
        else:
            label = "<" + "<br/>".join(rows) + ">"
        attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff",
                 "color": "#444444", "margin": "0.08,0.05", "width": width, **hl}
        self.g.node(key, label=label, id=key, **attrs)

    def _table_label(self, l_: int, i: int, rows: list[str]) -> str:
        """The unit's rows, then a row per incoming weight: ``W1_12 ← x2``, value, gradient,
        update (the table layout: every number next to its weight's name)."""
        cols = 1 + len(self._weight_cells(l_, i, 0))
        head, rest = rows[0], rows[1:]
        pairs = [head] + ["   ".join(rest[k:k + 2]) for k in range(0, len(rest), 2)]
        out = [f'<tr><td colspan="{cols}">{r}</td></tr>' for r in pairs]  # net and x, b and δ
        shown = {"g": (l_, i) in self.state.deltas, "u": self.state.update}
        for j in self.shown[l_ - 1]:
            if j is None:
                continue
            cells = self._weight_cells(l_, i, j)
            name, value = cells[0][1].split(" = ")
            tds = [f'<td align="left">{dot_html(name)} ← {dot_html(self.unit_name(l_ - 1, j))}'
                   "</td>", f'<td align="right">{dot_html(value)}</td>']
            tds += [f'<td align="right">{self._line(c, t, shown[r], r)}</td>'
                    for c, t, r in cells[1:]]
            out.append("<tr>" + "".join(tds) + "</tr>")
        return ('<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
                + "".join(out) + "</table>>")

    def weight(self, l_: int, i: int, j: int) -> None:
        key = f"w{l_}_{i}_{j}"
        lit = self._lit(key)
        out, into = self.ports
        src, dst = f"{self.nid(l_ - 1, j)}:{out}", f"{self.nid(l_, i)}:{into}"
        if self.layout == "table":
            W = self.layers[l_ - 1].W
            w, top = W[i, j], float(np.max(np.abs(W))) or 1.0
            attrs = {"color": POSITIVE_EDGE if w >= 0 else NEGATIVE_EDGE,
                     "penwidth": f"{0.6 + 2.4 * abs(w) / top:.2f}"}
            if lit:
                attrs = {"color": HIGHLIGHT_LINE, "penwidth": "3"}
            self.g.edge(src, dst, id=key, **attrs)
            return
        shown = {"g": (l_, i) in self.state.deltas, "u": self.state.update}
        cells = self._weight_cells(l_, i, j)
        above = [dot_html(cells[0][1])] if self.show_weights else []
        below = [self._line(c, t, shown[r], r) for c, t, r in cells[1:]
                 if self.show_weights or r == "g"]
        attrs = {"color": HIGHLIGHT_LINE, "penwidth": "3"} if lit else {}
        # the weight above the edge, its gradient (and update) below, through a label node
        # that dot places like a neuron (the edge leaves and enters the units on their sides)
        self.labelled_edge(src, dst, key, attrs, above, "<br/>".join(below))

    def loss_node(self) -> None:
        lit = self._lit("loss")
        t = ", ".join(self.n(v) for v in self.nums.target)
        rows = [f"<b>L</b> (target t = {dot_html(t)})",
                self._line(GRAD_COLOR, f"L = {self.n(self.nums.loss)}", self.state.loss, "g")]
        attrs = {"fillcolor": HIGHLIGHT_FILL, "color": HIGHLIGHT_LINE, "penwidth": "3"} if lit \
            else {"fillcolor": "#fde2c0", "color": "#444444"}
        self.g.node("loss", label="<" + "<br/>".join(rows) + ">", shape="box", id="loss",
                    style="rounded,filled", **attrs)


def _prepare(model: Any, inputs: Any, target: Any, loss: str, max_neurons: int,
             rankdir: str, digits: int, weights: str = "auto") -> tuple[list[_Layer], _Numbers]:
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"draw_network: rankdir must be 'LR' or 'TB', got {rankdir!r}")
    if not isinstance(max_neurons, int) or max_neurons < 2:
        raise ValueError(f"draw_network: max_neurons must be an int >= 2, got {max_neurons!r}")
    if not isinstance(digits, int) or not 1 <= digits <= 12:
        raise ValueError(f"draw_network: digits must be an int in 1..12, got {digits!r}")
    layers = _layers_of(model)
    pick_layout(weights, [layers[0].W.shape[1]] + [layer.W.shape[0] for layer in layers])
    if inputs is None:
        if target is not None:
            raise ValueError("draw_network: a target needs inputs")
        nums = _Numbers([np.full(layers[0].W.shape[1], np.nan)], [np.zeros(0)])
        for layer in layers:
            nums.x.append(np.full(layer.W.shape[0], np.nan))
            nums.net.append(np.full(layer.W.shape[0], np.nan))
    else:
        nums = _compute(layers, inputs, target, loss)
    if target is None and all(layer.grad is not None for layer in layers):
        # after the user's own backward(): the weights' gradients from .grad
        nums.gW = [np.zeros(0)] + [layer.grad for layer in layers]
        nums.gb = [None] + [layer.grad_b for layer in layers]
    return layers, nums


def draw_network(model: Any, inputs: Any = None, target: Any = None, loss: str = "half_sse",
                 lr: float | None = None, digits: int = 4, max_neurons: int = 12,
                 rankdir: str = "LR", input_names: Sequence[str] | None = None,
                 weights: str = "auto", show_weights: bool = True,
                 show_grads: bool = True) -> Graph:
    """Draw a multilayer perceptron as layers of neurons (lectures 000, 001, 003).

    Parameters
    ----------
    model : nn.scalar.MLP or nn.Sequential
        A Sequential may hold ``Linear`` layers, each optionally followed by ``Sigmoid``,
        ``Tanh``, ``ReLU``, ``LeakyReLU`` or ``Identity``.
    inputs : sequence of float, optional
        One input vector: each neuron then shows its net input and output.
    target : sequence of float, optional
        With ``inputs``: each neuron shows its error term ``delta = -dL/dnet`` and each
        weight its gradient. Without a target, after your own ``loss.backward()``, each
        weight shows the gradient in its ``.grad``.
    loss : {"half_sse", "mse"}
        ``1/2 sum (t - y)^2`` (lecture 001) or the mean squared error.
    lr : float, optional
        Also show every weight (and bias) after one gradient-descent step ``w - lr * dL/dw``.
    digits : int
        Significant digits of the numbers.
    max_neurons : int
        Wider layers are elided ("..." and a count).
    rankdir : {"LR", "TB"}
        Layers left to right (the lectures) or top to bottom.
    input_names : sequence of str, optional
        Names of the inputs (default ``x1``, ``x2``...).
    weights : {"auto", "edges", "table"}
        Where the weights' numbers go (module docstring): on the edges, or a row per weight
        in the receiving neuron; ``"auto"``: on the edges up to 2 units a layer.
    show_weights, show_grads : bool
        Write the weights' numbers; the error terms and gradients.

    Returns
    -------
    Graph
        DOT source always; renders with Graphviz's ``dot``. The caption counts the
        parameters (lecture 003: a 3-4-2 network has 26).

    Examples
    --------
    >>> import nn
    >>> net = nn.scalar.MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]])
    >>> g = draw_network(net, inputs=[0.35, 0.9], target=[0.5])
    >>> "x = 0.6803" in g.source and "x = 0.6903" in g.source
    True
    """
    layers, nums = _prepare(model, inputs, target, loss, max_neurons, rankdir, digits, weights)
    L = len(layers)
    state = NetState(forward=L if inputs is not None else -1, loss=target is not None,
                     deltas={(l_, i) for l_ in range(1, L + 1) for i in range(
                         layers[l_ - 1].W.shape[0])} if nums.gW else set(),
                     update=lr is not None and target is not None)
    r = NetworkRenderer(layers, nums, state, digits=digits, rankdir=rankdir,
                        max_neurons=max_neurons, lr=lr if target is not None else None,
                        names=input_names or [], final=True, weights=weights,
                        show_weights=show_weights, show_grads=show_grads)
    check_node_count(sum(len(s) for s in r.shown) + 1, "draw_network")
    return r.build()


# --------------------------------------------------------------------------- stepping
@dataclass(frozen=True)
class NetFrame:
    """One frame of :class:`NetworkStepper`: its phase, text and what it shows."""

    index: int
    phase: str  # "forward", "loss", "backward" or "update"
    text: str
    state: NetState


class NetworkStepper(FramePlayer):
    """Lecture 001's backpropagation through a network, layer by layer and neuron by neuron.

    Frames: one per layer forward (``net = W x + b`` and ``x = f(net)`` for each neuron), the
    loss, one per neuron backward (its error term ``delta = f'(net) * sum_k w_k delta_k`` with
    the numbers, and the gradients of its incoming weights), and with ``lr=`` the update.

    Parameters
    ----------
    model, inputs, target, loss, lr, digits, max_neurons, rankdir, input_names
        As for :func:`draw_network` (``inputs`` and ``target`` required).
    weights, show_weights, show_grads
        As for :func:`draw_network`.

    Examples
    --------
    >>> import nn
    >>> net = nn.scalar.MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]])
    >>> s = NetworkStepper(net, [0.35, 0.9], [0.5])
    >>> [f.phase for f in s.frames]
    ['forward', 'forward', 'loss', 'backward', 'backward', 'backward']
    """

    default_title = "Backpropagation through the network"
    id_prefix = "cr-net"
    frames: list[NetFrame]

    def __init__(self, model: Any, inputs: Any, target: Any, loss: str = "half_sse",
                 lr: float | None = None, digits: int = 4, max_neurons: int = 12,
                 rankdir: str = "LR", input_names: Sequence[str] | None = None,
                 weights: str = "auto", show_weights: bool = True,
                 show_grads: bool = True) -> None:
        if inputs is None or target is None:
            raise ValueError("step_network: inputs and target are both required")
        self.layers, self.nums = _prepare(model, inputs, target, loss, max_neurons, rankdir,
                                          digits, weights)
        self.loss_name, self.lr, self.digits = loss, lr, digits
        self.model, self.inputs, self.target = model, inputs, target
        self.options = {"digits": digits, "rankdir": rankdir, "max_neurons": max_neurons,
                        "lr": lr, "names": input_names or [], "weights": weights,
                        "show_weights": show_weights, "show_grads": show_grads}
        self.frames: list[NetFrame] = []
        self._build_frames()

    def n(self, x: float) -> str:
        return sig(float(x), self.digits)

    def _renderer(self, state: NetState) -> NetworkRenderer:
        return NetworkRenderer(self.layers, self.nums, state, final=False, **self.options)

    def _name(self, l_: int, i: int) -> str:
        return self._renderer(NetState()).unit_name(l_, i)

    def _build_frames(self) -> None:
        layers, nums, n = self.layers, self.nums, self.n
        L = len(layers)
        probe = self._renderer(NetState())
        state = NetState(forward=0)
        for l_ in range(1, L + 1):
            layer = layers[l_ - 1]
            lines = []
            for i in range(layer.W.shape[0]):
                terms = " + ".join(f"{n(layer.W[i, j])}*{n(nums.x[l_ - 1][j])}"
                                   for j in range(layer.W.shape[1]))
                if layer.b is not None:
                    terms += f" + {n(layer.b[i])}"
                name = probe.unit_name(l_, i)
                lines.append(f"net{l_}_{i + 1} = {terms} = {n(nums.net[l_][i])};  "
                             f"{name} = {layer.activation}({n(nums.net[l_][i])}) "
                             f"= {n(nums.x[l_][i])}")
            state = NetState(forward=l_, highlight={probe.nid(l_, i) for i in range(
                layer.W.shape[0])})
            self._add("forward", f"layer {l_} ({layer.activation}):\n" + "\n".join(lines),
                      state)
        y, t = nums.x[L], nums.target
        if self.loss_name == "half_sse":
            parts = " + ".join(f"({n(t[i])} - {n(y[i])})^2" for i in range(len(y)))
            text = f"L = 1/2 [{parts}] = {n(nums.loss)}"
        else:
            parts = " + ".join(f"({n(t[i])} - {n(y[i])})^2" for i in range(len(y)))
            text = f"L = mean[{parts}] = {n(nums.loss)}"
        self._add("loss", text, NetState(forward=L, loss=True, highlight={"loss"}))
        deltas: set[tuple[int, int]] = set()
        for l_ in range(L, 0, -1):
            layer = layers[l_ - 1]
            for i in range(layer.W.shape[0]):
                deltas = deltas | {(l_, i)}
                self._add("backward", self._delta_text(l_, i),
                          NetState(forward=L, loss=True, deltas=set(deltas),
                                   highlight={probe.nid(l_, i)} | {
                                       f"w{l_}_{i}_{j}" for j in range(layer.W.shape[1])}))
        if self.lr:
            lines = []
            for l_ in range(1, L + 1):
                W = layers[l_ - 1].W
                for i in range(W.shape[0]):
                    for j in range(W.shape[1]):
                        g = nums.gW[l_][i, j]
                        lines.append(f"W{l_}_{i + 1}{j + 1} = {n(W[i, j])} - {sig(self.lr)} * "
                                     f"{n(g)} = {n(W[i, j] - self.lr * g)}")
            self._add("update", f"w ← w - η ∂L/∂w (η = {sig(self.lr)}):\n" + "\n".join(lines),
                      NetState(forward=L, loss=True, deltas=set(deltas), update=True))

    def _delta_text(self, l_: int, i: int) -> str:
        layers, nums, n = self.layers, self.nums, self.n
        L = len(layers)
        layer = layers[l_ - 1]
        x = nums.x[l_][i]
        act = layer.activation
        fprime = {"sigmoid": f"{n(x)} * (1 - {n(x)})", "tanh": f"1 - {n(x)}^2"}.get(
            act, n(_dact(act, nums.net[l_][i:i + 1], nums.x[l_][i:i + 1], layer.slope)[0]))
        d = f"δ{l_}_{i + 1}"
        if l_ == L:
            y, t = nums.x[L][i], nums.target[i]
            scale = "" if self.loss_name == "half_sse" else f" * {sig(2 / len(nums.target))}"
            head = (f"{d} = f'(net) * (t - y){scale} = {fprime} * ({n(t)} - {n(y)}){scale} "
                    f"= {n(nums.delta[l_][i])}")
        else:
            nxt = layers[l_]
            terms = " + ".join(f"{n(nxt.W[k, i])} * {n(nums.delta[l_ + 1][k])}"
                               for k in range(nxt.W.shape[0]))
            head = (f"{d} = f'(net) * Σ_k w_k δ_k = {fprime} * ({terms}) "
                    f"= {n(nums.delta[l_][i])}")
        grads = "; ".join(
            f"∂L/∂W{l_}_{i + 1}{j + 1} = -{d} * {n(nums.x[l_ - 1][j])} = "
            f"{n(nums.gW[l_][i, j])}" for j in range(layer.W.shape[1]))
        return head + "\n" + grads

    def _add(self, phase: str, text: str, state: NetState) -> None:
        self.frames.append(NetFrame(len(self.frames), phase, text, state))

    def draw(self, i: int) -> Graph:
        """Frame ``i``: every number of the finished pass written, the unknown ones invisibly
        (so every frame has the same layout)."""
        return self._renderer(self.frames[i].state).build()

    def walk(self) -> Iterator[tuple[int, NetworkRenderer, set[str]]]:
        """Frames in order with one renderer (networks are small: every element re-renders)."""
        r = self._renderer(self.frames[0].state)
        for frame in self.frames:
            r.state = frame.state
            if frame.index == 0:
                r.build()
                keys = {k for k, _ in r.elements}
            else:
                keys = r.rerun_all()
            yield frame.index, r, keys

    def drawings(self) -> Iterator[Graph]:
        """Every frame's drawing, in order (one layout for all)."""
        for _, r, _ in self.walk():
            yield r.snapshot()

    def check_size(self, what: str) -> None:
        """Refuse to render a network drawing over the node limit (:mod:`viz.limits`)."""
        check_node_count(sum(len(s) for s in self._renderer(NetState()).shown) + 1, what)

    def player_data(self, images: bool = True) -> dict[str, Any]:
        """The player's data (see :meth:`viz.frameplayer.FramePlayer.player_data`)."""
        render = dot_available()
        svg = None
        order: dict[str, int] = {}
        state: dict[str, dict[str, Any]] = {}
        frames, sources = [], []
        for i, r, keys in self.walk():
            if i == 0:
                order = {k: j for j, (k, _) in enumerate(r.elements)}
                self.check_size("player")
                if render:
                    last = self._renderer(self.frames[-1].state)
                    last.state = NetState(forward=len(self.layers), loss=True,
                                          deltas=self.frames[-1].state.deltas, update=True)
                    svg = svg_for_player(last.build().svg(), order, colors={
                        VALUE_COLOR: "v", GRAD_COLOR: "g", NET_COLOR: "n", UPDATE_COLOR: "u"})
            changes = diff_roles(r.roles, keys, order, state)
            frame = self.frames[i]
            frames.append({"text": frame.text, "phase": frame.phase, "c": changes, "t": [],
                           "row": -1})
            if images and render:
                sources.append(r.source())
        return {"svg": svg, "frames": frames, "images": self.fallback_images(sources),
                "rows": []}

    def explore(self, lr: float | None = None, **options: Any) -> Any:
        """The network as an explore page (:func:`viz.explore`): inputs, target and weights
        editable, a descent step button (``lr`` defaults to this stepper's)."""
        from .live import explore, network_loss

        loss = network_loss(self.model, self.inputs, self.target, self.loss_name,
                            self.options["names"])
        names = [p.label for p in self.model.parameters()]
        options = {"collapse": "neuron", "precision": self.digits,
                   "leaves": [n.label for n in _leaves_of(loss)] + names, **options}
        return explore(loss, lr=self.lr if lr is None else lr, **options)

    def __repr__(self) -> str:
        return f"NetworkStepper({len(self.frames)} frames)"


def _leaves_of(root: Any) -> list[Any]:
    """The named constants (inputs, then targets) of a loss graph."""
    from autograd import topological_order

    found = [n for n in topological_order(root) if not n.parents and n.label
             and not n.requires_grad]
    return sorted(found, key=lambda n: (n.label.startswith("t"), n.label))


def step_network(model: Any, inputs: Any, target: Any, loss: str = "half_sse",
                 lr: float | None = None, **options: Any) -> NetworkStepper:
    """Shorthand for :class:`NetworkStepper` ``(model, inputs, target, loss, lr, ...)``."""
    return NetworkStepper(model, inputs, target, loss=loss, lr=lr, **options)
