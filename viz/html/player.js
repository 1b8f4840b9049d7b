// The chainrule frame player: one laid-out SVG restyled frame by frame (viz/player.py
// assembles the page and puts this player's data in the CHAINRULE_DATA slot at the end).
// D: this instance's data; S: its script element.
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
  // scripting API, as the live page's: window.chainrule.players[i] (tests drive it)
  var api = {frames: function () { return n; }, current: function () { return cur; },
             goto: function (k) { go(+k); return cur; }};
  window.chainrule = window.chainrule || {};
  window.chainrule.players = window.chainrule.players || [];
  window.chainrule.players.push(api);
  root.crPlayer = api;
  var active = document.activeElement;
  if (!D.inline || !active || active === document.body) { root.focus({preventScroll: true}); }
})(/*CHAINRULE_DATA*/null, document.currentScript);
