"""Lecture 001's worked 2-2-1 network: the slide's numbers and how they were rounded."""

import pytest

# Lecture 001: inputs (0.35, 0.9), target 0.5, loss 1/2 (t - y)^2, sigmoid everywhere.
SEED001_W1 = [[0.1, 0.8], [0.4, 0.6]]
SEED001_W2 = [[0.3, 0.9]]
SEED001_X = [0.35, 0.9]
# The slide's gradients and updated weights (learning rate 1), by label.
SLIDE_GRADS = {
    "W1_11": 0.000945, "W1_12": 0.00243, "W1_21": 0.00287, "W1_22": 0.00738,
    "W2_11": 0.0276, "W2_12": 0.0269,
}
SLIDE_UPDATED = {
    "W1_11": 0.0991, "W1_12": 0.7976, "W1_21": 0.3971, "W1_22": 0.5926,
    "W2_11": 0.2724, "W2_12": 0.8731,
}


def check_seed001(hidden, y, grads, updated):
    """Shared by the scalar and the tensor tests (tests/nn/test_seed001_tensor.py).

    The slide rounds as it goes: y to 0.69 before delta^2 = (t - y) y (1 - y) = -0.0406,
    the hidden deltas to two significant figures (-0.0027, -0.0082); each printed gradient
    is -delta_i * x_j from those rounded deltas. So: forward values to the slide's digits;
    the deltas recovered from the exact gradients to the slide's rounding; the gradients to
    the 3% that the two-digit deltas allow; the updated weights to 1.5e-4.
    """
    assert round(hidden[0], 2) == 0.68 and round(hidden[1], 4) == 0.6637
    assert round(y, 2) == 0.69
    x = SEED001_X
    # dL/dW^l_ij = -delta_i^l x_j^(l-1): the gradient of a row is its delta times the inputs
    delta2 = -grads["W2_11"] / hidden[0]
    assert -grads["W2_12"] / hidden[1] == pytest.approx(delta2, rel=1e-12)
    assert delta2 == pytest.approx((0.5 - y) * y * (1 - y), rel=1e-12)
    assert abs(delta2 - -0.0406) <= 1e-4
    delta11, delta12 = -grads["W1_11"] / x[0], -grads["W1_21"] / x[0]
    assert -grads["W1_12"] / x[1] == pytest.approx(delta11, rel=1e-12)
    assert -grads["W1_22"] / x[1] == pytest.approx(delta12, rel=1e-12)
    assert abs(delta11 - -0.0027) <= 5e-5 and abs(delta12 - -0.0082) <= 5e-5
    for name, slide in SLIDE_GRADS.items():
        assert grads[name] == pytest.approx(slide, rel=0.03), name
        assert updated[name] == pytest.approx(slide_before(name) - grads[name], abs=1e-12)
        assert abs(updated[name] - SLIDE_UPDATED[name]) <= 1.5e-4, name


def slide_before(name):
    layer, ij = name[1], name[3:]
    W = SEED001_W1 if layer == "1" else SEED001_W2
    return W[int(ij[0]) - 1][int(ij[1]) - 1]
