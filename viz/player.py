"""A self-contained HTML page (or notebook fragment) that plays a stepper's frames.

The page holds **one** laid-out drawing (an SVG with every number any frame shows) and, per
frame, the few changes to it: which value and gradient labels appear, which text a label
shows, which node and edge are highlighted. So no node moves between frames and the page
is a fraction of one-SVG-per-frame. A little inline JavaScript builds the player around it:

- the drawing fits the window (width and height) and rescales when the window changes;
  a full-screen button; a text-size control (A- / A+);
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

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]{0,99}$")

_CSS = """
.cr-player.cr-player { all: initial; display: block; font-family: Helvetica, Arial, sans-serif;
  color: #1a1a1a; background: #ffffff; border: 1px solid #d0d0d0; border-radius: 6px;
  padding: 8px 10px; margin: 4px 0; box-sizing: border-box; outline: none;
  --cr-font: 17px; line-height: 1.3; }
.cr-player.cr-player:focus-within, .cr-player.cr-player:focus { border-color: #e67e00; }
.cr-player.cr-player:fullscreen { overflow: auto; border: none; border-radius: 0; }
.cr-player .cr-bar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center;
  margin: 0 0 6px 0; font-size: 14px; }
.cr-player .cr-title { font-weight: bold; font-size: 15px; margin-right: 8px; }
.cr-player .cr-bar button { font: 14px Helvetica, Arial, sans-serif; color: #1a1a1a;
  background: #f2f2f2; border: 1px solid #aaa; border-radius: 4px; padding: 2px 8px;
  cursor: pointer; margin: 0; }
.cr-player .cr-bar button:hover { background: #e4e4e4; }
.cr-player .cr-bar input[type=range] { width: 160px; margin: 0 4px; }
.cr-player .cr-counter { font-variant-numeric: tabular-nums; min-width: 5em; color: #1a1a1a; }
.cr-player .cr-phase { color: #666; font-size: 12px; text-transform: uppercase;
  letter-spacing: 0.05em; }
.cr-player .cr-text { font: var(--cr-font) Menlo, Consolas, "DejaVu Sans Mono", monospace;
  white-space: pre-wrap; color: #1a1a1a; background: #fff8dc; border: none;
  padding: 4px 8px; margin: 2px 0 6px 0; min-height: 2.6em; }
.cr-player .cr-stage { text-align: center; overflow: hidden; background: #ffffff; }
.cr-player .cr-stage svg { display: inline-block; max-width: none !important;
  max-height: none !important; }
.cr-player svg text.cr-off { visibility: hidden; }
.cr-player svg g.node.cr-hl > ellipse, .cr-player svg g.node.cr-hl > polygon,
.cr-player svg g.node.cr-hl > path { fill: #ffe066 !important; stroke: #e67e00 !important;
  stroke-width: 3px !important; }
.cr-player svg g.edge.cr-hl > path { stroke: #e67e00 !important;
  stroke-width: 3px !important; }
.cr-player svg g.edge.cr-hl > polygon { fill: #e67e00 !important;
  stroke: #e67e00 !important; }
.cr-player svg g.node.cr-label.cr-hl > polyline { stroke: #e67e00 !important;
  stroke-width: 3px !important; }
.cr-player details.cr-numbers { margin-top: 6px; font-size: calc(var(--cr-font) * 0.8); }
.cr-player details.cr-numbers summary { cursor: pointer; color: #444; font-size: 13px; }
.cr-player table.cr-table { border-collapse: collapse; margin: 4px 0; color: #1a1a1a;
  background: #ffffff; font-size: inherit; }
.cr-player table.cr-table tr, .cr-player table.cr-table tr:nth-child(odd),
.cr-player table.cr-table tr:nth-child(even) { background: #ffffff !important; }
.cr-player table.cr-table td, .cr-player table.cr-table th { border: 1px solid #ddd;
  padding: 1px 8px; text-align: right; color: #1a1a1a; background: transparent; }
.cr-player table.cr-table td.cr-value { color: #17661a; }
.cr-player table.cr-table td.cr-grad { color: #c41e1e; }
.cr-player table.cr-table tr.cr-hl, .cr-player table.cr-table tr.cr-hl:nth-child(odd),
.cr-player table.cr-table tr.cr-hl:nth-child(even) { background: #ffe066 !important; }
.cr-player table.cr-table tr.cr-hl > * { background: #ffe066 !important; }
.cr-player.cr-js .cr-fallback { display: none !important; }
"""

# The player's behaviour. `D` is this instance's data; `S` its script element.
_JS = r"""
(function (D, S) {
  var root = S && S.parentNode;
  if (!root || !root.classList || !root.classList.contains("cr-player")) {
    var all = document.querySelectorAll(".cr-player:not(.cr-js)");
    root = all.length ? all[all.length - 1] : null;
  }
  if (!root || root.classList.contains("cr-js")) { return; }
  root.classList.add("cr-js");
  var old = root.querySelector(".cr-fallback");
  if (old) { old.parentNode.removeChild(old); }
  var F = D.frames, n = F.length, cur = -1;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function button(label, title, f) {
    var b = el("button", "", label);
    b.type = "button"; b.title = title; b.tabIndex = -1;
    b.addEventListener("click", function () { f(); root.focus({preventScroll: true}); });
    bar.appendChild(b);
    return b;
  }
  var bar = el("div", "cr-bar");
  bar.appendChild(el("span", "cr-title", D.title));
  button("\u00ab first", "first (Home)", function () { go(0); });
  button("\u25c0 prev", "previous (Left, PageUp, Shift+Space)", function () { go(cur - 1); });
  var slider = el("input", "cr-slider");
  slider.type = "range"; slider.min = "0"; slider.max = String(n - 1); slider.value = "0";
  slider.tabIndex = -1; slider.setAttribute("aria-label", "frame");
  slider.addEventListener("input", function () { go(parseInt(slider.value, 10)); });
  bar.appendChild(slider);
  button("next \u25b6", "next (Right, PageDown, Space)", function () { go(cur + 1); });
  button("last \u00bb", "last (End)", function () { go(n - 1); });
  var counter = el("span", "cr-counter");
  bar.appendChild(counter);
  button("A\u2212", "smaller text", function () { font(-2); });
  button("A+", "larger text", function () { font(2); });
  button("full screen", "full screen (Esc leaves it)", function () {
    if (document.fullscreenElement === root) { document.exitFullscreen(); }
    else if (root.requestFullscreen) { root.requestFullscreen(); }
  });
  var phase = el("div", "cr-phase"), text = el("div", "cr-text");
  var stage = el("div", "cr-stage");
  root.appendChild(bar); root.appendChild(phase); root.appendChild(text);
  root.appendChild(stage);
  var svg = null, groups = [], natural = null;
  if (D.svg) {
    stage.innerHTML = D.svg;
    svg = stage.querySelector("svg");
    var vb = svg.viewBox && svg.viewBox.baseVal;
    natural = vb && vb.width ? [vb.width * 4 / 3, vb.height * 4 / 3]
                             : [svg.width.baseVal.value, svg.height.baseVal.value];
    svg.removeAttribute("width"); svg.removeAttribute("height");
    var gs = svg.querySelectorAll("g[data-k]");
    for (var i = 0; i < gs.length; i++) {
      var gk = +gs[i].getAttribute("data-k");
      (groups[gk] = groups[gk] || []).push(gs[i]);
    }
    var texts = svg.querySelectorAll("text[data-r]");
    for (var j = 0; j < texts.length; j++) { texts[j].crOriginal = texts[j].textContent; }
  } else {
    stage.appendChild(el("p", "", "(install Graphviz's dot to see the drawing)"));
  }
  var details = el("details", "cr-numbers"), table = el("table", "cr-table");
  details.appendChild(el("summary", "", "values and gradients"));
  if (D.inline) { details.open = true; }
  var head = el("tr");
  ["node", "value", "gradient"].forEach(function (h) { head.appendChild(el("th", "", h)); });
  table.appendChild(head);
  var rows = D.rows.map(function (name) {
    var tr = el("tr"); tr.appendChild(el("th", "", name));
    var v = el("td", "cr-value"), g = el("td", "cr-grad");
    tr.appendChild(v); tr.appendChild(g); table.appendChild(tr);
    return {tr: tr, v: v, g: g};
  });
  details.appendChild(table);
  if (D.rows.length) { root.appendChild(details); }
  details.addEventListener("toggle", fit);

  function setRole(gs, role, val) {
    for (var i = 0; gs && i < gs.length; i++) { setRole1(gs[i], role, val); }
  }
  function setRole1(g, role, val) {
    if (role === "h") { g.classList.toggle("cr-hl", !!val); return; }
    var at = role.indexOf("#");
    var ts = at < 0 ? g.querySelectorAll('text[data-r="' + role + '"]')
      : g.querySelectorAll('text[data-r="' + role.slice(0, at) + '"][data-i="' +
                           role.slice(at + 1) + '"]');
    var lines = val === null ? [] : String(val).split("\n");
    for (var i = 0; i < ts.length; i++) {
      var t = ts[i];
      if (val === null) { t.classList.add("cr-off"); continue; }
      t.classList.remove("cr-off");
      var p = t.getAttribute("data-p") || "";
      t.textContent = i < lines.length ? p + lines[i] : t.crOriginal;
    }
  }
  function reset() {
    if (svg) {
      var ts = svg.querySelectorAll("text[data-r]");
      for (var i = 0; i < ts.length; i++) {
        ts[i].textContent = ts[i].crOriginal; ts[i].classList.remove("cr-off");
      }
      var hl = svg.querySelectorAll(".cr-hl");
      for (var j = 0; j < hl.length; j++) { hl[j].classList.remove("cr-hl"); }
    }
    rows.forEach(function (r) { r.v.textContent = ""; r.g.textContent = ""; });
  }
  function apply(i) {
    var f = F[i];
    for (var a = 0; a < f.c.length; a++) { setRole(groups[f.c[a][0]], f.c[a][1], f.c[a][2]); }
    for (var b = 0; b < f.t.length; b++) { rows[f.t[b][0]][f.t[b][1]].textContent = f.t[b][2]; }
  }
  function go(i) {
    i = Math.max(0, Math.min(n - 1, i));
    if (i === cur) { return; }
    var from = cur + 1;
    if (i < cur) { reset(); from = 0; }
    for (var k = from; k <= i; k++) { apply(k); }
    if (cur >= 0 && F[cur].row >= 0) { rows[F[cur].row].tr.classList.remove("cr-hl"); }
    cur = i;
    if (F[cur].row >= 0) { rows[F[cur].row].tr.classList.add("cr-hl"); }
    slider.value = String(cur);
    counter.textContent = (cur + 1) + " / " + n;
    phase.textContent = "step " + (cur + 1) + ": " + F[cur].phase;
    var h = text.offsetHeight;
    text.textContent = F[cur].text;
    root.setAttribute("data-current", String(cur));
    if (text.offsetHeight !== h) { fit(); }
  }
  function font(delta) {
    var now = parseFloat(getComputedStyle(root).getPropertyValue("--cr-font")) || 17;
    root.style.setProperty("--cr-font", Math.max(10, Math.min(44, now + delta)) + "px");
    fit();
  }
  function fit() {
    if (!svg || !natural) { return; }
    var full = document.fullscreenElement === root;
    var vh = full ? window.screen.height : window.innerHeight;
    var w = stage.clientWidth || root.clientWidth;
    var other = root.getBoundingClientRect().height - stage.getBoundingClientRect().height;
    var h = vh - other - (full ? 8 : 16);
    if (D.inline && !full) { h = Math.min(h, vh * 0.85); }
    var s = Math.min(w / natural[0], Math.max(h, 120) / natural[1]);
    s = Math.max(0.1, Math.min(s, 8));
    svg.style.width = Math.floor(natural[0] * s) + "px";
    svg.style.height = Math.floor(natural[1] * s) + "px";
    stage.style.height = Math.floor(natural[1] * s) + "px";
  }
  function key(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    var k = e.key, to = null;
    if (k === "ArrowRight" || k === "PageDown" || (k === " " && !e.shiftKey)) { to = cur + 1; }
    else if (k === "ArrowLeft" || k === "PageUp" || (k === " " && e.shiftKey)) { to = cur - 1; }
    else if (k === "Home") { to = 0; }
    else if (k === "End") { to = n - 1; }
    if (to === null) { return; }
    e.preventDefault(); e.stopPropagation();
    go(to);
  }
  root.addEventListener("keydown", key);
  if (!D.inline) {
    document.addEventListener("keydown", function (e) {
      if (!root.contains(e.target)) { key(e); }
    });
  }
  root.addEventListener("click", function () { root.focus({preventScroll: true}); });
  window.addEventListener("resize", fit);
  document.addEventListener("fullscreenchange", function () { setTimeout(fit, 50); });
  if (window.ResizeObserver) {
    var lastW = 0;
    new ResizeObserver(function () {
      if (root.clientWidth !== lastW) { lastW = root.clientWidth; fit(); }
    }).observe(root);
  }
  go(0);
  fit();
  var active = document.activeElement;
  if (!D.inline || !active || active === document.body) { root.focus({preventScroll: true}); }
})(%(data)s, document.currentScript);
"""


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


def _script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    # no "</script", "<script" or "<!--" can end or re-open the script (JSON escapes)
    text = text.replace("</", "<\\/")
    return re.sub(r"<(?=!--|script)", r"\\u003c", text, flags=re.IGNORECASE)


def _fallback(data: dict[str, Any], title: str) -> str:
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


def player_html(data: dict[str, Any], title: str, element_id: str,
                full_page: bool = True) -> str:
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

    Returns
    -------
    str
    """
    if not data.get("frames"):
        raise ValueError("player_html: no frames to play")
    check_element_id(element_id)
    e = html.escape
    payload = {"title": title, "svg": data.get("svg"), "rows": data["rows"],
               "inline": not full_page,
               "frames": [{k: f[k] for k in ("text", "phase", "c", "t", "row")}
                          for f in data["frames"]]}
    script = _JS % {"data": _script_json(payload)}
    body = (
        f'<div class="cr-player" id="{e(element_id)}" tabindex="0" '
        f'data-frames="{len(data["frames"])}">'
        f"<style>{_CSS}</style>{_fallback(data, title)}"
        f"<script>{script}</script></div>"
    )
    if not full_page:
        return body
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>html, body {{ margin: 0; padding: 4px; "
        f"background: #ffffff; }}</style></head><body>{body}</body></html>\n"
    )
