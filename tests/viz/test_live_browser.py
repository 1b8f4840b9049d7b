"""The explore and practice pages, driven through their JS API in headless Chromium.

Skips with a reason when /usr/bin/chromium, playwright or Graphviz's dot is missing (CI
installs them, and there a missing one fails).
"""

from __future__ import annotations

import math
import random
import re
import shutil

import pytest
from headless import chromium, missing_browser, require

import nn
import viz
from autograd import Value
from viz.demo import sigmoid_circuit, xyz_circuit
from viz.live import network_loss
from viz.live_ops import rows

HOSTILE = '</script><img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def browser():
    missing = list(missing_browser())
    if shutil.which("dot") is None:
        missing.append("Graphviz dot (the page's drawing)")
    require(missing)
    with chromium() as b:
        yield b


def _open(browser, tmp_path, html: str, name: str = "page.html", **context):
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, **context)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    page.errors = errors
    return page


# ------------------------------------------------------------------ random graphs
N_LEAVES = 4


def random_graph(seed: int, leaf_values: list[float], constant: float):
    """A graph with one gate of every row kind, deterministic in ``seed``; every node named.

    Operands are drawn from a pool of bounded nodes (leaves and tanh of gate outputs); the
    positive-only gates get ``sigmoid(.) + 0.5``; the output is the sum of every gate.
    """
    rng = random.Random(seed)
    leaves = [Value(v, label=f"a{i}") for i, v in enumerate(leaf_values)]
    pool = leaves + [Value(constant, label="k", requires_grad=False)]
    count = iter(range(10_000))

    def name(v: Value) -> Value:
        v.label = f"g{next(count)}"
        return v

    def pick() -> Value:
        return rng.choice(pool)

    def positive() -> Value:
        return name(name(pick().sigmoid()) + 0.5)

    c = round(rng.uniform(0.3, 2.0), 3) * rng.choice((-1, 1))
    makers = {
        "add": lambda: pick() + pick(), "sub": lambda: pick() - pick(),
        "mul": lambda: pick() * pick(), "div": lambda: pick() / positive(),
        "pow": lambda: positive() ** pick(), "max": lambda: pick().max(pick()),
        "min": lambda: pick().min(pick()), "add_const": lambda: pick() + c,
        "sub_const": lambda: pick() - c, "rsub_const": lambda: c - pick(),
        "mul_const": lambda: pick() * c, "div_const": lambda: pick() / c,
        "rdiv_const": lambda: c / positive(), "pow_const": lambda: positive() ** abs(c),
        "rpow_const": lambda: abs(c) ** pick(),
        "max_const": lambda: pick().max(c / 3), "min_const": lambda: pick().min(c / 3),
        "leaky_relu": lambda: pick().leaky_relu(0.2), "neg": lambda: -pick(),
        "abs": lambda: abs(pick()), "exp": lambda: pick().exp(),
        "log": lambda: positive().log(), "reciprocal": lambda: positive().reciprocal(),
        "sqrt": lambda: positive().sqrt(), "relu": lambda: pick().relu(),
        "tanh": lambda: pick().tanh(), "sigmoid": lambda: pick().sigmoid(),
        "sin": lambda: pick().sin(), "cos": lambda: pick().cos(),
        "log1p": lambda: positive().log1p(),
    }
    assert set(makers) == set(rows())  # a new row needs a maker here: the page test covers it
    outputs = []
    for kind in sorted(makers, key=lambda k: rng.random()):
        out = name(makers[kind]())
        outputs.append(out)
        pool.append(name(out.tanh()))
    total = outputs[0]
    for out in outputs[1:] + pool[: N_LEAVES + 1]:  # every leaf is in the graph
        total = name(total + out)
    total.label = "J"
    return total


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300) or (math.isnan(a) and math.isnan(b))


READ = """(names) => { const p = window.chainrule.players[0];
  return names.map(n => [p.value(n), p.grad(n)]); }"""


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_graphs_of_every_gate_match_python_after_set(browser, tmp_path, seed):
    rng = random.Random(100 + seed)
    start = [rng.uniform(-2, 2) for _ in range(N_LEAVES)]
    root = random_graph(seed, start, 0.75)
    page = _open(browser, tmp_path, viz.explore(root).to_html())
    assert not page.errors
    for trial in range(3):
        new = [rng.uniform(-2, 2) for _ in range(N_LEAVES)]
        constant = rng.uniform(-2, 2)
        page.evaluate("""([vals, k]) => { const p = window.chainrule.players[0];
          vals.forEach((v, i) => p.set('a' + i, v)); p.set('k', k); }""", [new, constant])
        ref = random_graph(seed, new, constant)
        ref.backward()
        nodes = viz.nodes.GraphInfo(ref).order
        names = [n.label for n in nodes]
        got = page.evaluate(READ, names)
        for node, (value, grad) in zip(nodes, got, strict=True):
            assert _close(value, node.data), (trial, node.label, node.op, value, node.data)
            if node.requires_grad:
                assert _close(grad, node.grad), (trial, node.label, node.op, grad, node.grad)
    # the drawing follows: the output's value is written on the edge to the output box
    shown = page.evaluate("""() => [...document.querySelectorAll('.cr-live svg text[data-r="v"]')]
        .map(t => t.textContent)""")
    assert viz.format.fmt(ref.data, 2) in shown
    assert not page.errors
    page.context.close()


def test_the_page_prints_numbers_as_python_does(browser, tmp_path):
    # viz.texts.numbers.fmt's rule, ported to live.js: ties, small numbers, large, integers
    rng = random.Random(7)
    xs = [0.125, -0.125, 0.375, 0.625, 2.5, 0.25, 0.75, 1.005, 0.0049617, -0.0033, 0.9991,
          0.035, 3.0000000000000004, 1e300, -2.5e15, 1e-9, -4.0, 0.1 * 3, 123456.785, 5e-7,
          0.0, -0.0, 1.0, 0.5, 0.05, 0.995, 9.995, 1e-6, 0.00012345, 9.99996e-06, 1e-12,
          0.9999999996, -0.5, 0.4]
    xs += [rng.uniform(-3, 3) * 10.0 ** rng.randint(-7, 8) for _ in range(300)]
    xs += [rng.randint(-999, 999) / 8 for _ in range(100)]  # exact binary ties
    page = _open(browser, tmp_path, viz.explore(xyz_circuit()).to_html())
    for p in (0, 1, 2, 3):
        got = page.evaluate(
            "([xs, p]) => xs.map(x => window.chainrule.players[0].format(x, p))", [xs, p])
        want = [viz.format.fmt(x, p) for x in xs]
        assert got == want, [(x, g, w) for x, g, w in zip(xs, got, want, strict=True) if g != w]
    page.context.close()


def test_pythons_sum_gate_matches_python_after_set(browser, tmp_path):
    # sum() of Values records one n-ary gate (chained beyond its width): the page folds add
    def build(vals):
        xs = [Value(v, label=f"x{i}") for i, v in enumerate(vals)]
        s = sum(x * x.sin() for x in xs)
        s.label = "s"
        return s

    rng = random.Random(5)
    for n in (3, 70):
        start = [rng.uniform(-2, 2) for _ in range(n)]
        root = build(start)
        assert any(node.op == "Σ" for node in viz.nodes.GraphInfo(root).order)
        page = _open(browser, tmp_path, viz.explore(root).to_html())
        new = [rng.uniform(-2, 2) for _ in range(n)]
        page.evaluate("""(vals) => { const p = window.chainrule.players[0];
          vals.forEach((v, i) => p.set('x' + i, v)); }""", new)
        ref = build(new)
        ref.backward()
        leaves = [node for node in viz.nodes.GraphInfo(ref).order if not node.parents]
        got = page.evaluate(READ, [node.label for node in leaves] + ["s"])
        for node, (value, grad) in zip(leaves, got, strict=False):
            assert _close(value, node.data) and _close(grad, node.grad), node.label
        assert _close(got[-1][0], ref.data)
        assert not page.errors
        page.context.close()


def test_set_restyles_the_drawing_without_moving_it(browser, tmp_path):
    page = _open(browser, tmp_path, viz.explore(xyz_circuit()).to_html())
    boxes = """() => [...document.querySelectorAll('.cr-live svg g.node')].map(g => {
      const r = g.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })"""
    texts = """() => [...document.querySelectorAll('.cr-live svg text[data-r]')]
      .map(t => t.textContent)"""
    before, t0 = page.evaluate(boxes), page.evaluate(texts)
    assert "-12" in t0 and "q = 3" in t0
    page.fill("input[aria-label=x]", "1")  # typing in the field, as a student does
    after, t1 = page.evaluate(boxes), page.evaluate(texts)
    assert before == after  # no relayout
    assert "q = 6" in t1 and "-24" in t1 and "-12" not in t1
    assert page.evaluate("() => window.chainrule.players[0].value('f')") == -24.0
    assert page.inner_text(".cr-leaves") .count("-4") >= 2  # df/dx = df/dy = z = -4
    page.locator("input[type=range][aria-label=z]").fill("2")  # the slider
    assert page.evaluate("() => window.chainrule.players[0].value('f')") == 12.0
    page.context.close()


def test_clicking_a_node_shows_its_chain_rule_sum(browser, tmp_path):
    a = Value(3.0, label="a")
    b = Value(-2.0, label="b")
    u = a * b
    u.label = "u"
    f = u + a  # a has two consumers: df/da = b + 1
    f.label = "f"
    page = _open(browser, tmp_path, viz.explore(f).to_html())
    page.locator(".cr-live svg g.node[data-click]").first.click()
    chain = page.inner_text(".cr-chain")
    assert chain.startswith("df/da = Σ over consumers t of df/dt * dt/da")
    assert "t = u (*): du/da = b = -2" in chain and "t = f (+): df/da = 1" in chain
    assert chain.rstrip().endswith("df/da = -2 + 1 = -1")
    page.evaluate("() => window.chainrule.players[0].set('b', 4)")
    assert page.inner_text(".cr-chain").rstrip().endswith("df/da = 4 + 1 = 5")
    page.context.close()


def test_the_chain_rule_sums_add_up_as_printed(browser, tmp_path):
    # the step texts' rule: printed operands, combined and rounded, give the printed result
    root = random_graph(4, [0.3, -1.1, 0.7, 1.9], -0.6)
    page = _open(browser, tmp_path, viz.explore(root).to_html())
    names = [n.label for n in viz.nodes.GraphInfo(root).order if n.label != "J"]
    texts = page.evaluate("(ns) => ns.map(n => window.chainrule.players[0].chain(n))", names)
    products = sums = 0
    for text in texts:
        for line in text.splitlines():
            m = re.search(r"= (\S+) \* (\S+) = (\S+)$", line)
            if m and line.startswith("    "):
                a, b, c = m.groups()
                assert float(viz.format.fmt(float(a) * float(b), 2)) == float(c), line
                products += 1
        last = text.splitlines()[-1]
        m = re.fullmatch(r"\S+ = (.+) = (\S+)", last)
        if m and " + " in m.group(1):
            terms = [float(t.strip("()")) for t in m.group(1).split(" + ")]
            assert float(viz.format.fmt(math.fsum(terms), 2)) == float(m.group(2)), last
            sums += 1
    assert products > 50 and sums > 5
    page.context.close()


def test_k_descent_steps_match_python(browser, tmp_path):
    lr, k = 0.05, 6
    page = _open(browser, tmp_path, viz.explore(xyz_circuit(), lr=lr).to_html())
    for _ in range(k):
        page.get_by_role("button", name="descent step").click()
    got = page.evaluate(READ, ["x", "y", "z", "f"])
    x, y, z = -2.0, 5.0, -4.0
    for _ in range(k):
        f = xyz_circuit(x, y, z)
        f.backward()
        leaves = {n.label: n for n in viz.nodes.GraphInfo(f).order if not n.parents}
        x, y, z = (v - lr * leaves[name].grad for v, name in ((x, "x"), (y, "y"), (z, "z")))
    final = xyz_circuit(x, y, z).data
    for (value, _), want in zip(got, (x, y, z, final), strict=True):
        assert _close(value, want)
    assert final < -12.0  # descent lowered f
    page.context.close()


def test_network_221_trained_by_clicking_matches_python(browser, tmp_path):
    weights = [[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]]
    lr, k = 1.0, 4
    net = nn.scalar.MLP.from_weights(weights, activation="sigmoid")
    html = viz.step_network(net, [0.35, 0.9], [0.5], lr=lr).explore().to_html()
    page = _open(browser, tmp_path, html)
    first = page.evaluate("() => window.chainrule.players[0].descend()")
    # lecture 001's update with learning rate 1: W2_11 = 0.3 - 0.0277 = 0.2723
    assert abs(page.evaluate("() => window.chainrule.players[0].value('W2_11')") - 0.2723) < 1e-4
    page.evaluate("(k) => { for (let i = 1; i < k; i++) window.chainrule.players[0].descend(); }",
                  k)
    names = [p.label for p in net.parameters()] + ["L"]
    got = dict(zip(names, page.evaluate(READ, names), strict=True))
    ref = nn.scalar.MLP.from_weights(weights, activation="sigmoid")
    losses = []
    for _ in range(k):
        loss = network_loss(ref, [0.35, 0.9], [0.5])
        ref.zero_grad()
        loss.backward()
        for p in ref.parameters():
            p.data -= lr * p.grad
        losses.append(network_loss(ref, [0.35, 0.9], [0.5]).data)
    assert _close(first, losses[0])
    assert _close(got["L"][0], losses[-1])
    for p in ref.parameters():
        assert _close(got[p.label][0], p.data), p.label
    page.evaluate("() => window.chainrule.players[0].set('t', 0.9)")  # the target is a leaf
    assert page.evaluate("() => window.chainrule.players[0].value('t')") == 0.9
    page.context.close()


# ------------------------------------------------------------------------ practice
def _goto_question(page) -> str:
    return page.evaluate("""() => { const p = window.chainrule.players[0];
      for (let k = 0; k < p.frames(); k++) { p.goto(k); if (p.ask() !== null) return p.ask(); }
      return null; }""")


def test_quiz_break_judges_wrong_then_right(browser, tmp_path):
    # lecture 000's quiz break in spirit: one question, d f/d w1, on the sigmoid circuit
    s = viz.step(sigmoid_circuit())
    page = _open(browser, tmp_path, s.to_html(practice=True, ask="w1"))
    assert _goto_question(page) == "w1"
    p = "window.chainrule.players[0]"
    # the gradient asked for is hidden in the drawing
    assert "?" in page.evaluate("""() => [...document.querySelectorAll(
        '.cr-live svg text[data-r="g"]')].map(t => t.textContent)""")
    assert "-0.39" not in page.inner_text(".cr-text")
    assert page.evaluate(f"() => {p}.answer('0.39')") is False  # the sign
    assert page.evaluate(f"() => {p}.ask()") == "w1"  # still asked
    assert "try again" in page.inner_text(".cr-verdict")
    assert page.evaluate(f"() => {p}.answer('-0.39')") is True
    assert page.evaluate(f"() => {p}.ask()") is None
    assert page.evaluate(f"() => {p}.score()") == {"right": 0, "wrong": 1, "total": 1,
                                                   "answered": 1}
    assert page.inner_text(".cr-text").startswith("df/dw1")  # the step text is back
    assert "-0.39" in page.inner_text(".cr-text")
    page.context.close()


def test_every_step_asked_fractions_and_keyboard(browser, tmp_path):
    x, y = Value(2.0, label="x"), Value(0.25, label="y")
    f = x * y
    f.label = "f"
    page = _open(browser, tmp_path, viz.practice(f).to_html())
    assert _goto_question(page) in ("x", "y")
    asked = page.evaluate("() => window.chainrule.players[0].ask()")
    # keyboard: the answer field has focus; type, Enter; H gives the hints in order
    page.keyboard.press("h")
    assert "local derivative: df/d" in page.inner_text(".cr-hints")
    page.keyboard.press("h")
    assert "upstream: df/df = 1" in page.inner_text(".cr-hints")
    page.keyboard.type("1/4" if asked == "x" else "2")
    page.keyboard.press("Enter")
    assert "right" in page.inner_text(".cr-verdict")
    page.keyboard.press("Enter")  # on to the next question
    other = page.evaluate("() => window.chainrule.players[0].ask()")
    assert other in ("x", "y") and other != asked
    page.keyboard.type("two")
    page.keyboard.press("Enter")
    assert "type a number" in page.inner_text(".cr-verdict")
    page.keyboard.type("2" if other == "y" else "0.25")
    page.keyboard.press("Enter")
    score = page.evaluate("() => window.chainrule.players[0].score()")
    assert score == {"right": 1, "wrong": 1, "total": 2, "answered": 2}
    assert "all answered, 1 right at the first try" in page.inner_text(".cr-bar")
    page.context.close()


def test_a_small_gradient_is_judged_to_the_digits_it_shows(browser, tmp_path):
    # lecture 001's gradients are near 0.005: shown as 0.0050, so "0" is wrong, "0.005" right
    x, y = Value(0.0049617, label="x"), Value(1.0, label="y")
    f = x * y
    f.label = "f"
    page = _open(browser, tmp_path, viz.practice(f, ask="y").to_html())
    assert _goto_question(page) == "y"
    p = "window.chainrule.players[0]"
    assert page.evaluate(f"() => {p}.answer('0')") is False
    assert page.evaluate(f"() => {p}.answer('0.01')") is False
    assert page.evaluate(f"() => {p}.answer('0.00496')") is True
    assert "0.0050" in page.inner_text(".cr-text")
    page.context.close()


def test_multiple_choice_by_number_key(browser, tmp_path):
    s = viz.step(xyz_circuit())
    page = _open(browser, tmp_path, s.to_html(practice=True, ask=["x"], choices=4))
    assert _goto_question(page) == "x"
    labels = page.locator(".cr-live button.cr-choice").all_inner_texts()
    assert len(labels) == 4
    right = next(i for i, t in enumerate(labels) if t.split(")")[1].strip() == "-4")
    wrong = (right + 1) % 4
    page.locator(".cr-live").focus()
    page.keyboard.press(str(wrong + 1))
    assert page.evaluate("() => window.chainrule.players[0].ask()") == "x"
    page.keyboard.press(str(right + 1))
    assert page.evaluate("() => window.chainrule.players[0].ask()") is None
    page.context.close()


# ------------------------------------------------------------------------- safety
def _recorder(seen: list[str]):
    def record(route) -> None:
        seen.append(route.request.url)
        route.continue_()

    return record


def test_no_request_leaves_the_page(browser, tmp_path):
    html_a = viz.explore(sigmoid_circuit()).to_html()
    html_b = viz.practice(sigmoid_circuit(), choices=3).to_html()
    for name, html in (("a.html", html_a), ("b.html", html_b)):
        path = tmp_path / name
        path.write_text(html, encoding="utf-8")
        ctx = browser.new_context()
        seen: list[str] = []
        ctx.route("**/*", _recorder(seen))
        page = ctx.new_page()
        page.goto(path.resolve().as_uri())
        page.evaluate("""() => { const p = window.chainrule.players[0];
          if (p.mode === 'explore') { p.set('x0', 3); p.descend(); p.select('w1'); }
          else { for (let k = 0; k < p.frames(); k++) { p.goto(k); p.answer('1'); } } }""")
        page.wait_for_timeout(200)
        assert seen == [path.resolve().as_uri()], seen
        assert "http" not in html.replace("http://www.w3.org", "")
        for word in ("eval(", "new Function", "fetch(", "XMLHttpRequest", "import("):
            assert word not in html
        ctx.close()


@pytest.mark.parametrize("mode", ["explore", "practice"])
def test_a_hostile_label_is_inert(browser, tmp_path, mode):
    w = Value(2.0, label=HOSTILE)
    x = Value(-1.0, label="x")
    f = (w * x).sigmoid()
    f.label = "f"
    html = (viz.explore(f) if mode == "explore" else viz.practice(f)).to_html()
    page = _open(browser, tmp_path, html)
    assert page.evaluate("() => window.__pwned") is None
    assert page.evaluate("() => document.querySelectorAll('img').length") == 0
    assert page.evaluate("() => window.chainrule.players.length") == 1
    assert page.evaluate("(n) => window.chainrule.players[0].value(n)", HOSTILE) == 2.0
    if mode == "explore":
        assert HOSTILE in page.inner_text(".cr-leaves")  # shown as text
        page.evaluate("(n) => window.chainrule.players[0].set(n, 3)", HOSTILE)
        assert page.evaluate("() => window.__pwned") is None
    assert not page.errors
    page.context.close()


def test_without_javascript_the_filmstrip_stays(browser, tmp_path):
    s = viz.step(xyz_circuit())
    html = s.to_html(practice=True, full_page=False, images=True)
    page = _open(browser, tmp_path, f"<html><body>{html}</body></html>",
                 java_script_enabled=False)
    strip = page.locator(".cr-fallback")
    assert strip.is_visible()
    assert strip.locator(".cr-frame").count() == len(s)
    assert strip.locator("img").count() == len(s)
    page.context.close()
    page = _open(browser, tmp_path, viz.explore(xyz_circuit()).to_html(images=True),
                 java_script_enabled=False)
    assert page.locator(".cr-fallback").is_visible()
    assert page.locator(".cr-fallback img").count() == 1  # the drawing, still
    page.context.close()


def test_two_pages_in_one_notebook_are_independent(browser, tmp_path):
    a = viz.explore(xyz_circuit())._repr_html_()
    b = viz.explore(xyz_circuit())._repr_html_()
    page = _open(browser, tmp_path, f"<html><body>{a}{b}</body></html>")
    assert page.evaluate("() => window.chainrule.players.length") == 2
    page.evaluate("() => window.chainrule.players[0].set('x', 10)")
    assert page.evaluate("() => window.chainrule.players.map(p => p.value('f'))") == [-60, -12]
    page.context.close()


def test_screenshots_for_review(browser, tmp_path):
    """Writes the explore (after an edit) and practice (wrong, then right) screenshots."""
    out = tmp_path / "shots"
    out.mkdir()
    page = _open(browser, tmp_path, viz.explore(sigmoid_circuit(), lr=0.5).to_html())
    page.fill("input[aria-label=x0]", "0.5")
    page.screenshot(path=str(out / "explore.png"))
    page.context.close()
    page = _open(browser, tmp_path, viz.practice(sigmoid_circuit(), ask="w1").to_html(),
                 name="practice.html")
    _goto_question(page)
    page.keyboard.type("0.39")
    page.keyboard.press("Enter")
    page.screenshot(path=str(out / "practice_wrong.png"))
    page.keyboard.type("-0.39")
    page.keyboard.press("Enter")
    page.screenshot(path=str(out / "practice_right.png"))
    page.context.close()
    assert all((out / n).stat().st_size > 10_000 for n in
               ("explore.png", "practice_wrong.png", "practice_right.png"))


def test_text_follows_the_window_and_font_scale(browser, tmp_path):
    size = """() => parseFloat(getComputedStyle(
        document.querySelector('.cr-live .cr-text')).fontSize)"""
    s = viz.step(xyz_circuit())
    sizes = {}
    for scale in (1.0, 2.0):
        for width, height in ((1280, 720), (1920, 1080)):
            path = tmp_path / f"p{scale}.html"
            s.save_html(path, practice=True, font_scale=scale)
            ctx = browser.new_context(viewport={"width": width, "height": height})
            page = ctx.new_page()
            page.goto(path.resolve().as_uri())
            sizes[scale, width] = page.evaluate(size)
            ctx.close()
    assert sizes[1.0, 1280] == 16 and 22 <= sizes[1.0, 1920] <= 24  # larger on a projector
    assert sizes[2.0, 1280] == 32
    with pytest.raises(ValueError, match="font_scale"):
        viz.practice(xyz_circuit()).to_html(font_scale=9)
