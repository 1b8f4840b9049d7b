"""``gc_paused`` under threads (issue 25, finding 4): it used to read ``gc.isenabled()`` and
then disable, so a second thread in between saw the collector disabled and never enabled
it again; threads calling ``backward()`` left it disabled for good in 4-13 of 20 runs."""

from __future__ import annotations

import gc
import sys
import threading

import numpy as np
import pytest

from autograd import Tensor, Value, custom_op, engine, gc_paused


@pytest.fixture
def collector_on(monkeypatch):
    # every walk pauses the collector here, however small (by default only walks of
    # engine.PAUSE_FROM nodes or more do): these tests are about the pause itself
    monkeypatch.setattr(engine, "PAUSE_FROM", 1)
    was = gc.isenabled()
    gc.enable()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        (gc.enable if was else gc.disable)()


def _train_values():
    for _ in range(100):
        a, b = Value(0.5), Value(-1.5)
        ((a * b).tanh() + a).backward()


def _train_tensors():
    w = Tensor(np.ones((3, 3)), requires_grad=True)
    for _ in range(100):
        (w @ w).relu().sum().backward()


def _run(targets):
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@pytest.mark.parametrize("work", [_train_values, _train_tensors], ids=["Value", "Tensor"])
def test_threads_calling_backward_leave_the_collector_enabled(collector_on, work):
    for repetition in range(40):
        _run([work] * 3)
        assert gc.isenabled(), f"collector left disabled after repetition {repetition}"


def test_a_collector_the_user_disabled_stays_disabled(collector_on):
    gc.disable()
    _run([_train_values, _train_tensors, _train_values])
    assert not gc.isenabled()


def test_the_collector_stays_paused_until_the_last_walk_leaves(collector_on):
    inside, release = threading.Event(), threading.Event()

    def long_walk():
        with gc_paused():
            inside.set()
            release.wait(10)

    other = threading.Thread(target=long_walk)
    other.start()
    inside.wait(10)
    with gc_paused():  # a second walk, in this thread, enters and leaves first
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread is still walking
    release.set()
    other.join()
    assert gc.isenabled()


def test_nested_pauses_in_one_thread(collector_on):
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()



def _collector_during_backward(nodes: int) -> bool:
    """Whether the collector was enabled inside the backward of a chain of ``nodes`` nodes
    (a custom op at the bottom of the chain looks when its rule runs)."""
    seen = []
    x = Tensor([1.0], requires_grad=True, dtype="float64")
    y = custom_op(x.data, "spy", [x], lambda g, needs: (seen.append(gc.isenabled()) or g,))
    for _ in range(nodes - 3):  # x, the spy, the chain of negations, the sum
        y = -y
    y.sum().backward()
    return seen[0]


@pytest.mark.parametrize("nodes", [10, engine.PAUSE_FROM - 1, engine.PAUSE_FROM])
def test_only_walks_of_pause_from_nodes_or_more_pause_the_collector(nodes):
    was = gc.isenabled()
    gc.enable()
    try:
        assert _collector_during_backward(nodes) == (nodes < engine.PAUSE_FROM)
        assert gc.isenabled()  # and enabled again afterwards
    finally:
        (gc.enable if was else gc.disable)()
