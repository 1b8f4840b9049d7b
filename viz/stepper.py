"""Backprop one chain-rule application at a time, as frames a program or a lecture can use.

Frames, in order:

1. forward: one per node (constants excluded), in topological order: ``q = x + y = -2 + 5 = 3``;
2. seed: ``df/df = 1``;
3. backward: one per chain-rule application, i.e. per edge ``node -> parent`` in reverse
   topological order: ``df/dq = df/df * df/dq = 1 * -4 = -4``; where a node is used more than
   once, the frame also shows the accumulation (``dL/dz1 = -0.5 + 0.25 = -0.25``).

So ``len(stepper) == stepper.n_forward + 1 + stepper.n_steps``. The gradients are computed on
the side (:mod:`viz.chain`), so building a stepper leaves the user's ``.grad`` fields untouched,
and the numbers are the ones ``backward()`` gives.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .chain import Step, chain_rule_steps, seed_for
from .draw import View, _check_options, constant_text, render_view
from .format import binary, fmt_any, is_array, parse_constant_gate, shape_text
from .graph import Graph, dot_available
from .nodes import GraphInfo, is_constant, is_tensor
from .player import player_html

FORWARD, SEED, BACKWARD = "forward", "seed", "backward"
_counter = itertools.count()


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

    @property
    def highlight(self) -> Any:
        """The node a drawing highlights: the one computed, or the one receiving a gradient."""
        return self.parent if self.phase == BACKWARD else self.node


class BackpropStepper:
    """Step through the forward and backward pass of the graph that produced ``root``.

    Parameters
    ----------
    root : Value or Tensor
        The output. Nothing in its graph is modified.
    precision : int
        Decimals in texts and drawings (integral numbers print without them).
    **draw_options
        Passed to every frame's drawing (``mode``, ``rankdir``, ``style``, ``collapse``...).

    Examples
    --------
    >>> from viz.demo import xyz_circuit
    >>> s = BackpropStepper(xyz_circuit())
    >>> len(s) == s.n_forward + 1 + s.n_steps
    True
    >>> s.frames[s.n_forward + 1].text
    'df/dq = df/df * df/dq = 1 * -4 = -4'
    """

    def __init__(self, root: Any, precision: int = 2, **draw_options: Any) -> None:
        options = {"mode": "both", "rankdir": "LR", "style": "lecture", "collapse": None}
        unknown = set(draw_options) - {"mode", "rankdir", "style", "collapse", "show_labels",
                                       "max_elements", "fold_constants"}
        if unknown:
            raise TypeError(f"BackpropStepper: unknown drawing option(s) {sorted(unknown)}")
        options.update(draw_options)
        _check_options(options["mode"], options["rankdir"], options["style"], precision,
                       options["collapse"])
        self.info = GraphInfo(root)
        self.root = root
        self.precision = precision
        self.draw_options = options
        self.grads, self.steps = chain_rule_steps(self.info)
        self.forward_nodes = [n for n in self.info.order if not is_constant(n)]
        self.frames: list[Frame] = []
        for node in self.forward_nodes:
            self.frames.append(Frame(len(self.frames), FORWARD, node, self._forward_text(node),
                                     value=node.data))
        r = self.info.name(root)
        self.frames.append(Frame(len(self.frames), SEED, root, f"d{r}/d{r} = 1",
                                 accumulated=seed_for(root)))
        for step in self.steps:
            self.frames.append(self._backward_frame(step))

    # ---------------------------------------------------------------- sequence
    @property
    def n_forward(self) -> int:
        """Number of forward frames (every node except constants)."""
        return len(self.forward_nodes)

    @property
    def n_steps(self) -> int:
        """Number of chain-rule applications (backward frames after the seed)."""
        return len(self.steps)

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, i: int) -> Frame:
        return self.frames[i]

    def __iter__(self) -> Iterator[Frame]:
        return iter(self.frames)

    def gradient(self, node: Any) -> Any:
        """d root / d node as the stepper computed it (equal to what ``backward()`` gives)."""
        return self.grads.get(id(node))

    # ------------------------------------------------------------------- texts
    def _num(self, x: Any) -> str:
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

    def _forward_text(self, node: Any) -> str:
        name, value = self.info.name(node), self._num(node.data)
        if is_tensor(node):
            value = f"{value} ({shape_text(node.data.shape)} {node.data.dtype})"
        if not node.parents:
            return f"{name} = {value}"
        ops = [self._operand(p) for p in node.parents]
        op = node.op
        # negative numbers are parenthesised where ambiguous: "(-0.19) ** 2" (viz.format)
        if len(ops) == 2 and op in ("+", "-", "*", "/", "**"):
            (a, va), (b, vb) = ops
            return f"{name} = {binary(a, op, b)} = {binary(va, op, vb)} = {value}"
        if len(ops) == 1:
            (a, va), = ops
            if op == "*-1":
                return f"{name} = -{a} = -({va}) = {value}"
            parts = parse_constant_gate(op)
            if parts and parts[:2] == ("/", "1") and parts[2]:  # the lecture's reciprocal gate
                return f"{name} = 1/{a} = 1/{va} = {value}"
            if parts:  # "+1", "**2" (constant on the right); "2-x", "2**x" (on the left)
                sym, c, left = parts
                if left:
                    return f"{name} = {binary(c, sym, a)} = {binary(c, sym, va)} = {value}"
                return f"{name} = {binary(a, sym, c)} = {binary(va, sym, c)} = {value}"
        args = ", ".join(a for a, _ in ops)
        vals = ", ".join(v for _, v in ops)
        return f"{name} = {op}({args}) = {op}({vals}) = {value}"

    def _backward_frame(self, step: Step) -> Frame:
        r = self.info.name(self.root)
        n, p = self.info.name(step.node), self.info.name(step.parent)
        num = self._num
        if step.local is not None:
            rule = (f"d{r}/d{n} * d{n}/d{p} = {num(step.upstream)} * {num(step.local)} "
                    f"= {num(step.contribution)}")
        else:  # Tensor: the share is a vector-Jacobian product
            rule = f"vjp[{step.node.op}](d{r}/d{n}) = {num(step.contribution)}"
        if step.previous is None:
            text = f"d{r}/d{p} = {rule}"
        else:
            total = binary(num(step.previous), "+", num(step.contribution))
            text = f"d{r}/d{p} += {rule}\nd{r}/d{p} = {total} = {num(step.accumulated)}"
        return Frame(len(self.frames), BACKWARD, step.node, text, parent=step.parent,
                     slot=step.slot, upstream=step.upstream, local=step.local,
                     contribution=step.contribution, previous=step.previous,
                     accumulated=step.accumulated)

    # ---------------------------------------------------------------- drawings
    def view(self, i: int) -> View:
        """The numbers visible at frame ``i`` (values computed so far, gradients so far)."""
        frame = self.frames[i]
        if frame.phase == FORWARD:
            known = {id(n) for n in self.forward_nodes[: i + 1]}
            return View(values=known, highlight=frame.node)
        view = View(grads={id(self.root): seed_for(self.root)}, highlight=frame.highlight)
        if frame.phase == SEED:
            view.highlight_edge = "output"
            return view
        for step in self.steps[: i - self.n_forward]:
            view.grads[id(step.parent)] = step.accumulated
            view.edge_grads[(id(step.node), step.slot)] = step.contribution
        view.highlight_edge = (frame.node, frame.slot)
        return view

    def draw(self, i: int) -> Graph:
        """Frame ``i`` as a drawing: current node and edge highlighted."""
        return render_view(self.info, self.view(i), precision=self.precision,
                           **self.draw_options)

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

    def save_frames(self, directory: str | Path, fmt: str = "svg") -> list[Path]:
        """Write one numbered image per frame (``frame_000.svg``...) for slides.

        ``fmt`` is ``"svg"``, ``"png"``, ``"pdf"`` (needs ``dot``) or ``"dot"`` (source).
        """
        if fmt not in ("svg", "png", "pdf", "dot"):
            raise ValueError(f"save_frames: fmt must be svg, png, pdf or dot, got {fmt!r}")
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        width = max(3, len(str(len(self.frames) - 1)))
        paths = []
        for i in range(len(self.frames)):
            path = out / f"frame_{i:0{width}d}.{fmt}"
            if fmt == "dot":
                path.write_text(self.draw(i).source, encoding="utf-8")
            else:
                self.draw(i).save(path)
            paths.append(path)
        return paths

    # ------------------------------------------------------------------ player
    def _player_frames(self) -> list[dict[str, Any]]:
        render = dot_available()
        frames = []
        for i, frame in enumerate(self.frames):
            highlight = frame.highlight
            frames.append({
                "text": frame.text,
                "phase": frame.phase,
                "node": self.info.nid(highlight),
                "name": self.info.name(highlight),
                "svg": self.draw(i).svg() if render else None,
                "rows": self.table(i),
            })
        return frames

    def to_html(self, title: str = "Backpropagation, step by step", full_page: bool = True,
                element_id: str | None = None) -> str:
        """The self-contained HTML player (inline SVG frames, a slider and buttons).

        Without JavaScript it reads as the list of all frames in order.
        """
        frames = self._player_frames()
        if element_id is None:
            digest = hashlib.sha1("\n".join(f["text"] for f in frames).encode()).hexdigest()
            element_id = f"cr-player-{digest[:10]}"
        return player_html(frames, title=title, element_id=element_id, full_page=full_page)

    def save_html(self, path: str | Path, title: str = "Backpropagation, step by step") -> str:
        """Write the player as one self-contained HTML file; returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_html(title=title), encoding="utf-8")
        return str(path)

    def _repr_html_(self) -> str:
        digest = hashlib.sha1(str(id(self)).encode()).hexdigest()[:6]
        return self.to_html(full_page=False, element_id=f"cr-player-{digest}-{next(_counter)}")

    def __repr__(self) -> str:
        return (f"BackpropStepper({self.info.name(self.root)}: {self.n_forward} forward, "
                f"1 seed, {self.n_steps} backward frames)")


def step(root: Any, precision: int = 2, **draw_options: Any) -> BackpropStepper:
    """Shorthand for :class:`BackpropStepper` ``(root, precision, **draw_options)``."""
    return BackpropStepper(root, precision=precision, **draw_options)
