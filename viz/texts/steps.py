"""The texts of a backprop stepper's frames, one chain-rule application at a time.

:class:`StepTexts` writes what :class:`viz.stepper.BackpropStepper`'s frames say: a node's
forward step (``q = x + y = -2 + 5 = 3``; a matrix product with shapes; a convolution with its
output-size formula), the seed (``df/df = 1``), a backward step (``df/dx = df/dq * dq/dx =
-4 * 1 = -4`` with the local rule, a Tensor's in matrix-calculus form, the accumulation of a
second share), and with ``collapse="neuron"`` one neuron's forward sum and backward frame.
The stepper keeps the frames, drawings and player; the rules for numbers, arithmetic and
matrix forms are :mod:`viz.texts.numbers`', :mod:`viz.texts.scalar`'s and
:mod:`viz.texts.tensor`'s.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from ..chain import Step
from ..nodes import GraphInfo, is_constant, is_tensor
from ..render.gates import constant_text
from .conv import node_args, op_args_text, output_size_text
from .numbers import binary, fmt_any, is_array, operand, parse_constant_gate
from .scalar import ARITH, consistent, is_scalar, local_formula
from .tensor import MatrixStep, dims, step_text, summary


class StepTexts:
    """The texts of one stepper's frames.

    Parameters
    ----------
    info : GraphInfo
        The graph, with the names the drawing shows (``f``, ``[exp]``, ``net1_2``).
    root : Value or Tensor
        The output.
    objective : str
        The name of what is differentiated: the root's, or ``J`` for a given seed.
    seed : float or ndarray
        d objective / d root.
    seeded : bool
        Whether the seed was given (the frames then step J = Σ seed ⊙ root).
    precision : int
        Decimals of shown results.
    grads : dict
        d objective / d node by ``id(node)`` (the neuron frames' d/dnet).
    groups : dict
        The neuron of each node by ``id`` with ``collapse="neuron"``, else empty.

    The dtype of Tensor values is named once, at the first array a forward text shows, and
    again only where it differs: call :meth:`forward` in topological order.

    Examples
    --------
    >>> from viz.demo import xyz_circuit
    >>> from viz.nodes import GraphInfo
    >>> f = xyz_circuit()
    >>> texts = StepTexts(GraphInfo(f), f, "f", 1.0, False, 2, {}, {})
    >>> texts.forward(f)
    'f = q * z = 3 * -4 = -12'
    >>> texts.seed_text()
    'df/df = 1'
    """

    def __init__(self, info: GraphInfo, root: Any, objective: str, seed: Any, seeded: bool,
                 precision: int, grads: dict[int, Any], groups: dict[int, str]) -> None:
        self.info = info
        self.root = root
        self.objective = objective
        self.seed = seed
        self.seeded = seeded
        self.precision = precision
        self.grads = grads
        self.groups = groups
        self._dtype: Any = None  # the dtype the texts have named (said once)

    def seed_note(self) -> str:
        """What a seeded stepper differentiates (said on its first frame and the seed's)."""
        r, j = self.info.name(self.root), self.objective
        return (f"(stepping {j} = Σ seed ⊙ {r} with seed = {self.num(self.seed)}, "
                f"as {r}.backward(gradient=seed))")

    def seed_text(self) -> str:
        """The seed frame: ``df/df = 1``, or ``dJ/dy = seed = ...`` for a given seed."""
        r, j = self.info.name(self.root), self.objective
        if not self.seeded:
            return f"d{r}/d{r} = 1"
        return f"d{j}/d{r} = seed = {self.num(self.seed)}\n{self.seed_note()}"

    @staticmethod
    def _summarised(x: Any) -> bool:
        """Whether texts show ``x`` as its shape and range (a kernel, a batch of images)."""
        return is_array(x) and (x.ndim > 2 or x.size > 36)

    def num(self, x: Any) -> str:
        """``x`` at ``precision`` decimals; a large array as its shape and range."""
        if self._summarised(x):
            return summary(x, self.precision)
        text = fmt_any(x, self.precision, sep="; ")
        if is_array(x) and x.ndim > 1 and not text.startswith("<"):
            text = f"[{text}]"  # a matrix on one line: [[1, 2]; [3, 4]]
        return text

    def _operand(self, node: Any) -> tuple[str, str]:
        """(symbol, value text) of an operand; constants are their own symbol."""
        if is_constant(node) and not getattr(node, "label", ""):
            text = constant_text(node) if not is_array(node.data) else self.num(node.data)
            return text, text
        return self.info.name(node), self.num(node.data)

    def _arith(self, op: str, a: Any, b: Any, result: Any) -> tuple[str, str]:
        """Operand texts of ``a op b = result`` by the consistent-arithmetic rule."""
        if op in ARITH and is_scalar(a, b, result) and math.isfinite(result):
            ta, tb = consistent([a, b], ARITH[op], result, self.precision)
            return ta, tb
        return self.num(a), self.num(b)

    def _shape_note(self, node: Any) -> str:
        """`` (2×2 float32)`` at the first array, then the shape only: the dtype is said
        once, and again only where it differs (integer targets, a float64 input)."""
        data = np.asarray(node.data)
        shown = data.dtype != self._dtype
        if self._dtype is None:
            self._dtype, shown = data.dtype, True
        parts = [dims(data.shape)] if 0 < data.ndim <= 2 and data.size <= 36 else []
        parts += [str(data.dtype)] if shown else []  # a summary already names the shape
        return f" ({' '.join(parts)})" if parts else ""

    def _tensor_forward(self, node: Any, name: str, value: str) -> str | None:
        """Matrix products, transposes, conv and pooling in the slides' notation."""
        parents, op = node.parents, node.op
        dtype = np.asarray(node.data).dtype
        other = f" {dtype}" if self._dtype is not None and dtype != self._dtype else ""
        if op == "matmul" and len(parents) == 2:
            (a, va), (b, vb) = (self._operand(p) for p in parents)
            shapes = " · ".join(dims(np.shape(p.data)) for p in parents)
            return (f"{name} = {a} · {b} = {va} · {vb} = {value}"
                    f"   ({shapes} → {dims(np.shape(node.data))}{other})")
        if op == "transpose" and len(parents) == 1 and np.ndim(parents[0].data) == 2:
            a, _ = self._operand(parents[0])
            return f"{name} = {a}ᵀ = {value}{self._shape_note(node)}"
        args = node_args(node)
        if args is not None:
            names = ", ".join(self._operand(p)[0] for p in parents)
            shapes = ", ".join(dims(np.shape(p.data)) for p in parents)
            indent = " " * len(name)
            return (f"{name} = {op}({names}), {op_args_text(args)}"
                    f"   ({shapes} → {dims(np.shape(node.data))}{other})\n"
                    f"{indent} = {value}\n{output_size_text(op, args)}")
        return None

    def forward(self, node: Any) -> str:
        """A node's forward step: ``q = x + y = -2 + 5 = 3`` (a leaf: ``x = -2``)."""
        name, value = self.info.name(node), self.num(node.data)
        if is_tensor(node):
            special = self._tensor_forward(node, name, value) if node.parents else None
            if special is not None:
                return special
            value += self._shape_note(node)
        if not node.parents:
            return f"{name} = {value}"
        ops = [self._operand(p) for p in node.parents]
        op = node.op
        # negative numbers are parenthesised where ambiguous: "(-0.19) ** 2" (viz.texts.numbers)
        if any(self._summarised(p.data) for p in node.parents):
            # large operands: the expression and the result
            return f"{name} = {self.expression(node)[0]} = {value}"
        if len(ops) == 2 and op in ARITH:
            (a, _), (b, _) = ops
            va, vb = self._arith(op, node.parents[0].data, node.parents[1].data, node.data)
            if is_constant(node.parents[0]) and not node.parents[0].label:
                va = a
            if is_constant(node.parents[1]) and not node.parents[1].label:
                vb = b
            return f"{name} = {binary(a, op, b)} = {binary(va, op, vb)} = {value}"
        if len(ops) == 1:
            (a, va), = ops
            if op == "*-1":
                return f"{name} = -{a} = -({va}) = {value}"
            parts = parse_constant_gate(op)
            if parts and parts[:2] == ("/", "1") and parts[2]:  # the lecture's reciprocal gate
                x = node.parents[0].data
                if is_scalar(x) and x != 0:
                    (va,) = consistent([x], lambda t: 1.0 / t, 1.0 / x, self.precision)
                return f"{name} = 1/{a} = 1/{va} = {value}"
            if parts:  # "+1", "**2" (constant on the right); "2-x", "2**x" (on the left)
                sym, c, left = parts
                x = node.parents[0].data
                if sym in ARITH and is_scalar(x) and re.fullmatch(r"-?[\d.]+", c):
                    cv = float(c)
                    first, second = (cv, x) if left else (x, cv)
                    try:
                        ta, tb = self._arith(sym, first, second, node.data)
                        va = tb if left else ta
                    except (ArithmeticError, ValueError):
                        pass
                if left:
                    return f"{name} = {binary(c, sym, a)} = {binary(c, sym, va)} = {value}"
                return f"{name} = {binary(a, sym, c)} = {binary(va, sym, c)} = {value}"
        args = ", ".join(a for a, _ in ops)
        vals = ", ".join(v for _, v in ops)
        return f"{name} = {op}({args}) = {op}({vals}) = {value}"

    def _local_rule(self, node: Any, slot: int, value: Any) -> str:
        """The op's local derivative as a rule: ``d(exp(u))/du = exp(u) = 0.37``.

        The operand differentiated is ``u``, the other one ``v``; an unlabelled number stays
        itself (``d(u + 1)/du = 1``). The formula is the op-info table's
        (:func:`viz.texts.scalar.local_formula`).
        """
        names = []
        for k, p in enumerate(node.parents):
            if k != slot and is_constant(p) and not getattr(p, "label", ""):
                names.append(self._operand(p)[0])
            else:
                names.append("u" if k == slot else "v")
        expr, _ = self.expression(node, names)
        formula = local_formula(node, slot, names)
        shown = self.num(value)
        head = f"d({expr})/du"
        return f"{head} = {formula} = {shown}" if formula and formula != shown \
            else f"{head} = {shown}"

    def expression(self, node: Any, names: list[str] | None = None) -> tuple[str, list[str]]:
        """``node``'s gate as an expression of its operands' names (for the texts)."""
        if names is None:
            names = [self._operand(p)[0] for p in node.parents]
        op = node.op
        if len(names) == 2 and op in ARITH:
            return binary(names[0], op, names[1]), names
        if len(names) == 1:
            parts = parse_constant_gate(op)
            if op == "*-1":
                return f"-{names[0]}", names
            if parts:
                sym, c, left = parts
                return (binary(c, sym, names[0]) if left else binary(names[0], sym, c)), names
        return f"{op}({', '.join(names)})", names

    # ------------------------------------------------------- one neuron at a time
    def _neuron_parts(self, members: list[Any]) -> tuple[Any, Any, list[tuple[Any, Any]],
                                                          list[Any]]:
        """(output, net, [(weight, input)], biases) of one neuron's nodes (``nn.scalar``:
        ``*`` gates of a weight and an input (or a ``*c`` gate), ``+`` gates, an activation)."""
        out = members[-1]
        net = out.parents[0] if out.op != "+" else out
        inside = {id(n) for n in members}
        products, biases = [], []
        for node in members:
            gate = parse_constant_gate(node.op) if len(node.parents) == 1 else None
            if node.op == "*" and len(node.parents) == 2:
                a, b = node.parents
                w, x = (a, b) if id(a) in inside and not a.parents else (b, a)
                products.append((w, x))
            elif gate and node is not out:  # a *c gate: the weight times a constant
                products.append((node.parents[0], gate[1]))
            elif node.op == "+":
                biases += [p for p in node.parents if not p.parents and id(p) in inside
                           and all(p is not w for w, _ in products)]
        return out, net, products, biases

    def _input_text(self, x: Any) -> tuple[str, str]:
        """(name, value) of a neuron's input: a node, or a constant a ``*c`` gate holds."""
        if isinstance(x, str):
            return x, x
        return self._operand(x)

    def neuron_forward(self, members: list[Any]) -> str:
        """``net1_1 = W1_11 * x1 + ... + b1_1 = ... = -0.29`` and ``x1_1 = tanh(net1_1) = ...``."""
        out, net, products, biases = self._neuron_parts(members)
        name = self.info.name
        terms = [f"{name(w)} * {self._input_text(x)[0]}" for w, x in products]
        terms += [name(b) for b in biases]
        # the shown sum adds up (viz.texts.scalar's rule): w, x pairs then biases
        numbers = [float(v if isinstance(v, str) else v.data) for w, x in products
                   for v in (w, x)] + [float(b.data) for b in biases]
        n_p = 2 * len(products)

        def total(*v: float) -> float:
            return sum(v[k] * v[k + 1] for k in range(0, n_p, 2)) + sum(v[n_p:])

        texts = (consistent(numbers, total, float(net.data), self.precision)
                 if all(math.isfinite(v) for v in numbers) else [self.num(v) for v in numbers])
        for k, (_, x) in enumerate(products):
            if isinstance(x, str) or (is_constant(x) and not getattr(x, "label", "")):
                texts[2 * k + 1] = self._input_text(x)[1]  # a number as the gate shows it
        values = [binary(texts[k], "*", texts[k + 1]) for k in range(0, n_p, 2)] + texts[n_p:]
        shown = values[0] + "".join(" + " + operand(v, "+", "right") for v in values[1:])
        text = f"{name(net)} = {' + '.join(terms)} = {shown} = {self.num(net.data)}"
        if out is not net:
            text += (f"\n{name(out)} = {out.op}({name(net)}) = {out.op}({self.num(net.data)})"
                     f" = {self.num(out.data)}")
        return text

    def neuron_backward(self, unit: list[Step], first: str) -> str:
        """One neuron's backward frame: d/dnet (the activation's step, ``first``), then every
        weight's and bias's gradient, then what flows on to the layer below."""
        r, name, num = self.objective, self.info.name, self.num
        members = [n for n in self.info.order if self.groups.get(id(n)) ==
                   self.groups[id(unit[0].node)]]
        out, net, products, biases = self._neuron_parts(members)
        lines = [first] if out is not net else [
            f"d{r}/d{name(net)} = {num(self.grads[id(net)])} (from the layer above)"]
        by_parent = {id(s.parent): s for s in unit}
        grads = []
        for w, x in products:
            s = by_parent.get(id(w))
            if s is not None:
                ut, lt = self._arith("*", s.upstream, s.local, s.contribution)
                grads.append(f"d{r}/d{name(w)} = d{r}/d{name(net)} * {self._input_text(x)[0]}"
                             f" = {binary(ut, '*', lt)} = {num(s.contribution)}")
        grads += [f"d{r}/d{name(b)} = d{r}/d{name(net)} = {num(by_parent[id(b)].contribution)}"
                  for b in biases if id(b) in by_parent]
        lines += grads
        inside = {id(n) for n in members}
        for s in unit:  # the shares that leave the neuron: its inputs' gradients
            if id(s.parent) in inside:
                continue
            ut, lt = self._arith("*", s.upstream, s.local, s.contribution)
            w = s.node.parents[1 - s.slot]
            share = (f"d{r}/d{name(net)} * {name(w)} = {binary(ut, '*', lt)} = "
                     f"{num(s.contribution)}")
            if s.previous is None:
                lines.append(f"d{r}/d{name(s.parent)} = {share}")
            else:
                a, b = self._arith("+", s.previous, s.contribution, s.accumulated)
                lines.append(f"d{r}/d{name(s.parent)} += {share}; now "
                             f"{binary(a, '+', b)} = {num(s.accumulated)}")
        return "\n".join(lines)

    def backward(self, step: Step) -> str:
        """A chain-rule step: ``df/dx = df/dq * dq/dx = -4 * 1 = -4`` and the local rule; at
        the output's own gate the local derivative; a Tensor's in matrix-calculus form; a
        second share into a node with the accumulation."""
        r = self.objective
        n, p = self.info.name(step.node), self.info.name(step.parent)
        num = self.num
        if step.local is None:  # Tensor: the matrix-calculus form, with shapes
            names = [self._operand(q)[0] for q in step.node.parents]
            prefix = f"d{r}/d{p} " + ("+=" if step.previous is not None else "=")
            rule = step_text(prefix, MatrixStep(step.node, step.slot, names, n, f"d{r}/d{n}",
                                                step.upstream, step.contribution, num,
                                                self.precision))
        elif step.node is self.root and not self.seeded:
            # df/df = 1: name the local derivative instead of "df/df * df/dq"
            expr, names = self.expression(step.node)
            formula = local_formula(step.node, step.slot, names)
            value = num(step.local)
            shown = f"{formula} = {value}" if formula and formula != value else value
            rule = f"{shown} (local derivative of {expr} with respect to {p})"
        else:
            ut, lt = (self._arith("*", step.upstream, step.local, step.contribution)
                      if is_scalar(step.upstream, step.local) else
                      (num(step.upstream), num(step.local)))
            rule = (f"d{r}/d{n} * d{n}/d{p} = {binary(ut, '*', lt)} "
                    f"= {num(step.contribution)}")
            # the product, then the op's rule for its local factor
            rule += f"\nd{n}/d{p} = {self._local_rule(step.node, step.slot, step.local)}"
        if step.previous is None:
            text = f"d{r}/d{p} = {rule}"
        else:
            if is_scalar(step.previous, step.contribution):
                a, b = self._arith("+", step.previous, step.contribution, step.accumulated)
            else:
                a, b = num(step.previous), num(step.contribution)
                if self._summarised(step.previous):  # two ranges do not add up to a range
                    a, b = "the shares so far", "this share"
            text = (f"d{r}/d{p} += {rule}\n"
                    f"d{r}/d{p} = {binary(a, '+', b)} = {num(step.accumulated)}")
        return text
