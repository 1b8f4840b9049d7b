"""Issue 11, "Bounded cost on any input" and the command line's raw errors (viz part).

Each test failed before the fix: rendering had no node limit and no timeout (``dot`` ran for
minutes on ``x*x*...*x``), a long run of unary minus signs gave a RecursionError traceback,
and complex or huge bindings, a non-ASCII name the CLI suggested, duplicate or unused
bindings, ``-o ""`` and ``--html`` with any extension were accepted or failed raw.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

import viz
from viz import limits
from viz.cli import main
from viz.expr import ExprError, build
from viz.limits import DotTimeoutError, GraphTooLargeError

# One value feeding 150 gates far apart: dot needs minutes for its layout.
SLOW = "*".join(["x"] * 150)


def _require_dot() -> None:
    if shutil.which("dot") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Graphviz 'dot' must be installed in CI")
        pytest.skip("Graphviz 'dot' is not installed")


def _one_line_error(capsys, *needles: str) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chainrule-viz: error: "), err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# ------------------------------------------------------------------ node limit and timeout
def test_cli_refuses_a_graph_over_the_node_limit(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(limits, "MAX_RENDER_NODES", 40)
    expr = "+".join(f"x{i}" for i in range(30))
    args = [expr, *(f"x{i}=1" for i in range(30)), "-o", str(tmp_path / "g.svg")]
    assert main(args, prog="chainrule-viz") == 2
    _one_line_error(capsys, "59 nodes", "MAX_RENDER_NODES = 40", "DOT source")
    assert list(tmp_path.iterdir()) == []


def test_rendering_refuses_a_graph_over_the_node_limit(monkeypatch):
    monkeypatch.setattr(limits, "MAX_RENDER_NODES", 10)
    g = viz.draw(build("+".join(["x"] * 20), {"x": 1}))
    with pytest.raises(GraphTooLargeError, match=r"has \d+ nodes.*MAX_RENDER_NODES = 10"):
        g.pipe(format="svg")
    with pytest.raises(GraphTooLargeError, match="collapse="):
        viz.save(g, "never-written.svg")
    assert not os.path.exists("never-written.svg")
    assert "digraph" in g.source  # the DOT source has no limit


def test_every_dot_call_has_a_timeout(monkeypatch, tmp_path, capsys):
    _require_dot()
    monkeypatch.setattr(limits, "DOT_TIMEOUT", 0.5)
    f = build(SLOW, {"x": 1.0})
    f.backward()
    with pytest.raises(DotTimeoutError, match=r"viz\.limits\.DOT_TIMEOUT = 0\.5 s"):
        viz.draw(f).svg()
    status = main([SLOW, "x=1", "-o", str(tmp_path / "slow.png")], prog="chainrule-viz")
    assert status == 1
    _one_line_error(capsys, "did not finish", "DOT_TIMEOUT")


def test_a_render_budget_bounds_many_dot_calls():
    f = build("x*y", {"x": 1, "y": 2})
    with limits.render_budget(0):
        with pytest.raises(DotTimeoutError, match="render budget"):
            viz.draw(f).pipe(format="svg")


def test_cli_stops_within_its_budget(monkeypatch, tmp_path, capsys):
    """--steps writes one image per frame: all of them share one budget."""
    _require_dot()
    monkeypatch.setattr("viz.cli.RENDER_BUDGET", 0.0)
    status = main(["x*y", "x=1", "y=2", "--steps", str(tmp_path / "frames")],
                  prog="chainrule-viz")
    assert status == 1
    _one_line_error(capsys, "RENDER_BUDGET")


# ------------------------------------------------------------ expression checker depth
def test_a_thousand_unary_minus_signs_are_refused_with_status_2(capsys):
    expr = "x ** " + "-" * 990 + "1"
    with pytest.raises(ExprError, match="nested too deeply"):
        build(expr, {"x": 2.0})
    assert main([expr, "x=2"], prog="chainrule-viz") == 2
    _one_line_error(capsys, "nested too deeply")


def test_deep_expression_in_a_subprocess_has_no_traceback():
    run = subprocess.run([sys.executable, "-m", "viz", "--", "-(" * 150 + "x" + ")" * 150 + "**"
                          + "-" * 990 + "1", "x=1"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1


# ----------------------------------------------------------------------- CLI arguments
def test_complex_and_huge_bindings(capsys):
    assert main(["x + 1", "x=1+2j"], prog="chainrule-viz") == 2
    _one_line_error(capsys, "value of x", "real number", "complex")
    assert main(["x + 1", "x=" + "9" * 400], prog="chainrule-viz") == 2
    _one_line_error(capsys, "value of x", "too large for float64")
    assert main(["x + 1", "x=1e999"], prog="chainrule-viz") == 2
    _one_line_error(capsys, "too large for float64")
    with pytest.raises(ExprError, match="real number"):
        build("x + 1", {"x": 1j})
    with pytest.raises(ExprError, match="too large for float64"):
        build("x + 1", {"x": 10**400})


def test_a_non_ascii_name_is_bound_as_the_cli_suggests(capsys, tmp_path):
    assert main(["2 * é", "-o", str(tmp_path / "g.dot")], prog="chainrule-viz") == 2
    line = _one_line_error(capsys, "unbound variable 'é'", "U+00E9")
    suggestion = line.split("e.g. ")[1]
    assert main(["2 * é", suggestion, "-o", str(tmp_path / "g.dot")],
                prog="chainrule-viz") == 0
    assert main(["2 * ﬁ", "fi=3", "-o", str(tmp_path / "h.dot")], prog="chainrule-viz") == 0


def test_duplicate_bindings_are_refused(capsys):
    assert main(["x + 1", "x=1", "x=2"], prog="chainrule-viz") == 2
    _one_line_error(capsys, "x is given twice", "'x=1'", "'x=2'")


def test_unused_bindings_are_named_in_a_warning(capsys, tmp_path):
    assert main(["x + 1", "x=1", "y=2", "-o", str(tmp_path / "g.dot")],
                prog="chainrule-viz") == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["chainrule-viz: warning: y=2: not used by the expression "
                   "(its variables: x)"]


@pytest.mark.parametrize("args, needles", [
    (["-o", ""], ("-o/--output", "empty file name", ".svg")),
    (["-o", "drawing"], ("-o/--output", "no extension", ".png")),
    (["--html", "player.svg"], ("--html", ".html")),
    (["--html", ""], ("--html", ".html")),
    (["--steps", ""], ("--steps", "empty")),
    (["--name", ""], ("--name", "empty")),
    (["--dpi", "0"], ("--dpi", "10..1200")),
])
def test_bad_output_arguments_name_themselves(args, needles, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["x + 1", "x=1", *args], prog="chainrule-viz") == 2
    _one_line_error(capsys, *needles)
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing printed to stdout
