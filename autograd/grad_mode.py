"""Gradient recording switch: ``no_grad()`` turns graph building off, as in PyTorch."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

_state = {"enabled": True}


def is_grad_enabled() -> bool:
    """Return True when new operations record their parents (the default)."""
    return _state["enabled"]


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Context manager in which operations record no parents.

    Results computed inside are leaves (``op == ""``), so no gradient flows through them
    and their graph is freed immediately.

    Examples
    --------
    >>> from autograd import Value, no_grad
    >>> a = Value(2.0)
    >>> with no_grad():
    ...     b = a * 3
    >>> b.parents
    ()
    """
    previous = _state["enabled"]
    _state["enabled"] = False
    try:
        yield
    finally:
        _state["enabled"] = previous
