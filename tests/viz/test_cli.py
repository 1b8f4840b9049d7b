"""The command line: renders files, refuses unsafe input with status 2, never evaluates it."""

from __future__ import annotations

import inspect
import subprocess
import sys
from html import escape
from pathlib import Path

import pytest
from vizhelpers import parse_dot, png_size

import viz
from viz.cli import main
from viz.draw import draw
from viz.expr import MAX_EXPONENT, ExprError, build

UNSAFE = [
    "__import__('os').system('touch PWNED')",
    "open('PWNED', 'w')",
    "x.__class__",
    "(lambda: open('PWNED', 'w'))()",
    "[open('PWNED', 'w') for i in x]",
    "{i: 1 for i in x}",
    "10**10**10",
    "x ** 100000",
    "x[0]",
    "exec('open(\"PWNED\", \"w\")')",
    "'a' * 3",
    "x if x else x",
    "(x := 3)",
    "exp",
    "exp(x, x)",
    "exp(x=1)",
    "x @ x",
    "x // 2",
    "9" * 400,
]


@pytest.mark.parametrize("expr", UNSAFE)
def test_unsafe_input_is_refused_with_status_2(expr, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status = main([expr, "x=1", "-o", "out.dot"], prog="chainrule-viz")
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("chainrule-viz: error: ")
    assert list(tmp_path.iterdir()) == []  # nothing created: not PWNED, not even out.dot


def test_unsafe_input_is_never_executed_in_a_subprocess(tmp_path):
    marker = tmp_path / "PWNED"
    expr = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    run = subprocess.run([sys.executable, "-m", "viz", expr, "-o", str(tmp_path / "g.dot")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "not allowed" in run.stderr
    assert not marker.exists()


def test_unbound_variable_names_itself(capsys):
    assert main(["(x + y) * z", "x=-2", "y=5"]) == 2
    assert "unbound variable 'z'" in capsys.readouterr().err


def test_bad_binding_and_format(capsys):
    assert main(["x", "x=abc"]) == 2
    assert main(["x", "x1"]) == 2
    assert main(["x", "x=1", "-o", "g.docx"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "must be a number" in err[0] and "NAME=VALUE" in err[1] and "unknown format" in err[2]


def test_prints_dot_without_output(capsys):
    assert main(["(x + y) * z", "x=-2", "y=5", "z=-4"]) == 0
    d = parse_dot(capsys.readouterr().out)
    out = d.into(d.node_id("f"))[0]
    assert (out.values, out.grads) == (["-12"], ["1"])


def test_renders_files_and_steps(tmp_path, dot_required):
    svg, html, steps = tmp_path / "xyz.svg", tmp_path / "s.html", tmp_path / "frames"
    status = main(["(x + y) * z", "x=-2", "y=5", "z=-4", "-o", str(svg), "--html", str(html),
                   "--steps", str(steps), "--mode", "both"])
    assert status == 0
    assert "<svg" in svg.read_text() and "-12" in svg.read_text()
    page = html.read_text()
    stepper = viz.step(build("(x + y) * z", dict(x=-2, y=5, z=-4)))
    assert all(escape(f.text) in page for f in stepper.frames)  # every step, as the API says
    assert "df/dx = df/d[+] * d[+]/dx = -4 * 1 = -4" in page  # x + y is unnamed: its gate
    assert len(list(steps.glob("frame_*.svg"))) == 10


def test_module_and_in_process_main_agree():
    args = ["1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", "w0=2", "x0=-1", "w1=-3", "x1=-2", "w2=-3"]
    a = subprocess.run([sys.executable, "-m", "viz", *args], capture_output=True, text=True,
                       timeout=60)
    b = subprocess.run([sys.executable, "-c", "import sys; from viz.cli import main; "
                        "sys.exit(main(sys.argv[1:]))", *args], capture_output=True, text=True,
                       timeout=60)
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout
    d = parse_dot(a.stdout)
    assert "1/x" in d.nodes.values() and "+1" in d.nodes.values()
    (edge,) = d.out_of(d.node_id("x1"))
    assert edge.grads == ["-0.59"]


def test_help_shows_examples(capsys):
    assert main(["--help"], prog="chainrule-viz") == 0
    out = capsys.readouterr().out
    assert 'chainrule-viz "(x + y) * z" x=-2 y=5 z=-4 -o xyz.svg' in out


def test_leading_minus_after_double_dash(capsys):
    assert main(["--mode", "forward", "--", "-x * y", "x=2", "y=3"]) == 0
    assert "*-1" in capsys.readouterr().out


def test_expression_builds_the_lecture_gates():
    f = build("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))",
              dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3))
    assert round(f.data, 2) == 0.73
    ops = []
    node = f
    while node.parents:
        ops.append(node.op)
        node = node.parents[0]
    assert ops[:4] == ["1/x", "+1", "exp", "*-1"]
    x = build("x * x", {"x": 3})
    assert x.parents[0] is x.parents[1]  # one leaf, two edges


def test_exponent_limit():
    assert build(f"x ** {int(MAX_EXPONENT)}", {"x": 1.0}).data == 1.0
    with pytest.raises(ExprError, match="exponent too large"):
        build(f"x ** {int(MAX_EXPONENT) + 1}", {"x": 1.0})


def test_console_script_entry_point(tmp_path):
    script = Path(sys.executable).parent / "chainrule-viz"
    if not script.exists():
        pytest.skip("chainrule-viz is not installed in this environment (pip install -e .)")
    run = subprocess.run([str(script), "x * y", "x=3", "y=-2"], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0
    d = parse_dot(run.stdout)
    assert d.out_of(d.node_id("x"))[0].grads == ["-2"]
    bad = subprocess.run([str(script), "x.y", "x=1"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("chainrule-viz: error:")


# ------------------------------------------------- numbers for the teacher, warnings (issue 10)
def test_prints_the_value_and_every_leaf_gradient_as_a_table(tmp_path, capsys):
    out = tmp_path / "xyz.dot"
    assert main(["(x + y) * z", "x=-2", "y=5", "z=-4", "-o", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == str(out)
    assert lines[1] == "f = -12"
    rows = [line.split() for line in lines[2:]]
    assert rows == [["variable", "value", "df/dvariable"], ["x", "-2", "-4"], ["y", "5", "-4"],
                    ["z", "-4", "3"]]


def test_table_goes_to_stderr_when_stdout_is_the_dot_source(capsys):
    assert main(["x * y", "x=3", "y=-2", "--name", "g", "--mode", "forward"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("digraph") and captured.out.rstrip().endswith("}")
    rows = [line.split() for line in captured.err.splitlines()]
    assert rows == [["g", "=", "-6"], ["variable", "value"], ["x", "3"], ["y", "-2"]]


def test_warns_on_nan_and_inf(capsys, tmp_path):
    assert main(["log(x) * y", "x=-1", "y=2", "-o", str(tmp_path / "g.dot")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "warning: non-finite numbers" in err[0]
    assert "f = nan" in err[0] and "df/dy = nan" in err[0]
    assert main(["exp(x)", "x=1000", "-o", str(tmp_path / "h.dot")]) == 0
    assert "f = inf" in capsys.readouterr().err


def test_tags_flag(capsys):
    assert main(["(x + y) * z", "x=-2", "y=5", "z=-4", "--tags"]) == 0
    assert any(e.names for e in parse_dot(capsys.readouterr().out).edges)  # grey "n2 = "
    if "tags" in inspect.signature(draw).parameters:  # draw's default (from the player work)
        assert main(["(x + y) * z", "x=-2", "y=5", "z=-4"]) == 0
        d = parse_dot(capsys.readouterr().out)
        assert all(not e.names for e in d.edges)


def test_dpi_option_sets_the_png_resolution(tmp_path, dot_required, capsys):
    sizes = {}
    for dpi in ("96", "288"):
        out = tmp_path / f"g{dpi}.png"
        assert main(["x * y", "x=3", "y=-2", "-o", str(out), "--dpi", dpi]) == 0
        sizes[dpi] = png_size(out.read_bytes())
    (w1, h1), (w3, h3) = sizes["96"], sizes["288"]
    assert abs(w3 - 3 * w1) <= 3 and abs(h3 - 3 * h1) <= 3
