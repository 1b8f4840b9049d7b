"""Rendering with Graphviz (required in CI), and polite failure without it."""

from __future__ import annotations

import html

import graphviz
import pytest

import viz
from viz.demo import sigmoid_circuit, write_lecture_figures, xyz_circuit
from viz.graph import GraphvizNotFoundError


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
    bundle = g._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert "apt-get install graphviz" in bundle["text/plain"]
    assert "digraph" in bundle["text/plain"] and "digraph" in bundle["text/html"]
    assert g._repr_svg_() is None


def test_jupyter_display_is_svg_with_dot(dot_required):
    bundle = _graph()._repr_mimebundle_()
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


def test_player_without_dot_still_lists_texts_and_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    page = viz.step(xyz_circuit()).to_html()
    assert page.count('class="cr-frame"') == 10 and "<svg" not in page
    assert "install Graphviz" in page
    assert "df/dx = df/dq * dq/dx = -4 * 1 = -4" in page
