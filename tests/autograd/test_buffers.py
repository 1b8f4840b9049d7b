"""autograd.buffers: large arrays on reused memory, never shared while in use."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autograd.buffers as buffers
from autograd import Tensor, conv2d, max_pool2d

BIG = (512, 1024)  # 2 MB in float32: above MIN_BYTES


def test_small_arrays_come_from_numpy():
    a = buffers.empty((4, 4), np.float32)
    assert a.shape == (4, 4) and a.dtype == np.float32 and a.base is None


def test_a_freed_array_memory_is_reused_and_a_live_one_never():
    a = buffers.empty(BIG, np.float32)
    a.fill(1)
    b = buffers.empty(BIG, np.float32)  # a is alive: b must not share its memory
    assert not np.shares_memory(a, b)
    address = a.__array_interface__["data"][0]
    del a
    c = buffers.empty(BIG, np.float32)  # a's memory is free again
    assert c.__array_interface__["data"][0] == address
    assert c.flags.c_contiguous and c.flags.writeable and c.shape == BIG
    del b, c


def test_any_view_keeps_the_memory_in_use():
    a = buffers.empty(BIG, np.float32)
    view = a[3:7].T  # a view of a view
    kept = Tensor(a[:10])
    address = a.__array_interface__["data"][0]
    del a
    others = [buffers.empty(BIG, np.float32) for _ in range(3)]
    assert all(o.__array_interface__["data"][0] != address for o in others)
    del view, kept, others


def test_dtypes_and_sizes_share_buckets_safely():
    a = buffers.empty((1 << 20,), np.uint8)
    del a
    b = buffers.empty((1 << 18,), np.float32)  # same byte size, other dtype
    b[:] = np.arange(b.size, dtype=np.float32)
    assert b[-1] == b.size - 1
    z = buffers.zeros((1 << 18,), np.float64)
    assert not z.any()


def test_contiguous_copies_only_when_needed():
    a = np.arange(1 << 18, dtype=np.float32).reshape(512, 512)
    assert buffers.contiguous(a) is a
    t = buffers.contiguous(a.T)
    assert t.flags.c_contiguous and np.array_equal(t, a.T)


def test_cache_limit_and_empty_cache(monkeypatch):
    buffers.empty_cache()
    before = buffers.cached_bytes()
    monkeypatch.setattr(buffers, "CACHE_LIMIT", before + 3 * (1 << 20))
    arrays = [buffers.empty((1 << 20,), np.uint8) for _ in range(5)]  # 5 live, room for 3
    assert buffers.cached_bytes() <= before + 3 * (1 << 20)
    assert len({a.__array_interface__["data"][0] for a in arrays}) == 5
    del arrays
    buffers.empty_cache()
    assert buffers.cached_bytes() == before


def test_threads_never_get_the_same_buffer():
    seen: list[np.ndarray] = []
    lock = threading.Lock()

    def grab() -> None:
        mine = [buffers.empty(BIG, np.float32) for _ in range(20)]
        for i, m in enumerate(mine):
            m.fill(i)
        with lock:
            seen.extend(mine)

    threads = [threading.Thread(target=grab) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    addresses = [a.__array_interface__["data"][0] for a in seen]
    assert len(set(addresses)) == len(addresses) == 80


@pytest.mark.parametrize("steps", [3])
def test_repeated_steps_reuse_memory_and_give_the_same_numbers(steps):
    """Training-like reuse: the same forward/backward three times gives identical results,
    while earlier results kept by the caller are never overwritten."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 8, 32, 32)).astype(np.float32)
    w = rng.standard_normal((16, 8, 3, 3)).astype(np.float32)
    kept = []
    for _ in range(steps):
        W = Tensor(w, requires_grad=True)
        y = max_pool2d(conv2d(Tensor(x), W, padding=1).relu(), 2)
        y.sum().backward()
        kept.append((y.data, W.grad))
    for out, grad in kept[1:]:
        np.testing.assert_array_equal(out, kept[0][0])
        np.testing.assert_array_equal(grad, kept[0][1])
    assert not np.shares_memory(kept[0][0], kept[1][0])


def test_a_full_cache_releases_free_sizes_for_new_ones(monkeypatch):
    """Shapes that change (another batch size) do not leave the cache full of stale ones."""
    buffers.empty_cache()
    before = buffers.cached_bytes()
    monkeypatch.setattr(buffers, "CACHE_LIMIT", before + 4 * (1 << 20))
    old = [buffers.empty((1 << 20,), np.uint8) for _ in range(3)]
    del old  # three free 1 MB buffers
    new = [buffers.empty((3 << 19,), np.uint8) for _ in range(2)]  # 1.5 MB each
    assert all(n.base is not None for n in new)  # both cached: the stale ones were released
    assert buffers.cached_bytes() == before + 2 * (3 << 19)
    del new


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_forked_child_starts_with_a_fresh_cache_and_lock():
    import multiprocessing

    keep = buffers.empty(BIG, np.float32)  # the parent has a buffer in use
    ctx = multiprocessing.get_context("fork")
    with buffers._lock:  # forked while the lock is held: the child must not deadlock
        with ctx.Pool(1) as pool:
            child = pool.apply(_child_allocates)
    assert child == (0, True)
    del keep


def _child_allocates() -> tuple[int, bool]:
    before = buffers.cached_bytes()
    a = buffers.empty(BIG, np.float32)
    a.fill(2)
    return before, bool((a == 2).all())
