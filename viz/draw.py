"""Computation graph -> ``graphviz.Digraph``, drawn the way the lectures draw it.

Two styles:

- ``"lecture"`` (CS231n / lecture 002): inputs as labelled boxes, operations as small gate
  circles (``+``, ``*``, ``*-1``, ``exp``, ``+1``, ``1/x``), and on every edge the value that
  flows forward (green, above) and the gradient that flows back (red, below). A number mixed
  into an expression is folded into its gate (``d + 1`` draws one ``+1`` gate).
- ``"record"`` (micrograd): one box ``label | data | grad`` per value, op nodes between them.

Colours (the legend): blue boxes are leaves that require grad (inputs, parameters), grey
boxes are constants, the orange box is the output, white circles are gates, a yellow node
and a thick orange edge are the current step of a :class:`viz.BackpropStepper`, violet boxes
are collapsed ``nn`` modules (with the parameters they own). Green numbers are forward values,
red numbers are gradients; small grey names (``[+]₁ =``) tell apart unlabelled gates that
look the same (with ``tags=True``, every unlabelled gate's), the names the stepper's texts
use. Each input's value is above its edge's gradient, and a gate's inputs are placed in
operand order (``ordering=in``), so leaves read top to bottom as the expression reads (w0, x0,
w1, x1).

Where the parts live: the renderers in :mod:`viz.render` (one module per style), the colours
in :mod:`viz.palette`, the options in :mod:`viz.options`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import limits
from .chain import chain_rule_steps, seed_for
from .graph import IMAGE_FORMATS, Graph, check_dpi, check_save_path
from .nodes import GraphInfo, is_tensor
from .options import COLLAPSE, MODES, RANKDIRS, STYLES, DrawOptions
from .palette import (
    FILL,
    GRAD_COLOR,
    HIGHLIGHT_FILL,
    HIGHLIGHT_LINE,
    NAME_COLOR,
    SHAPE_COLOR,
    TRANSPARENT,
    VALUE_COLOR,
)
from .render import View, renderer_for
from .render.gates import (
    constant_text,
    folded_constant_slot,
    gate_label,
    is_parameter,
    module_scope,
    name_nodes,
)
from .render.graph import OUTPUT_ID
from .render.neurons import name_neurons, neuron_groups
from .texts.numbers import shape_text

# Names this module has always offered (the renderer's parts now live in viz.render).
__all__ = [
    "COLLAPSE", "FILL", "GRAD_COLOR", "HIGHLIGHT_FILL", "HIGHLIGHT_LINE", "MODES", "NAME_COLOR",
    "OUTPUT_ID", "RANKDIRS", "SHAPE_COLOR", "STYLES", "TRANSPARENT", "VALUE_COLOR",
    "DrawOptions", "View", "constant_text", "draw", "folded_constant_slot", "gate_label",
    "graph_view", "is_parameter", "module_scope", "name_neurons", "neuron_groups",
    "render_view", "save",
]  # fmt: skip


def _has_gradients(info: GraphInfo) -> bool:
    """True once ``backward()`` ran: some node holds a gradient that is not all zeros.

    (A fresh ``Value`` graph holds ``0.0`` everywhere, a fresh ``Tensor`` graph ``None``;
    after a Tensor backward only the leaves keep theirs.)
    """
    for node in info.order:
        g = getattr(node, "grad", None)
        if g is not None and bool(np.any(np.asarray(g) != 0)):
            return True
    return False


def graph_view(info: GraphInfo, seed: Any = None) -> View:
    """The view of a finished computation: all values, and gradients if backward ran.

    The interior gradients are recomputed on the side from dJ/d(root): 1 for a one-element
    root, ``seed`` otherwise. A root with several elements drawn without ``seed`` shows the
    gradients the leaves hold and says why the interior ones are missing.
    """
    view = View()
    if not _has_gradients(info):
        view.note = "no gradients yet: call backward() on the output"
        return view
    if seed is None and is_tensor(info.root) and np.size(info.root.data) != 1:
        for node in info.order:
            g = getattr(node, "grad", None)
            if g is not None and info.needs_grad(node):
                view.grads[id(node)] = g
        view.note = (f"the output is {shape_text(np.shape(info.root.data))}, not a scalar: "
                     "pass seed= (the gradient given to backward) to see every gradient")
        return view
    side, steps = chain_rule_steps(info, seed_for(info.root, seed, "viz.draw()"))
    summed = []  # leaves whose .grad is not one backward()'s: the interior would not add up
    for node in info.order:
        if not info.needs_grad(node):
            continue
        g = getattr(node, "grad", None)
        view.grads[id(node)] = g if g is not None else side.get(id(node))
        one = side.get(id(node))
        if g is not None and one is not None and not node.parents and \
                np.shape(g) == np.shape(one) and \
                not np.allclose(g, one, rtol=1e-9, atol=1e-12, equal_nan=True):
            summed.append(info.name(node))
    for s in steps:
        view.edge_grads[(id(s.node), s.slot)] = s.contribution
    if summed:
        view.note = accumulated_note(summed)
        warnings.warn(view.note, UserWarning, stacklevel=3)
    return view


def accumulated_note(names: list[str]) -> str:
    """The caption of a drawing whose leaves hold the gradients of several backward() calls."""
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    return (f"{shown}: .grad holds more than one backward() (gradients add up; "
            "call zero_grad() before each backward())")


def draw(
    root: Any,
    mode: str = "both",
    rankdir: str = "LR",
    style: str = "lecture",
    precision: int = 2,
    show_labels: bool = True,
    collapse: str | None = None,
    max_elements: int = 36,
    fold_constants: bool = True,
    tags: bool = False,
    seed: Any = None,
) -> Graph:
    """Draw the computation graph that produced ``root``.

    Parameters
    ----------
    root : Value or Tensor
        The output node. Its gradients are shown if ``root.backward()`` ran (a graph drawn
        before that shows no gradients rather than misleading zeros).
    mode : {"both", "forward", "backward"}
        Show forward values (green), gradients (red), or both.
    rankdir : {"LR", "TB", "RL", "BT"}
        Graphviz layout direction (left to right like the slides by default).
    style : {"lecture", "record"}
        Gates with numbers on the edges (slides), or micrograd-like ``label | data | grad``
        boxes.
    precision : int
        Decimals printed; integral numbers print without them (``-4``, ``0.73``).
    show_labels : bool
        Name every intermediate result on its outgoing edges, as the stepper's texts do:
        a user's label with the value (``q = 3``, green); an unlabelled one is named by its
        gate (``[exp]``, :mod:`viz.texts.names`), and where two gates look the same the
        subscripted name (``[+]₁``) is written small and grey before the value.
    collapse : {None, "module", "neuron"}
        ``"module"`` draws every ``nn`` module (nodes sharing a ``scope``) as one box,
        with the parameters it owns inside (their number and shapes are listed).
        ``"neuron"`` draws every neuron of an ``nn.scalar`` network (its ``*`` and ``+``
        gates and its activation) as one box with a row per weight and bias (value, and
        gradient after backward), so an MLP reads as layers; labelled inputs are drawn
        once and feed every neuron.
    max_elements : int
        Tensors with at most this many elements show their values and gradients as
        matrices; bigger ones show shape and dtype only.
    fold_constants : bool
        Lecture style: draw ``d + 1`` as one ``+1`` gate instead of a constant leaf.
    tags : bool
        Also write the name of every unlabelled intermediate (small and grey, ``[exp] =``)
        before its value, not only of those whose gate does not identify them.
    seed : array_like, optional
        dJ/d(root) for a root with more than one element: the ``gradient=`` that was passed
        to ``root.backward``. Without it such a drawing shows only the leaves' gradients.

    Returns
    -------
    Graph
        A ``graphviz.Digraph`` subclass: ``.source`` is the DOT text (no Graphviz needed),
        ``.save("f.svg")`` renders, and Jupyter displays it inline.

    Examples
    --------
    >>> from autograd import Value
    >>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    >>> q = x + y; q.label = "q"
    >>> f = q * z; f.label = "f"
    >>> f.backward()
    >>> g = draw(f)
    >>> "q = 3" in g.source and "-12" in g.source
    True
    """
    options = DrawOptions(mode=mode, rankdir=rankdir, style=style, precision=precision,
                          show_labels=show_labels, collapse=collapse,
                          max_elements=max_elements, fold_constants=fold_constants, tags=tags)
    limits.check_graph_size(root, "draw")  # before any work: a bounded count
    info = GraphInfo(root)
    name_nodes(info, options)  # f, [exp], [+]₁: the names the stepper's texts use
    return render_view(info, graph_view(info, seed), options)


def render_view(info: GraphInfo, view: View, options: DrawOptions | None = None, *,
                layout_view: View | None = None, **keywords: Any) -> Graph:
    """Draw ``info``'s graph showing exactly the numbers in ``view`` (used by the stepper).

    ``options`` (default :class:`DrawOptions`), with any of its fields given as keywords
    changed. With ``layout_view`` (all the numbers of the finished computation), numbers
    ``view`` does not show are written transparently, so every frame has the same layout.
    """
    options = (options or DrawOptions()).replace(**keywords)
    return renderer_for(info, view, options, layout_view=layout_view).build()


def save(graph_or_root: Any, path: str, dpi: float | None = None, **draw_options: Any) -> str:
    """Render a drawing (or a graph's output node, drawn first) to ``.svg``/``.png``/``.pdf``.

    Parameters
    ----------
    graph_or_root : Graph or graphviz.Digraph or Value or Tensor
        What to save; a node is drawn with ``draw(node, **draw_options)``.
    path : str
        Target file; the extension picks the format: ``.svg``, ``.png``, ``.pdf``,
        ``.jpg``/``.jpeg``, or ``.dot``/``.gv`` for the DOT source. A missing or unknown
        extension raises ``ValueError`` before anything is drawn or written.
    dpi : float, optional
        Resolution of ``.png``/``.jpg`` (default ``viz.graph.DEFAULT_DPI`` = 192, sharp on a
        1080p projector).

    Returns
    -------
    str
        The path written.
    """
    import graphviz

    check_save_path(path)
    check_dpi(dpi)
    if isinstance(graph_or_root, Graph):
        graph = graph_or_root
    elif isinstance(graph_or_root, graphviz.Digraph):
        graph = Graph(body=list(graph_or_root.body), graph_attr=dict(graph_or_root.graph_attr),
                      node_attr=dict(graph_or_root.node_attr),
                      edge_attr=dict(graph_or_root.edge_attr))
    else:
        if check_save_path(path) in IMAGE_FORMATS and not draw_options.get("collapse"):
            # every node but the constants is drawn: refuse before drawing what dot won't lay out
            limits.check_graph_size(graph_or_root, "save", limits.MAX_RENDER_NODES)
        graph = draw(graph_or_root, **draw_options)
    return graph.save(path, dpi=dpi)
