"""One random-number policy: nn.manual_seed resets the one generator behind parameter init,
dropout masks, DataLoader shuffles and Tensor.randn; seed=None means it everywhere."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor, dropout
from autograd.functional import default_generator, generator


def _draw_everything(layer_dropout):
    x = Tensor(np.ones((4, 6), dtype=np.float32))
    return (
        nn.Linear(3, 2).weight.data.copy(),
        nn.F.dropout(x, 0.5).data.copy(),
        layer_dropout(x).data.copy(),
        np.concatenate(list(nn.DataLoader(np.arange(10), batch_size=3, shuffle=True))),
        Tensor.randn(3).data.copy(),
    )


def test_manual_seed_resets_init_dropout_shuffles_and_randn():
    layer = nn.Dropout(0.5)  # created before the reseed: it must follow it anyway
    nn.manual_seed(0)
    first = _draw_everything(layer)
    nn.manual_seed(0)
    second = _draw_everything(layer)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    nn.manual_seed(1)
    third = _draw_everything(layer)
    assert not np.array_equal(first[0], third[0])


def test_dropout_twice_after_manual_seed_gives_the_same_mask():  # the example
    x = Tensor(np.ones(50, dtype=np.float32))
    nn.manual_seed(0)
    a = nn.F.dropout(x, 0.5).data
    nn.manual_seed(0)
    b = nn.F.dropout(x, 0.5).data
    np.testing.assert_array_equal(a, b)


def test_seed_arguments_follow_one_rule():
    assert generator(None) is default_generator()
    g = np.random.default_rng(5)
    assert generator(g) is g
    np.testing.assert_array_equal(generator(7).random(3), np.random.default_rng(7).random(3))
    x = Tensor(np.ones(20, dtype=np.float32))
    np.testing.assert_array_equal(dropout(x, 0.5, rng=4).data, dropout(x, 0.5, rng=4).data)
    with pytest.raises(TypeError, match="seed must be an int"):
        generator("0")
    with pytest.raises(TypeError, match="manual_seed: seed must be an int"):
        nn.manual_seed(1.5)
