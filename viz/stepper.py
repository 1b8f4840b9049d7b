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

The texts are :class:`viz.texts.steps.StepTexts`' (``stepper.texts``); the stepper holds the
frames, their drawings and the player's data. Shown arithmetic is consistent: operands carry
the digits that make the shown result (``0.197 * -3 = -0.59``); the rule is
:mod:`viz.texts.scalar`'s.

Drawings
--------
Every frame is drawn from one layout: numbers a frame does not show yet are written in a
transparent colour, so Graphviz places every node at the same spot in every frame, and the
HTML player holds one drawing that each frame restyles (:mod:`viz.player`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from .chain import Step, chain_rule_steps, seed_for
from .frameplayer import FramePlayer
from .graph import Graph, dot_available
from .limits import check_graph_size, check_node_count
from .nodes import GraphInfo, is_constant
from .options import DrawOptions
from .player import diff_roles, svg_for_player
from .render import GraphRenderer, View, renderer_for
from .render.gates import name_nodes
from .render.neurons import name_neurons, neuron_groups
from .texts.steps import StepTexts

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
        #: What every frame says (:mod:`viz.texts.steps`).
        self.texts = StepTexts(self.info, root, self.objective, self.seed, self.seeded,
                               precision, self.grads, self.groups)
        self.frames: list[Frame] = []
        for unit in forward:
            node = unit[-1]
            text = (self.texts.forward(node) if len(unit) == 1
                    else self.texts.neuron_forward(unit))
            self.frames.append(Frame(len(self.frames), FORWARD, node, text, value=node.data,
                                     nodes=tuple(unit)))
        if self.seeded and self.frames:  # the first frame says what is differentiated
            first = self.frames[0]
            self.frames[0] = replace(first, text=first.text + "\n" + self.texts.seed_note())
        self.frames.append(Frame(len(self.frames), SEED, root, self.texts.seed_text(),
                                 accumulated=self.seed))
        for unit in backward:
            self.frames.append(self._backward_frame(unit))
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

    # ------------------------------------------------------------------- frames
    def _backward_frame(self, unit: list[Step]) -> Frame:
        """The frame of one chain-rule step, or of a neuron's steps (``unit[0]`` first)."""
        step = unit[0]
        text = self.texts.backward(step)
        if len(unit) > 1:
            text = self.texts.neuron_backward(unit, text)
        return Frame(len(self.frames), BACKWARD, step.node, text, parent=step.parent,
                     slot=step.slot, upstream=step.upstream, local=step.local,
                     contribution=step.contribution, previous=step.previous,
                     accumulated=step.accumulated, steps=tuple(unit))

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
                else self.texts.num(node.data)
            g = view.grads.get(id(node))
            rows.append((self.info.name(node), value, "" if g is None else self.texts.num(g),
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
                table += [[row_of[id(n)], "v", self.texts.num(n.data)] for n in frame.nodes]
            elif frame.phase == SEED and id(self.root) in row_of:
                table.append([row_of[id(self.root)], "g", self.texts.num(frame.accumulated)])
            elif frame.phase == BACKWARD:
                table += [[row_of[id(s.parent)], "g", self.texts.num(s.accumulated)]
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
