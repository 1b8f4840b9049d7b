"""Exported frames as slides (issue 21): every frame carries its step's text, no frame's file
holds a number from a later step, the caption does not move the drawing, and files get the
mode ``open()`` gives under the umask.
"""

from __future__ import annotations

import html
import io
import os
import re
import subprocess

import pytest
from vizhelpers import tiny_recording

import nn
import viz
from viz.captions import caption_box, captioned, hide_future
from viz.demo import sigmoid_circuit, xyz_circuit
from viz.files import write_file
from viz.graph import Graph

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
HIDDEN = re.compile(r'<font color="transparent"[^>]*>([^<]*)</font>')


def _network() -> viz.NetworkStepper:
    net = nn.scalar.MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]],
                                     activation="sigmoid")
    return viz.step_network(net, [0.35, 0.9], [0.5], lr=0.5)


STEPPERS = {"xyz": lambda: viz.step(xyz_circuit()),
            "sigmoid": lambda: viz.step(sigmoid_circuit()),
            "network": _network}


def _numbers(text: str) -> set[str]:
    return {t for t in NUMBER.findall(text) if t.strip("-0.")}  # no zeros: placeholders


def _future(s: viz.BackpropStepper | viz.NetworkStepper) -> list[set[str]]:
    """Per frame: the numbers its drawing writes transparently (a later step's) and neither
    shows nor says in its text."""
    out = []
    for frame, source in zip(s.frames, s.sources(), strict=True):
        hidden = {n for h in HIDDEN.findall(source) for n in _numbers(html.unescape(h))}
        shown = _numbers(html.unescape(HIDDEN.sub("", source))) | _numbers(frame.text)
        out.append(hidden - shown)
    return out


def _words(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


# ------------------------------------------------------------------ the DOT of a slide
def test_hidden_numbers_keep_their_width_and_lose_their_digits():
    s = viz.step(sigmoid_circuit())
    first = next(iter(s.sources()))
    hidden = hide_future(first)
    assert HIDDEN.findall(first) and all(not _numbers(h) for h in HIDDEN.findall(hidden))
    assert [len(h) for h in HIDDEN.findall(hidden)] == [len(h) for h in HIDDEN.findall(first)]
    assert HIDDEN.sub("", hidden) == HIDDEN.sub("", first)  # nothing else changes


@pytest.mark.parametrize("name", sorted(STEPPERS))
def test_the_dot_of_a_slide_says_its_step_and_hides_the_future(name, tmp_path):
    s = STEPPERS[name]()
    future = _future(s)
    assert any(future), "the test needs frames with numbers still to come"
    paths = s.save_frames(tmp_path, fmt="dot")
    for i, (path, frame) in enumerate(zip(paths, s.frames, strict=True)):
        source = path.read_text()
        first_line = frame.text.split("\n")[0].split(" ")[0]
        assert html.escape(first_line) in source  # the caption
        written = _numbers(html.unescape(source))
        assert not written & future[i], f"frame {i} holds {written & future[i]}"
    plain = list(s.slides(caption=False))
    assert all(f.text.split("\n")[0] not in html.unescape(src)
               for f, src in zip(s.frames, plain, strict=True) if len(f.text) > 12)


def test_caption_merges_with_the_drawings_own_label():
    g = Graph(graph_attr={"label": "2-2-1 network\ngreen: outputs", "labelloc": "b"})
    g.node("a")
    out = captioned(g, "L = 1/2 (t - y)^2 = 0.0181\n  next <line>", caption_box(["abc"]))
    label = out.graph_attr["label"]
    assert label.startswith("<<table") and "2-2-1 network<br/>green: outputs" in label
    assert "&lt;line&gt;" in label and "&#160;&#160;next" in label  # escaped, indent kept
    assert out.body == g.body and g.graph_attr["label"].startswith("2-2-1")  # a copy
    w1, h1 = caption_box(["abc"])
    w2, h2 = caption_box(["abc", "abcdef\nx"])
    assert w2 > w1 and h2 > h1
    assert caption_box(["word " * 60])[0] <= caption_box(["w" * 96])[0]  # long lines wrap
    assert caption_box(["word " * 60])[1] > caption_box(["word"])[1]


# --------------------------------------------------------------------- rendered slides
def _positions(source: str) -> dict[str, tuple[str, str]]:
    """Node centres from ``dot -Tplain`` (inches, from the bottom left)."""
    out = subprocess.run(["dot", "-Tplain"], input=source, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return {p[1]: (p[2], p[3]) for p in (line.split() for line in out.splitlines())
            if p and p[0] == "node"}


@pytest.mark.parametrize("name", ["sigmoid", "network"])
def test_captions_and_hidden_numbers_do_not_move_the_drawing(name, dot_required):
    s = STEPPERS[name]()
    drawn = [_positions(src) for src in s.sources()]
    bare = [_positions(src) for src in s.slides(caption=False)]
    slides = [_positions(src) for src in s.slides()]
    assert len(drawn[0]) > 5
    assert bare == drawn  # digits hidden: the same layout
    assert all(p == slides[0] for p in slides)  # one caption box: one layout


@pytest.mark.parametrize("name", sorted(STEPPERS))
def test_pdf_pages_have_the_step_text_and_no_future_numbers(name, tmp_path, dot_required):
    pypdf = pytest.importorskip("pypdf")
    s = STEPPERS[name]()
    future = _future(s)
    pages = pypdf.PdfReader(s.save_pdf(tmp_path / "deck.pdf")).pages
    assert len(pages) == len(s)
    for i, (page, frame) in enumerate(zip(pages, s.frames, strict=True)):
        text = _words(page.extract_text())
        for line in frame.text.split("\n"):  # searchable: every line of the step, as text
            assert _words(line) in text, (i, line)
        assert not _numbers(text) & future[i], f"page {i}: {_numbers(text) & future[i]}"
    bare = pypdf.PdfReader(s.save_pdf(tmp_path / "bare.pdf", caption=False)).pages
    assert _words(s.frames[-1].text.split("\n")[0]) not in _words(bare[-1].extract_text())


@pytest.mark.parametrize("name", sorted(STEPPERS))
def test_svg_frames_have_the_step_text_and_no_future_numbers(name, tmp_path, dot_required):
    s = STEPPERS[name]()
    future = _future(s)
    paths = s.save_frames(tmp_path, fmt="svg")
    for i, (path, frame) in enumerate(zip(paths, s.frames, strict=True)):
        svg = path.read_text()
        texts = [html.unescape(t) for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)]
        assert not re.search(r'<text[^>]*fill="#fffffe"', svg)  # no invisible text left
        every = _words(" ".join(texts))
        for line in frame.text.split("\n"):
            assert _words(line) in every, (i, line)
        assert not _numbers(every) & future[i], f"frame {i}: {_numbers(every) & future[i]}"


def _has_colour(image, rgb: tuple[int, int, int], within: int = 6, share: float = 0.02) -> bool:
    """Whether at least ``share`` of the image's pixels are within ``within`` of ``rgb``."""
    counts = image.convert("RGB").getcolors(1 << 24)
    near = sum(n for n, c in counts if max(abs(a - b) for a, b in zip(c, rgb)) <= within)
    return near >= share * image.size[0] * image.size[1]


def test_png_and_gif_frames_are_captioned_and_one_size(tmp_path, dot_required):
    Image = pytest.importorskip("PIL.Image")
    s = _network()
    with_caption = s.save_frames(tmp_path / "c", fmt="png", dpi=48)
    bare = s.save_frames(tmp_path / "b", fmt="png", dpi=48, caption=False)
    sizes = set()
    for a, b in zip(with_caption, bare, strict=True):
        with Image.open(a) as im, Image.open(b) as plain:
            sizes.add(im.size)
            assert im.size[1] > plain.size[1] + 40  # the caption's box below the drawing
            # the caption box's background (#fff8dc, in the PNG's palette: near it)
            assert _has_colour(im, (255, 248, 220)) and not _has_colour(plain, (255, 248, 220))
    assert len(sizes) == 1
    gif = s.save_gif(tmp_path / "net.gif", dpi=40)
    with Image.open(gif) as im:
        assert im.n_frames == len(s)
        heights = {im.size[1]}
    bare_gif = s.save_gif(tmp_path / "bare.gif", dpi=40, caption=False)
    with Image.open(bare_gif) as im:
        assert im.size[1] < min(heights)


def test_training_frames_are_captioned_by_their_title(tmp_path):
    pytest.importorskip("matplotlib")
    pypdf = pytest.importorskip("pypdf")
    s = tiny_recording(every=3, epochs=3).stepper()
    page = next(iter(s.frame_images("pdf")))
    bare = next(iter(s.frame_images("pdf", caption=False)))
    summary = _words(s.frames[0].text.split("\n")[0])
    assert summary in _words(pypdf.PdfReader(io.BytesIO(page)).pages[0].extract_text())
    assert summary not in _words(pypdf.PdfReader(io.BytesIO(bare)).pages[0].extract_text())


# ----------------------------------------------------------------------------- files
@pytest.fixture
def umask():
    """``umask(mask)`` sets the process umask for one test; the old one is restored after."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


def _mode(path) -> int:
    return os.stat(path).st_mode & 0o777


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_every_export_file_has_the_mode_open_gives(mask, umask, tmp_path, dot_required):
    pytest.importorskip("pypdf")
    pytest.importorskip("PIL")
    umask(mask)
    expected = 0o666 & ~mask
    s = viz.step(xyz_circuit())
    with open(tmp_path / "reference", "w") as fh:
        fh.write("x")
    assert _mode(tmp_path / "reference") == expected
    written = [s.save_pdf(tmp_path / "deck.pdf"), s.save_gif(tmp_path / "steps.gif", dpi=30),
               s.save_html(tmp_path / "steps.html")]
    written += s.save_frames(tmp_path / "png", fmt="png", dpi=30)
    written += s.save_frames(tmp_path / "dot", fmt="dot")
    for path in written:
        assert _mode(path) == expected, f"{path}: {oct(_mode(path))} != {oct(expected)}"
    assert not [p for p in tmp_path.rglob(".*.tmp")]  # no temporary file left


def test_overwriting_keeps_the_mode_and_symlinks_are_written_through(umask, tmp_path):
    umask(0o022)
    target = tmp_path / "real.html"
    write_file(target, "old")
    os.chmod(target, 0o600)
    write_file(target, "new")
    assert target.read_text() == "new" and _mode(target) == 0o600  # as open() keeps it
    link = tmp_path / "link.html"
    link.symlink_to(target)
    viz.step(xyz_circuit()).save_html(link)
    assert link.is_symlink() and target.read_text().startswith("<!DOCTYPE html>")

    def fails(fh):
        fh.write(b"partial")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_file(target, fails)
    assert target.read_text().startswith("<!DOCTYPE html>")  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.html", "real.html"]


def test_dpi_is_checked_on_every_image_export(tmp_path):
    s = _network()
    for call in (lambda: s.save_frames(tmp_path, fmt="png", dpi=0),
                 lambda: s.save_gif(tmp_path / "x.gif", dpi="high")):
        with pytest.raises(ValueError, match="dpi"):
            call()
