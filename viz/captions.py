"""Exported frames as slides: the step's text as a caption, and no number from the future.

Every frame of a stepper is drawn from one layout: a number the frame does not show yet is
still written, in a transparent colour, so Graphviz sizes every label the same in every frame
(nodes never move). For a file someone else opens, this module changes a frame's drawing in
two ways before it is rendered:

- :func:`hide_future`: the digits of every transparent text become ``0``. The drawings' font
  (Helvetica, and the Liberation Sans or Arial that stands in for it) gives every digit one
  width, so the layout is unchanged, but a search or a select-all on the slide (SVG, PDF)
  finds no answer ahead of its step. :func:`drop_invisible` then removes the transparent
  texts from an SVG altogether.
- :func:`captioned`: the step's text below the drawing, in a monospaced font, in a box sized
  for the longest text of all frames (:func:`caption_box`), so the caption does not move the
  drawing either. A label the drawing already has (the network's legend) stays below it.
  In a PDF the caption is real text (it can be searched and copied); in PNG and GIF frames it
  is drawn; in SVG frames it is ``<text>``.

>>> hide_future('<font color="transparent">-0.53</font> <font color="#d62728">1</font>')
'<font color="transparent">-0.00</font> <font color="#d62728">1</font>'
>>> wrap("dL/dw = 0.5 * 0.25 = 0.125", columns=16)
'dL/dw = 0.5 *\\n    0.25 = 0.125'
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

from .graph import Graph
from .labels import dot_html

#: The caption's font (monospaced: 0.6 em a character), size in points and colours.
CAPTION_FONT = "Courier"
CAPTION_POINTS = 14
CAPTION_COLOR = "#1a1a1a"
CAPTION_BACKGROUND = "#fff8dc"  # the player's text box
#: Longer caption lines are wrapped (at spaces) to this many characters.
CAPTION_COLUMNS = 96
_CHAR_WIDTH = 0.62  # em: 0.6 for Courier, Liberation Mono and DejaVu Sans Mono, plus a margin
_LINE_HEIGHT = 1.2  # em, Graphviz's line spacing
_PADDING = 6  # points around the text

_TRANSPARENT_FONT = re.compile(r'(<font color="transparent"[^>]*>)([^<]*)(</font>)')
# Graphviz writes a transparent font colour as fill="#fffffe" in SVG (near-white, not "none")
_INVISIBLE_TEXT = re.compile(r'<text\b[^>]*\bfill="(?:transparent|#fffffe)"[^>]*>[^<]*</text>\n?')


def hide_future(source: str) -> str:
    """``source`` with the digits of every transparent text replaced by ``0`` (same widths)."""
    return _TRANSPARENT_FONT.sub(
        lambda m: m.group(1) + re.sub(r"\d", "0", m.group(2)) + m.group(3), source)


def drop_invisible(svg: str) -> str:
    """An SVG without its transparent ``<text>`` elements (the placeholders of hidden numbers).

    >>> drop_invisible('<g><text x="1" fill="#fffffe">0.00</text>\\n<text x="2">x</text></g>')
    '<g><text x="2">x</text></g>'
    """
    return _INVISIBLE_TEXT.sub("", svg)


def wrap(text: str, columns: int = CAPTION_COLUMNS) -> str:
    """``text`` with every line longer than ``columns`` wrapped at spaces (indented by 4)."""
    out = []
    for line in text.split("\n"):
        if len(line) <= columns:
            out.append(line)
            continue
        lead = line[: len(line) - len(line.lstrip(" "))]
        out.extend(textwrap.wrap(line, columns, initial_indent="", subsequent_indent=lead + "    ",
                                 break_long_words=False, break_on_hyphens=False,
                                 drop_whitespace=True) or [line])
    return "\n".join(out)


def caption_box(texts: Sequence[str]) -> tuple[float, float]:
    """Width and height (points) of a caption box that holds each of ``texts`` (wrapped)."""
    wrapped = [wrap(t).split("\n") for t in texts] or [[""]]
    longest = max(len(line) for lines in wrapped for line in lines)
    most = max(len(lines) for lines in wrapped)
    width = max(longest, 1) * _CHAR_WIDTH * CAPTION_POINTS + 2 * _PADDING
    height = most * _LINE_HEIGHT * CAPTION_POINTS + 2 * _PADDING
    return round(width, 1), round(height, 1)


def _caption_cell(text: str, box: tuple[float, float]) -> str:
    lines = []
    for line in wrap(text).split("\n"):
        body = dot_html(line)
        lead = len(body) - len(body.lstrip(" "))
        lines.append("&#160;" * lead + body[lead:] + '<br align="left"/>')  # keep indents
    width, height = box
    return (f'<td fixedsize="true" width="{width:g}" height="{height:g}" align="left" '
            f'valign="top" balign="left" bgcolor="{CAPTION_BACKGROUND}">'
            f'<font face="{CAPTION_FONT}" point-size="{CAPTION_POINTS}" '
            f'color="{CAPTION_COLOR}">{"".join(lines)}</font></td>')


def _label_cell(label: str) -> str:
    """A drawing's own graph label as a table cell (plain text with line breaks, or HTML)."""
    if label.startswith("<") and label.endswith(">"):
        return f"<td>{label[1:-1]}</td>"
    lines = re.split(r"\n|\\n|\\l|\\r", label)
    return "<td>" + "<br/>".join(dot_html(line) for line in lines if line) + "</td>"


def captioned(graph: Graph, text: str, box: tuple[float, float]) -> Graph:
    """A copy of ``graph`` with ``text`` as its caption below it, in a box of size ``box``
    (:func:`caption_box` of all frames' texts); the graph's own label goes under the caption.
    """
    attrs = dict(graph.graph_attr)
    rows = [_caption_cell(text, box)]
    own = attrs.get("label")
    if own:
        rows.append(_label_cell(str(own)))
    attrs["label"] = ('<<table border="0" cellborder="0" cellspacing="4" cellpadding="'
                      f'{_PADDING}">' + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>>")
    attrs["labelloc"] = "b"
    return Graph(name=graph.name, graph_attr=attrs, node_attr=dict(graph.node_attr),
                 edge_attr=dict(graph.edge_attr), body=list(graph.body))
