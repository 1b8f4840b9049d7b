"""The broadcasting helpers of backward rules: generic.broadcast_to copies small results
(cheaper than numpy's view) and views large ones; both give numpy's values and errors."""

import numpy as np
import pytest

from autograd import generic


@pytest.mark.parametrize("shape", [(3,), (2, 3), (4, 1, 3), (2000, 3)])
def test_broadcast_to_gives_numpy_values_small_and_large(shape):
    g = np.array([1.5, -2.0, 0.25], dtype=np.float32)
    got = generic.broadcast_to(g, shape)
    want = np.broadcast_to(g, shape)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    small = got.nbytes < generic.SMALL_BROADCAST_BYTES
    assert got.flags.writeable == small  # a new array when small, numpy's read-only view else


def test_broadcast_to_a_0d_gradient_and_a_bad_shape():
    half = generic.broadcast_to(np.float64(0.5), (2, 2))
    np.testing.assert_array_equal(half, np.full((2, 2), 0.5))
    with pytest.raises(ValueError):
        generic.broadcast_to(np.ones(3), (2, 4))
    with pytest.raises(ValueError):
        generic.broadcast_to(np.ones(3), (10_000, 4))


def test_broadcast_to_a_python_number():
    np.testing.assert_array_equal(generic.broadcast_to(2.0, (3,)), np.broadcast_to(2.0, (3,)))
