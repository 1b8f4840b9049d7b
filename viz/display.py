"""How a drawing shows itself in Jupyter: a MIME bundle that is readable wherever it lands.

A notebook front end picks one entry of the bundle ``Graph._repr_mimebundle_`` returns:

- ``image/svg+xml``: the drawing, sharp at any zoom. JupyterLab shows SVG only in *trusted*
  outputs (cells you ran yourself).
- ``image/png``: the same layout rendered by ``dot`` in the same run (Graphviz's 96 dpi: one
  image pixel per CSS pixel of the SVG; a palette PNG of a few tens of kB). Untrusted
  notebooks (shared with outputs, executed by ``nbconvert``/``nbclient``) still show images,
  so every drawing is visible there too.
- ``text/plain``: what the drawing is (a computation graph, its node and edge counts) and how
  to show or save it, for consoles, ``print`` and screen readers.

Width. Drawings are scaled down to fit an output area of :data:`OUTPUT_WIDTH_PX` pixels (what
JupyterLab gives an output at a 1280-pixel-wide window), never up, and never so far that
the smallest text gets smaller than :data:`MIN_LABEL_PX` pixels. A drawing that cannot fit at
that size is shown at the smallest readable size with a note under it suggesting
``collapse=`` or ``rankdir="TB"``, and scrolls sideways. ``graph.fit_width = False`` shows
the natural size instead.

Themes. Drawings keep a white background (``bgcolor=white``) in light and dark themes alike:
the lecture colours (green values, red gradients, blue and orange boxes) are chosen for white
and keep their contrast there; JupyterLab's dark theme puts the white card on its dark page.

The bundle is built by :func:`mimebundle`, which never raises: a missing ``dot``, a graph
over :data:`viz.limits.MAX_RENDER_NODES`, a timeout or any other failure gives a bundle with
the reason and the DOT source instead, so "Run All" goes on.
"""

from __future__ import annotations

import html
import re
import textwrap
from typing import Any

from . import limits

#: Width of a notebook output area the drawings are fitted to, in CSS pixels.
OUTPUT_WIDTH_PX = 850
#: Smallest text size, in CSS pixels, a drawing is scaled down to (the slides' edge labels are
#: 11 pt = 14.7 px at natural size, so they are shrunk to at most 61%).
MIN_LABEL_PX = 9.0
_PT_TO_PX = 96 / 72
_SVG_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([\d.]+)pt"\s+height="([\d.]+)pt"', re.S)
_FONT_SIZE = re.compile(r'font-size="([\d.]+)"')
_GRAPH_ROOT = re.compile(r'(<svg\b[^>]*?\swidth=")([\d.]+)(pt"\s+height=")([\d.]+)(pt")', re.S)
_VIEWBOX = re.compile(r'viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"')


def describe(graph: Any) -> str:
    """One line saying what ``graph`` is: ``chainrule drawing: computation graph, 9 nodes...``."""
    nodes = graph.node_count()
    edges = sum(1 for line in graph.body if " -> " in line and line.startswith("\t"))
    return (f"chainrule drawing: computation graph with {nodes} nodes and {edges} edges "
            "(values in green, gradients in red)")


def _how_to_show() -> str:
    return ("Shown as an image in Jupyter (run the cell, or trust the notebook, for the sharp "
            "SVG); viz.save(graph, 'graph.svg') or '.png'/'.pdf' writes a file, graph.source "
            "is the DOT text.")


def fit(svg: str, width_px: float = OUTPUT_WIDTH_PX,
        min_label_px: float = MIN_LABEL_PX) -> tuple[str, float, bool]:
    """Scale an SVG drawing down to ``width_px`` keeping its text at least ``min_label_px``.

    Parameters
    ----------
    svg : str
        SVG as Graphviz writes it (``width="..pt" height="..pt"`` and a ``viewBox``).
    width_px, min_label_px : float
        The width to fit and the smallest text size allowed, in CSS pixels.

    Returns
    -------
    svg : str
        The drawing with its ``width``/``height`` scaled (the ``viewBox`` is kept).
    scale : float
        The factor applied (``1.0``: the drawing already fits).
    too_wide : bool
        True when the drawing does not fit at the smallest readable size.

    Examples
    --------
    A 1,200-px-wide drawing with 11 pt labels fits at 71% (labels 10.4 px); a 1,600-px one
    would need 53% (7.8 px labels), so it stops at 61% (9 px) and is marked too wide:

    >>> svg = '<svg width="{}pt" height="300pt" viewBox="0 0 {} 300"><text font-size="11.00">'
    >>> fitted, scale, too_wide = fit(svg.format(900, 900))
    >>> round(scale, 3), too_wide, 'width="637.50pt"' in fitted
    (0.708, False, True)
    >>> round(fit(svg.format(1200, 1200))[1], 3), fit(svg.format(1200, 1200))[2]
    (0.614, True)
    """
    m = _SVG_SIZE.search(svg)
    if not m:
        return svg, 1.0, False
    width_pt = float(m.group(1))
    natural_px = width_pt * _PT_TO_PX
    if natural_px <= width_px:
        return svg, 1.0, False
    fonts = [float(f) for f in _FONT_SIZE.findall(svg)]
    smallest_px = min(fonts) * _PT_TO_PX if fonts else 14.0 * _PT_TO_PX
    scale = width_px / natural_px
    floor = min(min_label_px / smallest_px, 1.0)
    too_wide = scale < floor
    scale = max(scale, floor)

    def size(match: re.Match[str]) -> str:
        w, h = float(match.group(2)) * scale, float(match.group(4)) * scale
        return f"{match.group(1)}{w:.2f}{match.group(3)}{h:.2f}{match.group(5)}"

    return _GRAPH_ROOT.sub(size, svg, count=1), scale, too_wide


def _too_wide_note(scale: float) -> str:
    return (f"Too wide to fit the output at a readable size ({MIN_LABEL_PX:g} px text, shown "
            f"at {scale:.0%}): try rankdir=\"TB\", collapse=\"neuron\" (scalar MLPs) or "
            "collapse=\"module\" (nn models), or viz.save() it and open the file.")


def _add_note(svg: str, note: str) -> str:
    """Write ``note`` in small red text under the drawing (the SVG grows by its lines)."""
    box = _VIEWBOX.search(svg)
    m = _SVG_SIZE.search(svg)
    if not box or not m:
        return svg
    x0, y0, w, h = (float(v) for v in box.groups())
    per_line = max(int(w / 6.0), 30)  # ~6 units per character of 11 pt Helvetica
    lines = textwrap.wrap(note, per_line)
    extra = 16.0 * len(lines) + 4
    svg = svg.replace(box.group(0), f'viewBox="{x0:g} {y0:g} {w:g} {h + extra:g}"', 1)
    height = float(m.group(2))
    svg = re.sub(r'(<svg\b[^>]*?\sheight=")([\d.]+)(pt")',
                 lambda k: f"{k.group(1)}{height * (h + extra) / h:.2f}{k.group(3)}", svg,
                 count=1)
    text = "".join(f'<text x="{x0 + 4:g}" y="{y0 + h + 14 + 16 * i:g}" '
                   'font-family="Helvetica,sans-serif" font-size="11" fill="#a33">'
                   f"{html.escape(line)}</text>" for i, line in enumerate(lines))
    rect = f'<rect x="{x0:g}" y="{y0 + h:g}" width="{w:g}" height="{extra:g}" fill="white"/>'
    return svg.replace("</svg>", rect + text + "</svg>", 1)


#: Most characters of DOT source a fallback bundle carries (a notebook stores it).
MAX_SOURCE_CHARS = 20_000


def _fallback(graph: Any, reason: str) -> dict[str, str]:
    source = graph.source
    if len(source) > MAX_SOURCE_CHARS:
        source = (f"{source[:MAX_SOURCE_CHARS]}\n... ({len(source) - MAX_SOURCE_CHARS:,} more "
                  "characters: graph.source has all of it)")
    text = f"{reason}\n\n{source}"
    markup = ('<div class="chainrule-graph-fallback"><p style="color:#a33">'
              f"{html.escape(reason)}</p><pre>{html.escape(source)}</pre></div>")
    return {"text/plain": text, "text/html": markup}


def mimebundle(graph: Any, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
    """The ``(data, metadata)`` bundle of a drawing; see the module docstring. Never raises.

    Parameters
    ----------
    graph : viz.Graph
        The drawing.
    include, exclude : collection of str, optional
        MIME types to keep or drop (IPython's protocol).

    Returns
    -------
    data : dict
        ``image/svg+xml``, ``image/png`` and ``text/plain`` when ``dot`` renders it,
        otherwise ``text/plain`` and ``text/html`` with the reason and the DOT source.
    metadata : dict
        Display sizes for the images (``width``, ``unconfined`` when too wide).
    """
    try:
        data, meta = _bundle(graph)
    except Exception as exc:  # a display hook must never stop the notebook
        data, meta = _fallback(graph, f"Graphviz could not render this graph: {exc}"), {}
    if include is not None:
        data = {k: v for k, v in data.items() if k in include}
    if exclude is not None:
        data = {k: v for k, v in data.items() if k not in exclude}
    return data, {k: v for k, v in meta.items() if k in data}


def _bundle(graph: Any) -> tuple[dict, dict]:
    from .graph import INSTALL_HINT, GraphvizNotFoundError, dot_available, run_dot_formats

    if not dot_available():
        return _fallback(graph, INSTALL_HINT), {}
    n = graph.node_count()
    try:
        limits.check_node_count(n, "drawing")
    except limits.GraphTooLargeError as exc:
        return _fallback(graph, f"{describe(graph)}. Not rendered: {exc}"), {}
    args = ["-Gbgcolor=white"]  # no -Gdpi: it would scale the SVG too (PNG: 96 dpi default)
    try:
        svg_bytes, png = run_dot_formats(graph.source, ["svg", "png:cairo:gd"], args=args,
                                         nodes=n)
    except GraphvizNotFoundError:
        raise
    except Exception:  # a Graphviz without the gd plugin: the plain cairo PNG
        svg_bytes, png = run_dot_formats(graph.source, ["svg", "png"], args=args, nodes=n)
    svg = svg_bytes.decode("utf-8")
    scale, too_wide = 1.0, False
    if getattr(graph, "fit_width", True):
        svg, scale, too_wide = fit(svg)
    text = f"{describe(graph)}.\n{_how_to_show()}"
    if too_wide:
        note = _too_wide_note(scale)
        svg = _add_note(svg, note)
        text += "\n" + note
    m = _SVG_SIZE.search(svg)
    meta: dict[str, Any] = {}
    if m:
        width = round(float(m.group(1)) * _PT_TO_PX)
        meta["image/png"] = {"width": width}
        if too_wide or not getattr(graph, "fit_width", True):
            meta["image/png"]["unconfined"] = True
            meta["image/svg+xml"] = {"unconfined": True}
    return {"image/svg+xml": svg, "image/png": png, "text/plain": text}, meta
