"""Pages a student works in: edit the inputs (explore) or type each gradient (practice).

``explore(root)`` writes the drawing of a scalar graph with every leaf editable (a number field
and a slider). The page holds the graph as data (:func:`graph_model`: per node its
op-info row (:func:`viz.live_ops.gate_of`), its parents, its value, whether it is a leaf and
requires grad, its name as text) and recomputes every value and gradient itself, in float64,
with the same formulas as ``Value``; then it rewrites the numbers of the one laid-out drawing
(nothing moves). Clicking a node shows its chain-rule sum with numbers; a "descent step"
button moves every leaf that requires grad by ``-lr * grad``.

``practice(root)`` (or ``stepper.to_html(practice=True)``) plays the stepper's frames, but each
backward step first asks for the gradient it computes: type a number (``-4``, ``0.39``,
``1/4``; right within the shown precision), or pick one of ``choices`` answers; hints give
the local derivative's formula, then the upstream value; a score at the end.

Both pages script through ``window.chainrule.players[i]`` (see ``viz/html/live.js``); they
are one self-contained file, with no network access and no ``eval``; names are data, never
markup. Where scripts do not run, the page shows the still drawing (explore) or the step
texts (practice) instead.
"""

from __future__ import annotations

import base64
import html
import math
import random
import re
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from . import slides
from .format import fmt
from .frameplayer import FALLBACK_DPI, FramePlayer
from .graph import Graph, dot_available
from .html import asset, script
from .limits import check_node_count
from .live_ops import formula, gate_of, table
from .nodes import is_constant, is_tensor
from .player import check_element_id, check_font_scale, filmstrip, script_json, svg_for_player
from .render import GraphRenderer, LectureRenderer, RecordRenderer
from .render.gates import constant_text, gate_label
from .stepper import BACKWARD, BackpropStepper

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


# ----------------------------------------------------------------------- the graph
def graph_model(info: Any) -> dict[str, Any]:
    """The graph as the page evaluates it (JSON-ready; names are plain text).

    Returns ``{"nodes": [...], "root": index}``; each node (in topological order, parents
    first) is ``{"n": name, "k": row kind or "", "c": constant, "p": parent indices,
    "v": value, "leaf": bool, "rg": requires grad, "label": bool}``.

    Raises
    ------
    TypeError
        For a Tensor graph (the live page evaluates scalars).
    ValueError
        For a gate the page has no row for (:func:`viz.live_ops.gate_of`).
    """
    index = {id(n): k for k, n in enumerate(info.order)}
    nodes = []
    for node in info.order:
        if is_tensor(node):
            raise TypeError("viz.explore/practice work on scalar Value graphs; "
                            f"{info.name(node)!r} holds an array")
        kind, c = gate_of(node) if node.parents else ("", 0.0)
        symbols = [_symbol(info, p) for p in node.parents]
        nodes.append({"n": info.name(node), "s": _symbol(info, node), "k": kind,
                      "fm": [formula(kind, slot, symbols, c) for slot in range(len(symbols))],
                      "g": gate_label(node, fold=False) if node.parents else "",
                      "c": number_json(c), "p": [index[id(p)] for p in node.parents],
                      "v": number_json(node.data),
                      "leaf": not node.parents,
                      "rg": bool(getattr(node, "requires_grad", True)),
                      "label": bool(getattr(node, "label", ""))})
    return {"nodes": nodes, "root": index[id(info.root)]}


def number_json(x: Any) -> float | str:
    """A float for JSON; ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` (the page reads these with
    ``Number``) where JSON has no literal."""
    x = float(x)
    return x if math.isfinite(x) else ("NaN" if x != x else ("Infinity" if x > 0 else "-Infinity"))


def _symbol(info: Any, node: Any) -> str:
    """How a formula names the node: its name, or a bare constant's number."""
    if is_constant(node) and not getattr(node, "label", ""):
        return constant_text(node)
    return info.name(node)


class Tracing(GraphRenderer):
    """A renderer that notes which number each text of the drawing shows (mixed into the
    style's renderer: :class:`TracedLecture`, :class:`TracedRecord`).

    ``shows[(element, role)] = (what, node, slot, prefix)``: ``what`` is ``"v"`` (a value),
    ``"g"`` (a gradient) or ``"s"`` (the share along the edge ``node``'s operand ``slot``),
    and the text is ``prefix`` + the number (``"q = "``, ``"Σ "``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shows: dict[tuple[str, str], tuple[str, Any, int, str]] = {}
        self.last: dict[str, tuple[str, Any, int]] = {}

    def value_of(self, node: Any) -> Any:
        self.last["v"] = ("v", node, 0)
        return super().value_of(node)

    def grad_of(self, node: Any) -> Any:
        self.last["g"] = ("g", node, 0)
        return super().grad_of(node)

    def share_of(self, consumer: Any, slot: int) -> Any:
        self.last["g"] = ("s", consumer, slot)
        return super().share_of(consumer, slot)

    def role(self, role: str, value: Any) -> None:
        super().role(role, value)
        source = self.last.get(role[0])
        if role == "h" or source is None or not isinstance(value, str):
            return
        what, node, slot = source
        number = self.number_text(what, node, slot)
        if number is not None and value.endswith(number):
            self.shows[(self.current, role)] = (what, node, slot,
                                                value[: len(value) - len(number)])

    def number_text(self, what: str, node: Any, slot: int) -> str | None:
        """The number ``what`` of ``node`` as this drawing prints it."""
        if what == "v":
            x = node.data
        else:
            view = self.view
            x = view.grads.get(id(node)) if what == "g" else view.edge_grads.get((id(node), slot))
        return None if x is None else self.num(x)


class TracedLecture(Tracing, LectureRenderer):
    """The lecture style, traced."""


class TracedRecord(Tracing, RecordRenderer):
    """The record style, traced."""


def drawing_model(stepper: BackpropStepper, render: bool = True) -> dict[str, Any]:
    """The drawing with every number, and which node's value or gradient each text shows.

    Returns ``{"svg": str or None, "roles": [[element, role, what, node, slot, prefix]],
    "click": {element: node}, "source": DOT, "graph": the Graph}`` (indices as in
    :func:`graph_model`).
    """
    final = stepper.final_view()
    cls = TracedRecord if stepper.options.style == "record" else TracedLecture
    r = cls(stepper.info, final, stepper.options, layout_view=None)
    graph = r.build()
    order = {k: j for j, (k, _) in enumerate(r.elements)}
    index = {id(n): k for k, n in enumerate(stepper.info.order)}
    roles = [[order[key], role, what, index[id(node)], slot, prefix]
             for (key, role), (what, node, slot, prefix) in r.shows.items()]
    click: dict[int, int] = {}
    for node in stepper.info.order:  # a node's own shape, or the box it is drawn in
        key = r.display_id(node)
        if key in order and (key == stepper.info.nid(node) or order[key] not in click):
            click[order[key]] = index[id(node)]
    for (key, _), (what, node, _slot, _) in r.shows.items():  # an edge: its value's node
        if key.startswith("e") and what != "s" and order[key] not in click:
            click[order[key]] = index[id(node)]
    svg = svg_for_player(graph.svg(), order) if render else None
    return {"svg": svg, "roles": roles, "click": click, "source": graph.source, "graph": graph}


# ------------------------------------------------------------------------ answers
def parse_answer(text: str) -> float | None:
    """A typed answer as a number: ``-4``, ``0.39``, ``.5``, ``1e-3``, ``1/4``, ``-3/8``.

    Returns None for anything else (the page applies the same rule).

    >>> parse_answer(" -4 "), parse_answer("1/4"), parse_answer("-3 / 8"), parse_answer("x")
    (-4.0, 0.25, -0.375, None)
    """
    parts = [p.strip() for p in str(text).replace("−", "-").split("/")]
    if not 1 <= len(parts) <= 2 or not all(_NUMBER.match(p) for p in parts):
        return None
    if len(parts) == 1:
        return float(parts[0])
    den = float(parts[1])
    return None if den == 0 else float(Fraction(parts[0]) / Fraction(parts[1]))


def tolerance(expected: float, precision: int) -> float:
    """Half the last digit ``fmt(expected, precision)`` shows: how far a right answer may be.

    A number below 1 shows more decimals than ``precision`` (``0.0050``), so its tolerance is
    finer; an integer (``4``) is held to ``precision`` decimals; scientific notation to its
    mantissa's last digit.

    >>> tolerance(-0.19661, 2), tolerance(0.0049617, 2), tolerance(4.0, 2), tolerance(2e-8, 2)
    (0.005, 5e-05, 0.005, 5e-10)
    """
    text = fmt(expected, precision)
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2]) if "." in mantissa else (
        precision if not exponent else 0)
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def judge(text: str, expected: float, precision: int) -> bool:
    """Whether ``text`` is ``expected`` within the shown precision (half the last digit shown,
    :func:`tolerance`).

    >>> judge("-0.2", -0.19661, 2), judge("0.39", 0.3932, 2), judge("0.4", 0.3932, 2)
    (True, True, False)
    >>> judge("1/4", 0.25, 2), judge("4", 4.0, 2), judge("four", 4.0, 2)
    (True, True, False)
    >>> judge("0", 0.0049617, 2), judge("0.005", 0.0049617, 2)  # shown as 0.0050
    (False, True)
    """
    x = parse_answer(text)
    if x is None:
        return False
    if not math.isfinite(expected):
        return False
    return abs(x - expected) <= tolerance(expected, precision) + 1e-12 * abs(expected)


def questions(stepper: BackpropStepper, ask: Any = None, choices: int | None = None,
              seed: int = 0) -> list[dict[str, Any]]:
    """The practice questions: one per backward frame (or per node named in ``ask``).

    With ``ask`` (names), each named node is asked once, at its last share (its full
    gradient). Each question: ``{"frame", "node", "q" (the question), "hints" (the local
    derivative's formula, then the upstream value), "x" (the answer), "choices"}``.
    """
    info, p = stepper.info, stepper.precision
    wanted = None
    if ask is not None:
        wanted = [ask] if isinstance(ask, str) else [str(a) for a in ask]
        known = {info.name(n) for n in info.order}
        missing = [a for a in wanted if a not in known]
        if missing:
            raise ValueError(f"practice: ask names {missing} that are not in the graph "
                             f"(names: {sorted(known)})")
    back = [f for f in stepper.frames if f.phase == BACKWARD]
    if wanted is not None:
        last = {info.name(f.parent): f for f in back if info.name(f.parent) in wanted}
        back = [f for f in back if last.get(info.name(f.parent)) is f]
    index = {id(n): k for k, n in enumerate(info.order)}
    r = info.name(stepper.root)
    rng = random.Random(seed)
    out = []
    for f in back:
        n, par = info.name(f.node), info.name(f.parent)
        kind, c = gate_of(f.node)
        symbols = [_symbol(info, q) for q in f.node.parents]
        local = formula(kind, f.slot or 0, symbols, c)
        expr = stepper.texts.expression(f.node)[0]
        local = local if local is not None else f"d({expr})/d{par}"
        before = "" if f.previous is None else f"{fmt(f.previous, p)} + "
        if f.node is stepper.root:
            q = (f"d{r}/d{par} = {before}? (the local derivative of {n} = {expr} "
                 f"with respect to {par})")
        else:
            q = f"d{r}/d{par} = {before}d{r}/d{n} * d{n}/d{par} = ?"
        hints = [f"local derivative: d{n}/d{par} = {local}",
                 f"upstream: d{r}/d{n} = {fmt(f.upstream, p)}"]
        item: dict[str, Any] = {"frame": f.index, "node": index[id(f.parent)], "q": q,
                                "hints": hints, "x": number_json(f.accumulated),
                                "tol": tolerance(f.accumulated, p) if math.isfinite(f.accumulated)
                                else 0.0, "choices": None}
        if choices:
            item["choices"] = _choices(stepper, f, int(choices), rng)
        out.append(item)
    return out


def _choices(stepper: BackpropStepper, f: Any, k: int, rng: random.Random) -> list[str]:
    """``k`` answers: the right one and common mistakes (no upstream factor, the sign, the
    other operand's derivative, a share not added), then nearby numbers; shuffled."""
    if not 2 <= k <= 8:
        raise ValueError(f"practice: choices must be 2..8, got {k}")
    p = stepper.precision
    prev = f.previous or 0.0
    right = float(f.accumulated)
    wrong = [prev + f.local, -right]
    if len(f.node.parents) == 2:
        other = f.node.local[1 - f.slot]
        wrong.append(prev + f.upstream * other)
    if f.previous is not None:
        wrong.append(f.contribution)
    wrong += [right * 2, right / 2, right + 1, right - 1, f.upstream, right * 3 + 1]
    texts = [fmt(right, p)]
    for w in wrong:
        t = fmt(w, p)
        if math.isfinite(w) and t not in texts and not judge(t, right, p):
            texts.append(t)
        if len(texts) == k:
            break
    rng.shuffle(texts)
    return texts


# ---------------------------------------------------------------------- the page
def page_html(payload: dict[str, Any], title: str, element_id: str, fallback: str,
              full_page: bool = True, font_scale: float = 1.0) -> str:
    """Assemble a live page: the payload as inert JSON, the script and styles inline.

    ``font_scale`` (0.5..3) scales the page's text, which grows with the window (16 px at
    1280 px wide, 23 px at 1920)."""
    check_element_id(element_id)
    scale = check_font_scale(font_scale)
    e = html.escape
    payload = {**payload, "title": title, "inline": not full_page}
    body = (f'<div class="cr-player cr-live" id="{e(element_id)}" tabindex="0" '
            f'style="--cr-scale: {scale:g}">'
            f"<style>{asset('live.css')}</style>{fallback}"
            f'<script type="application/json" class="cr-data">{script_json(payload)}</script>'
            f"<script>{script('live.js')}</script></div>")
    if not full_page:
        return body
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(title)}</title><style>html, body {{ margin: 0; padding: 4px; "
            f"background: #ffffff; }}</style></head><body>{body}</body></html>\n")


class LivePage(FramePlayer):
    """An explore or practice page of a scalar graph: Jupyter display, ``to_html``,
    ``save_html`` and the exports of every player (:class:`viz.frameplayer.FramePlayer`;
    a practice page's frames are its stepper's, an explore page's its one drawing).

    Build it with :func:`explore`, :func:`practice` or ``stepper.practice()``.
    """

    default_title = "Explore: edit the inputs"
    id_prefix = "cr-live"

    def __init__(self, stepper: BackpropStepper, mode: str, lr: float | None = None,
                 ask: Any = None, choices: int | None = None,
                 title: str | None = None, leaves: Any = None) -> None:
        if mode not in ("explore", "practice"):
            raise ValueError(f"mode must be 'explore' or 'practice', got {mode!r}")
        if lr is not None and not (isinstance(lr, (int, float)) and math.isfinite(lr)):
            raise ValueError(f"explore: lr must be a finite number, got {lr!r}")
        check_node_count(len(stepper.info), mode)
        self.stepper, self.mode, self.lr = stepper, mode, lr
        self.model = graph_model(stepper.info)  # raises early for tensors and unknown ops
        nodes = self.model["nodes"]
        editable = [k for k, nd in enumerate(nodes) if nd["leaf"] and (nd["rg"] or nd["label"])]
        if leaves is not None:
            rank = {str(name): i for i, name in enumerate(leaves)}
            editable.sort(key=lambda k: rank.get(nodes[k]["n"], len(rank)))
        self.model["edit"] = editable
        self.questions = questions(stepper, ask, choices) if mode == "practice" else []
        if mode == "practice":
            self.default_title = "Practice: backpropagate by hand"
        if title:
            self.default_title = title
        # a practice page plays the stepper's frames; an explore page is one drawing
        self.frames = stepper.frames if mode == "practice" else stepper.frames[-1:]

    def drawings(self) -> Iterator[Graph]:
        """Each frame's drawing (practice), or the one drawing with every number (explore)."""
        if self.mode == "practice":
            return self.stepper.drawings()
        return iter([drawing_model(self.stepper, render=False)["graph"]])

    def check_size(self, what: str) -> None:
        check_node_count(len(self.stepper.info), what)

    def player_data(self, images: bool = False) -> dict[str, Any]:
        """The page's data (the graph, the op rows, the drawing, and in practice the frames
        and questions); ``"fallback"`` is the no-script view."""
        s = self.stepper
        render = dot_available()
        drawing = drawing_model(s, render=render and self.mode == "explore")
        data: dict[str, Any] = {"mode": self.mode, "precision": s.precision,
                                "lr": self.lr, "ops": table(), **self.model,
                                "roles": drawing["roles"], "click": drawing["click"]}
        if self.mode == "explore":
            still = {"frames": [{"phase": "explore", "text": "\n".join(
                f"{n['n']} = {fmt(n['v'], s.precision)}" for n in self.model["nodes"]
                if n["leaf"])}], "svg": drawing["svg"], "images": []}
            if images and render:  # the drawing, still, for readers without scripts
                png = next(iter(slides.render_many([drawing["source"]], "png",
                                                   dpi=FALLBACK_DPI)))
                still["images"] = ["data:image/png;base64," + base64.b64encode(png).decode()]
            data.update(svg=drawing["svg"], frames=[{**still["frames"][0], "c": []}],
                        fallback=filmstrip(still, self.default_title))
        else:
            frames = s.player_data(images=images)
            data.update(svg=frames["svg"], questions=self.questions,
                        frames=[{k: f[k] for k in ("text", "phase", "c")}
                                for f in frames["frames"]],
                        fallback=filmstrip(frames, self.default_title))
        return data

    def page_html(self, data: dict[str, Any], title: str, element_id: str,
                  full_page: bool, font_scale: float = 1.0) -> str:
        data = dict(data)
        fallback = data.pop("fallback")
        return page_html(data, title, element_id, fallback, full_page=full_page,
                         font_scale=font_scale)

    def __repr__(self) -> str:
        return (f"LivePage({self.mode}, {len(self.model['nodes'])} nodes, "
                f"{len(self.questions)} questions)")


def explore(root: Any, lr: float | None = None, precision: int = 2,
            title: str | None = None, leaves: Any = None, **draw_options: Any) -> LivePage:
    """A page where every leaf of ``root``'s graph is editable and every number follows.

    Parameters
    ----------
    root : Value
        The output of a scalar graph (nothing in it is modified).
    lr : float, optional
        The learning rate the "descent step" button starts with (a field in the page
        changes it; 0.1 without it).
    precision : int
        Decimals shown.
    title : str, optional
    leaves : list of str, optional
        The order of the editable leaves in the page (default: the graph's order).
    **draw_options
        As for :func:`viz.step` (``collapse="neuron"`` draws a network neuron by neuron).

    Examples
    --------
    >>> from viz.demo import xyz_circuit
    >>> page = explore(xyz_circuit())
    >>> [n["n"] for n in page.model["nodes"] if n["leaf"]]
    ['x', 'y', 'z']
    """
    # a named constant (an input, a target) gets its own box, so editing it shows; the
    # generated names (n5) the chain-rule texts use are written small beside their values
    draw_options.setdefault("fold_constants", False)
    draw_options.setdefault("tags", True)
    return LivePage(BackpropStepper(root, precision=precision, **draw_options), "explore",
                    lr=lr, title=title, leaves=leaves)


def practice(root: Any, ask: Any = None, choices: int | None = None, precision: int = 2,
             title: str | None = None, **draw_options: Any) -> LivePage:
    """A page that asks for each gradient of the backward pass before it shows it.

    Parameters
    ----------
    root : Value
        The output of a scalar graph.
    ask : str or list of str, optional
        Ask only for these nodes' gradients (each once, when it is complete): the lecture's
        quiz break asks ``ask="w1"``. Default: every backward step.
    choices : int, optional
        Multiple choice with this many answers (2..8), the wrong ones from common mistakes.
    precision : int
        Decimals shown; an answer is right within half the last shown digit.
    title : str, optional
    **draw_options
        As for :func:`viz.step`.

    Examples
    --------
    >>> from viz.demo import xyz_circuit
    >>> page = practice(xyz_circuit(), ask="x")
    >>> [q["q"] for q in page.questions]
    ['df/dx = df/dq * dq/dx = ?']
    """
    draw_options.setdefault("tags", True)  # the questions name intermediates (n5)
    return LivePage(BackpropStepper(root, precision=precision, **draw_options), "practice",
                    ask=ask, choices=choices, title=title)


def network_loss(model: Any, inputs: Any, target: Any, loss: str = "half_sse",
                 input_names: Any = None) -> Any:
    """The loss of a scalar MLP as one ``Value`` graph, inputs and targets as named leaves.

    The inputs (``x1``, ``x2``...) and targets (``t1``...) are constants (no gradient) with
    names, so an explore page makes them editable; the weights are the model's own Values.

    >>> import nn
    >>> net = nn.scalar.MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]])
    >>> round(network_loss(net, [0.35, 0.9], [0.5]).data, 4)  # lecture 001: (0.5 - 0.69)**2 / 2
    0.0181
    """
    import nn
    from autograd import Value

    if not isinstance(model, nn.scalar.MLP):
        raise TypeError("explore works on an nn.scalar.MLP (every weight a Value), got "
                        f"{type(model).__name__}")
    xs = [float(getattr(v, "data", v)) for v in list(inputs)]
    ts = [float(getattr(v, "data", v)) for v in (target if hasattr(target, "__len__")
                                                else [target])]
    names = list(input_names or []) + [f"x{i + 1}" for i in range(len(xs))]
    x = [Value(v, label=str(names[i]), requires_grad=False) for i, v in enumerate(xs)]
    y = model(x)
    ys = y if isinstance(y, list) else [y]
    if len(ys) != len(ts):
        raise ValueError(f"explore: target must have {len(ys)} numbers, got {len(ts)}")
    t = [Value(v, label=f"t{i + 1}" if len(ts) > 1 else "t", requires_grad=False)
         for i, v in enumerate(ts)]
    terms = [(ti - yi) ** 2 for ti, yi in zip(t, ys, strict=True)]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    if loss == "half_sse":  # L = 1/2 sum (t - y)^2
        out = total * 0.5
    elif loss == "mse":
        out = total * (1.0 / len(terms))
    else:
        raise ValueError(f"explore: loss must be 'half_sse' or 'mse', got {loss!r}")
    out.label = "L"
    return out
