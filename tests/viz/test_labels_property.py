"""Property test (issue 11): random expressions and arbitrary Unicode labels, through ``viz``
and the command line, always give DOT that ``dot`` renders and SVG that parses as XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vizhelpers import require_dot

import viz
from autograd import Value
from viz.cli import main
from viz.expr import FUNCTIONS

SVG_TEXT = "{http://www.w3.org/2000/svg}text"
# capsys is read (and so reset) once per example.
# Every code point, lone surrogates (non-UTF-8 argv) and control characters included.
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=())
LABELS = st.one_of(st.text(ANY_CHAR, max_size=40),
                   st.text(ANY_CHAR, min_size=1, max_size=3).map(lambda s: s * 6000))
NAMES = st.sampled_from(["x", "y", "w0", "α", "é", "x_1", "ζeta"])
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


def _expressions() -> st.SearchStrategy[str]:
    leaf = st.one_of(NAMES, st.sampled_from(["1", "2", "0.5", "3"]))

    def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})")
        power = inner.map(lambda a: f"({a}) ** 2")
        unary = inner.map(lambda a: f"-({a})")
        call = st.tuples(st.sampled_from(FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})")
        return st.one_of(binary, power, unary, call)

    return st.recursive(leaf, grow, max_leaves=8)


def _texts(svg: bytes | str) -> str:
    root = ET.fromstring(svg)  # raises on anything that is not XML
    return " ".join("".join(t.itertext()) for t in root.iter(SVG_TEXT))


@pytest.fixture(scope="module", autouse=True)
def _dot():
    require_dot()


@SETTINGS
@given(labels=st.lists(LABELS, min_size=3, max_size=3), op=st.text(ANY_CHAR, max_size=12),
       style=st.sampled_from(["lecture", "record"]))
def test_any_labels_render_and_parse(labels, op, style):
    a, b, out = labels
    x, y = Value(1.5, label=a), Value(-2.0, label=b)
    f = x * y + x
    f.label = out
    g = f * Value(0.5, label="c")
    g.op, g.label = op, out  # an op's name is drawn too (custom_op takes any name)
    g.backward()
    text = _texts(viz.draw(g, style=style).svg())
    assert "1.50" in text and "-2" in text  # the numbers survive whatever the labels are


@SETTINGS
@given(expr=_expressions(), name=LABELS, values=st.lists(
    st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 3)), min_size=7, max_size=7))
def test_random_expressions_and_names_through_the_cli(expr, name, values, tmp_path_factory,
                                                      capsys):
    out = tmp_path_factory.mktemp("cli") / "g.svg"
    bindings = [f"{n}={v}" for n, v in zip(["x", "y", "w0", "α", "é", "x_1", "ζeta"], values)]
    args = [f"--name={name}", "-o", str(out), "--", expr, *bindings]  # expr may start with "-"
    status = main(args, prog="chainrule-viz")
    err = capsys.readouterr().err
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8: refused with one line
        assert status == 2 and "--name: not valid UTF-8" in err
        return
    if not name.strip():
        assert status == 2 and "--name: empty" in err
        return
    assert status == 0, err
    assert "Traceback" not in err and "error" not in err
    _texts(out.read_bytes())
