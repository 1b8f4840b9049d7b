"""What a newcomer trips over in the first hour (issue 24): input that was accepted silently
now gets a clear error at the call, and drawings keep the reading order the README promises."""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings

import numpy as np
import pytest

import nn
import viz
from autograd import Tensor, Value
from viz.cli import main
from viz.expr import ExprError, parse
from viz.nodes import GraphInfo


def require_dot() -> None:
    if shutil.which("dot") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Graphviz 'dot' must be installed in CI")
        pytest.skip("Graphviz 'dot' is not installed")


# ------------------------------------------------------------------ command line
def test_cli_refuses_an_output_in_a_missing_folder(tmp_path, capsys):
    target = tmp_path / "no" / "such" / "dir" / "a.svg"
    assert main(["x*y", "x=1", "y=2", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "mkdir -p" in err and str(target.parent) in err
    assert not (tmp_path / "no").exists()  # nothing created


def test_cli_refuses_a_player_in_a_missing_folder_or_a_file_as_folder(tmp_path, capsys):
    assert main(["x*y", "x=1", "y=2", "--html", str(tmp_path / "gone" / "s.html")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert main(["x*y", "x=1", "y=2", "--html", str(tmp_path / "file" / "s.html")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert not (tmp_path / "gone").exists()


def test_cli_still_writes_into_an_existing_folder(tmp_path, capsys):
    require_dot()
    (tmp_path / "out").mkdir()
    assert main(["x*y", "x=1", "y=2", "-o", str(tmp_path / "out" / "a.svg")]) == 0
    assert (tmp_path / "out" / "a.svg").stat().st_size > 100


@pytest.mark.parametrize("text, hint", [
    ("2x + y", "write 2*x"),
    ("x * 3.5y", "write 3.5*y"),
    ("(x + y)2z", "write 2*z"),
])
def test_a_number_written_against_a_name_hints_the_product(text, hint):
    with pytest.raises(ExprError, match="syntax error") as caught:
        parse(text)
    assert hint in str(caught.value)


def test_scientific_literals_get_no_product_hint():
    assert parse("1e5 * x")[1] == ["x"]
    with pytest.raises(ExprError) as caught:
        parse("1e5 * x +")
    assert "write" not in str(caught.value)


# ------------------------------------------------------------------ players
def test_save_html_refuses_a_name_that_is_not_html(tmp_path):
    x = Value(2.0, label="x")
    stepper = viz.step(x * x)
    for name in ("steps.svg", "steps", "steps.html.txt"):
        with pytest.raises(ValueError, match=r"\.html"):
            stepper.save_html(tmp_path / name)
        assert not (tmp_path / name).exists()
    assert stepper.save_html(tmp_path / "steps.HTML").endswith("steps.HTML")


def test_network_player_refuses_a_name_that_is_not_html(tmp_path):
    net = nn.scalar.MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]])
    player = viz.step_network(net, [0.35, 0.9], [0.5])
    with pytest.raises(ValueError, match=r"\.html"):
        player.save_html(tmp_path / "net.svg")
    assert not (tmp_path / "net.svg").exists()


# ------------------------------------------------------------------ nn
def test_from_weights_names_a_ragged_matrix():
    with pytest.raises(ValueError, match=r"weights\[0\] is ragged.*\[2, 1\]"):
        nn.scalar.MLP.from_weights([[[0.1, 0.8], [0.4]], [[0.3, 0.9]]])
    with pytest.raises(ValueError, match=r"weights\[1\] must be a matrix of numbers"):
        nn.scalar.MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [["a", 0.9]]])


@pytest.mark.parametrize("labels", [np.array([1.0, 0.0, 2.0]), [1.0, 0.0, 2.0],
                                    Tensor([1.0, 0.0, 2.0])])
def test_cross_entropy_refuses_float_class_labels(labels):
    logits = Tensor(np.zeros((3, 4)))
    with pytest.raises(TypeError, match=r"integer class indices.*astype\(int\)"):
        nn.CrossEntropyLoss()(logits, labels)
    # integer labels and float probabilities of the input's shape are still accepted
    assert np.isfinite(nn.CrossEntropyLoss()(logits, np.array([1, 0, 2])).item())
    assert np.isfinite(nn.CrossEntropyLoss()(logits, np.full((3, 4), 0.25)).item())


def _warning_line(call) -> tuple[str, int]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    (w,) = [w for w in caught if "target size" in str(w.message)]
    return w.filename, w.lineno


def test_mse_shape_warning_points_at_the_callers_line():
    out, target = Tensor(np.zeros((4, 1))), np.zeros(4)
    loss = nn.MSELoss()
    for call in (lambda: loss(out, target), lambda: nn.functional.mse_loss(out, target)):
        filename, line = _warning_line(call)
        assert filename == __file__
        assert line == call.__code__.co_firstlineno


# ------------------------------------------------------------------ drawings
def _positions(graph: viz.Graph) -> dict[str, tuple[float, float]]:
    plain = subprocess.run(["dot", "-Tplain"], input=graph.source, capture_output=True,
                           text=True, check=True).stdout
    return {parts[1]: (float(parts[2]), float(parts[3]))
            for parts in (line.split() for line in plain.splitlines()) if parts[0] == "node"}


@pytest.mark.parametrize("build, names", [
    (lambda a, b: 2 * (a * b + a), "ab"),
    (lambda a, b: (a * b + a) * b, "ab"),
    (lambda a, b: a * b + b * a, "ab"),  # b * a reads b first: never a cycle of constraints
])
def test_fork_inputs_read_top_to_bottom(build, names):
    require_dot()
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    f = build(a, b)
    f.label = "f"
    f.backward()
    graph = viz.draw(f, mode="both")
    info = GraphInfo(f)
    ids = {n.label: info.nid(n) for n in (a, b)}
    where = _positions(graph)
    top, below = (where[ids[n]] for n in names)
    assert top[1] > below[1], f"{names[0]} is drawn below {names[1]}"  # plain: y grows upward
    assert abs(top[0] - below[0]) < 1e-6  # in one column
