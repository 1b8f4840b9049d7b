"""Issue 21's numbers: a nonzero number never prints as 0, a rounded one never as an integer,
and the shown arithmetic still adds up."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import nn
import viz
from viz.texts.numbers import fmt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "nn"))
from nn_seed001 import SEED001_W1, SEED001_W2, SEED001_X  # noqa: E402


def lecture_001_loss():
    """Lecture 001's 2-2-1 sigmoid network with the loss 1/2 (y - t)^2, t = 0.5."""
    net = nn.scalar.MLP.from_weights([SEED001_W1, SEED001_W2], activation="sigmoid")
    y = net(SEED001_X)
    return 0.5 * (y - 0.5) ** 2


@pytest.mark.parametrize("x", [0.0049617, -0.0033, 0.000945, 1e-9, -2.5e-8, 0.9991, 0.035,
                               -0.99999, 2.9996, 1e-6, 0.0999, 1e-12, -3e-13, 1e-300])
@pytest.mark.parametrize("precision", [0, 1, 2, 4])
def test_a_nonzero_number_never_prints_as_zero_or_as_an_integer(x, precision):
    text = fmt(x, precision)
    assert float(text) != 0, text
    if precision:  # a rounded number shows decimals: "1.00" for 0.9991, never "1"
        assert "." in text or "e" in text, text
    assert float(text) == pytest.approx(x, rel=0.5)  # the right order of magnitude


@pytest.mark.parametrize(("x", "precision", "text"), [
    (0.0049617, 2, "0.0050"), (0.000929, 2, "0.00093"), (0.000929, 3, "0.000929"),
    (-0.19661193, 2, "-0.20"), (12.3456, 2, "12.35"), (0.9991, 2, "1.00"), (0.9991, 4, "0.9991"),
    (-4.0, 2, "-4"), (0.1 * 3, 2, "0.30"), (0.1 * 30, 2, "3"), (2.5e-8, 2, "2.5e-08"),
])
def test_decimals_and_significant_digits(x, precision, text):
    assert fmt(x, precision) == text


def test_lecture_001_steps_show_their_small_gradients():
    """The issue's "0.008 * 0.60 = 0": every product shows nonzero factors and adds up."""
    s = viz.step(lecture_001_loss())
    products = 0
    for fr in s:
        if fr.phase != "backward":
            continue
        for line in fr.text.splitlines()[:1]:  # the product (line 2: the op's rule)
            m = re.search(r"= (\S+) \* (\S+) = (\S+)$", line)
            if not m:
                continue
            products += 1
            u, local, c = m.groups()
            assert float(u) != 0 and float(local) != 0 and float(c) != 0, line
            assert fmt(float(u) * float(local), 2) == c, line  # adds up as shown
    assert products >= 15
    w11 = [f.text for f in s if f.phase == "backward" and f.parent.label == "W1_11"]
    assert w11 and w11[0].splitlines()[0].endswith("= 0.00093"), w11  # slide: 0.000945




def test_precision_option_stays():
    f = lecture_001_loss()
    f.backward()
    s = viz.step(lecture_001_loss(), precision=4)
    (text,) = [fr.text for fr in s if fr.phase == "backward" and fr.parent.label == "W1_11"]
    leaf = next(fr.parent for fr in s if fr.phase == "backward" and fr.parent.label == "W1_11")
    assert text.splitlines()[0].endswith(f"= {fmt(s.gradient(leaf), 4)}")
    assert fmt(s.gradient(leaf), 4) == "0.0009291"  # 4 significant digits below 1
    src = viz.draw(f).source
    assert ">0.00093<" in src  # W1_11's gradient in the drawing, never 0
    assert not re.search(r">-?0<", src)  # no number of this network prints as 0
