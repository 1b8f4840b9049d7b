/* chainrule live page: explore (edit the leaves, every number follows) and practice (type each
 * gradient before it is shown). Plain JavaScript, no build step, no network, no eval.
 *
 * The data (a <script type="application/json" class="cr-data"> beside this script) holds the
 * graph: nodes in topological order, each with its op-table row `k`, constant `c`, parents `p`,
 * value `v`; the op table `ops` (row name -> forward tree `f`, derivative trees `d`, from
 * autograd.opinfo.page_table() through viz/live_ops.py); the drawing (`svg`, `roles`: which
 * text shows which number) and, in practice, the stepper's frames and questions (each with
 * its answer `x` and tolerance `tol`). The drawing code is viz/html/drawing.js, written in at
 * the CHAINRULE_DRAWING slot.
 *
 * Scripting API: window.chainrule.players[i] with
 *   set(name, value), value(name), grad(name), goto(k), frames(), current(), ask(),
 *   answer(text) -> bool, hint(), score() -> {right, wrong, answered, total},
 *   descend() -> the output's value, chain(name), select(name), format(x, p), mode.
 */
(function (S) {
  "use strict";
  var root = S && S.parentNode;
  if (!root || !root.classList || !root.classList.contains("cr-live")) {
    var all = document.querySelectorAll(".cr-live:not(.cr-js)");
    root = all.length ? all[all.length - 1] : null;
  }
  if (!root || root.classList.contains("cr-js")) { return; }
  var holder = null;
  for (var c0 = 0; c0 < root.children.length; c0++) {
    if (root.children[c0].classList.contains("cr-data")) { holder = root.children[c0]; }
  }
  if (!holder) { return; }
  var D = JSON.parse(holder.textContent);
  root.classList.add("cr-js");
  var old = root.querySelector(".cr-fallback");
  if (old) { old.parentNode.removeChild(old); }

  // ------------------------------------------------------------ the interpreter (float64)
  var FN = {
    "+": function (x, y) { return x + y; }, "-": function (x, y) { return x - y; },
    "*": function (x, y) { return x * y; }, "/": function (x, y) { return x / y; },
    "**": Math.pow, "neg": function (x) { return -x; }, "abs": Math.abs,
    "sign": function (x) { return x > 0 ? 1 : (x < 0 ? -1 : 0); },
    "exp": Math.exp, "log": Math.log, "log1p": Math.log1p, "sqrt": Math.sqrt,
    "tanh": Math.tanh, "sin": Math.sin, "cos": Math.cos,
    "sigmoid": function (x) {  // only exp of a non-positive number
      if (x >= 0) { return 1 / (1 + Math.exp(-x)); }
      var e = Math.exp(x); return e / (1 + e);
    },
    ">": function (x, y) { return x > y ? 1 : 0; }, "<": function (x, y) { return x < y ? 1 : 0; },
    "==": function (x, y) { return x === y ? 1 : 0; }
  };
  function ev(t, env) {  // a number, a name, or [operator, operand...] (autograd.opinfo)
    if (typeof t === "number") { return t; }
    if (typeof t === "string") { return env[t]; }
    var f = t[0];
    if (f === "where") { return ev(t[1], env) ? ev(t[2], env) : ev(t[3], env); }
    if (t.length === 2) { return FN[f](ev(t[1], env)); }
    return FN[f](ev(t[1], env), ev(t[2], env));
  }
  var N = D.nodes, n = N.length, R = D.root, OPS = D.ops;
  var vals = new Float64Array(n), grads = new Float64Array(n);
  var locals = [], shares = [], consumers = [], byName = {};
  for (var i = 0; i < n; i++) {
    N[i].v = Number(N[i].v); N[i].c = Number(N[i].c);
    vals[i] = N[i].v; locals.push([]); shares.push([]); consumers.push([]);
    (byName[N[i].n] = byName[N[i].n] || []).push(i);
  }
  for (var j = 0; j < n; j++) {
    for (var s = 0; s < N[j].p.length; s++) { consumers[N[j].p[s]].push([j, s]); }
  }
  function compute() {
    var k, q;
    for (k = 0; k < n; k++) {  // forward, parents first
      var nd = N[k];
      if (nd.leaf) { continue; }
      var row = OPS[nd.k];
      var env = {a: vals[nd.p[0]], b: nd.p.length > 1 ? vals[nd.p[1]] : 0, c: nd.c};
      if (row.fold) {  // sum(): ((p0 + 0) + p1) + ..., as Value adds; d/d every term = d[0]
        vals[k] = ev(row.f, {a: vals[nd.p[0]], b: 0, c: 0});
        for (q = 1; q < nd.p.length; q++) {
          vals[k] = ev(row.f, {a: vals[k], b: vals[nd.p[q]], c: 0});
        }
        env.out = vals[k];
        for (q = 0; q < nd.p.length; q++) { locals[k][q] = ev(row.d[0], env); }
        continue;
      }
      vals[k] = ev(row.f, env);
      env.out = vals[k];
      for (q = 0; q < row.d.length; q++) { locals[k][q] = ev(row.d[q], env); }
    }
    for (k = 0; k < n; k++) { grads[k] = 0; }
    grads[R] = 1;  // d root / d root
    for (k = n - 1; k >= 0; k--) {  // reverse: parent.grad += local * upstream
      var ps = N[k].p, g = grads[k];
      for (q = 0; q < ps.length; q++) {
        shares[k][q] = locals[k][q] * g;
        grads[ps[q]] += shares[k][q];
      }
    }
  }

  // ------------------------------------------------------------------- numbers as text
  var P = D.precision;
  // viz.texts.numbers.fmt, digit for digit: p decimals, at least p significant digits below 1,
  // integers without decimals, scientific notation from 1e15 and below 1e-6
  function fixed(x, d) {  // Python's f"{x:.{d}f}": an exact tie rounds half to even
    var s = x.toFixed(d);  // a tie goes away from zero here
    var long = Math.abs(x).toFixed(Math.min(100, d + 25)), at = long.indexOf(".");
    if (/^50*$/.test(long.slice(at + 1 + d))) {
      var kept = long.slice(0, d ? at + 1 + d : at);
      if (+kept.slice(-1) % 2 === 0) { s = (x < 0 ? "-" : "") + kept; }
    }
    return s;
  }
  function sci(x, d) {  // Python's f"{x:.{d}e}": ties half to even, two exponent digits
    var s = x.toExponential(d);
    var long = Math.abs(x).toExponential(Math.min(100, d + 25)), e = long.indexOf("e");
    var at = long.indexOf(".");
    if (at > 0 && /^50*$/.test(long.slice(at + 1 + d, e))) {
      var kept = long.slice(0, d ? at + 1 + d : at);
      if (+kept.slice(-1) % 2 === 0) { s = (x < 0 ? "-" : "") + kept + long.slice(e); }
    }
    return s.replace(/e([+-])(\d)$/, function (all, sign, digit) {
      return "e" + sign + "0" + digit;
    });
  }
  function fmt(x, p) {
    if (p === undefined) { p = P; }
    if (x !== x) { return "nan"; }
    if (x === Infinity) { return "inf"; }
    if (x === -Infinity) { return "-inf"; }
    if (x === 0) { return "0"; }
    var m = Math.abs(x);
    if (m >= 1e15) { return sci(x, p); }
    var r = Math.round(x);
    if (r !== 0 && Math.abs(x - r) <= 1e-12 * m) { return String(r); }  // integer up to noise
    var sig = Math.max(p, 1);
    if (m < 1e-6) { return sci(x, sig - 1); }
    // 0.0049: lead 3, of x rounded to sig digits (9.99996e-06 is 1.0e-05, printed as 1e-05 is)
    var lead = -Math.floor(Math.log10(Math.abs(Number(sci(x, sig - 1)))));
    return fixed(x, Math.max(p, lead + sig - 1));
  }
  var NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  function parse(text) {  // viz.live.parse_answer: "-4", "0.39", "1/4"
    var parts = String(text).replace(/\u2212/g, "-").split("/").map(function (x) {
      return x.trim();
    });
    if (parts.length < 1 || parts.length > 2) { return null; }
    for (var i = 0; i < parts.length; i++) { if (!NUM.test(parts[i])) { return null; } }
    if (parts.length === 1) { return Number(parts[0]); }
    var den = Number(parts[1]);
    return den === 0 ? null : Number(parts[0]) / den;
  }
  function judge(text, q) {  // right within half the last digit shown (viz.live.judge)
    var y = parse(text);
    if (y === null || !isFinite(q.x)) { return false; }
    return Math.abs(y - q.x) <= q.tol + 1e-12 * Math.abs(q.x);
  }

  // ---------------------------------------------------------------------------- the DOM
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
/*CHAINRULE_DRAWING*/
  function button(parent, label, title, f) {
    var b = el("button", "", label);
    b.type = "button"; b.title = title;
    b.addEventListener("click", function (e) { e.stopPropagation(); f(); });
    parent.appendChild(b);
    return b;
  }
  var practice = D.mode === "practice";
  var bar = el("div", "cr-bar");
  bar.appendChild(el("span", "cr-title", D.title));
  root.appendChild(bar);
  var main = el("div", "cr-main"), side = el("div", "cr-side");
  var stagebox = el("div", "cr-stagebox"), stage = el("div", "cr-stage");
  var drawn = loadDrawing(stage, D.svg);
  var svg = drawn.svg, groups = drawn.groups, natural = drawn.natural;
  function number(what, k, slot) {
    return what === "v" ? vals[k] : (what === "g" ? grads[k] : shares[k][slot]);
  }
  function restyle() {  // every number of the drawing from the page's own values
    for (var i = 0; i < D.roles.length; i++) {
      var r = D.roles[i];
      setRole(groups[r[0]], r[1], r[5] + fmt(number(r[2], r[3], r[4])));
    }
  }
  var J = N[R].n;
  function local(k, slot) {  // d node / d operand, in the operands' names (or its number)
    var f = N[k].fm[slot];
    return f === null || f === undefined ? fmt(locals[k][slot]) : f;
  }
  // viz.texts.scalar.consistent: operands printed with up to 4 more decimals (together), until
  // the printed operands, combined, round to the printed result (0.197 * -3 = -0.59)
  function consistent(values, combine, result) {
    var target = fmt(result), extra, texts;
    var exact = values.map(function (v) { return Number(fmt(v)) === v; });
    function shown(more) {
      return values.map(function (v, i) { return fmt(v, P + (exact[i] ? 0 : more)); });
    }
    for (extra = 0; extra <= 4; extra++) {
      texts = shown(extra);
      // the same number at the shown precision ("1" for 1.0 and "1.00" for 0.9999999996)
      if (Number(fmt(combine(texts.map(Number)))) === Number(target)) { return texts; }
    }
    return shown(4);
  }
  function product(a, b) { return a * b; }
  function total(xs) { return xs.reduce(function (s, x) { return s + x; }, 0); }
  function chain(k) {  // dJ/dx = sum over consumers t of dJ/dt * dt/dx, with numbers
    var x = N[k].n;
    if (k === R) { return "d" + J + "/d" + J + " = 1"; }
    var lines = ["d" + J + "/d" + x + " = \u03a3 over consumers t of d" + J + "/dt * dt/d" + x];
    var terms = [];
    consumers[k].forEach(function (cs) {
      var t = cs[0], slot = cs[1], tn = N[t].n, share = shares[t][slot];
      var lf = local(t, slot), lv = fmt(locals[t][slot]);
      lines.push("  t = " + tn + " (" + N[t].g + "): d" + tn + "/d" + x + " = " + lf +
                 (lf === lv ? "" : " = " + lv));
      var ops = consistent([grads[t], locals[t][slot]], function (o) {
        return product(o[0], o[1]);
      }, share);
      lines.push("    d" + J + "/d" + tn + " * d" + tn + "/d" + x + " = " + ops[0] + " * " +
                 ops[1] + " = " + fmt(share));
      terms.push(share);
    });
    var sum = "";
    if (terms.length > 1) {  // a negative term after + in parentheses: 2 + (-3)
      sum = consistent(terms, total, grads[k]).map(function (t, i) {
        return i && t.charAt(0) === "-" ? "(" + t + ")" : t;
      }).join(" + ") + " = ";
    }
    lines.push("d" + J + "/d" + x + " = " + sum + fmt(grads[k]));
    return lines.join("\n");
  }
  var selected = -1, chainBox = null, clickGroups = {};
  function select(k) {
    if (selected >= 0 && clickGroups[selected]) { setRole(clickGroups[selected], "h", false); }
    selected = k;
    if (clickGroups[k]) { setRole(clickGroups[k], "h", true); }
    if (chainBox) { chainBox.textContent = chain(k); }
  }
  if (svg) {
    Object.keys(D.click).forEach(function (e) {
      var k = D.click[e];
      (groups[+e] || []).forEach(function (g) {
        g.setAttribute("data-click", String(k));
        if (g.classList.contains("node") && !g.classList.contains("cr-label")) {
          (clickGroups[k] = clickGroups[k] || []).push(g);
        }
      });
    });
    svg.addEventListener("click", function (e) {
      var g = e.target.closest ? e.target.closest("g[data-click]") : null;
      if (g && !practice) { select(+g.getAttribute("data-click")); }
    });
  }

  // ------------------------------------------------------------------------ explore
  var editors = [], lrField = null, outText = null;
  function lookup(name) {
    var ks = byName[String(name)];
    if (!ks) { throw new Error("no node named " + JSON.stringify(String(name))); }
    return ks;
  }
  function refresh() {
    compute();
    restyle();
    editors.forEach(function (ed) {
      if (document.activeElement !== ed.field) { ed.field.value = shortest(vals[ed.k]); }
      var v = vals[ed.k];
      if (v < +ed.slider.min || v > +ed.slider.max) { span(ed, v); }
      ed.slider.value = String(v);
      ed.grad.textContent = N[ed.k].rg ? fmt(grads[ed.k]) : "";
    });
    if (outText) { outText.textContent = J + " = " + fmt(vals[R]); }
    if (chainBox && selected >= 0) { chainBox.textContent = chain(selected); }
    root.setAttribute("data-output", String(vals[R]));
  }
  function span(ed, v) {
    var w = 2 * Math.max(1, Math.abs(v));
    ed.slider.min = String(v - w); ed.slider.max = String(v + w);
  }
  function setLeaf(k, v) { vals[k] = v; N[k].v = v; }
  function set(name, v) {
    if (practice) { throw new Error("a practice page keeps its numbers"); }
    v = Number(v);
    if (!isFinite(v)) { throw new Error("set: a finite number, got " + v); }
    var ks = lookup(name), done = false;
    ks.forEach(function (k) { if (N[k].leaf) { setLeaf(k, v); done = true; } });
    if (!done) { throw new Error("set: " + name + " is not a leaf"); }
    refresh();
    return vals[R];
  }
  function shortest(v) { return isFinite(v) ? String(Number(v.toPrecision(8))) : fmt(v); }
  function rate() {
    var x = lrField ? parse(lrField.value) : D.lr;
    return x === null || x === undefined ? 0.1 : x;
  }
  function descend() {  // one gradient-descent step on every leaf that requires grad
    if (practice) { throw new Error("a practice page keeps its numbers"); }
    var lr = rate(), step = [];
    for (var k = 0; k < n; k++) {
      if (N[k].leaf && N[k].rg) { step.push([k, vals[k] - lr * grads[k]]); }
    }
    step.forEach(function (u) { setLeaf(u[0], u[1]); });
    refresh();
    return vals[R];
  }
  if (!practice) {
    outText = el("span", "cr-score");
    bar.appendChild(outText);
    button(bar, "descent step", "every leaf that requires grad -= lr \u00b7 grad (D)", descend);
    var lab = el("label", "", "lr ");
    lrField = el("input", "cr-num");
    lrField.value = String(D.lr === null || D.lr === undefined ? 0.1 : D.lr);
    lrField.setAttribute("aria-label", "learning rate");
    lab.appendChild(lrField); bar.appendChild(lab);
    var start = N.map(function (nd) { return nd.v; });
    button(bar, "reset", "the values the page started with", function () {
      for (var k = 0; k < n; k++) { if (N[k].leaf) { setLeaf(k, start[k]); } }
      refresh();
    });
    var table = el("table", "cr-leaves"), head = el("tr");
    ["leaf", "value", "", "gradient"].forEach(function (h) { head.appendChild(el("th", "", h)); });
    table.appendChild(head);
    D.edit.forEach(function (k) {
      var nd = N[k];
      var tr = el("tr"), name = el("td", "cr-name", nd.n);
      name.title = nd.n + (nd.rg ? "" : " (no gradient: a constant)");
      var field = el("input", "cr-num"), slider = el("input");
      field.setAttribute("aria-label", nd.n);
      slider.type = "range"; slider.step = "any"; slider.setAttribute("aria-label", nd.n);
      var ed = {k: k, field: field, slider: slider, grad: el("td", "cr-grad")};
      span(ed, nd.v);
      (function (ed) {
        field.addEventListener("input", function () {
          var v = parse(field.value);
          field.classList.toggle("cr-bad", v === null);
          if (v !== null) { setLeaf(ed.k, v); refresh(); }
        });
        field.addEventListener("change", function () { field.value = shortest(vals[ed.k]); });
        slider.addEventListener("input", function () {
          setLeaf(ed.k, Number(slider.value)); field.value = shortest(vals[ed.k]); refresh();
        });
      })(ed);
      var c1 = el("td"), c2 = el("td");
      c1.appendChild(field); c2.appendChild(slider);
      tr.appendChild(name); tr.appendChild(c1); tr.appendChild(c2); tr.appendChild(ed.grad);
      table.appendChild(tr);
      editors.push(ed);
    });
    side.appendChild(table);
    var chainPart = el("div", "");
    chainPart.appendChild(el("div", "cr-phase", "click a node: its chain rule"));
    chainBox = el("div", "cr-chain");
    chainPart.appendChild(chainBox);
    side.appendChild(chainPart);
    main.appendChild(side);
  }

  // ------------------------------------------------------------------------ practice
  var F = D.frames || [], nf = F.length, cur = -1, Q = D.questions || [];
  var qOf = {}, state = [], right = 0, wrong = 0;
  Q.forEach(function (q, i) {
    q.x = Number(q.x); qOf[q.frame] = i; state.push({done: false, tries: 0, hints: 0});
  });
  var text = null, phase = null, counter = null, ask = null, answerField = null;
  var verdict = null, hintBox = null, scoreBox = null, choiceBox = null;
  function pending() {
    var i = qOf[cur];
    return i !== undefined && !state[i].done ? i : -1;
  }
  function reset() { resetDrawing(svg, "cr-ask-mark"); }
  function apply(i, masked) {
    var f = F[i];
    for (var a = 0; a < f.c.length; a++) {
      var ch = f.c[a], v = ch[2];
      if (masked && ch[1].charAt(0) === "g" && v !== null) {
        setRole(groups[ch[0]], ch[1], "?");  // the gradient asked for stays hidden
        (groups[ch[0]] || []).forEach(function (g) {
          var t = g.querySelectorAll('text[data-r^="g"]');
          for (var m = 0; m < t.length; m++) {
            if (t[m].textContent.slice(-1) === "?") { t[m].classList.add("cr-ask-mark"); }
          }
        });
      } else {
        setRole(groups[ch[0]], ch[1], v);
      }
    }
  }
  function scoreText() {
    var done = state.filter(function (s) { return s.done; }).length;
    var t = "score " + right + " / " + Q.length;
    if (done === Q.length && Q.length) {
      t += ": all answered, " + right + " right at the first try";
    } else if (wrong) {
      t += " (" + wrong + " wrong " + (wrong === 1 ? "try" : "tries") + ")";
    }
    return t;
  }
  function show() {
    var i = pending(), f = F[cur];
    phase.textContent = "step " + (cur + 1) + ": " + f.phase + (i >= 0 ? " \u2014 your turn" : "");
    counter.textContent = (cur + 1) + " / " + nf;
    text.textContent = i >= 0 ? Q[i].q : f.text;
    root.setAttribute("data-current", String(cur));
    hintBox.textContent = "";
    var qi = qOf[cur];
    if (qi !== undefined && state[qi].hints) {
      hintBox.textContent = Q[qi].hints.slice(0, state[qi].hints).join("\n");
    }
    // the field stays (and keeps the focus): Enter goes on to the next step
    ask.classList.toggle("cr-idle", i < 0);
    answerField.readOnly = i < 0;
    answerField.placeholder = i >= 0 ? "-4, 0.39 or 1/4" : "Enter: next step";
    if (i < 0) { answerField.value = ""; }
    if (i < 0 && qi === undefined) { verdict.textContent = ""; verdict.className = "cr-verdict"; }
    choiceBox.textContent = "";
    if (i >= 0 && Q[i].choices) {
      Q[i].choices.forEach(function (c, m) {
        var b = button(choiceBox, (m + 1) + ")  " + c, "answer " + c + " (key " + (m + 1) + ")",
                       function () { answer(c); });
        b.className = "cr-choice";
      });
    }
    scoreBox.textContent = scoreText();
  }
  function go(k) {
    k = Math.max(0, Math.min(nf - 1, k));
    reset();
    cur = k;
    for (var m = 0; m < k; m++) { apply(m, false); }
    apply(k, pending() >= 0);
    verdict.textContent = ""; verdict.className = "cr-verdict";
    show();
    if (pending() >= 0 && !Q[pending()].choices && answerField) {
      answerField.value = "";
      answerField.focus({preventScroll: true});
    }
    return cur;
  }
  function answer(t) {
    var i = pending();
    if (i < 0) { return false; }
    var ok = judge(t, Q[i]);
    state[i].tries += 1;
    if (ok) {
      if (state[i].tries === 1) { right += 1; }
      state[i].done = true;
      reset();
      for (var m = 0; m <= cur; m++) { apply(m, false); }
      show();
      verdict.textContent = "right: " + fmt(Q[i].x) + (state[i].tries > 1 ? "" : " \u2713");
      verdict.className = "cr-verdict cr-right";
    } else {
      wrong += 1;
      verdict.textContent = parse(t) === null ? "type a number, e.g. -4, 0.39 or 1/4"
        : "not " + t.trim() + ": try again (H: a hint, S: show the answer)";
      verdict.className = "cr-verdict cr-wrong";
      scoreBox.textContent = scoreText();
      if (answerField && document.activeElement === answerField) { answerField.select(); }
    }
    return ok;
  }
  function hint() {
    var i = qOf[cur];
    if (i === undefined) { return; }
    state[i].hints = Math.min(Q[i].hints.length, state[i].hints + 1);
    hintBox.textContent = Q[i].hints.slice(0, state[i].hints).join("\n");
  }
  function reveal() {
    var i = pending();
    if (i < 0) { return; }
    state[i].done = true;
    go(cur);
    verdict.textContent = "the answer: " + fmt(Q[i].x);
    verdict.className = "cr-verdict cr-wrong";
  }
  function nextQuestion() {
    for (var k = cur + 1; k < nf; k++) {
      var i = qOf[k];
      if (i !== undefined && !state[i].done) { return go(k); }
    }
    return go(nf - 1);
  }
  if (practice) {
    button(bar, "\u25c0 prev", "previous (Left, PageUp)", function () { go(cur - 1); });
    button(bar, "next \u25b6", "next (Right, PageDown, Enter)", function () { go(cur + 1); });
    button(bar, "next question", "the next question (N)", nextQuestion);
    counter = el("span", "cr-score"); bar.appendChild(counter);
    scoreBox = el("span", "cr-score"); bar.appendChild(scoreBox);
    phase = el("div", "cr-phase"); text = el("div", "cr-text");
    ask = el("div", "cr-ask");
    answerField = el("input", "cr-answer");
    answerField.setAttribute("aria-label", "your answer");
    answerField.setAttribute("inputmode", "decimal");
    answerField.placeholder = "-4, 0.39 or 1/4";
    ask.appendChild(answerField);
    button(ask, "check", "check the answer (Enter)", function () { answer(answerField.value); });
    button(ask, "hint", "a hint (H)", hint);
    button(ask, "show answer", "show the answer (S)", reveal);
    choiceBox = el("div", "");
    verdict = el("div", "cr-verdict"); hintBox = el("div", "cr-hints");
    root.appendChild(phase); root.appendChild(text); root.appendChild(ask);
    root.appendChild(choiceBox); root.appendChild(verdict); root.appendChild(hintBox);
    answerField.addEventListener("keydown", function (e) {
      var k = e.key;
      if (k === "Enter") {
        e.preventDefault(); e.stopPropagation();
        if (pending() >= 0) { answer(answerField.value); } else { go(cur + 1); }
      } else if (k === "h" || k === "H" || k === "?") {
        e.preventDefault(); e.stopPropagation(); hint();
      } else if (k === "s" || k === "S") {
        e.preventDefault(); e.stopPropagation(); reveal();
      } else { e.stopPropagation(); }
    });
    root.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey || e.target === answerField ||
          (e.target.tagName === "INPUT")) { return; }
      var k = e.key, i = pending();
      if (k === "ArrowRight" || k === "PageDown" || k === "Enter" || (k === " " && !e.shiftKey)) {
        go(cur + 1);
      } else if (k === "ArrowLeft" || k === "PageUp" || (k === " " && e.shiftKey)) { go(cur - 1); }
      else if (k === "Home") { go(0); } else if (k === "End") { go(nf - 1); }
      else if (k === "n" || k === "N") { nextQuestion(); }
      else if (k === "h" || k === "H" || k === "?") { hint(); }
      else if (k === "s" || k === "S") { reveal(); }
      else if (i >= 0 && Q[i].choices && /^[1-9]$/.test(k) && +k <= Q[i].choices.length) {
        answer(Q[i].choices[+k - 1]);
      } else { return; }
      e.preventDefault(); e.stopPropagation();
    });
  } else {
    root.addEventListener("keydown", function (e) {
      if (e.target.tagName === "INPUT" || e.altKey || e.ctrlKey || e.metaKey) { return; }
      if (e.key === "d" || e.key === "D") { e.preventDefault(); descend(); }
    });
  }
  stagebox.appendChild(stage);
  main.appendChild(stagebox);
  root.appendChild(main);
  // a wide drawing (a network) gets the full width, the leaves and the chain rule below it
  if (!practice && natural && natural[0] > 2.5 * natural[1]) { main.classList.add("cr-wide"); }

  function fit() {
    if (!svg || !natural) { return; }
    var vh = window.innerHeight;
    var w = stage.clientWidth || stagebox.clientWidth || root.clientWidth;
    var other = root.getBoundingClientRect().height - stage.getBoundingClientRect().height;
    var h = vh - (practice ? other : bar.getBoundingClientRect().height + 40) - 16;
    if (D.inline) { h = Math.min(h, vh * 0.85); }
    var sc = Math.min(w / natural[0], Math.max(h, 160) / natural[1]);
    sc = Math.max(0.1, Math.min(sc, 4));
    svg.style.width = Math.floor(natural[0] * sc) + "px";
    svg.style.height = Math.floor(natural[1] * sc) + "px";
    stage.style.height = Math.floor(natural[1] * sc) + "px";
  }
  window.addEventListener("resize", fit);
  root.addEventListener("click", function () { root.focus({preventScroll: true}); });

  compute();
  if (practice) {
    var first = Q.length ? Math.max(0, Q[0].frame) : 0;
    for (var z = 0; z < nf; z++) { if (F[z].phase === "seed") { first = Math.min(first, z); } }
    go(first);
  } else {
    refresh();
    var firstLeaf = editors.length ? editors[0].k : R;
    select(firstLeaf);
  }
  fit();
  if (!D.inline) { root.focus({preventScroll: true}); }

  var api = {
    mode: D.mode,
    set: set,
    value: function (name) { return vals[lookup(name)[0]]; },
    grad: function (name) { return grads[lookup(name)[0]]; },
    goto: function (k) { return practice ? go(+k) : 0; },
    frames: function () { return practice ? nf : 1; },
    current: function () { return practice ? cur : 0; },
    ask: function () { var i = pending(); return i >= 0 ? N[Q[i].node].n : null; },
    answer: function (t) { return practice ? answer(String(t)) : false; },
    hint: function () { hint(); return hintBox ? hintBox.textContent : ""; },
    score: function () {
      return {right: right, wrong: wrong, total: Q.length,
              answered: state.filter(function (s) { return s.done; }).length};
    },
    descend: descend,
    format: function (x, p) { return fmt(Number(x), p); },
    chain: function (name) { return chain(lookup(name)[0]); },
    select: function (name) { select(lookup(name)[0]); }
  };
  window.chainrule = window.chainrule || {};
  window.chainrule.players = window.chainrule.players || [];
  window.chainrule.players.push(api);
  root.crPlayer = api;
})(document.currentScript);
