"""A Tensor backward step in the lectures' matrix-calculus form, with shapes.

The formula comes from the op-info table (:func:`autograd.opinfo.matrix_form`); this module
fills in the names and checks the shapes, as lecture 004 does on its slides::

    dJ/dW = dJ/dq · xᵀ   (2×1 · 1×2 → 2×2, the shape of W)
          = [[0.44]; [0.52]] · [[0.20, 0.40]] = [[0.09, 0.18]; [0.10, 0.21]]

A matrix product ``X · Y`` of operands prints the shapes it multiplies; an elementwise
formula whose operand was broadcast says which axes the upstream gradient is summed over
(the central "undo broadcasting" rule); any other formula prints the shape it goes from and
to. Numbers are printed as small matrices where they fit, otherwise as a shape and a range.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import opinfo

from .numbers import fmt

#: Most elements an operand of a formula may have for its numbers to be printed.
MAX_SHOWN = 12
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_SIMPLE = re.compile(r"^\{(g|a|b|out)\}(ᵀ?)$")
_SUPERSCRIPT = str.maketrans("0123456789-.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·")


def dims(shape: Any) -> str:
    """``(2, 1)`` -> ``"2×1"``; a scalar shape ``()`` -> ``"1"`` (a 1×1 quantity).

    >>> dims((2, 1)), dims(()), dims((4,))
    ('2×1', '1', '4')
    """
    shape = tuple(shape)
    return "×".join(str(s) for s in shape) if shape else "1"


def power_text(c: str, name: str) -> str:
    """d(a**c)/da written as the slides write it: ``2q``, ``3q²``, ``0.5 q^-0.5``.

    >>> power_text("2", "q"), power_text("3", "x"), power_text("0.5", "x"), power_text("-2", "x")
    ('2q', '3x²', '0.5 x^-0.5', '-2x⁻³')
    """
    cv = float(c)
    e = cv - 1
    coef = f"{cv:g}"
    if e == 0:
        return coef
    sep = "" if cv == int(cv) else " "
    if e == int(e):
        exp = "" if e == 1 else f"{e:g}".translate(_SUPERSCRIPT)
        return f"{coef}{sep}{name}{exp}"
    return f"{coef}{sep}{name}^{e:g}"


def summary(x: Any, precision: int = 2) -> str:
    """A large array as its shape and range: ``2×4×4×4 array in [-0.31, 0.52]``.

    >>> summary(np.ones((2, 3, 4)))
    '2×3×4 array, all 1'
    """
    a = np.asarray(x)
    if a.size == 0:
        return f"empty {dims(a.shape)} array"
    lo, hi = fmt(np.min(a), precision), fmt(np.max(a), precision)
    if lo == hi:
        return f"{dims(a.shape)} array, all {lo}"
    return f"{dims(a.shape)} array in [{lo}, {hi}]"


def value_range(x: Any, precision: int = 2) -> str:
    """A large array in a drawing, under its shape: ``in [-0.31, 0.52]``.

    >>> value_range(np.arange(6.0).reshape(1, 2, 3)), value_range(np.zeros((9, 9)))
    ('in [0, 5]', 'all 0')
    """
    a = np.asarray(x)
    if a.size == 0:
        return "empty"
    lo, hi = fmt(np.min(a), precision), fmt(np.max(a), precision)
    return f"all {lo}" if lo == hi else f"in [{lo}, {hi}]"


def _as_matmul_operands(a: np.ndarray, b: np.ndarray, g: np.ndarray) -> tuple:
    """matmul's operands and upstream gradient as matrices: a vector ``a`` is a row (1×n), a
    vector ``b`` a column (n×1), as numpy's ``@`` reads them."""
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    b2 = b.reshape(-1, 1) if b.ndim == 1 else b
    out_shape = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1])
    return a2, b2, np.asarray(g).reshape(out_shape)


def _broadcast_axes(big: tuple, small: tuple) -> tuple[int, ...]:
    """The axes of ``big`` a broadcast operand of shape ``small`` was copied along."""
    lead = len(big) - len(small)
    return tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(small) if n == 1 and big[lead + i] != 1)


def _axes_text(axes: tuple[int, ...]) -> str:
    return f"axis {axes[0]}" if len(axes) == 1 else "axes " + ", ".join(map(str, axes))


class MatrixStep:
    """The texts of one Tensor backward step (see the module docstring).

    Parameters
    ----------
    node : Tensor
        The op's output (the consumer of the edge).
    slot : int
        Which operand receives the share.
    names : list of str
        The operands' names (a constant's name is its value).
    out_name, grad_name : str
        The node's name and the upstream gradient's name (``dJ/dq``).
    upstream, share : ndarray
        dJ/d(node) and the share that flows to the operand.
    num : callable
        Formats an array on one line (``[[1, 2]; [3, 4]]``).
    """

    def __init__(self, node: Any, slot: int, names: list[str], out_name: str, grad_name: str,
                 upstream: Any, share: Any, num: Callable[[Any], str],
                 precision: int = 2) -> None:
        self.node, self.slot, self.names = node, slot, names
        self.out_name, self.grad_name = out_name, grad_name
        self.upstream, self.share = np.asarray(upstream), np.asarray(share)
        self.num, self.precision = num, precision
        self.parent = node.parents[slot]
        found = opinfo.matrix_form(node.op, len(node.parents))
        self.form: opinfo.MatrixForm | None = found[0] if found is not None else None
        self.constant: str | None = found[1] if found is not None else None

    # ------------------------------------------------------------------ fields
    def _fields(self) -> dict[str, str]:
        node, parent = self.node, self.parent
        shape = np.shape(parent.data)
        fields = {"g": self.grad_name, "out": self.out_name, "parent": self.names[self.slot],
                  "shape": dims(shape)}
        for key, name in zip(("a", "b"), self.names):
            fields[key] = name
        size_in, size_out = int(np.size(parent.data)), int(np.size(node.data))
        fields["n"] = str(size_in // size_out) if size_out and size_in >= size_out else "n"
        args = getattr(node, "op_args", None) or {}
        if "kernel" in args:
            fields["k"] = dims(args["kernel"])
            fields["s"] = str(args["stride"][0]) if len(set(args["stride"])) == 1 \
                else dims(args["stride"])
            fields["spread"] = (f", spread out by stride {fields['s']},"
                                if max(args["stride"]) > 1 else "")
            if node.op == "avg_pool2d":
                fields["n"] = str(int(np.prod(args["kernel"])))
        else:
            fields["k"], fields["s"], fields["spread"] = "k×k", "s", ""
        if self.constant is not None:
            fields["c a^(c-1)"] = power_text(self.constant, self.names[0])
        return fields

    def formula(self) -> str | None:
        """The formula with names: ``dJ/dq · xᵀ`` (``None``: the op has no matrix form)."""
        if self.form is None:
            return None
        grads = self.form.grads
        template = grads[min(self.slot, len(grads) - 1)]
        fields = self._fields()
        return _PLACEHOLDER.sub(lambda m: fields.get(m.group(1), m.group(0)), template)

    # ------------------------------------------------------------------ shapes
    def _factors(self) -> list[tuple[str, bool]] | None:
        """``[(name, transposed), ...]`` when the formula is a product ``X · Y`` of
        operands (``{g} · {b}ᵀ``), else None."""
        if self.form is None:
            return None
        grads = self.form.grads
        parts = grads[min(self.slot, len(grads) - 1)].split(" · ")
        if len(parts) != 2:
            return None
        found = [_SIMPLE.match(p.strip()) for p in parts]
        if not all(found):
            return None
        return [(m.group(1), bool(m.group(2))) for m in found if m]

    def _operand(self, key: str) -> np.ndarray:
        if key == "g":
            return self.upstream
        if key == "out":
            return np.asarray(self.node.data)
        return np.asarray(self.node.parents["ab".index(key)].data)

    def product(self) -> tuple[list[np.ndarray], np.ndarray] | None:
        """The two matrices a ``X · Y`` formula multiplies, as they are multiplied."""
        factors = self._factors()
        if factors is None:
            return None
        if self.node.op == "matmul" and len(self.node.parents) == 2:
            pa, pb = (np.asarray(p.data) for p in self.node.parents)
            a2, b2, g2 = _as_matmul_operands(pa, pb, self.upstream)
            arrays = {"a": a2, "b": b2, "g": g2}
        else:
            arrays = {k: self._operand(k) for k in ("g", "a", "b", "out")
                      if k != "b" or len(self.node.parents) > 1}
        mats = []
        for key, t in factors:
            m = arrays[key]
            mats.append(np.swapaxes(m, -1, -2) if t and m.ndim >= 2 else m)
        try:
            result = np.matmul(mats[0], mats[1])
        except ValueError:
            return None
        return mats, result

    def shape_note(self) -> str:
        """``2×1 · 1×2 → 2×2, the shape of W`` (or ``2×3 → 3, ...`` when a sum undoes a
        broadcast)."""
        p = self.names[self.slot]
        shape = np.shape(self.parent.data)
        product = self.product()
        if product is not None:
            mats, result = product
            batch = mats[0].ndim > 2 or mats[1].ndim > 2
            note = f"{dims(mats[0].shape)} · {dims(mats[1].shape)} → {dims(result.shape)}"
            if result.shape != shape:  # batch axes summed away, or a vector's 1 dropped
                note += f" = {dims(shape)}" if result.size == np.prod(shape) and not batch \
                    else f", summed to {dims(shape)}"
            return f"{note}, the shape of {p}"
        combined = self.combined()
        if combined:  # a correlation of two arrays: "1×1×5×5 with 1×4×3×3 → 4×1×3×3"
            shapes = " with ".join(dims(self._operand(k).shape) for k in combined)
            return f"{shapes} → {dims(shape)}, the shape of {p}"
        up = self.upstream.shape
        if up == shape:
            return f"{dims(shape)}, the shape of {p}"
        return f"{dims(up)} → {dims(shape)}, the shape of {p}"

    def combined(self) -> list[str]:
        """The arrays a conv's gradient formula convolves or correlates, in the formula's
        order (``["g", "b"]`` for dJ/dx, ``["a", "g"]`` for the kernel); empty for any other
        op, and where the formula reads one array only (the bias, pooling)."""
        if self.form is None or getattr(self.node, "op_args", None) is None:
            return []
        template = self.form.grads[min(self.slot, len(self.form.grads) - 1)]
        keys = [k for k in _PLACEHOLDER.findall(template) if k in ("g", "a", "b", "out")]
        keys = [k for i, k in enumerate(keys) if k not in keys[:i]]
        return keys if len(keys) > 1 else []

    def broadcast_sum(self) -> str:
        """`` summed over axis 0`` when an elementwise op's operand was broadcast."""
        if self.form is None or self.form.out != "m×n" or self.form.shapes[0] != "m×n":
            return ""
        shape, up = np.shape(self.parent.data), self.upstream.shape
        if shape == up or len(shape) > len(up):
            return ""
        axes = _broadcast_axes(up, shape)
        if not axes:
            return ""
        if int(np.size(self.parent.data)) == 1:
            return ", summed to one number"
        return f", summed over {_axes_text(axes)}"

    # ----------------------------------------------------------------- numbers
    def numbers(self, width: int | None = None) -> str:
        """``[[0.44]; [0.52]] · [[0.20, 0.40]] = [[0.088, 0.18]; [0.10, 0.21]]``, the
        operands left out when they are large (or the line would pass ``width`` characters)."""
        result = self._shown(self.share)
        product = self.product()
        if product is not None:
            mats, _ = product
            if all(m.size <= MAX_SHOWN for m in mats):
                line = f"{self.num(mats[0])} · {self.num(mats[1])} = {result}"
                if width is None or len(line) <= width:
                    return line
        return result

    def _shown(self, x: np.ndarray) -> str:
        return self.num(x) if x.size <= 36 else summary(x, self.precision)

    def parts(self, width: int | None = None) -> tuple[str, str, str]:
        """``(formula, shape note, numbers)``: ``"dJ/dq · xᵀ"``, ``"2×1 · 1×2 → 2×2, the shape
        of W"`` and ``"[[0.44]; [0.52]] · [[0.20, 0.40]] = [[0.088, ...]]"`` (the numbers
        within ``width`` characters where they can be)."""
        formula = self.formula()
        if formula is None:  # an op without a form (a custom op): say what happens
            formula = f"the backward rule of {self.node.op} applied to {self.grad_name}"
        return f"{formula}{self.broadcast_sum()}", self.shape_note(), self.numbers(width)


def step_text(prefix: str, step: MatrixStep, width: int = 90) -> str:
    """A Tensor backward step to write after ``prefix`` (``"dJ/dW ="``, ``"dJ/dq +="``) and a
    space: the formula
    with its shapes (the shapes on a line of their own when the two would pass ``width``
    characters), then ``= numbers`` under the prefix's ``=`` (a product's operands only
    where they fit).

    >>> from autograd import Tensor
    >>> W = Tensor([[1.0, 2.0]], requires_grad=True, label="W")
    >>> q = W @ Tensor([[3.0], [4.0]], label="x")
    >>> step = MatrixStep(q, 0, ["W", "x"], "q", "dJ/dq", np.ones((1, 1)), np.array([[3.0, 4.0]]),
    ...                   str)
    >>> print("dJ/dW = " + step_text("dJ/dW =", step))
    dJ/dW = dJ/dq · xᵀ   (1×1 · 1×2 → 1×2, the shape of W)
          = [[1.]] · [[3. 4.]] = [[3. 4.]]
    """
    indent = " " * len(prefix)  # where the formula starts, less one
    formula, note, numbers = step.parts(width - len(indent) - 1)
    line = f"{formula}   ({note})"
    if len(prefix) + 1 + len(line) > width:
        line = f"{formula}\n{indent} ({note})"
    return f"{line}\n{indent[:-1]}= {numbers}"
