"""The views of a recording: panel figure, frames, GIF, PDF, player, gradient_flow.

The browser tests (the player stepping through epochs in headless Chromium) skip without
Chromium or playwright and fail in CI, as tests/viz/test_player_browser.py does.
"""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from headless import chromium, missing_browser, require
from vizhelpers import tiny_recording

import nn
import viz

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def xor_rec():
    X, y = nn.xor(64, noise=0.05, seed=0)
    model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.Tanh(), nn.Linear(8, 2, seed=1))
    rec = viz.TrainingRecorder(model, X, y, every=3)
    rec(0)
    opt = nn.optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
    nn.fit(model, nn.CrossEntropyLoss(), opt,
           nn.DataLoader(X, y, batch_size=16, shuffle=True, seed=0), epochs=15,
           progress=False, callback=rec)
    assert rec.epochs == [0, 3, 6, 9, 12, 15]
    return rec


@pytest.fixture(scope="module")
def tiny_rec():
    """Three recorded epochs: for the slower vector exports (a page per epoch)."""
    rec = tiny_recording()
    assert rec.epochs == [2, 4, 6]
    return rec


def _rgb(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_frames_have_one_layout_and_change_with_the_epoch(xor_rec, tmp_path):
    paths = xor_rec.stepper().save_frames(tmp_path / "frames", fmt="png")
    assert [p.name for p in paths] == [f"frame_{i:03d}.png" for i in range(6)]
    images = [_rgb(p.read_bytes()) for p in paths]
    assert {im.shape for im in images} == {(720, 1280, 3)}
    # the boundary panel (top left) changes from epoch to epoch; the frame's fixed parts
    # (axes, tick labels) do not: most pixels are the same in every frame
    first, last = images[0], images[-1]
    assert np.abs(first[100:300, 80:380] - last[100:300, 80:380]).mean() > 5
    same = np.mean(np.all(first == last, axis=2))
    assert same > 0.6, same


def test_blitted_frames_match_savefig(xor_rec):
    """pngs() draws only what changes; the picture is savefig's."""
    stepper = xor_rec.stepper()
    panels = stepper.panels()
    fast = _rgb(list(stepper.frame_images("png", dpi=100))[2])
    buffer = io.BytesIO()
    panels.show(2).savefig(buffer, format="png", dpi=100)
    slow = _rgb(buffer.getvalue())
    assert fast.shape == slow.shape
    assert np.mean(np.abs(fast - slow).max(axis=2) > 40) < 0.005


def test_gif_has_a_frame_per_recorded_epoch(tiny_rec, tmp_path):
    from PIL import Image

    path = tiny_rec.stepper().save_gif(tmp_path / "xor.gif", seconds_per_frame=0.25, dpi=80)
    with Image.open(path) as im:
        assert im.n_frames == len(tiny_rec) == 3 and im.size == (1024, 576)
        assert im.info["duration"] == 250
    with pytest.raises(ValueError, match="seconds_per_frame"):
        tiny_rec.stepper().save_gif(tmp_path / "bad.gif", seconds_per_frame=0)


def test_pdf_has_a_page_per_recorded_epoch(tiny_rec, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    path = tiny_rec.stepper().save_pdf(tmp_path / "xor.pdf")
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 3
    texts = [page.extract_text() for page in reader.pages]
    assert "epoch 2" in texts[0] and "epoch 6" in texts[-1]


def test_svg_and_pdf_frames(tiny_rec, tmp_path):
    svgs = tiny_rec.stepper().save_frames(tmp_path / "svg", fmt="svg")
    assert len(svgs) == 3 and svgs[0].read_text().lstrip().startswith("<?xml")
    assert "<svg" in svgs[2].read_text() and svgs[0].read_text() != svgs[2].read_text()
    pdfs = tiny_rec.stepper().save_frames(tmp_path / "pdf", fmt="pdf")
    assert [p.read_bytes()[:5] for p in pdfs] == [b"%PDF-"] * 3
    with pytest.raises(ValueError, match="fmt must be one of"):
        tiny_rec.stepper().save_frames(tmp_path, fmt="jpg")
    with pytest.raises(ValueError, match="matplotlib figures, not Graphviz drawings"):
        tiny_rec.stepper().save_frames(tmp_path, fmt="dot")


def test_heatmaps_for_wide_layers_and_weight_norms_without_2d_inputs(tmp_path):
    X, y = nn.digits()
    model = nn.Sequential(nn.Linear(64, 32, seed=0), nn.ReLU(), nn.Linear(32, 10, seed=1))
    rec = viz.TrainingRecorder(model, X[:200], y[:200])
    opt = nn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    nn.fit(model, nn.CrossEntropyLoss(), opt, nn.DataLoader(X[:200], y[:200], batch_size=50),
           epochs=2, progress=False, callback=rec)
    panels = rec.stepper().panels()
    fig = panels.show(-1)
    images = [a for ax in fig.axes for a in ax.get_images()]
    assert len(images) == 2  # one heatmap per weight matrix, no boundary image
    assert images[0].get_array().shape == (32, 64)
    np.testing.assert_array_equal(images[1].get_array(), model[2].weight.data)


def test_plot_is_a_pyplot_figure_of_the_epoch(xor_rec):
    import matplotlib.pyplot as plt

    fig = xor_rec.plot(9)
    try:
        assert fig._suptitle.get_text().startswith("epoch 9, loss")
        assert len(fig.axes) >= 5
    finally:
        plt.close(fig)
    with pytest.raises(KeyError, match="epoch 10 was not recorded"):
        xor_rec.plot(10)


def test_gradient_flow_after_backward():
    import matplotlib.pyplot as plt

    X, y = nn.moons(100, noise=0.1, seed=0)
    model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.Sigmoid(), nn.Linear(8, 8, seed=1),
                          nn.Sigmoid(), nn.Linear(8, 2, seed=2))
    with pytest.raises(ValueError, match="call loss.backward"):
        viz.gradient_flow(model)
    nn.CrossEntropyLoss()(model(X), y).backward()
    norms = viz.gradient_norms(model)
    assert list(norms) == ["0.weight", "2.weight", "4.weight"]
    assert norms["0.weight"] == pytest.approx(float(np.linalg.norm(model[0].weight.grad)))
    ax = viz.gradient_flow(model)
    try:
        heights = [bar.get_height() for bar in ax.patches]
        assert heights == pytest.approx(list(norms.values()))
        assert ax.get_yscale() == "log" and "first / last" in ax.get_title()
    finally:
        plt.close(ax.figure)
    with pytest.raises(TypeError, match="nn.Module"):
        viz.gradient_norms([1, 2])


def test_without_matplotlib_the_error_says_what_needs_it(xor_rec, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    with pytest.raises(ImportError, match=r"needs matplotlib: pip install 'chainrule\[plot\]'"):
        xor_rec.stepper().panels()
    with pytest.raises(ImportError, match="Recording with viz.TrainingRecorder needs only numpy"):
        xor_rec.stepper().save_html("never.html")


def test_nothing_recorded_is_refused():
    X, y = nn.xor(16, seed=0)
    rec = viz.TrainingRecorder(nn.Sequential(nn.Linear(2, 2, seed=0)), X, y)
    with pytest.raises(ValueError, match="nothing recorded yet"):
        rec.stepper()


# ------------------------------------------------------------------ the player in a browser
def _browser_ready() -> None:
    require(missing_browser())


@pytest.fixture(scope="module")
def player_page(xor_rec, tmp_path_factory):
    _browser_ready()
    path = tmp_path_factory.mktemp("training") / "xor.html"
    xor_rec.stepper().save_html(path)
    return path.resolve().as_uri()


@pytest.fixture(scope="module")
def browser():
    _browser_ready()
    with chromium() as b:
        yield b


STATE = """() => {
  const root = document.querySelector('.cr-player');
  const shown = [...root.querySelectorAll('svg g.cr-epoch')]
      .filter(g => getComputedStyle(g).display !== 'none').map(g => +g.dataset.k);
  return {index: +root.dataset.current, shown: shown,
          counter: root.querySelector('.cr-counter').textContent,
          phase: root.querySelector('.cr-phase').textContent,
          text: root.querySelector('.cr-text').textContent,
          grads: [...root.querySelectorAll('.cr-table tr')].slice(1)
              .map(r => [r.querySelector('th').textContent,
                         r.querySelector('.cr-grad').textContent])};
}"""


def test_player_steps_through_the_epochs(browser, player_page, xor_rec):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(player_page)
    s = page.evaluate(STATE)
    assert s["index"] == 0 and s["shown"] == [0] and s["counter"] == "1 / 6"
    assert s["text"].startswith("epoch 0") and s["phase"].endswith("epoch 0")
    for key, expected in [("ArrowRight", 1), ("PageDown", 2), ("Space", 3), ("End", 5),
                          ("ArrowLeft", 4), ("PageUp", 3), ("Shift+Space", 2), ("Home", 0)]:
        page.keyboard.press(key)
        s = page.evaluate(STATE)
        assert s["index"] == expected and s["shown"] == [expected], (key, s)
        epoch = xor_rec.epochs[expected]
        assert s["text"].startswith(f"epoch {epoch}")
    page.keyboard.press("End")
    s = page.evaluate(STATE)
    g = xor_rec.grad_norms["0.weight"][-1]
    assert dict(s["grads"])["0.weight"] == f"||dL/dp|| = {g:.3g}"
    page.evaluate("""() => { const s = document.querySelector('.cr-slider');
        s.value = '2'; s.dispatchEvent(new Event('input')); }""")  # goto(2) by the slider
    assert page.evaluate(STATE)["shown"] == [2]
    page.get_by_role("button", name="next").click()
    assert page.evaluate(STATE)["index"] == 3
    # the players' scripting API: frames(), goto(k), current()
    api = "window.chainrule.players[0]"
    assert page.evaluate(f"() => {api}.frames()") == len(xor_rec) == 6
    assert page.evaluate(f"() => {api}.goto(4)") == 4
    assert page.evaluate(STATE)["shown"] == [4] and page.evaluate(f"() => {api}.current()") == 4
    assert page.evaluate(f"() => {api}.goto(99)") == 5  # clamped to the last epoch
    assert errors == []
    page.close()


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_player_fits_the_window_and_keeps_its_layout(browser, player_page, size):
    w, h = size
    page = browser.new_page(viewport={"width": w, "height": h})
    page.goto(player_page)
    box = """() => { const r = document.querySelector('.cr-player svg').getBoundingClientRect();
        return [r.left, r.top, r.right, r.bottom]; }"""
    first = page.evaluate(box)
    left, top, right, bottom = first
    assert left >= 0 and top >= 0 and right <= w and bottom <= h, first
    assert (right - left) >= 0.6 * w or (bottom - top) >= 0.6 * h, first
    for _ in range(5):
        page.keyboard.press("ArrowRight")
        assert page.evaluate(box) == first  # the picture never moves or resizes
    page.close()


def test_every_player_has_the_scripting_api(browser, tmp_path):
    """The API lives in the one player script: the backprop player has it too."""
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("the backprop player's drawing needs Graphviz's dot")
    from viz.demo import xyz_circuit

    path = tmp_path / "xyz.html"
    viz.step(xyz_circuit()).save_html(path)
    page = browser.new_page()
    page.goto(path.resolve().as_uri())
    api = "window.chainrule.players[0]"
    assert page.evaluate(f"() => [{api}.frames(), {api}.goto(3), {api}.current()]") == [10, 3, 3]
    assert page.evaluate("() => +document.querySelector('.cr-player').dataset.current") == 3
    page.close()
