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
/*CHAINRULE_DRAWING*/
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
  button("A\u2212", "smaller text (-)", function () { font(-1); });
  button("A+", "larger text (+)", function () { font(1); });
  button("full screen", "full screen (Esc leaves it)", function () {
    if (document.fullscreenElement === root) { document.exitFullscreen(); }
    else if (root.requestFullscreen) { root.requestFullscreen(); }
  });
  var phase = el("div", "cr-phase"), text = el("div", "cr-text");
  // sizer: an invisible copy of the text box, to measure every frame's text in it
  var stage = el("div", "cr-stage"), sizer = el("div", "cr-text cr-sizer");
  sizer.setAttribute("aria-hidden", "true");
  root.appendChild(bar); root.appendChild(phase); root.appendChild(text);
  root.appendChild(stage); root.appendChild(sizer);
  var drawn = loadDrawing(stage, D.svg);
  var svg = drawn.svg, groups = drawn.groups, natural = drawn.natural;
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

  function reset() {
    resetDrawing(svg);
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
  // ------------------------------------------------------------ text size
  // The step text's size = scale * max(the window's base size, the drawing's label size):
  // base = height/35 or width/62 (20 px at 1280x720, 30 px at 1920x1080), at least 16 px.
  // scale: the URL's #text=1.3, else the reader's A-/A+ choice (stored), else the page's
  // font_scale; A-/A+ (keys - and +) change it by 0.1 and store it, 0 goes back to the page's.
  var STORE = "chainrule.text-scale";
  function stored() {
    var m = /(?:^#|[#&;])(?:cr-)?text=([0-9.]+)/.exec(location.hash || "");
    if (m && isFinite(+m[1]) && +m[1] > 0) { return clampScale(+m[1]); }
    try {
      var v = window.localStorage && localStorage.getItem(STORE);
      if (v && isFinite(+v) && +v > 0) { return clampScale(+v); }
    } catch (err) { /* storage refused (a sandboxed frame): the page's size */ }
    return clampScale(+D.fontScale || 1);
  }
  function clampScale(v) { return Math.round(Math.max(0.5, Math.min(3, v)) * 100) / 100; }
  var scale = stored(), textPx = 0, reserved = {};
  function font(step) {
    scale = step === 0 ? clampScale(+D.fontScale || 1) : clampScale(scale + 0.1 * step);
    try {
      if (step === 0) { localStorage.removeItem(STORE); }
      else { localStorage.setItem(STORE, String(scale)); }
    } catch (err) { /* not stored: this page keeps the size until it is reloaded */ }
    fit();
  }
  function labelPx() {
    // the median size, in screen pixels, of the drawing's node and edge labels
    if (!svg) { return 0; }
    var ts = svg.querySelectorAll("g.node text"), sizes = [];
    var m = svg.getScreenCTM && svg.getScreenCTM();
    var k = m ? Math.abs(m.a) : 1;
    for (var i = 0; i < ts.length; i++) {
      var f = parseFloat(ts[i].getAttribute("font-size"));
      if (f > 0) { sizes.push(f * k); }
    }
    if (!sizes.length) { return 0; }
    sizes.sort(function (a, b) { return a - b; });
    return sizes[sizes.length >> 1];
  }
  function reserve() {
    // the height of the longest text at this width and size: every frame's text box gets it,
    // so the drawing stays where it is while the text changes
    sizer.style.width = text.offsetWidth + "px";
    var key = text.offsetWidth + "/" + textPx;
    if (reserved[key] === undefined) {
      var most = 0, seen = {}, candidates = F;
      if (n > 300) {  // many frames: measure the 30 with the most lines at this width
        var probe = el("span", "", "0000000000");
        sizer.textContent = ""; sizer.appendChild(probe);
        var one = probe.getBoundingClientRect().width / 10 || 1;
        var chars = Math.max(1, Math.floor(sizer.clientWidth / one) - 2);
        candidates = F.slice().map(function (f) {
          var lines = f.text.split("\n"), est = 0;
          for (var i = 0; i < lines.length; i++) {
            est += Math.max(1, Math.ceil(lines[i].length / chars));
          }
          return {f: f, est: est};
        }).sort(function (a, b) { return b.est - a.est; }).slice(0, 30)
          .map(function (x) { return x.f; });
      }
      for (var i = 0; i < candidates.length; i++) {
        var t = candidates[i].text;
        if (seen[t]) { continue; }
        seen[t] = true;
        sizer.textContent = t;
        most = Math.max(most, sizer.offsetHeight);
      }
      sizer.textContent = "";
      reserved[key] = most;
    }
    text.style.minHeight = reserved[key] + "px";
  }
  function setText(px) {
    textPx = Math.round(px * 2) / 2;
    root.style.setProperty("--cr-font", textPx + "px");
    reserve();
  }
  // ------------------------------------------------------------------ layout
  function fit() {
    var full = document.fullscreenElement === root;
    var vh = full ? window.screen.height : window.innerHeight;
    var vw = D.inline && !full ? root.clientWidth : (full ? window.screen.width
                                                          : window.innerWidth);
    var base = Math.max(16, Math.min(vh / 35, vw / 62));
    setText(scale * base);
    fitDrawing(full, vh);
    var labels = labelPx();
    if (labels > base) {  // as large as the drawing's labels, within 8% of the height...
      setText(scale * Math.min(labels, Math.max(base, vh * 0.08)));
      // ... and the longest text within 40% of it
      var most = parseFloat(text.style.minHeight) || 0;
      if (most > 0.4 * vh && textPx > scale * base) {
        setText(Math.max(scale * base, textPx * 0.4 * vh / most));
      }
      fitDrawing(full, vh);
    }
    root.setAttribute("data-text-px", String(textPx));
  }
  function fitDrawing(full, vh) {
    if (!svg || !natural) { return; }
    var w = stage.clientWidth || root.clientWidth;
    var box = root.getBoundingClientRect();
    var other = box.height - stage.getBoundingClientRect().height;
    // an inline player's open table of numbers sits below the drawing: scroll to it, rather
    // than shrinking the drawing to a thumbnail to fit both on the screen
    if (D.inline && !full && details.open && details.parentNode === root) {
      other -= details.getBoundingClientRect().height;
    }
    // a page keeps the player's distance from its top below it too (html, body, margins)
    var h = vh - other - (full ? 8 : D.inline ? 16 : 2 * (box.top + window.scrollY) + 1);
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
    else if (k === "+" || k === "=" || k === "-" || k === "0") {
      e.preventDefault(); e.stopPropagation();
      font(k === "-" ? -1 : k === "0" ? 0 : 1);
      return;
    }
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
             goto: function (k) { go(+k); return cur; },
             textScale: function (v) {
               if (v !== undefined) { scale = clampScale(+v); fit(); }
               return scale;
             }};
  window.chainrule = window.chainrule || {};
  window.chainrule.players = window.chainrule.players || [];
  window.chainrule.players.push(api);
  root.crPlayer = api;
  var active = document.activeElement;
  if (!D.inline || !active || active === document.body) { root.focus({preventScroll: true}); }
})(/*CHAINRULE_DATA*/null, document.currentScript);
