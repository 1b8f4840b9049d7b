"""Rendering with Graphviz (required in CI), and polite failure without it."""

from __future__ import annotations

import html
from pathlib import Path

import graphviz
import pytest
from vizhelpers import png_size

import viz
from viz import limits
from viz.demo import sigmoid_circuit, write_lecture_figures, xyz_circuit
from viz.graph import DEFAULT_DPI, Graph, GraphvizError, GraphvizNotFoundError


def _graph():
    f = xyz_circuit()
    f.backward()
    return viz.draw(f)


def test_draw_returns_a_graphviz_digraph():
    assert isinstance(_graph(), graphviz.Digraph)


def test_svg_png_pdf_rendering(tmp_path, dot_required):
    g = _graph()
    svg = tmp_path / "xyz.svg"
    assert viz.save(g, str(svg)) == str(svg)
    text = html.unescape(svg.read_text())
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    for number in ("-12", "-4", "q = 3"):
        assert number in text
    png = tmp_path / "xyz.png"
    viz.save(g, str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = tmp_path / "sigmoid.pdf"
    f = sigmoid_circuit()
    f.backward()
    viz.save(f, str(pdf), mode="both")  # a node is drawn first
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_save_dot_source_needs_no_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on PATH
    g = _graph()
    path = tmp_path / "xyz.dot"
    viz.save(g, str(path))
    assert path.read_text() == g.source


def test_without_dot_render_raises_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    g = _graph()
    for call in (lambda: g.save(str(tmp_path / "a.svg")), lambda: g.pipe(format="svg"),
                 lambda: g.render(str(tmp_path / "b"), format="png")):
        with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
            call()
    assert issubclass(GraphvizNotFoundError, RuntimeError)


def test_jupyter_display_never_raises_without_dot(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    g = _graph()
    bundle, _ = g._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert "apt-get install graphviz" in bundle["text/plain"]
    assert "digraph" in bundle["text/plain"] and "digraph" in bundle["text/html"]
    assert g._repr_svg_() is None


def test_jupyter_display_is_svg_with_dot(dot_required):
    bundle, _ = _graph()._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_lecture_figures(tmp_path, dot_required):
    paths = write_lecture_figures(tmp_path / "out")
    assert [p.name for p in paths] == ["xyz.svg", "sigmoid.svg", "sigmoid_steps.html"]
    sig = html.unescape((tmp_path / "out" / "sigmoid.svg").read_text())  # dot writes &#45;
    for number in ("0.73", "-0.20", "0.39", "-0.39", "-0.59", "1/x", "exp"):
        assert number in sig
    page = (tmp_path / "out" / "sigmoid_steps.html").read_text()
    assert page.count('class="cr-frame"') == 26 and page.count("<svg") == 1  # one layout


def test_save_frames_png(tmp_path, dot_required):
    s = viz.step(xyz_circuit())
    paths = s.save_frames(tmp_path, fmt="png")
    assert len(paths) == len(s)
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in paths)
    sharp = s.save_frames(tmp_path / "sharp", fmt="png", dpi=192)
    w96, h96 = png_size(paths[0].read_bytes())
    w192, h192 = png_size(sharp[0].read_bytes())
    assert w192 == pytest.approx(2 * w96, rel=0.05) and h192 == pytest.approx(2 * h96, rel=0.05)


def test_player_without_dot_still_lists_texts_and_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    page = viz.step(xyz_circuit()).to_html()
    assert page.count('class="cr-frame"') == 10 and "<svg" not in page
    assert "install Graphviz" in page
    assert "df/dx = df/dq * dq/dx = -4 * 1 = -4" in page


# ----------------------------------------------------------- output for slides (issue 10)
def test_png_resolution_default_and_dpi(tmp_path, dot_required):
    g = _graph()
    default = png_size(Path(viz.save(g, str(tmp_path / "a.png"))).read_bytes())
    screen = png_size(Path(viz.save(g, str(tmp_path / "b.png"), dpi=96)).read_bytes())
    assert DEFAULT_DPI == 192  # twice a screen's 96 dpi: sharp when projected at 1080p
    assert abs(default[0] - 2 * screen[0]) <= 2 and abs(default[1] - 2 * screen[1]) <= 2
    f = xyz_circuit()
    f.backward()
    direct = png_size(Path(viz.save(f, str(tmp_path / "c.png"), dpi=48)).read_bytes())
    assert abs(direct[0] * 2 - screen[0]) <= 2
    with pytest.raises(ValueError, match="dpi must be a number in 10..1200"):
        viz.save(g, str(tmp_path / "d.png"), dpi=0)


def test_png_side_is_capped(tmp_path, dot_required, monkeypatch):
    monkeypatch.setattr(limits, "MAX_IMAGE_PIXELS", 300)
    w, h = png_size(Path(viz.save(_graph(), str(tmp_path / "a.png"), dpi=1200)).read_bytes())
    assert max(w, h) <= 300 and min(w, h) > 10


@pytest.mark.parametrize("name, message", [("drawing", "no extension"),
                                           ("drawing.docx", "unknown format '.docx'"),
                                           ("drawing.", "no extension"), ("", "empty")])
def test_save_refuses_unknown_or_missing_extensions(tmp_path, name, message):
    f = xyz_circuit()
    with pytest.raises(ValueError, match=message):
        viz.save(_graph(), str(tmp_path / name) if name else "")
    with pytest.raises(ValueError, match=message):
        viz.save(f, str(tmp_path / name) if name else "")  # before drawing anything
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf"):
        _graph().save(str(tmp_path / name) if name else "")
    assert list(tmp_path.iterdir()) == []


def test_render_and_pipe_are_bounded_and_report_dot_errors(tmp_path, dot_required):
    g = _graph()
    path = g.render(str(tmp_path / "xyz"), format="svg")
    assert path == str(tmp_path / "xyz.svg") and "<svg" in Path(path).read_text()
    assert (tmp_path / "xyz").read_text() == g.source
    bad = Graph(body=["\tn0 [label=<<b>unclosed>]\n"])
    with pytest.raises(GraphvizError, match="failed"):
        bad.pipe(format="svg")
    counted = Graph(graph_attr={"rankdir": "LR"})
    counted.node("a", label="x -> y")
    counted.node("graph2")
    counted.edge("a", "graph2", label="e")
    counted.attr("node", shape="box")
    assert counted.node_count() == 2
