"""Version counters: one per storage, so ``backward`` can refuse a stale saved tensor.

The design (PyTorch's rule, kept cheap):

* A counter is a one-element list ``[n]``, the smallest shared mutable object Python has
  (created with a list display, ~20 ns). Every Tensor holds its storage's counter in the
  slot ``_vc``; :attr:`Tensor.version` reads ``_vc[0]``.
* A tensor with memory of its own (the constructor, an arithmetic op's output) gets a new
  ``[0]``. A tensor that shares its memory with another, ``detach()``, ``reshape``/``view``,
  ``.T``/``transpose``/``permute``, ``squeeze``/``unsqueeze``/``flatten``, ``expand``, basic
  slices and ``split``/``chunk``, holds the *same* list as its base (:func:`share`), so a
  write through any of them is seen by all of them.
* Every write made through the library bumps it (:func:`bump`, ``_vc[0] += 1``): the
  ``.data`` setter (``t.data = ...`` and ``t.data -= ...``: the optimizers, ``Module.to``,
  ``load_state_dict``/``Module.load``), the ``nn.init`` fills, BatchNorm's running
  statistics, and the in-place operators (``+=``, ``add_``, ``zero_``, ``copy_``...).
* Recording an op saves ``tuple(p._vc[0] for p in parents)``; before a backward rule runs,
  :meth:`Tensor.shares` compares them and raises naming the tensor that changed.

Cost per op: one list per output, one index per parent when recording and when checking.
Writes into the array itself (``t.data[0] = 5``, ``np.add(a, 1, out=a)``) are not seen:
numpy cannot tell us about them.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def bump(t: Any) -> None:
    """Count one in-place change of ``t``'s storage (seen by every tensor sharing it)."""
    t._vc[0] += 1


def share(view: Any, base: Any) -> Any:
    """Give ``view`` its ``base``'s counter when their arrays overlap; return ``view``.

    numpy may copy (``reshape`` of a non-contiguous array, advanced indexing): then the
    result keeps a counter of its own, as PyTorch's copies do.
    """
    a, b = view._data, base._data
    root = a.base  # numpy points a view of a view at the array owning the memory
    if a is b or root is b or (root is not None and (root is b.base or np.may_share_memory(a, b))):
        view._vc = base._vc
    return view
