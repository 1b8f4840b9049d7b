"""One version counter per storage (issue 25, findings 1 and 2): every write made through
the library, on a tensor or on anything sharing its memory, makes a backward pass through
an op that used the old values raise, naming the tensor (PyTorch's rule)."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor, no_grad
from nn import Linear

STALE = "'w'.*modified in place"


def _w() -> Tensor:
    return Tensor([1.0, 2.0, 3.0], requires_grad=True, label="w")


@pytest.mark.parametrize("fill", [
    lambda w: nn.init.zeros_(w),
    lambda w: nn.init.ones_(w),
    lambda w: nn.init.constant_(w, 0.5),
    lambda w: nn.init.uniform_(w),
    lambda w: nn.init.normal_(w),
], ids=["zeros_", "ones_", "constant_", "uniform_", "normal_"])
def test_init_fills_between_forward_and_backward_are_refused(fill):
    w = _w()
    y = (w * w).sum()
    version = w.version
    fill(w)
    assert w.version == version + 1
    with pytest.raises(RuntimeError, match=STALE):
        y.backward()
    assert w.grad is None  # not the silently wrong [0, 0, 0]


def test_init_fill_of_a_2d_weight_is_refused():
    w = Tensor(np.ones((2, 3)), requires_grad=True, label="w")
    y = (w * w).sum()
    nn.init.xavier_uniform_(w)
    with pytest.raises(RuntimeError, match=STALE):
        y.backward()


@pytest.mark.parametrize("alias", [
    lambda w: w.detach(),
    lambda w: w.reshape(3),
    lambda w: w.view(1, 3),
    lambda w: w.T,
    lambda w: w[0:2],
    lambda w: w[None],
    lambda w: w.unsqueeze(0).squeeze(0),
    lambda w: w.flatten(),
    lambda w: w.split(1)[2],
    lambda w: w.detach().reshape(3, 1).T,
], ids=["detach", "reshape", "view", "T", "slice", "newaxis", "unsqueeze-squeeze",
        "flatten", "split", "detach-reshape-T"])
def test_writes_through_anything_sharing_the_memory_are_refused(alias):
    w = _w()
    y = (w * w).sum()
    view = alias(w)
    view.data += 1  # the same memory as w's
    assert w.version == 1 and view.version == 1  # one counter for the storage
    with pytest.raises(RuntimeError, match=STALE):
        y.backward()


def test_a_write_to_the_base_is_seen_by_a_graph_that_used_a_view():
    w = _w()
    v = w[1:]
    y = (v * v).sum()
    w.data *= 2
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_copies_keep_a_counter_of_their_own():
    w = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, label="w")
    y = (w * w).sum()
    picked = w[[0, 1]]  # advanced indexing copies, as in numpy and PyTorch
    copied = w.T.reshape(6)  # a transpose's reshape copies
    assert not np.shares_memory(picked.data, w.data)
    assert not np.shares_memory(copied.data, w.data)
    picked.data += 1
    copied.data += 1
    assert w.version == 0
    y.backward()
    np.testing.assert_allclose(w.grad, 2 * w.data)


def test_batchnorm_reset_counts_as_a_write():
    bn = nn.BatchNorm1d(2)
    before = bn.running_mean.version
    bn.reset_running_stats()
    assert bn.running_mean.version == before + 1


def test_optimizer_and_load_state_dict_bump_the_shared_counter():
    layer = Linear(2, 1, seed=0)
    w = layer.weight
    alias = w.detach()
    layer.load_state_dict({"weight": np.ones((1, 2)), "bias": np.zeros(1)})
    assert alias.version == w.version == 1
    with no_grad():
        alias.data -= 1
    assert w.version == 2
    np.testing.assert_array_equal(w.data, 0)
