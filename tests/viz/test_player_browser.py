"""The HTML player, tested as a web page in headless Chromium (Python Playwright).

Skips with a reason when /usr/bin/chromium or playwright is missing (CI installs both).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from headless import chromium, missing_browser, require

import viz
from viz.demo import sigmoid_circuit, xyz_circuit

HIGHLIGHT_RGB = "rgb(255, 224, 102)"  # #ffe066


def _requirements() -> None:
    missing = []
    missing.extend(missing_browser())
    if shutil.which("dot") is None:
        missing.append("Graphviz dot (the player's drawing)")
    require(missing)


@pytest.fixture(scope="module")
def browser():
    _requirements()
    with chromium() as b:
        yield b


def _net221():
    from nn.scalar import MLP

    net = MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]], activation="sigmoid")
    y = net([0.35, 0.9])
    loss = (0.5 - y) ** 2 * 0.5
    loss.label = "L"
    return loss


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    _requirements()
    out = tmp_path_factory.mktemp("player")
    xyz = Path(viz.step(xyz_circuit()).save_html(out / "xyz.html"))
    filmstrip = out / "filmstrip.html"
    filmstrip.write_text(viz.step(xyz_circuit()).to_html(images=True))
    sig = Path(viz.step(sigmoid_circuit()).save_html(out / "sigmoid.html"))
    net = Path(viz.step(_net221(), precision=4).save_html(out / "net.html"))
    # two inline players on one page, inside a host that stripes table rows (JupyterLab)
    host = (".jp-RenderedHTMLCommon tbody tr:nth-child(odd) { background: #123456; }\n"
            ".jp-RenderedHTMLCommon tr:nth-child(even) { background: #654321; }\n"
            ".jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { color: #eee; }\n"
            "body { background: #111; color: #eee; }")  # a dark theme
    a = viz.step(xyz_circuit())._repr_html_()
    b = viz.step(sigmoid_circuit())._repr_html_()
    two = out / "two.html"
    two.write_text(f"<!DOCTYPE html><html><head><style>{host}</style></head><body>"
                   f'<div class="jp-RenderedHTMLCommon" id="a">{a}</div>'
                   f'<div class="jp-RenderedHTMLCommon" id="b">{b}</div>'
                   f'<template id="output-a">{a}</template></body></html>')
    return {name: p.resolve().as_uri() for name, p in
            {"xyz": xyz, "sigmoid": sig, "net": net, "two": two,
             "filmstrip": filmstrip}.items()}


STATE = """(root) => {
  root = root || document.querySelector('.cr-player');
  const lit = [...root.querySelectorAll('svg g.cr-hl')].map(g => g.getAttribute('class'));
  const shown = [...root.querySelectorAll('svg text[data-r]')]
      .filter(t => !t.classList.contains('cr-off'));
  return {index: +root.dataset.current, text: root.querySelector('.cr-text').textContent,
          counter: root.querySelector('.cr-counter').textContent, lit: lit,
          reds: shown.filter(t => t.dataset.r === 'g').map(t => t.textContent),
          greens: shown.filter(t => t.dataset.r === 'v').map(t => t.textContent),
          grads: Object.fromEntries([...root.querySelectorAll('.cr-table tr')].slice(1)
              .map(r => [r.querySelector('th').textContent,
                         r.querySelector('.cr-grad').textContent]))};
}"""

BOXES = """() => [...document.querySelectorAll('.cr-player svg g.node')].map(g => {
  const r = g.getBoundingClientRect();
  return [r.x, r.y, r.width, r.height].map(v => Math.round(v * 100) / 100);
})"""


def test_buttons_step_and_highlight(browser, pages):
    page = browser.new_page()
    page.goto(pages["xyz"])
    s0 = page.evaluate(STATE)
    assert s0["index"] == 0 and s0["text"] == "x = -2" and s0["counter"] == "1 / 10"
    assert s0["lit"] == ["node cr-hl"] and s0["greens"] == ["-2"] and not s0["reds"]
    page.get_by_role("button", name="next").click()
    s1 = page.evaluate(STATE)
    assert s1["index"] == 1 and s1["text"] == "y = 5" and sorted(s1["greens"]) == ["-2", "5"]
    page.get_by_role("button", name="prev").click()
    assert page.evaluate(STATE)["text"] == "x = -2"
    page.get_by_role("button", name="prev").click()  # clamps at the first frame
    assert page.evaluate(STATE)["index"] == 0
    page.get_by_role("button", name="last").click()
    last = page.evaluate(STATE)
    assert last["text"] == "df/dy = df/dq * dq/dy = -4 * 1 = -4\ndq/dy = d(v + u)/du = 1"
    # the node receiving the gradient, and the edge it flows along (both halves and the
    # rule of its label, value above and gradient below)
    assert sorted(last["lit"]) == ["edge cr-hl", "edge cr-hl", "node cr-hl",
                                   "node cr-label cr-hl"]
    assert sorted(last["reds"]) == ["-4", "-4", "-4", "1", "3"]
    page.get_by_role("button", name="first").click()  # jumping back resets every label
    back = page.evaluate(STATE)
    assert back["index"] == 0 and not back["reds"] and back["greens"] == ["-2"]
    page.close()


def test_last_frame_shows_every_gradient(browser, pages):
    page = browser.new_page()
    page.goto(pages["sigmoid"])
    page.keyboard.press("End")
    state = page.evaluate(STATE)
    assert state["index"] == 25 and state["counter"] == "26 / 26"
    expected = {"w0": "-0.20", "x0": "0.39", "w1": "-0.39", "x1": "-0.59", "w2": "0.20",
                "f": "1"}
    for name, grad in expected.items():
        assert state["grads"][name] == grad
        assert grad in state["reds"]
    assert all(state["grads"].values())
    page.evaluate("""() => { const s = document.querySelector('.cr-slider');
        s.value = '0'; s.dispatchEvent(new Event('input')); }""")
    state0 = page.evaluate(STATE)
    assert state0["index"] == 0 and not any(state0["grads"].values())
    page.close()


def test_nodes_never_move_between_frames(browser, pages):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(pages["net"])
    n = int(page.get_attribute(".cr-player", "data-frames"))
    first = page.evaluate(BOXES)
    assert len(first) > 20
    for i in range(1, n):
        page.keyboard.press("ArrowRight")
        assert page.evaluate("() => +document.querySelector('.cr-player').dataset.current") == i
        assert page.evaluate(BOXES) == first, f"a node moved at frame {i}"
    page.close()


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("name", ["xyz", "sigmoid", "net"])
def test_drawing_fits_the_window(browser, pages, size, name, tmp_path):
    w, h = size
    page = browser.new_page(viewport={"width": w, "height": h})
    page.goto(pages[name])
    box = page.evaluate("""() => { const r = document.querySelector('.cr-player svg')
        .getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }""")
    left, top, right, bottom = box
    assert left >= 0 and top >= 0 and right <= w and bottom <= h, box
    assert (right - left) >= 0.8 * w or (bottom - top) >= 0.8 * h, box
    page.set_viewport_size({"width": w // 2, "height": h // 2})  # rescales on resize
    # the resize handler runs when the page gets to it (late on a loaded machine): the right
    # edge once it fits, or after 5 s whatever it is then
    small = page.evaluate("""(limit) => new Promise(done => {
        const start = performance.now();
        const right = () => document.querySelector('.cr-player svg').getBoundingClientRect().right;
        (function poll() {
            if (right() <= limit || performance.now() - start > 5000) done(right());
            else requestAnimationFrame(poll);
        })();
    })""", w // 2)
    assert small <= w // 2
    page.close()


@pytest.mark.parametrize(("key", "start", "expected"), [
    ("ArrowRight", 0, 1), ("PageDown", 0, 1), ("Space", 0, 1), ("End", 0, 25),
    ("ArrowLeft", 3, 2), ("PageUp", 3, 2), ("Shift+Space", 3, 2), ("Home", 3, 0),
])
def test_each_key_works_from_load(browser, pages, key, start, expected):
    page = browser.new_page()
    page.goto(pages["sigmoid"])
    # focus on load: the first key press already steps
    assert page.evaluate("() => document.activeElement.classList.contains('cr-player')")
    for _ in range(start):
        page.keyboard.press("ArrowRight")
    page.keyboard.press(key)
    assert page.evaluate(STATE)["index"] == expected
    page.close()


def test_two_players_on_one_page_are_independent(browser, pages):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(pages["two"])
    a, b = page.query_selector("#a .cr-player"), page.query_selector("#b .cr-player")
    page.click("#b .cr-player .cr-text")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.click("#a .cr-player button:has-text('next')")
    assert page.evaluate(STATE, a)["index"] == 1
    assert page.evaluate(STATE, b)["index"] == 2
    # the host's zebra stripes do not hide the highlighted row
    colour = page.evaluate("""(r) => getComputedStyle(r.querySelector('tr.cr-hl'))
        .backgroundColor""", b)
    assert colour == HIGHLIGHT_RGB
    # in a dark theme the player stays a light card with dark text
    text, card = page.evaluate("""(r) => [getComputedStyle(r.querySelector('.cr-text')).color,
        getComputedStyle(r).backgroundColor]""", b)
    assert text == "rgb(26, 26, 26)" and card == "rgb(255, 255, 255)"
    # a copy of an output (JupyterLab's "new view"): same id, its own script, its own state
    page.evaluate("""() => { const html = document.getElementById('output-a').innerHTML;
        const box = document.createElement('div'); box.id = 'copy';
        document.body.appendChild(box);
        box.appendChild(document.createRange().createContextualFragment(html)); }""")
    copy = page.query_selector("#copy .cr-player")
    page.click("#copy .cr-player button:has-text('last')")
    assert page.evaluate(STATE, copy)["counter"] == "10 / 10"
    assert page.evaluate(STATE, a)["index"] == 1
    assert not errors
    page.close()


def test_without_javascript_it_is_a_filmstrip_of_images(browser, pages):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(pages["filmstrip"])
    frames = page.query_selector_all(".cr-frame")
    assert len(frames) == 10
    texts = page.eval_on_selector_all(".cr-ftext", "els => els.map(e => e.textContent)")
    assert texts[0] == "x = -2" and texts[-1].startswith("df/dy")
    images = page.eval_on_selector_all(".cr-frame img", "els => els.map(e => e.naturalWidth)")
    assert len(images) == 10 and all(w > 100 for w in images)
    assert page.query_selector("svg") is None  # no drawing text leaks into the page
    body = page.inner_text("body")
    assert "n0" not in body and "digraph" not in body
    height = page.evaluate("() => document.querySelector('.cr-fallback').offsetHeight")
    assert height <= 650  # bounded: the filmstrip scrolls inside its box
    context.close()


def test_screenshots_for_review(browser, pages, tmp_path):
    """Render the player at projector sizes (written to CR_SCREENSHOTS when set)."""
    out = Path(os.environ.get("CR_SCREENSHOTS", tmp_path))
    for w, h in [(1280, 720), (1920, 1080)]:
        page = browser.new_page(viewport={"width": w, "height": h})
        page.goto(pages["net"])
        page.keyboard.press("End")
        page.keyboard.press("PageUp")
        path = out / f"player_net_{w}x{h}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000
        page.close()


def test_full_screen_and_text_size(browser, pages):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(pages["sigmoid"])
    size = "() => parseFloat(getComputedStyle(document.querySelector('.cr-text')).fontSize)"
    before = page.evaluate(size)
    page.get_by_role("button", name="A+").click()
    page.get_by_role("button", name="A+").click()
    assert page.evaluate(size) > before + 2  # 0.1 of the automatic size a click
    page.get_by_role("button", name="A−").click()
    assert before < page.evaluate(size) < before * 1.2
    page.get_by_role("button", name="full screen").click()
    page.wait_for_timeout(200)
    assert page.evaluate("() => document.fullscreenElement === "
                         "document.querySelector('.cr-player')")
    box = page.evaluate("""() => { const r = document.querySelector('.cr-player svg')
        .getBoundingClientRect(); return [r.right, r.bottom]; }""")
    assert box[0] <= 1280 and box[1] <= 720
    page.keyboard.press("ArrowRight")  # keys still step in full screen
    assert page.evaluate(STATE)["index"] == 1
    page.close()
