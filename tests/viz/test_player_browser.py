"""The HTML player, tested as a web page in headless Chromium (Python Playwright).

Skips with a reason when /usr/bin/chromium or playwright is missing (CI installs both).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import viz
from viz.demo import sigmoid_circuit, xyz_circuit

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
HIGHLIGHT = "#ffe066"


def _requirements() -> None:
    missing = []
    if not os.path.exists(CHROMIUM):
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    if shutil.which("dot") is None:
        missing.append("Graphviz dot (the frames' SVG drawings)")
    if missing:
        reason = "browser test needs " + ", ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    _requirements()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    _requirements()
    out = tmp_path_factory.mktemp("player")
    xyz = Path(viz.step(xyz_circuit()).save_html(out / "xyz.html"))
    sig = Path(viz.step(sigmoid_circuit()).save_html(out / "sigmoid.html"))
    return {"xyz": xyz.resolve().as_uri(), "sigmoid": sig.resolve().as_uri()}


STATE = """() => {
  const frame = [...document.querySelectorAll('.cr-frame')]
      .filter(f => getComputedStyle(f).display !== 'none');
  const cur = frame.length === 1 ? frame[0] : null;
  if (!cur) return {visible: frame.length};
  const wanted = cur.dataset.node;
  const lit = [...cur.querySelectorAll('svg g.node')].filter(g => {
    const shape = g.querySelector('ellipse, polygon, path');
    return shape && shape.getAttribute('fill') === '%s';
  }).map(g => g.querySelector('title').textContent);
  return {visible: 1, index: +cur.dataset.index, node: wanted, lit: lit,
          text: cur.querySelector('.cr-text').textContent,
          svgText: cur.querySelector('svg').textContent,
          grads: Object.fromEntries([...cur.querySelectorAll('.cr-table tr')].slice(1)
              .map(r => [r.querySelector('th').textContent,
                         r.querySelector('.cr-grad').textContent])),
          counter: document.querySelector('.cr-counter').textContent};
}""" % HIGHLIGHT


def test_next_and_previous_change_highlight_and_text(browser, pages):
    page = browser.new_page()
    page.goto(pages["xyz"])
    s0 = page.evaluate(STATE)
    assert s0["visible"] == 1 and s0["index"] == 0
    assert s0["text"] == "x = -2" and s0["lit"] == [s0["node"]]
    assert s0["counter"] == "1 / 10"
    page.click(".cr-next")
    s1 = page.evaluate(STATE)
    assert s1["index"] == 1 and s1["text"] == "y = 5"
    assert s1["lit"] == [s1["node"]] and s1["node"] != s0["node"]
    page.click(".cr-prev")
    assert page.evaluate(STATE)["text"] == "x = -2"
    page.click(".cr-prev")  # clamps at the first frame
    assert page.evaluate(STATE)["index"] == 0
    # in the backward phase the highlight moves to the node receiving its gradient
    page.click(".cr-last")
    last = page.evaluate(STATE)
    page.click(".cr-prev")
    before = page.evaluate(STATE)
    assert last["text"] == "df/dy = df/dq * dq/dy = -4 * 1 = -4"
    assert before["text"] == "df/dx = df/dq * dq/dx = -4 * 1 = -4"
    assert last["lit"] == [last["node"]] and before["lit"] == [before["node"]]
    assert last["node"] != before["node"]
    page.focus(".cr-player")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(STATE)["index"] == last["index"]
    page.close()


def test_last_frame_shows_every_gradient(browser, pages):
    page = browser.new_page()
    page.goto(pages["sigmoid"])
    page.click(".cr-last")
    state = page.evaluate(STATE)
    assert state["index"] == 25 and state["counter"] == "26 / 26"
    expected = {"w0": "-0.20", "x0": "0.39", "w1": "-0.39", "x1": "-0.59", "w2": "0.20",
                "f": "1"}
    for name, grad in expected.items():
        assert state["grads"][name] == grad
        assert grad in state["svgText"]
    assert all(state["grads"].values())  # every node has its gradient by the last frame
    first = page.evaluate("""() => { const s = document.querySelector('.cr-slider');
        s.value = '0'; s.dispatchEvent(new Event('input')); return 0; }""")
    assert first == 0
    state0 = page.evaluate(STATE)
    assert state0["index"] == 0 and not any(state0["grads"].values())
    page.close()


def test_without_javascript_it_is_a_filmstrip(browser, pages):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(pages["xyz"])
    assert page.evaluate(STATE)["visible"] == 10  # every frame listed, in order
    assert not page.is_visible(".cr-controls")
    texts = page.eval_on_selector_all(".cr-text", "els => els.map(e => e.textContent)")
    assert texts[0] == "x = -2" and texts[-1].startswith("df/dy")
    context.close()
