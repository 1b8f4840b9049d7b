"""Large arrays reused from step to step instead of fresh memory every time.

A training step allocates the same large arrays at every step (activations, pooling
positions, masks, gradients). glibc's malloc returns big freed blocks to the system (blocks
of 32 MB and more always; smaller ones when the free top of the heap grows past its trim
threshold), so the next step's arrays are new pages again and every 4 KB page is faulted in
and zeroed on first touch. On this project's 2-core benchmark machine that cost 20 ms of a
72 ms CNN training step (c=32 in bench/conv.py: 8,000 page faults per step; 53 ms with no
faults).

:func:`empty` is ``np.empty`` for the kernels that make those arrays: the memory comes from
a cache of buffers that no array refers to any more (a buffer is free exactly when the cache
holds the only reference to it, which numpy guarantees because every view keeps its owner
alive), so a freed activation's pages serve the next step's activation of the same size.
Arrays under MIN_BYTES come from numpy as usual. The cache is chainrule's own, like
PyTorch's caching allocator: it changes no setting of malloc or numpy. It keeps at most
:data:`CACHE_LIMIT` bytes of buffers; :func:`empty_cache` releases the free ones.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from typing import Any

import numpy as np

#: Arrays smaller than this come from numpy directly (malloc reuses small blocks itself).
MIN_BYTES = 1 << 18
#: Most bytes of buffers the cache keeps (in use or free). Past it the free ones are
#: released, and if the arrays in use alone fill it, new arrays come from numpy uncached.
CACHE_LIMIT = 1 << 30
PAGE = 4096

_lock = threading.Lock()
_buffers: dict[int, list[np.ndarray]] = {}  # size in bytes (page multiple) -> owners
_cached_bytes = 0


def _forget_after_fork() -> None:
    """In a forked child: a new lock (the parent's may have been held by a thread the child
    does not have) and an empty cache (the child's arrays keep their memory regardless)."""
    global _lock, _buffers, _cached_bytes
    _lock = threading.Lock()
    _buffers = {}
    _cached_bytes = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def empty(shape: Any, dtype: Any = np.float64) -> np.ndarray:
    """An uninitialised C-contiguous array, on reused memory when it is large."""
    dtype = np.dtype(dtype)
    if not isinstance(shape, tuple):
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
    nbytes = math.prod(shape) * dtype.itemsize  # (math.prod: 20x cheaper than np.prod here)
    if nbytes < MIN_BYTES:
        return np.empty(shape, dtype)
    size = -(-nbytes // PAGE) * PAGE
    global _cached_bytes
    with _lock:
        owners = _buffers.setdefault(size, [])
        # newest hand-out first: a buffer freed soon after it was handed out is still in cache
        for k in range(len(owners) - 1, -1, -1):
            owner = owners[k]
            # references: the list, ``owner`` and getrefcount's argument -> no array uses it
            if sys.getrefcount(owner) == 3:
                owners.append(owners.pop(k))
                return owner[:nbytes].view(dtype).reshape(shape)
        if _cached_bytes + size > CACHE_LIMIT:
            _release_free()  # sizes no longer in use (e.g. an earlier batch size) make room
            if _cached_bytes + size > CACHE_LIMIT:
                return np.empty(shape, dtype)
        owner = np.empty(size, np.uint8)
        owners.append(owner)
        _cached_bytes += size
    return owner[:nbytes].view(dtype).reshape(shape)


def is_large(a: np.ndarray) -> bool:
    """Whether an array like ``a`` would come from the cache (:data:`MIN_BYTES` or more):
    a kernel asks first and calls plain numpy for small arrays, where :func:`empty`'s
    bookkeeping would cost more than the arithmetic (a batch of 8 activations)."""
    return a.nbytes >= MIN_BYTES


def zeros(shape: Any, dtype: Any = np.float64) -> np.ndarray:
    """:func:`empty` filled with zeros."""
    out = empty(shape, dtype)
    out.fill(0)
    return out


def empty_cache() -> None:
    """Release the cached buffers no array refers to (arrays in use keep theirs)."""
    with _lock:
        _release_free()


def _release_free() -> None:
    """Drop every free buffer from the cache (call with the lock held)."""
    global _cached_bytes
    for size in list(_buffers):
        # references to a kept owner: the list, ``o``, getrefcount's argument and a user
        kept = [o for o in _buffers[size] if sys.getrefcount(o) > 3]
        _cached_bytes -= size * (len(_buffers[size]) - len(kept))
        if kept:
            _buffers[size] = kept
        else:
            del _buffers[size]


def cached_bytes() -> int:
    """Bytes of buffers the cache holds (in use or free)."""
    return _cached_bytes


def contiguous(a: np.ndarray) -> np.ndarray:
    """``np.ascontiguousarray(a)`` with the copy (if one is needed) on reused memory."""
    if a.flags.c_contiguous:
        return a
    out = empty(a.shape, a.dtype)
    np.copyto(out, a)
    return out
