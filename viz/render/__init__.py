"""Renderers: a graph (or a network) to Graphviz DOT, element by element.

- :mod:`viz.render.base`: :class:`Renderer`, the element/dependency protocol every drawing
  uses (elements, their sources and roles, re-running one element, snapshots), and the
  edge with numbers above and below the line;
- :mod:`viz.render.view`: :class:`View`, which numbers a frame shows;
- :mod:`viz.render.graph`: :class:`GraphRenderer`, what a computation graph's elements show
  (values, gradients, shares, highlights, collapsed modules);
- :mod:`viz.render.lecture` and :mod:`viz.render.record`: the two drawing styles;
- :mod:`viz.render.neurons`: neurons of an ``nn.scalar`` network (grouping, names, boxes);
- :mod:`viz.render.gates`: gate labels, folded constants, parameters and module scopes.

The network view's renderer (:class:`viz.network.NetworkRenderer`) is another
:class:`Renderer`.
"""

from __future__ import annotations

from ..nodes import GraphInfo
from ..options import DrawOptions
from .base import Renderer
from .graph import GraphRenderer
from .lecture import LectureRenderer
from .record import RecordRenderer
from .view import View

__all__ = ["GraphRenderer", "LectureRenderer", "RecordRenderer", "Renderer", "View",
           "renderer_for"]


def renderer_for(info: GraphInfo, view: View, options: DrawOptions,
                 layout_view: View | None = None) -> GraphRenderer:
    """The renderer of ``options.style`` for one drawing of ``info`` showing ``view``."""
    cls = RecordRenderer if options.style == "record" else LectureRenderer
    return cls(info, view, options, layout_view=layout_view)
