"""Issue 11: edge cases where the engine gave silently wrong numbers or raw errors."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

import autograd
from autograd import Tensor, Value, current_scope, name_scope, no_grad


# ------------------------------------------------------------------ thread-local state
def _record_in_thread(results: list, n: int) -> None:
    recorded = 0
    for _ in range(n):
        recorded += bool((Value(1.0) * 2.0).parents)
    results.append(recorded)


def test_no_grad_in_one_thread_does_not_stop_recording_in_another():
    results: list = []
    inside, release = threading.Event(), threading.Event()

    def holder():
        with no_grad():
            inside.set()
            release.wait(10)

    t_hold = threading.Thread(target=holder)
    t_hold.start()
    inside.wait(10)
    try:
        worker = threading.Thread(target=_record_in_thread, args=(results, 2000))
        worker.start()
        worker.join(10)
        assert autograd.is_grad_enabled()  # this thread too is unaffected
    finally:
        release.set()
        t_hold.join(10)
    assert results == [2000]


def test_name_scope_is_per_thread():
    seen: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def holder():
        with name_scope("layer1"):
            inside.set()
            release.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    inside.wait(10)
    try:
        other = threading.Thread(target=lambda: seen.append(current_scope()))
        other.start()
        other.join(10)
        seen.append(Tensor([1.0]).scope)
    finally:
        release.set()
        t.join(10)
    assert seen == ["", ""]


def test_enable_grad_inside_no_grad():
    a = Value(2.0)
    with no_grad():
        with autograd.enable_grad():
            b = a * 3
        c = a * 3
    assert b.parents == (a,) and c.parents == ()


# ------------------------------------------------------------------------ Value math
def test_value_power_zero_has_zero_gradient_at_zero():
    x = Value(0.0)
    (x**0).backward()
    assert x.grad == 0.0
    x, e = Value(0.0), Value(0.0)
    (x**e).backward()
    assert x.grad == 0.0 and e.grad == 0.0


@pytest.mark.parametrize("fn", ["sin", "cos"])
@pytest.mark.parametrize("x", [math.inf, -math.inf, math.nan])
def test_value_sin_cos_of_non_finite_is_nan_not_an_exception(fn, x):
    out = getattr(Value(x), fn)()
    out.backward()
    assert math.isnan(out.data)


def test_value_division_gradient_does_not_underflow():
    a, b = Value(1e-180), Value(1e-160)
    (a / b).backward()
    assert b.grad == pytest.approx(-1e140, rel=1e-12)
    c = Value(1e-160)
    (1e-180 / c).backward()
    assert c.grad == pytest.approx(-1e140, rel=1e-12)


def test_value_x_over_x_has_exactly_zero_gradient():
    for v in (3.0, 0.1, 7.3e-5, 1234.5):
        x = Value(v)
        (x / x).backward()
        assert x.grad == 0.0


# ----------------------------------------------------------------------- Tensor math
def test_tensor_power_zero_has_zero_gradient_at_zero():
    x = Tensor([0.0, 2.0], requires_grad=True, dtype="float64")
    (x**0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    x = Tensor([0.0, 2.0], requires_grad=True, dtype="float64")
    e = Tensor([0.0, 0.0], requires_grad=True, dtype="float64")
    (x**e).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    assert e.grad[1] == pytest.approx(math.log(2.0))


def test_flatten_with_an_empty_batch():
    t = Tensor(np.zeros((0, 3, 4)))
    assert t.flatten(1).shape == (0, 12)
    assert t.flatten().shape == (0,)


@pytest.mark.filterwarnings("ignore:Degrees of freedom")
def test_var_with_ddof_at_least_n_is_never_negative():
    with np.errstate(all="ignore"):
        expected = np.var(np.array([1.0, 2.0]), ddof=3)
    got = Tensor(np.array([1.0, 2.0])).var(ddof=3).item()
    assert got == expected == math.inf


@pytest.mark.parametrize("bad", [None, np.array([1 + 2j]), [1j, 2.0], ["a", "b"], object()])
def test_tensor_rejects_non_real_data(bad):
    with pytest.raises(TypeError, match="Tensor\\(data\\)"):
        Tensor(bad)


def test_logsumexp_of_empty_is_minus_inf():
    assert Tensor(np.zeros(0)).logsumexp().item() == -math.inf


def test_existing_grad_of_wrong_shape_is_a_clear_error():
    t = Tensor([1.0, 2.0], requires_grad=True, label="w")
    t.grad = np.zeros(3, dtype=np.float32)
    with pytest.raises(RuntimeError, match=r"'w'.*\(3,\).*\(2,\)"):
        (t * 2).sum().backward()
