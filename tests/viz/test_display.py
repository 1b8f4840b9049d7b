"""Drawings in Jupyter (issue 15): a PNG that untrusted notebooks show, a meaningful
text/plain, fitted to the output width with a minimum text size, a light background, and a
display that never raises."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from vizhelpers import png_size

import viz
from autograd import Value
from viz import display, limits
from viz.demo import sigmoid_circuit, xyz_circuit
from viz.expr import build


def _drawn(f):
    f.backward()
    return viz.draw(f)


def _svg_width_pt(svg: str) -> float:
    return float(re.search(r'<svg[^>]*?width="([\d.]+)pt"', svg, re.S).group(1))


def test_bundle_has_svg_png_and_a_description(dot_required):
    g = _drawn(xyz_circuit())
    data, meta = g._repr_mimebundle_()
    assert set(data) == {"image/svg+xml", "image/png", "text/plain"}
    ET.fromstring(data["image/svg+xml"].encode())
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    text = data["text/plain"]
    assert "computation graph" in text and f"{g.node_count()} nodes" in text
    assert "viz.save" in text and "trust" in text and "<viz.graph.Graph" not in text
    # the PNG is the same layout as the SVG (one pixel per CSS pixel)
    width_px = _svg_width_pt(data["image/svg+xml"]) * 96 / 72
    assert abs(png_size(data["image/png"])[0] - width_px) <= 2
    assert meta["image/png"]["width"] == round(width_px)


def test_include_and_exclude(dot_required):
    g = _drawn(xyz_circuit())
    data, meta = g._repr_mimebundle_(include=["image/png", "text/plain"])
    assert set(data) == {"image/png", "text/plain"} and set(meta) <= set(data)
    data, _ = g._repr_mimebundle_(exclude=["image/png"])
    assert "image/png" not in data and "image/svg+xml" in data


def test_light_background_in_every_theme(dot_required):
    data, _ = _drawn(xyz_circuit())._repr_mimebundle_()
    background = re.search(r"<polygon fill=\"(\w+)\"", data["image/svg+xml"]).group(1)
    assert background == "white"
    Image = pytest.importorskip("PIL.Image")  # matplotlib's dependency, in the dev extra
    corner = Image.open(io.BytesIO(data["image/png"])).convert("RGB").getpixel((0, 0))
    assert min(corner) >= 245  # white (a palette PNG rounds it slightly)


def test_small_drawings_keep_their_size_wide_ones_fit_the_output(dot_required):
    small, _ = _drawn(xyz_circuit())._repr_mimebundle_()
    natural = _drawn(xyz_circuit()).svg()
    assert _svg_width_pt(small["image/svg+xml"]) == _svg_width_pt(natural)  # never scaled up
    # a chain a little wider than the output: scaled down to exactly the output width
    g = _drawn(build("x" + "".join(f"+{k}" for k in range(1, 8)), {"x": 1.0}))
    assert _svg_width_pt(g.svg()) * 96 / 72 > display.OUTPUT_WIDTH_PX  # wider at natural size
    data, _ = g._repr_mimebundle_()
    width_px = _svg_width_pt(data["image/svg+xml"]) * 96 / 72
    assert abs(width_px - display.OUTPUT_WIDTH_PX) < 1
    assert "Too wide" not in data["text/plain"]


def test_too_wide_keeps_a_minimum_text_size_and_says_so(dot_required):
    f = build("+".join(f"x{i}" for i in range(40)), {f"x{i}": 1 for i in range(40)})
    g = _drawn(f)
    data, meta = g._repr_mimebundle_()
    svg = data["image/svg+xml"]
    scale = _svg_width_pt(svg) / _svg_width_pt(g.svg())
    smallest = min(float(s) for s in re.findall(r'font-size="([\d.]+)"', g.svg()))
    assert smallest * 96 / 72 * scale >= display.MIN_LABEL_PX - 0.01
    assert "Too wide" in data["text/plain"] and 'rankdir="TB"' in data["text/plain"]
    assert "collapse=" in " ".join(ET.fromstring(svg.encode()).itertext())
    assert meta["image/svg+xml"] == {"unconfined": True} and meta["image/png"]["unconfined"]


def test_fit_width_false_keeps_the_natural_size(dot_required):
    g = _drawn(sigmoid_circuit())
    g.fit_width = False
    data, meta = g._repr_mimebundle_()
    assert _svg_width_pt(data["image/svg+xml"]) == _svg_width_pt(g.svg())
    assert meta["image/svg+xml"] == {"unconfined": True}


def test_never_raises(monkeypatch, tmp_path, dot_required):
    g = _drawn(xyz_circuit())
    monkeypatch.setattr(limits, "MAX_RENDER_NODES", 3)
    data, _ = g._repr_mimebundle_()
    assert "MAX_RENDER_NODES = 3" in data["text/plain"] and "digraph" in data["text/plain"]
    assert "image/png" not in data and "computation graph" in data["text/plain"]
    monkeypatch.setattr(limits, "MAX_RENDER_NODES", 1000)
    monkeypatch.setattr(limits, "DOT_TIMEOUT", 0.0)
    data, _ = g._repr_mimebundle_()
    assert "could not render" in data["text/plain"] and "digraph" in data["text/html"]
    monkeypatch.setenv("PATH", str(tmp_path))
    data, _ = g._repr_mimebundle_()
    assert "apt-get install graphviz" in data["text/plain"]


@pytest.mark.parametrize("label", ["\x00", "a" * 20000, "\ud800", "</svg>"])
def test_hostile_labels_still_give_a_valid_bundle(label, dot_required):
    x = Value(1.0, label=label)
    f = x * x
    f.label = label
    data, _ = _drawn(f)._repr_mimebundle_()
    ET.fromstring(data["image/svg+xml"].encode())
    assert data["image/png"][:4] == b"\x89PNG"


def test_fallback_for_a_huge_graph_is_bounded(monkeypatch):
    monkeypatch.setattr(limits, "MAX_RENDER_NODES", 50)
    f = build("+".join(f"x{i}" for i in range(150)), {f"x{i}": 1 for i in range(150)})
    g = _drawn(f)
    data, _ = g._repr_mimebundle_()
    assert len(g.source) > display.MAX_SOURCE_CHARS
    assert len(data["text/plain"]) < display.MAX_SOURCE_CHARS + 2000
    assert "graph.source has all of it" in data["text/html"]
