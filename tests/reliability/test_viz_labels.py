"""Issue 11, "Labels, names and files" (viz part): any text a user gives renders, as valid XML.

Each test failed before the fix: a label ending in a backslash made invalid DOT, control
characters and U+FFFE broke ``dot`` or the SVG, labels over 16,384 characters failed in ``dot``,
and bytes that are not UTF-8 on the command line raised UnicodeEncodeError.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import viz
from autograd import Value
from viz.cli import main

SVG = "{http://www.w3.org/2000/svg}"


def _require_dot() -> None:
    if shutil.which("dot") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Graphviz 'dot' must be installed in CI")
        pytest.skip("Graphviz 'dot' is not installed")


def _texts(svg: str | bytes) -> list[str]:
    """The text of every <text> element: parsing fails on anything that is not XML."""
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(SVG + "text")]


def _graph(label: str) -> Value:
    x = Value(2.0, label=label)
    y = Value(3.0, label="y")
    f = x * y + x
    f.label = label
    f.backward()
    return f


@pytest.mark.parametrize("style", ["lecture", "record"])
def test_trailing_backslash_label_renders_as_typed(style):
    _require_dot()
    texts = _texts(viz.draw(_graph("f\\"), style=style).svg())
    assert any("f\\" in t for t in texts)


@pytest.mark.parametrize("style", ["lecture", "record"])
@pytest.mark.parametrize("label", ["a\x01b", "\x00", "v\x0bw", "tab\there", "\ufffe", "\x7f",
                                   "\x85", "\\N\\G", "&#1;", "<b>", "{a|b}", '"q"'])
def test_any_character_gives_renderable_dot_and_xml_svg(label, style):
    _require_dot()
    texts = " ".join(_texts(viz.draw(_graph(label), style=style).svg()))
    if label == "a\x01b":
        assert "a\u2401b" in texts  # the control picture for U+0001, visible
    if label in ("\\N\\G", "&#1;", "<b>", "{a|b}", '"q"'):
        assert label in texts  # shown literally, not interpreted by dot


def test_a_label_over_16384_characters_is_cut_visibly():
    _require_dot()
    for style in ("lecture", "record"):
        texts = _texts(viz.draw(_graph("a" * 17000), style=style).svg())
        cut = [t for t in texts if "characters)" in t]
        assert cut and all(len(t) < 1100 for t in texts)
        assert "+16," in cut[0]  # says how much was left out


def test_cli_name_ending_in_backslash(tmp_path, capsys):
    _require_dot()
    out = tmp_path / "f.svg"
    assert main(["x * 2", "x=1", "--name", "f\\", "-o", str(out)]) == 0
    assert "f\\" in " ".join(_texts(out.read_text(encoding="utf-8")))


def test_cli_argv_that_is_not_utf8(tmp_path):
    """Bytes that are not UTF-8: a clear refusal for a label, a working file name."""
    _require_dot()
    env = dict(os.environ, LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8")
    bad = subprocess.run([sys.executable, "-m", "viz", "x*2", "x=1", "--name", b"\xff\xfe",
                          "-o", str(tmp_path / "a.svg")], capture_output=True, timeout=60,
                         env=env)
    assert bad.returncode == 2
    err = bad.stderr.decode()
    assert err.count("\n") == 1 and "--name" in err and "UTF-8" in err
    target = os.fsencode(tmp_path) + b"/\xff.svg"
    ok = subprocess.run([sys.executable, "-m", "viz", "x*2", "x=1", "-o", target],
                        capture_output=True, timeout=60, env=env)
    assert ok.returncode == 0, ok.stderr
    assert os.path.exists(target)
    assert b"Traceback" not in ok.stderr
