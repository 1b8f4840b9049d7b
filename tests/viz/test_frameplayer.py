"""Every stepper plays and exports through one base, with the same methods and options."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import nn
import viz
from viz.demo import xyz_circuit
from viz.frameplayer import FramePlayer
from viz.graph import dot_available
from viz.html import DATA_SLOT, DRAWING_SLOT, asset, script

EXPORTS = ("to_html", "save_html", "save_frames", "save_pdf", "save_gif", "_repr_html_",
           "frame_images", "fallback_images", "sources", "slides", "__len__", "__getitem__",
           "__iter__")
#: Steppers whose frames are not Graphviz drawings draw their own frame_images (matplotlib).
OWN_IMAGES = {"TrainingStepper": ("frame_images",)}


def _all_viz_classes() -> list[type]:
    classes = []
    for info in pkgutil.walk_packages(viz.__path__, "viz."):
        if info.name in ("viz.__main__",):
            continue
        module = importlib.import_module(info.name)
        classes += [c for _, c in inspect.getmembers(module, inspect.isclass)
                    if c.__module__ == module.__name__]
    return classes


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def _network_stepper() -> viz.NetworkStepper:
    net = nn.scalar.MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]])
    return viz.step_network(net, [0.35, 0.9], [0.5], lr=0.5)


def test_every_class_that_plays_frames_is_a_frame_player():
    players = [c for c in _all_viz_classes() if hasattr(c, "save_frames") or
               hasattr(c, "to_html")]
    assert {viz.BackpropStepper, viz.NetworkStepper} <= set(players)
    for cls in players:
        assert issubclass(cls, FramePlayer), f"{cls.__qualname__} does not inherit FramePlayer"


@pytest.mark.parametrize("cls", sorted(_subclasses(FramePlayer) | {viz.BackpropStepper,
                                                                    viz.NetworkStepper},
                                       key=lambda c: c.__qualname__),
                         ids=lambda c: c.__qualname__)
def test_steppers_share_the_export_methods(cls):
    for name in EXPORTS:
        if name in OWN_IMAGES.get(cls.__qualname__, ()):
            continue
        assert getattr(cls, name) is getattr(FramePlayer, name), \
            f"{cls.__qualname__}.{name} is not FramePlayer's"
    for name in ("player_data", "drawings"):
        assert getattr(cls, name) is not getattr(FramePlayer, name), \
            f"{cls.__qualname__} must say its own {name}()"
    assert isinstance(cls.default_title, str) and cls.default_title


def test_same_options_on_both_steppers(tmp_path):
    backprop, network = viz.step(xyz_circuit()), _network_stepper()
    for s, prefix in ((backprop, "cr-player-"), (network, "cr-net-")):
        page = s.to_html()
        assert f'id="{prefix}' in page and s.default_title in page
        assert s.to_html(title="T", element_id="mine").count('id="mine"') == 1
        with pytest.raises(ValueError, match="element_id"):
            s.to_html(element_id="1bad")
        with pytest.raises(ValueError, match="fmt must be one of"):
            s.save_frames(tmp_path / "x", fmt="jpg")
        paths = s.save_frames(tmp_path / prefix, fmt="dot")
        assert [p.name for p in paths][:2] == ["frame_000.dot", "frame_001.dot"]
        assert len(paths) == len(s) == len(list(s))
        assert paths[-1].read_text() == list(s.slides())[-1]  # what the images are of
        assert s._repr_html_().startswith('<div class="cr-player"')


@pytest.mark.skipif(not dot_available(), reason="needs Graphviz's dot")
def test_network_has_save_gif_and_png_dpi(tmp_path):
    pytest.importorskip("PIL")
    s = _network_stepper()
    gif = s.save_gif(tmp_path / "net.gif", seconds_per_frame=0.5, dpi=40)
    from PIL import Image

    with Image.open(gif) as im:
        assert im.n_frames == len(s)
    small = s.save_frames(tmp_path / "small", fmt="png", dpi=40)
    large = s.save_frames(tmp_path / "large", fmt="png", dpi=80)
    with Image.open(small[0]) as a, Image.open(large[0]) as b:
        assert b.size[0] > 1.5 * a.size[0]


def test_player_script_and_styles_come_from_the_package_files():
    js, css = asset("player.js"), asset("player.css")
    assert js.count(DATA_SLOT) == 1 and "function (D, S)" in js
    page = viz.step(xyz_circuit()).to_html()
    assert css in page
    assert js.count(DRAWING_SLOT) == 1  # the drawing code it shares with the live pages
    body = js.replace(DRAWING_SLOT, asset("drawing.js")).split(DATA_SLOT)
    assert body[0] in page and body[1] in page
    assert DATA_SLOT not in page and DRAWING_SLOT not in page
    assert script("player.js", "{}").count("{}") >= 1
    for bad in ("../draw.py", "nope.js", ".hidden"):
        with pytest.raises(ValueError, match="viz.html.asset"):
            asset(bad)
