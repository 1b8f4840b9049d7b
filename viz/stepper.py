"""Backprop one chain-rule application at a time, as frames a program or a lecture can use.

Frames, in order:

1. forward: one per node (constants excluded), in topological order: ``q = x + y = -2 + 5 = 3``;
2. seed: ``df/df = 1``;
3. backward: one per chain-rule application, i.e. per edge ``node -> parent`` in reverse
   topological order: ``df/dx = df/dq * dq/dx = -4 * 1 = -4``. At the output's own gate the
   upstream factor is ``df/df = 1``, so the frame names the local derivative instead:
   ``df/dq = z = -4 (local derivative of q * z with respect to q)``. Where a node is used more
   than once, the frame also shows the accumulation (``dL/dz1 = -0.50 + 0.25 = -0.25``).

So ``len(stepper) == stepper.n_forward + 1 + stepper.n_steps``. With ``collapse="neuron"``
each neuron of an ``nn.scalar`` network, drawn as one box, is also one frame each way: forward
``net1_1 = W1_11 * x1 + W1_12 * x2 + b1_1 = ...`` and ``x1_1 = tanh(net1_1) = ...``; backward
d/dnet (the activation's step), every weight's and bias's gradient, and the shares that flow on
to the layer below (``Frame.nodes`` / ``Frame.steps`` hold what a frame covers).

The gradients are computed on the side (:mod:`viz.chain`), so building a stepper leaves the
user's ``.grad`` fields untouched, and the numbers are the ones ``backward()`` gives.

Shown arithmetic is consistent: operands carry the digits that make the shown result
(``0.197 * -3 = -0.59``); the rule is :mod:`viz.texts.scalar`'s.

Drawings
--------
Every frame is drawn from one layout: numbers a frame does not show yet are written in a
transparent colour, so Graphviz places every node at the same spot in every frame, and the
HTML player holds one drawing that each frame restyles (:mod:`viz.player`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .chain import Step, chain_rule_steps, seed_for
from .frameplayer import FramePlayer
from .graph import Graph, dot_available
from .limits import check_graph_size, check_node_count
from .nodes import GraphInfo, is_constant, is_tensor
from .options import DrawOptions
from .player import diff_roles, svg_for_player
from .render import GraphRenderer, View, renderer_for
from .render.gates import constant_text, name_nodes
from .render.neurons import name_neurons, neuron_groups
from .texts.conv import node_args, op_args_text, output_size_text
from .texts.numbers import binary, fmt_any, is_array, operand, parse_constant_gate
from .texts.scalar import ARITH, consistent, is_scalar, local_formula
from .texts.tensor import MatrixStep, dims, step_text, summary

FORWARD, SEED, BACKWARD = "forward", "seed", "backward"
@dataclass(frozen=True)
class Frame:
    """One frame of the stepper.

    Attributes
    ----------
    index : int
        Position in ``stepper.frames``.
    phase : str
        ``"forward"``, ``"seed"`` or ``"backward"``.
    node : node
        Forward: the node computed. Seed: the output. Backward: the node whose gradient
        flows back (the consumer of the edge).
    parent : node or None
        Backward: the node receiving a gradient share.
    slot : int or None
        Backward: which operand of ``node`` the parent is.
    value : float or ndarray or None
        Forward: the node's value.
    upstream, local, contribution : float or ndarray or None
        Backward: d root/d node, d node/d parent (``None`` for a Tensor, where the share is a
        vector-Jacobian product), and their product.
    previous, accumulated : float or ndarray or None
        Backward: the parent's gradient before (``None`` at its first share) and after this
        step. Seed: ``accumulated`` is d root/d root.
    text : str
        The step with numbers, one or two lines.
    """

    index: int
    phase: str
    node: Any
    text: str
    parent: Any = None
    slot: int | None = None
    value: Any = None
    upstream: Any = None
    local: Any = None
    contribution: Any = None
    previous: Any = None
    accumulated: Any = None
    #: Every node a forward frame computes and every chain-rule step a backward frame takes:
    #: one, or with ``collapse="neuron"`` a whole neuron's (the fields above then describe
    #: its activation, or its last sum: ``d/dnet``).
    nodes: tuple[Any, ...] = ()
    steps: tuple[Step, ...] = ()

    @property
    def highlight(self) -> Any:
        """The node a drawing highlights: the one computed, or the one receiving a gradient."""
        return self.parent if self.phase == BACKWARD else self.node


#: The drawing options a stepper takes as keywords (``precision`` is its own argument).
DRAW_OPTIONS = tuple(n for n in DrawOptions.names() if n != "precision")


class BackpropStepper(FramePlayer):
    """Step through the forward and backward pass of the graph that produced ``root``.

    Parameters
    ----------
    root : Value or Tensor
        The output. Nothing in its graph is modified.
    precision : int
        Decimals in texts and drawings (integral numbers print without them).
    seed : array_like, optional
        dJ/d(root) for a root with more than one element (``backward()``'s ``gradient=``);
        such a root is refused without it, as ``backward()`` refuses it. The frames then
        step J = Σ seed ⊙ root, and the first frame and the seed frame say so.
    **draw_options
        Passed to every frame's drawing (``mode``, ``rankdir``, ``style``, ``collapse``,
        ``tags``...).

    Examples
    --------
    >>> from viz.demo import xyz_circuit
    >>> s = BackpropStepper(xyz_circuit())
    >>> len(s) == s.n_forward + 1 + s.n_steps
    True
    >>> s.frames[s.n_forward + 1].text
    'df/dq = z = -4 (local derivative of q * z with respect to q)'
    """

    default_title = "Backpropagation, step by step"
    frames: list[Frame]

    def __init__(self, root: Any, precision: int = 2, seed: Any = None,
                 **draw_options: Any) -> None:
        #: How every frame is drawn.
        self.options = DrawOptions.from_keywords("BackpropStepper", precision=precision,
                                                 **draw_options)
        options = {"mode": "both", "rankdir": "LR", "style": "lecture", "collapse": None,
                   **draw_options}
        check_graph_size(root, "step")  # before any frame is built: a bounded count
        self.info = GraphInfo(root)
        name_nodes(self.info, self.options)  # f, [exp], [+]₁: what the picture shows
        if self.options.collapse == "neuron":
            name_neurons(self.info)  # texts say net1_2 and x1_2, as lecture 001 does
        self.root = root
        self.precision = precision
        self.draw_options = options
        self.seed = seed_for(root, seed, "viz.step()")
        self.seeded = seed is not None
        # the differentiated output: the root, or J = sum(seed * root) for a given seed
        self.objective = self.info.name(root)
        if self.seeded:
            self.objective = "J"
            while self.objective in self.info.names.values():
                self.objective += "'"
        self.grads, steps = chain_rule_steps(self.info, self.seed)
        # with collapse="neuron" a neuron is one box: one frame computes it, one steps back
        # through it (lecture 001's delta and its weights' gradients), not one per gate
        self.groups = neuron_groups(self.info) if self.options.collapse == "neuron" else {}
        forward = self._units([n for n in self.info.order if not is_constant(n)], last=True)
        backward = self._units(steps, last=False)
        self.forward_nodes = [n for unit in forward for n in unit]
        self.steps = [s for unit in backward for s in unit]
        self._dtype: Any = None  # the dtype the texts have named (said once)
        self.frames: list[Frame] = []
        for unit in forward:
            node = unit[-1]
            text = self._forward_text(node) if len(unit) == 1 else self._neuron_forward(unit)
            self.frames.append(Frame(len(self.frames), FORWARD, node, text, value=node.data,
                                     nodes=tuple(unit)))
        if self.seeded and self.frames:  # the first frame says what is differentiated
            first = self.frames[0]
            self.frames[0] = replace(first, text=first.text + "\n" + self._seed_note())
        self.frames.append(Frame(len(self.frames), SEED, root, self._seed_text(),
                                 accumulated=self.seed))
        for unit in backward:
            frame = self._backward_frame(unit[0])
            if len(unit) > 1:
                frame = replace(frame, text=self._neuron_backward(unit, frame.text))
            self.frames.append(replace(frame, steps=tuple(unit)))
        # how many nodes are computed, and steps taken, once each frame is shown
        self.known_after: list[int] = []
        self.steps_after: list[int] = []
        known = taken = 0
        for frame in self.frames:
            known += len(frame.nodes)
            taken += len(frame.steps)
            self.known_after.append(known)
            self.steps_after.append(taken)

    def _units(self, items: list[Any], last: bool) -> list[list[Any]]:
        """``items`` (nodes, or steps by their consumer) as frames: alone, or a neuron's all
        together, at its last node (forward: the activation) or its first step (backward:
        the steps into the activation come first, in reverse topological order)."""
        if not self.groups:
            return [[x] for x in items]
        node_of = (lambda x: x) if last else (lambda x: x.node)
        group = [self.groups.get(id(node_of(x))) for x in items]
        if last:  # a neuron is complete at its last member
            end = {g: k for k, g in enumerate(group) if g}
            members: dict[str, list[Any]] = {}
            units = []
            for k, (x, g) in enumerate(zip(items, group, strict=True)):
                if not g:
                    units.append([x])
                    continue
                members.setdefault(g, []).append(x)
                if end[g] == k:
                    units.append(members[g])
            return units
        at: dict[str, list[Any]] = {}
        units = []
        for x, g in zip(items, group, strict=True):
            if not g:
                units.append([x])
            elif g in at:
                at[g].append(x)
            else:
                at[g] = [x]
                units.append(at[g])
        return units

    # ---------------------------------------------------------------- sequence
    @property
    def n_forward(self) -> int:
        """Number of forward frames (a frame per node except constants; per neuron with
        ``collapse="neuron"``)."""
        return sum(1 for f in self.frames if f.phase == FORWARD)

    @property
    def n_steps(self) -> int:
        """Number of backward frames after the seed (a frame per chain-rule application;
        per neuron with ``collapse="neuron"``)."""
        return sum(1 for f in self.frames if f.phase == BACKWARD)

    def gradient(self, node: Any) -> Any:
        """d root / d node as the stepper computed it (equal to what ``backward()`` gives)."""
        return self.grads.get(id(node))

    # ------------------------------------------------------------------- texts
    def _seed_note(self) -> str:
        r, j = self.info.name(self.root), self.objective
        return (f"(stepping {j} = Σ seed ⊙ {r} with seed = {self._num(self.seed)}, "
                f"as {r}.backward(gradient=seed))")

    def _seed_text(self) -> str:
        r, j = self.info.name(self.root), self.objective
        if not self.seeded:
            return f"d{r}/d{r} = 1"
        return f"d{j}/d{r} = seed = {self._num(self.seed)}\n{self._seed_note()}"

    @staticmethod
    def _summarised(x: Any) -> bool:
        """Whether texts show ``x`` as its shape and range (a kernel, a batch of images)."""
        return is_array(x) and (x.ndim > 2 or x.size > 36)

    def _num(self, x: Any) -> str:
        if self._summarised(x):
            return summary(x, self.precision)
        text = fmt_any(x, self.precision, sep="; ")
        if is_array(x) and x.ndim > 1 and not text.startswith("<"):
            text = f"[{text}]"  # a matrix on one line: [[1, 2]; [3, 4]]
        return text

    def _operand(self, node: Any) -> tuple[str, str]:
        """(symbol, value text) of an operand; constants are their own symbol."""
        if is_constant(node) and not getattr(node, "label", ""):
            text = constant_text(node) if not is_array(node.data) else self._num(node.data)
            return text, text
        return self.info.name(node), self._num(node.data)

    def _arith(self, op: str, a: Any, b: Any, result: Any) -> tuple[str, str]:
        """Operand texts of ``a op b = result`` by the consistent-arithmetic rule."""
        if op in ARITH and is_scalar(a, b, result) and math.isfinite(result):
            ta, tb = consistent([a, b], ARITH[op], result, self.precision)
            return ta, tb
        return self._num(a), self._num(b)

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

    def _forward_text(self, node: Any) -> str:
        name, value = self.info.name(node), self._num(node.data)
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
            return f"{name} = {self._expression(node)[0]} = {value}"
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
                    pair = (cv, x) if left else (x, cv)
                    try:
                        ta, tb = self._arith(sym, *pair, node.data)
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
        expr, _ = self._expression(node, names)
        formula = local_formula(node, slot, names)
        shown = self._num(value)
        head = f"d({expr})/du"
        return f"{head} = {formula} = {shown}" if formula and formula != shown \
            else f"{head} = {shown}"

    def _expression(self, node: Any, names: list[str] | None = None) -> tuple[str, list[str]]:
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
            if node.op == "*" and len(node.parents) == 2:
                a, b = node.parents
                w, x = (a, b) if id(a) in inside and not a.parents else (b, a)
                products.append((w, x))
            elif len(node.parents) == 1 and parse_constant_gate(node.op) and node is not out:
                products.append((node.parents[0], parse_constant_gate(node.op)[1]))
            elif node.op == "+":
                biases += [p for p in node.parents if not p.parents and id(p) in inside
                           and all(p is not w for w, _ in products)]
        return out, net, products, biases

    def _input_text(self, x: Any) -> tuple[str, str]:
        """(name, value) of a neuron's input: a node, or a constant a ``*c`` gate holds."""
        if isinstance(x, str):
            return x, x
        return self._operand(x)

    def _neuron_forward(self, members: list[Any]) -> str:
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
                 if all(math.isfinite(v) for v in numbers) else [self._num(v) for v in numbers])
        for k, (_, x) in enumerate(products):
            if isinstance(x, str) or (is_constant(x) and not getattr(x, "label", "")):
                texts[2 * k + 1] = self._input_text(x)[1]  # a number as the gate shows it
        values = [binary(texts[k], "*", texts[k + 1]) for k in range(0, n_p, 2)] + texts[n_p:]
        shown = values[0] + "".join(" + " + operand(v, "+", "right") for v in values[1:])
        text = f"{name(net)} = {' + '.join(terms)} = {shown} = {self._num(net.data)}"
        if out is not net:
            text += (f"\n{name(out)} = {out.op}({name(net)}) = {out.op}({self._num(net.data)})"
                     f" = {self._num(out.data)}")
        return text

    def _neuron_backward(self, unit: list[Step], first: str) -> str:
        """One neuron's backward frame: d/dnet (the activation's step, ``first``), then every
        weight's and bias's gradient, then what flows on to the layer below."""
        r, name, num = self.objective, self.info.name, self._num
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

    def _backward_frame(self, step: Step) -> Frame:
        r = self.objective
        n, p = self.info.name(step.node), self.info.name(step.parent)
        num = self._num
        if step.local is None:  # Tensor: the matrix-calculus form, with shapes
            names = [self._operand(q)[0] for q in step.node.parents]
            prefix = f"d{r}/d{p} " + ("+=" if step.previous is not None else "=")
            rule = step_text(prefix, MatrixStep(step.node, step.slot, names, n, f"d{r}/d{n}",
                                                step.upstream, step.contribution, num,
                                                self.precision))
        elif step.node is self.root and not self.seeded:
            # df/df = 1: name the local derivative instead of "df/df * df/dq"
            expr, names = self._expression(step.node)
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
        return Frame(len(self.frames), BACKWARD, step.node, text, parent=step.parent,
                     slot=step.slot, upstream=step.upstream, local=step.local,
                     contribution=step.contribution, previous=step.previous,
                     accumulated=step.accumulated)

    # ---------------------------------------------------------------- drawings
    def final_view(self) -> View:
        """Every value and every gradient: the numbers the last frame shows."""
        return View(grads=dict(self.grads),
                    edge_grads={(id(s.node), s.slot): s.contribution for s in self.steps})

    def view(self, i: int) -> View:
        """The numbers visible at frame ``i`` (values computed so far, gradients so far)."""
        frame = self.frames[i]
        if frame.phase == FORWARD:
            known = {id(n) for n in self.forward_nodes[: self.known_after[i]]}
            return View(values=known, highlight=frame.node)
        view = View(grads={id(self.root): self.seed}, highlight=frame.highlight)
        if frame.phase == SEED:
            view.highlight_edge = "output"
            return view
        for step in self.steps[: self.steps_after[i]]:
            view.grads[id(step.parent)] = step.accumulated
            view.edge_grads[(id(step.node), step.slot)] = step.contribution
        view.highlight_edge = (frame.node, frame.slot)
        return view

    def _renderer(self, view: View, layout: bool = True) -> GraphRenderer:
        return renderer_for(self.info, view, self.options,
                         layout_view=self.final_view() if layout else None)

    def draw(self, i: int) -> Graph:
        """Frame ``i`` as a drawing: current node and edge highlighted.

        Numbers not known yet at frame ``i`` are written transparently, so every frame has
        the layout of the last one (nodes never move between frames).
        """
        return self._renderer(self.view(i)).build()

    def walk(self) -> Iterator[tuple[int, GraphRenderer, set[str]]]:
        """Visit the frames in order with one renderer, re-rendering only what changed.

        Yields ``(index, renderer, keys)``: after each step ``renderer.source()`` is frame
        ``index``'s DOT, and ``keys`` are the drawing elements re-rendered for it (all of
        them at frame 0). The cost of a frame is the elements it touches, so walking all
        frames is linear in the size of the graph and the number of steps.
        """
        view = View(values=set())
        r = self._renderer(view)
        root = self.root
        prev_hl: Any = None
        prev_he: Any = None
        for frame in self.frames:
            changed: set[Any] = set()
            if frame.phase == FORWARD:
                for node in frame.nodes:
                    view.values.add(id(node))
                    changed.add(("v", id(node)))
                he = None
            elif frame.phase == SEED:
                view.grads[id(root)] = frame.accumulated
                changed.add(("g", id(root)))
                he = "output"
            else:
                for s in frame.steps:
                    view.grads[id(s.parent)] = s.accumulated
                    view.edge_grads[(id(s.node), s.slot)] = s.contribution
                    changed.update({("g", id(s.parent)), ("s", id(s.node), s.slot)})
                he = (frame.node, frame.slot)
            hl = frame.highlight
            for x in (prev_hl, hl):
                if x is not None:
                    changed.add(("h", r.display_id(x)))
            for e in (prev_he, he):
                if e is not None:
                    changed.add(("he", "output") if e == "output" else ("he", id(e[0]), e[1]))
            view.highlight, view.highlight_edge = hl, he
            prev_hl, prev_he = hl, he
            if frame.index == 0:
                r.build()
                keys = {k for k, _ in r.elements}
            else:
                keys = set().union(*(r.deps.get(s, ()) for s in changed))
                for k in keys:
                    r.run(k)
            yield frame.index, r, keys

    def table(self, i: int) -> list[tuple[str, str, str, bool]]:
        """Rows ``(name, value, grad, highlighted)`` of every node as known at frame ``i``."""
        view = self.view(i)
        rows = []
        for node in self.forward_nodes:
            value = "" if view.values is not None and id(node) not in view.values \
                else self._num(node.data)
            g = view.grads.get(id(node))
            rows.append((self.info.name(node), value, "" if g is None else self._num(g),
                         node is view.highlight))
        return rows

    def drawings(self) -> Iterator[Graph]:
        """Every frame's drawing, in order (one layout for all).

        The cost is linear: each frame re-renders only the elements its step changes.
        """
        for _, r, _ in self.walk():
            yield r.snapshot()

    def check_size(self, what: str) -> None:
        """Refuse to render a graph over the node limit (:mod:`viz.limits`)."""
        check_node_count(len(self.info), what)

    # ------------------------------------------------------------------ player
    def player_data(self, images: bool = True) -> dict[str, Any]:
        """Everything the HTML player needs: one drawing, per-frame changes, texts, table."""
        check_node_count(len(self.info), "player")
        render = dot_available()
        table_nodes = self.forward_nodes
        row_of = {id(n): k for k, n in enumerate(table_nodes)}
        frames: list[dict[str, Any]] = []
        svg = None
        order: dict[str, int] = {}
        state: dict[str, dict[str, Any]] = {}
        sources: list[str] = []
        cells: dict[tuple[int, str], str] = {}
        for i, r, keys in self.walk():
            frame = self.frames[i]
            if i == 0:
                order = {k: j for j, (k, _) in enumerate(r.elements)}
                if render:
                    layout = self._renderer(self.final_view(), layout=False)
                    svg = svg_for_player(layout.build().svg(), order)
            changes = diff_roles(r.roles, keys, order, state)
            table = []
            if frame.phase == FORWARD:
                table += [[row_of[id(n)], "v", self._num(n.data)] for n in frame.nodes]
            elif frame.phase == SEED and id(self.root) in row_of:
                table.append([row_of[id(self.root)], "g", self._num(frame.accumulated)])
            elif frame.phase == BACKWARD:
                table += [[row_of[id(s.parent)], "g", self._num(s.accumulated)]
                          for s in frame.steps if id(s.parent) in row_of]
            for row, col, text in table:
                cells[(row, col)] = text
            if images and render:
                sources.append(r.source())
            hl = frame.highlight
            frames.append({"text": frame.text, "phase": frame.phase, "c": changes, "t": table,
                           "row": row_of.get(id(hl), -1), "name": self.info.name(hl)})
        return {"svg": svg, "frames": frames, "images": self.fallback_images(sources),
                "rows": [self.info.name(n) for n in table_nodes]}

    def practice(self, **options: Any) -> Any:
        """The practice page of this stepper (:func:`viz.practice`): each backward step asks
        for its gradient before showing it; ``ask=`` names the nodes to ask for,
        ``choices=`` makes it multiple choice, ``title=`` heads it."""
        from .live import LivePage  # the live page builds on this stepper

        return LivePage(self, "practice", **options)

    def __repr__(self) -> str:
        return (f"BackpropStepper({self.info.name(self.root)}: {self.n_forward} forward, "
                f"1 seed, {self.n_steps} backward frames)")


def step(root: Any, precision: int = 2, seed: Any = None,
         **draw_options: Any) -> BackpropStepper:
    """Shorthand for :class:`BackpropStepper` ``(root, precision, seed, **draw_options)``."""
    return BackpropStepper(root, precision=precision, seed=seed, **draw_options)
