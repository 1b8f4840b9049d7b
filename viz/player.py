"""A self-contained HTML page (or notebook fragment) that plays a stepper's frames.

The page holds **one** laid-out drawing (an SVG with every number any frame shows) and, per
frame, the few changes to it: which value and gradient labels appear, which text a label
shows, which node and edge are highlighted. So no node moves between frames and the page
is a fraction of one-SVG-per-frame. A little inline JavaScript (``viz/html/player.js``, styled by
``viz/html/player.css``) builds the player around it:

- the drawing fits the window (width and height) and rescales when the window changes;
  a full-screen button;
- the step text scales with the window and the drawing: as large as the drawing's labels and
  at least the window's height / 35 or width / 62 (20 px at 1280x720, 30 px at 1920x1080,
  never under 16 px), times a scale: the page's ``font_scale``, changed with A- / A+ (keys
  ``-``, ``+``; ``0`` back to the page's) and kept in the browser (``localStorage``) for the
  next page, or set by the address (``steps.html#text=1.5``). Its box is as high as the
  longest text of all frames, so the drawing never moves while the texts change;
- keys: Right/Left, PageDown/PageUp (what presentation clickers send), Space/Shift+Space,
  Home/End; a stand-alone page has focus on load, so the first key press works; inline (in a
  notebook) the player takes the keys once clicked, and several players on a page are
  independent;
- each instance finds its own root from its script element (``document.currentScript``),
  never by id, so copies of the output ("new view for output", re-executions) all work.

The styles are scoped to the player and marked important where a host page (JupyterLab's
zebra striping of tables) would otherwise win; the player is a light card (dark text on
white) in light and dark themes alike, so its colours match the slides.

Where scripts do not run (a static viewer, an untrusted notebook, an e-mail client) the
drawing and the script are not shown at all; what remains is a filmstrip of bounded height:
every frame's step text and, when Graphviz's ``dot`` was available, a small PNG of the frame.
No external files, fonts or libraries.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from .draw import GRAD_COLOR, VALUE_COLOR
from .html import asset, script

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]{0,99}$")

def check_element_id(element_id: str) -> str:
    """An HTML id the player accepts: a letter, then letters, digits, ``-_.:`` (<= 100)."""
    if not isinstance(element_id, str) or not _ID.match(element_id):
        raise ValueError(
            "to_html: element_id must start with a letter and contain only letters, digits, "
            f"'-', '_', '.' or ':' (at most 100 characters), got {element_id!r}"
        )
    return element_id


def diff_roles(roles: dict[str, dict[str, Any]], keys: set[str], order: dict[str, int],
               state: dict[str, dict[str, Any]]) -> list[list[Any]]:
    """The changes ``[element, role, value]`` from ``state`` to ``roles`` for ``keys``.

    ``state`` (what the drawing shows so far) is updated in place. Roles: ``"h"``
    highlighted (0/1), any other a text (``None``: hidden).
    """
    changes = []
    for k in sorted(keys, key=order.__getitem__):
        now = roles.get(k, {})
        before = state.get(k, {})
        for role in sorted(now):
            if role not in before or now[role] != before[role]:
                value = now[role]
                changes.append([order[k], role, int(value) if role == "h" else value])
        state[k] = dict(now)
    return changes


def svg_for_player(svg: str, order: dict[str, int],
                   colors: dict[str, str] | None = None) -> str:
    """Prepare Graphviz's SVG for the player.

    Each drawing element (``<g id=...>`` for the ids in ``order``) gets ``data-k`` (its index),
    each value text ``data-r="v"`` and each gradient text ``data-r="g"`` (by their colour, or
    for record boxes by their ``data``/``grad`` prefix, kept in ``data-p``), and ``data-i``,
    its position among the element's texts of that role (a role ``"g#1"`` changes only the
    second red text: a collapsed neuron shows one gradient per weight). Ids, titles and
    comments are removed: several players on a page must not share ids.
    """
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg.encode("utf-8"))
    g_tag, text_tag, title_tag = f"{{{SVG_NS}}}g", f"{{{SVG_NS}}}text", f"{{{SVG_NS}}}title"
    colors = colors or {VALUE_COLOR: "v", GRAD_COLOR: "g"}
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == title_tag:
                parent.remove(child)
    for g in root.iter(g_tag):
        key = (g.attrib.pop("id", None) or "").split("~")[0]  # "e5_0~a": half of edge e5_0
        if key not in order:
            continue
        g.set("data-k", str(order[key]))
        role = None
        counts: dict[str, int] = {}
        for t in g.iter(text_tag):
            fill = t.get("fill", "")
            content = t.text or ""
            if fill in colors:
                r = colors[fill]
                t.set("data-r", r)
                t.set("data-i", str(counts.get(r, 0)))  # "g#1": the group's second red text
                counts[r] = counts.get(r, 0) + 1
                continue
            if content.startswith(("data ", "grad ")) or content in ("data", "grad"):
                role = "v" if content.startswith("data") else "g"
                if content.startswith(("data ", "grad ")):
                    t.set("data-r", role)
                    t.set("data-p", content[:5])
                continue
            if role and g.get("class") == "node" and content and content[0] in "[-0123456789":
                t.set("data-r", role)  # a record box's matrix rows
    for el in root.iter():
        el.attrib.pop("id", None)
    return ET.tostring(root, encoding="unicode")


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    # no "</script", "<script" or "<!--" can end or re-open the script (JSON escapes)
    text = text.replace("</", "<\\/")
    return re.sub(r"<(?=!--|script)", r"\\u003c", text, flags=re.IGNORECASE)


def filmstrip(data: dict[str, Any], title: str) -> str:
    """The no-script filmstrip: step texts and small frame images, in a bounded box."""
    e = html.escape
    frames = data["frames"]
    n = len(frames)
    images = data.get("images") or []
    parts = [
        '<div class="cr-fallback" style="max-height:640px;box-sizing:border-box;overflow:auto;'
        'background:#fff;'
        'color:#1a1a1a;padding:6px;border:1px solid #ccc">',
        f'<p style="margin:0 0 6px 0"><b>{e(title)}</b>: {n} steps (run the cell, or open '
        "the page in a browser with JavaScript, to step through them one at a time)</p>",
    ]
    if not data.get("svg"):
        parts.append("<p><i>(install Graphviz's dot to see the drawings)</i></p>")
    for i, f in enumerate(frames):
        parts.append(
            f'<div class="cr-frame" data-index="{i}" style="margin:0 0 10px 0">'
            f'<p style="margin:0;color:#555;font-size:12px">step {i + 1} / {n}: '
            f'{e(f["phase"])}</p><pre class="cr-ftext" style="white-space:pre-wrap;margin:2px 0;'
            f'background:#fff8dc;color:#1a1a1a;padding:2px 6px">{e(f["text"])}</pre>'
        )
        if i < len(images):
            parts.append(f'<img src="{images[i]}" alt="step {i + 1}" '
                         'style="max-width:100%;height:auto">')
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def check_font_scale(font_scale: Any) -> float:
    """The step text's scale a player accepts: a number in 0.5..3 (1: the automatic size).

    >>> check_font_scale(1.5)
    1.5
    """
    if isinstance(font_scale, bool) or not isinstance(font_scale, (int, float)) \
            or not 0.5 <= font_scale <= 3:
        raise ValueError("font_scale must be a number in 0.5..3 (1: the automatic size, "
                         f"1.5: half as large again), got {font_scale!r}")
    return float(font_scale)


def player_html(data: dict[str, Any], title: str, element_id: str,
                full_page: bool = True, font_scale: float = 1.0) -> str:
    """Assemble the player.

    Parameters
    ----------
    data : dict
        ``svg`` (the one drawing, prepared by :func:`svg_for_player`, or ``None`` without
        ``dot``), ``frames`` (each with ``text``, ``phase``, ``c``: changes ``[element,
        role, value]`` to the drawing, ``t``: table cells ``[row, "v"|"g", text]``, ``row``:
        highlighted table row), ``rows`` (table row names) and ``images`` (optional PNG data
        URIs, one per frame, for the no-script filmstrip).
    title : str
        Heading (and page title).
    element_id : str
        The player's HTML id (checked by :func:`check_element_id`).
    full_page : bool
        A complete HTML document, or a fragment for Jupyter.
    font_scale : float
        The step text's size relative to the automatic one (0.5..3); a reader's A- / A+
        choice, kept in the browser, wins over it.

    Returns
    -------
    str
    """
    if not data.get("frames"):
        raise ValueError("player_html: no frames to play")
    check_element_id(element_id)
    font_scale = check_font_scale(font_scale)
    e = html.escape
    payload = {"title": title, "svg": data.get("svg"), "rows": data["rows"],
               "inline": not full_page, "fontScale": font_scale,
               "frames": [{k: f[k] for k in ("text", "phase", "c", "t", "row")}
                          for f in data["frames"]]}
    js = script("player.js", script_json(payload))
    body = (
        f'<div class="cr-player" id="{e(element_id)}" tabindex="0" '
        f'data-frames="{len(data["frames"])}">'
        f"<style>{asset('player.css')}</style>{filmstrip(data, title)}"
        f"<script>{js}</script></div>"
    )
    if not full_page:
        return body
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>html, body {{ margin: 0; padding: 4px; "
        f"background: #ffffff; }}</style></head><body>{body}</body></html>\n"
    )
