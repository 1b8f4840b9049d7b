"""Issue 25, findings 5-7: viz bounded before it builds, and no ``dot`` outlives its caller.

Each test failed before the fix: a CLI stopped by SIGTERM or SIGHUP left its ``dot`` child
laying out for minutes (re-parented to PID 1); ``viz.save``/``viz.step`` on a 1e5-node graph
did all the drawing work (16 s, 510 MB; 400,002 frames) before refusing; a 1e6-character
label gave a 29 MB player page although the DOT text was cut to ``MAX_LABEL_CHARS``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import viz
from autograd import Value
from viz import limits
from viz.limits import GraphTooLargeError

ROOT = Path(__file__).resolve().parents[2]
# One value feeding 150 gates: dot lays it out for minutes (far past any test).
SLOW = "*".join(["x"] * 150)


def _require_dot_and_proc() -> None:
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc to find the dot child")
    from viz.graph import dot_available

    if not dot_available():
        if os.environ.get("CI") == "true":
            pytest.fail("Graphviz 'dot' must be installed in CI")
        pytest.skip("Graphviz 'dot' is not installed")


def _dot_processes(parent: int | None = None) -> set[int]:
    """Pids of running ``dot`` processes: all of them (a re-parented one counts too), or the
    children of ``parent`` (other programs on the machine may run dot at the same time)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm = (entry / "comm").read_text().strip()
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            state, ppid = fields[0], int(fields[1])
            if comm == "dot" and state != "Z" and (parent is None or ppid == parent):
                found.add(int(entry.name))
    return found


def _wait_for(predicate, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _start_slow_cli(tmp_path: Path) -> tuple[subprocess.Popen, set[int]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "viz", SLOW, "x=1", "-o",
                             str(tmp_path / "slow.png")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started = _wait_for(lambda: _dot_processes(proc.pid), 60)
    if not started:
        proc.kill()
        pytest.fail(f"the CLI never started dot: {proc.communicate()}")
    return proc, _dot_processes(proc.pid)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stopped_cli_leaves_no_dot_running(tmp_path, signum):
    _require_dot_and_proc()
    proc, children = _start_slow_cli(tmp_path)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signum, err
    assert b"Traceback" not in err
    assert _wait_for(lambda: not (children & _dot_processes()), 5), \
        f"dot {children} still running after the CLI stopped by signal {signum}"
    assert not (tmp_path / "slow.png").exists()


def test_a_killed_cli_takes_its_dot_with_it(tmp_path):
    """SIGKILL runs no handler: the kernel's parent-death signal stops dot."""
    _require_dot_and_proc()
    proc, children = _start_slow_cli(tmp_path)
    proc.kill()
    proc.communicate(timeout=30)
    assert _wait_for(lambda: not (children & _dot_processes()), 5), \
        f"dot {children} outlived a killed CLI"


def test_dot_has_a_cpu_limit_of_its_own(monkeypatch):
    """Even a library caller (several threads, no death signal) cannot leave dot running
    past the timeout: the kernel stops it at its CPU limit."""
    import resource

    from viz import graph

    seen = {}
    real = graph._limit_process

    def spy(pid: int, timeout: float) -> None:
        real(pid, timeout)
        seen["cpu"] = resource.prlimit(pid, resource.RLIMIT_CPU)

    monkeypatch.setattr(graph, "_limit_process", spy)
    _require_dot_and_proc()
    viz.draw(Value(2.0, label="x") * 3).svg()
    soft, hard = seen["cpu"]
    assert soft == int(limits.DOT_TIMEOUT) + 1 and hard == soft + 1


# ----------------------------------------------------------- refused before building
def _chain(n: int) -> Value:
    y = Value(1.0, label="x")
    for _ in range(n):
        y = y * 1.0001
    return y


@pytest.fixture
def no_building(monkeypatch):
    """Any GraphInfo built means the drawing work started: fail the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("GraphInfo was built before the size check")

    for module in ("viz.draw", "viz.stepper"):  # the modules (viz.draw is also the function)
        monkeypatch.setattr(sys.modules[module], "GraphInfo", refuse)


def test_a_huge_graph_is_refused_before_any_drawing_work(no_building):
    f = _chain(100_000)
    with pytest.raises(GraphTooLargeError, match=r"more than 20,000 nodes.*before building"):
        viz.draw(f)
    with pytest.raises(GraphTooLargeError, match=r"more than 20,000 nodes.*before building"):
        viz.step(f)


def test_save_counts_against_the_render_limit_first(no_building, tmp_path):
    f = _chain(5_000)  # under the drawing limit, over the 1,000 nodes dot lays out
    with pytest.raises(GraphTooLargeError, match=r"over 1000 nodes.*MAX_RENDER_NODES = 1000"):
        viz.save(f, str(tmp_path / "big.svg"))
    assert list(tmp_path.iterdir()) == []


def test_the_count_stops_where_the_limit_is():
    f = _chain(50)
    assert limits.count_nodes(f, 1000) == 51  # 50 gates and x; the 1.0001s are constants
    assert limits.count_nodes(f, 10) == 11
    limits.check_graph_size(f, "draw", 51)  # at the limit: allowed
    with pytest.raises(GraphTooLargeError):
        limits.check_graph_size(f, "draw", 50)


def test_a_graph_under_the_limits_still_draws_and_steps():
    f = _chain(30)
    f.backward()
    assert "digraph" in viz.draw(f).source
    assert len(viz.step(f).frames) > 30


# ------------------------------------------------------------- labels bounded at source
def test_a_huge_label_is_cut_everywhere_it_is_shown():
    x = Value(2.0, label="x" * 1_000_000)
    w = Value(-3.0, label="w")
    f = x * w
    f.label = "f"
    f.backward()
    stepper = viz.step(f)
    longest = max(len(frame.text) for frame in stepper.frames)
    assert longest < 3 * limits.MAX_LABEL_CHARS + 200
    assert any("(+999," in frame.text for frame in stepper.frames)  # visibly cut
    page = stepper.to_html()
    assert len(page) < 200_000, len(page)
    assert len(viz.draw(f).source) < 4 * limits.MAX_LABEL_CHARS + 5_000


def test_cutting_a_label_happens_before_replacing_its_characters(monkeypatch):
    """A 10 MB label costs what 1,000 characters do: only the kept part is scanned."""
    from viz import labels

    scanned = []
    real = labels._UNCARRYABLE

    class Spy:
        def sub(self, repl, text):
            scanned.append(len(text))
            return real.sub(repl, text)

    monkeypatch.setattr(labels, "_UNCARRYABLE", Spy())
    out = labels.visible("\x01" * 10_000_000)
    assert scanned == [len(out)] and len(out) < limits.MAX_LABEL_CHARS + 40
    assert out.startswith("\u2401")


def test_a_custom_op_name_is_a_short_gate_label():
    import numpy as np

    from autograd import Tensor
    from autograd.custom import MAX_OP_CHARS, custom_op

    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match=f"at most {MAX_OP_CHARS}"):
        custom_op(x.data * 2, "f" * 10_000, (x,), lambda g, needs: (2 * g,))
    y = custom_op(x.data * 2, "double", (x,), lambda g, needs: (2 * g,))
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
