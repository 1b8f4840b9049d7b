"""Issue 25, unclear messages: an int tensor into Conv2d suggested ``model.to('int64')``
(which raises), ``pad`` of a 0-d tensor, ``Tensor(ragged list)`` and a batch fed to the
scalar MLP gave numpy's raw messages."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn.scalar import MLP


def test_int_input_to_conv_suggests_only_what_works():
    conv = nn.Conv2d(1, 1, 3)
    with pytest.raises(TypeError) as info:
        conv(Tensor(np.ones((1, 1, 4, 4), dtype=np.int64)))
    message = str(info.value)
    assert "Tensor(x, dtype='float32')" in message and "model.to" not in message
    with pytest.raises(TypeError, match=r"model.to\('float64'\)"):  # a float input may
        conv(Tensor(np.ones((1, 1, 4, 4))))


def test_pad_of_a_0d_tensor():
    with pytest.raises(ValueError, match="pad: a 0-d tensor has no axes to pad"):
        autograd.pad(Tensor(1.0), 1)


@pytest.mark.parametrize("data, where", [
    ([[1, 2], [3]], "row 0 is 2 long and row 1 is 1 long"),
    ([[[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0]]], "in row 1: "),
    ([1.0, [2.0]], "row 0 is a number and row 1 is 1 long"),
])
def test_ragged_lists_name_the_rows(data, where):
    with pytest.raises(ValueError, match="Tensor\\(data\\): .*rectangular") as info:
        Tensor(data)
    assert where in str(info.value) and "inhomogeneous" not in str(info.value)


@pytest.mark.parametrize("batch", [[[1.0, 2.0], [3.0, 4.0]], np.ones((4, 2))],
                         ids=["lists", "array"])
def test_a_batch_into_the_scalar_mlp_says_one_sample_at_a_time(batch):
    net = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match=r"one sample of 2 numbers.*\[model\(x\) for x in X\]"):
        net(batch)
    assert np.isfinite(net(np.ones((1, 2))).data)  # one sample as a row still works
    assert np.isfinite(net(Tensor([1.0, 2.0])).data)


def test_a_string_into_the_scalar_mlp():
    with pytest.raises(TypeError, match="expected 2 numbers"):
        MLP(2, [1], seed=0)("ab")
