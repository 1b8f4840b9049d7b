"""DrawOptions: one checked set of drawing options behind draw, render_view and the stepper."""

from __future__ import annotations

import pytest

import viz
from viz.demo import xyz_circuit
from viz.draw import View, graph_view, render_view
from viz.nodes import GraphInfo
from viz.options import DrawOptions


def test_keywords_and_options_draw_the_same():
    f = xyz_circuit()
    f.backward()
    by_keywords = viz.draw(f, rankdir="TB", precision=3, tags=True).source
    info = GraphInfo(f)
    view = graph_view(info)
    options = DrawOptions(rankdir="TB", precision=3, tags=True)
    assert render_view(info, view, options).source == by_keywords
    assert render_view(info, view, rankdir="TB", precision=3, tags=True).source == by_keywords
    assert render_view(info, View(), options).source != by_keywords  # a view with nothing


def test_stepper_takes_the_same_options():
    s = viz.step(xyz_circuit(), precision=3, rankdir="TB", tags=True)
    assert s.options == DrawOptions(precision=3, rankdir="TB", tags=True)
    with pytest.raises(TypeError, match="BackpropStepper: unknown drawing option"):
        viz.step(xyz_circuit(), colour="red")
    with pytest.raises(ValueError, match="rankdir must be one of"):
        viz.step(xyz_circuit(), rankdir="up")


@pytest.mark.parametrize("bad, match", [({"mode": "x"}, "mode"), ({"style": "x"}, "style"),
                                        ({"collapse": "x"}, "collapse"),
                                        ({"precision": True}, "precision"),
                                        ({"precision": 13}, "precision")])
def test_bad_options_are_refused_when_made(bad, match):
    with pytest.raises(ValueError, match=match):
        DrawOptions(**bad)
    with pytest.raises(ValueError, match=match):
        DrawOptions().replace(**bad)
