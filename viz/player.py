"""A self-contained HTML page (or notebook fragment) that plays a stepper's frames.

One ``<li>`` per frame holds the step text, the drawing as inline SVG and a table of every
value and gradient known so far. A few lines of inline JavaScript turn the list into a
player (slider, first/previous/next/last buttons, arrow keys). Where scripts do not run (a
static notebook viewer, an e-mail client) the controls stay hidden and the page reads as a
filmstrip of all frames in order. No external files, fonts or libraries.
"""

from __future__ import annotations

import html
import re
from typing import Any

_CSS = """
.cr-player { font-family: Helvetica, Arial, sans-serif; max-width: 1100px; }
.cr-player h2 { font-size: 1.2em; margin: 0.3em 0; }
.cr-controls { display: none; gap: 0.4em; align-items: center; margin: 0.4em 0; }
.cr-js .cr-controls { display: flex; }
.cr-frames { list-style: none; padding: 0; margin: 0; }
.cr-frame { border-top: 1px solid #ddd; padding: 0.5em 0; }
.cr-js .cr-frame { display: none; border-top: none; }
.cr-js .cr-frame.cr-current { display: block; }
.cr-phase { color: #777; font-size: 0.85em; text-transform: uppercase; }
.cr-text { font-family: Menlo, Consolas, monospace; font-size: 1.05em; white-space: pre-wrap;
           background: #fff8dc; padding: 0.3em 0.5em; margin: 0.3em 0; }
.cr-figure svg { max-width: 100%; height: auto; }
.cr-table { border-collapse: collapse; font-size: 0.9em; margin-top: 0.3em; }
.cr-table td, .cr-table th { border: 1px solid #ddd; padding: 0.1em 0.6em; text-align: right; }
.cr-table td.cr-value { color: #1e7b1e; } .cr-table td.cr-grad { color: #d62728; }
.cr-table tr.cr-hl { background: #ffe066; }
"""

_JS = """
(function () {
  var root = document.getElementById("%(id)s");
  if (!root || root.classList.contains("cr-js")) { return; }
  root.classList.add("cr-js");
  var frames = root.querySelectorAll(".cr-frame");
  var n = frames.length, cur = 0;
  var slider = root.querySelector(".cr-slider");
  var counter = root.querySelector(".cr-counter");
  function show(i) {
    i = Math.max(0, Math.min(n - 1, i));
    frames[cur].classList.remove("cr-current");
    cur = i;
    frames[cur].classList.add("cr-current");
    slider.value = String(cur);
    counter.textContent = (cur + 1) + " / " + n;
    root.setAttribute("data-current", String(cur));
  }
  function on(cls, f) { root.querySelector(cls).addEventListener("click", f); }
  on(".cr-first", function () { show(0); });
  on(".cr-prev", function () { show(cur - 1); });
  on(".cr-next", function () { show(cur + 1); });
  on(".cr-last", function () { show(n - 1); });
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  root.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") { show(cur + 1); e.preventDefault(); }
    else if (e.key === "ArrowLeft") { show(cur - 1); e.preventDefault(); }
  });
  show(0);
})();
"""

_PROLOG = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->", re.S)


def inline_svg(svg: str) -> str:
    """Strip the XML prolog, doctype and comments so the SVG can sit inside HTML."""
    return _PROLOG.sub("", svg).strip()


def _frame_html(i: int, frame: dict[str, Any]) -> str:
    e = html.escape
    rows = "".join(
        f'<tr{" class=cr-hl" if hl else ""}><th>{e(name)}</th>'
        f'<td class="cr-value">{e(value)}</td><td class="cr-grad">{e(grad)}</td></tr>'
        for name, value, grad, hl in frame["rows"]
    )
    figure = (inline_svg(frame["svg"]) if frame.get("svg")
              else "<p><i>(install Graphviz's dot to see the drawing)</i></p>")
    return (
        f'<li class="cr-frame" data-index="{i}" data-phase="{e(frame["phase"])}" '
        f'data-node="{e(frame["node"])}" data-name="{e(frame["name"])}">'
        f'<div class="cr-phase">step {i + 1}: {e(frame["phase"])}</div>'
        f'<div class="cr-text">{e(frame["text"])}</div>'
        f'<div class="cr-figure">{figure}</div>'
        f'<table class="cr-table"><tr><th>node</th><th>value</th><th>gradient</th></tr>'
        f"{rows}</table></li>"
    )


def player_html(frames: list[dict[str, Any]], title: str, element_id: str,
                full_page: bool = True) -> str:
    """Assemble the player.

    Parameters
    ----------
    frames : list of dict
        Each with ``text``, ``phase``, ``node`` (id of the highlighted node in the SVG),
        ``name``, ``svg`` (SVG text or ``None``) and ``rows`` (name, value, grad, highlighted).
    title : str
        Heading (and page title).
    element_id : str
        The player's element id (unique within a notebook).
    full_page : bool
        A complete HTML document, or a fragment for Jupyter.

    Returns
    -------
    str
    """
    if not frames:
        raise ValueError("player_html: no frames to play")
    e = html.escape
    n = len(frames)
    controls = (
        '<div class="cr-controls">'
        '<button type="button" class="cr-first" title="first">&laquo; first</button>'
        '<button type="button" class="cr-prev" title="previous (left arrow)">&#9664; prev</button>'
        f'<input type="range" class="cr-slider" min="0" max="{n - 1}" value="0" '
        'aria-label="frame">'
        '<button type="button" class="cr-next" title="next (right arrow)">next &#9654;</button>'
        '<button type="button" class="cr-last" title="last">last &raquo;</button>'
        f'<span class="cr-counter">1 / {n}</span></div>'
    )
    body = (
        f'<div class="cr-player" id="{e(element_id)}" tabindex="0">'
        f"<style>{_CSS}</style><h2>{e(title)}</h2>{controls}"
        '<ol class="cr-frames">'
        + "".join(_frame_html(i, f) for i, f in enumerate(frames))
        + f"</ol><script>{_JS % {'id': element_id}}</script></div>"
    )
    if not full_page:
        return body
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title></head><body>{body}</body></html>\n"
    )
