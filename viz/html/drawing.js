  // ---- the drawing (viz/html/drawing.js, written into player.js and live.js by
  // viz.html.script): Graphviz's SVG, prepared in Python (labels escaped there), laid out once
  // and restyled in place. Needs `el(tag, cls, text)` of the script it is written into.
  function loadDrawing(stage, source) {  // -> {svg, groups: element index -> [g], natural}
    var out = {svg: null, groups: [], natural: null};
    if (!source) {
      stage.appendChild(el("p", "", "(install Graphviz's dot to see the drawing)"));
      return out;
    }
    stage.innerHTML = source;
    var svg = out.svg = stage.querySelector("svg");
    var vb = svg.viewBox && svg.viewBox.baseVal;  // the size Graphviz gave it, in px
    out.natural = vb && vb.width ? [vb.width * 4 / 3, vb.height * 4 / 3]
                                 : [svg.width.baseVal.value, svg.height.baseVal.value];
    svg.removeAttribute("width"); svg.removeAttribute("height");
    var gs = svg.querySelectorAll("g[data-k]");
    for (var i = 0; i < gs.length; i++) {
      var k = +gs[i].getAttribute("data-k");
      (out.groups[k] = out.groups[k] || []).push(gs[i]);
    }
    var texts = svg.querySelectorAll("text[data-r]");
    for (var j = 0; j < texts.length; j++) { texts[j].crOriginal = texts[j].textContent; }
    return out;
  }
  // role "h": highlight on/off; "v", "g", "g#1"...: the texts of that role (one per line of
  // val, after each text's own prefix data-p), hidden for null
  function setRole(gs, role, val) {
    for (var i = 0; gs && i < gs.length; i++) {
      var g = gs[i];
      if (role === "h") { g.classList.toggle("cr-hl", !!val); continue; }
      var at = role.indexOf("#");
      var ts = at < 0 ? g.querySelectorAll('text[data-r="' + role + '"]')
        : g.querySelectorAll('text[data-r="' + role.slice(0, at) + '"][data-i="' +
                             role.slice(at + 1) + '"]');
      var lines = val === null ? [] : String(val).split("\n");
      for (var t = 0; t < ts.length; t++) {
        if (val === null) { ts[t].classList.add("cr-off"); continue; }
        ts[t].classList.remove("cr-off");
        var pre = ts[t].getAttribute("data-p") || "";
        ts[t].textContent = t < lines.length ? pre + lines[t] : ts[t].crOriginal;
      }
    }
  }
  function resetDrawing(svg, extra) {  // every text as drawn, no highlight (nor class extra)
    if (!svg) { return; }
    var ts = svg.querySelectorAll("text[data-r]");
    for (var i = 0; i < ts.length; i++) {
      ts[i].textContent = ts[i].crOriginal; ts[i].classList.remove("cr-off");
      if (extra) { ts[i].classList.remove(extra); }
    }
    var hl = svg.querySelectorAll(".cr-hl");
    for (var j = 0; j < hl.length; j++) { hl[j].classList.remove("cr-hl"); }
  }
  // ---- end of the drawing
