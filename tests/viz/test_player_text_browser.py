"""The step text of every player in headless Chromium: its size, its setting, and a drawing
that stays where it is while the text changes (issue 21).

Skips with a reason when /usr/bin/chromium, playwright or Graphviz's dot is missing; fails in
CI, where make installs them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from headless import chromium, missing_browser, require
from vizhelpers import tiny_recording

import nn
import viz
from viz.demo import sigmoid_circuit, xyz_circuit

SIZES = [(1280, 720), (1920, 1080)]
#: What the step text must reach: 20 px at 1280x720, 28 px at 1920x1080 (and the labels).
LEAST = {720: 20, 1080: 28}


def _requirements() -> None:
    missing = list(missing_browser())
    if shutil.which("dot") is None:
        missing.append("Graphviz dot (the player's drawing)")
    require(missing)


def _network() -> viz.NetworkStepper:
    net = nn.scalar.MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]],
                                     activation="sigmoid")
    return viz.step_network(net, [0.35, 0.9], [0.5], lr=0.5)


def _training() -> viz.TrainingStepper | None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None
    return tiny_recording().stepper()


@pytest.fixture(scope="module")
def browser():
    _requirements()
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    _requirements()
    out = tmp_path_factory.mktemp("text")
    players = {"xyz": viz.step(xyz_circuit()), "sigmoid": viz.step(sigmoid_circuit()),
               "network": _network()}
    training = _training()
    if training is not None:
        players["training"] = training
    found = {name: Path(p.save_html(out / f"{name}.html")).resolve().as_uri()
             for name, p in players.items()}
    found["large"] = Path(players["sigmoid"].save_html(out / "large.html", font_scale=1.5)
                          ).resolve().as_uri()
    return found


MEASURE = """() => {
  const root = document.querySelector('.cr-player'), svg = root.querySelector('svg');
  const m = svg.getScreenCTM();
  const sizes = [...svg.querySelectorAll('g.node text')]
      .map(t => parseFloat(t.getAttribute('font-size')) * Math.abs(m.a)).sort((a, b) => a - b);
  const r = svg.getBoundingClientRect(), t = root.querySelector('.cr-text');
  return {text: parseFloat(getComputedStyle(t).fontSize),
          labels: sizes.length ? sizes[sizes.length >> 1] : 0,
          box: [r.left, r.top, r.width, r.height].map(v => Math.round(v * 10) / 10),
          textBox: t.getBoundingClientRect().height,
          page: document.documentElement.scrollHeight, window: innerHeight};
}"""


def _open(browser, url: str, size: tuple[int, int]):
    w, h = size
    page = browser.new_page(viewport={"width": w, "height": h})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function("() => document.querySelector('.cr-player.cr-js svg')")
    # two frames later the resize observer's first fit has run too
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return page, errors


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["xyz", "sigmoid", "network"])
def test_step_text_scales_with_the_window_and_the_labels(browser, pages, name, size):
    page, errors = _open(browser, pages[name], size)
    m = page.evaluate(MEASURE)
    least = LEAST[size[1]]
    assert m["text"] >= least, m
    if size[1] == 1080:  # a projector: the equation is as large as the drawing's labels
        assert m["text"] >= m["labels"] - 0.5, m
    assert not errors
    page.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["xyz", "sigmoid", "network", "training"])
def test_the_drawing_stays_put_while_the_text_changes(browser, pages, name, size):
    if name not in pages:
        pytest.skip("the training player needs matplotlib (chainrule[plot])")
    page, errors = _open(browser, pages[name], size)
    n = int(page.get_attribute(".cr-player", "data-frames"))
    first = page.evaluate(MEASURE)
    heights = set()
    for i in range(n):
        page.evaluate(f"() => window.chainrule.players[0].goto({i})")
        m = page.evaluate(MEASURE)
        heights.add(round(m["textBox"]))
        assert m["box"] == first["box"], f"{name}: the drawing moved at frame {i}"
        assert m["page"] <= m["window"], f"{name}: frame {i} overflows the window"
    page.keyboard.press("End")
    page.keyboard.press("Home")  # keys too
    assert page.evaluate(MEASURE)["box"] == first["box"]
    assert len(heights) == 1  # one text box height: the longest text's
    assert not errors
    page.close()


def test_text_size_setting_is_kept_for_the_next_page(browser, pages):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(pages["sigmoid"])
    size = "() => parseFloat(getComputedStyle(document.querySelector('.cr-text')).fontSize)"
    before = page.evaluate(size)
    page.get_by_role("button", name="A+").click()
    page.get_by_role("button", name="A+").click()
    larger = page.evaluate(size)
    assert larger == pytest.approx(before * 1.2, abs=0.6)
    # another page of the browser gets it (Chromium commits a page's storage to the browser
    # process shortly after the write: a reload in the same instant may miss it)
    other = context.new_page()
    for _ in range(50):
        other.goto(pages["xyz"])
        if other.evaluate("() => window.chainrule.players[0].textScale()") == 1.2:
            break
        other.wait_for_timeout(100)
    assert other.evaluate("() => window.chainrule.players[0].textScale()") == 1.2
    page.reload()  # and so does the page itself when it is loaded again
    page.wait_for_function("() => window.chainrule && window.chainrule.players.length")
    assert page.evaluate(size) == larger
    page.keyboard.press("0")  # back to the page's own size
    assert page.evaluate(size) == before
    page.keyboard.press("-")
    assert page.evaluate(size) < before
    context.close()


def test_text_size_from_the_address_and_from_save_html(browser, pages):
    scale = "() => window.chainrule.players[0].textScale()"
    size = "() => parseFloat(getComputedStyle(document.querySelector('.cr-text')).fontSize)"
    page, _ = _open(browser, pages["sigmoid"], (1280, 720))
    plain = page.evaluate(size)
    page.close()
    page, _ = _open(browser, pages["large"], (1280, 720))  # save_html(font_scale=1.5)
    assert page.evaluate(scale) == 1.5
    assert page.evaluate(size) == pytest.approx(1.5 * plain, abs=0.6)
    page.close()
    page, _ = _open(browser, pages["sigmoid"] + "#text=2", (1280, 720))
    assert page.evaluate(scale) == 2
    page.close()


def test_font_scale_is_checked():
    s = viz.step(xyz_circuit())
    for bad in (0, 5, "big", True):
        with pytest.raises(ValueError, match="font_scale"):
            s.to_html(font_scale=bad)
    assert '"fontScale":1.25' in s.to_html(font_scale=1.25)
