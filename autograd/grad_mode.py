"""Gradient recording switch: ``no_grad()`` turns graph building off, as in PyTorch.

The switch is per thread (a :class:`contextvars.ContextVar`, as PyTorch's grad mode is
thread-local): one thread inside ``no_grad()`` does not stop another thread's forward
passes from recording. A new thread starts with recording on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

#: True while new operations record their parents. Read it with :func:`is_grad_enabled`.
GRAD_ENABLED: ContextVar[bool] = ContextVar("chainrule_grad_enabled", default=True)


def is_grad_enabled() -> bool:
    """Return True when new operations record their parents (the default)."""
    return GRAD_ENABLED.get()


@contextlib.contextmanager
def set_grad_enabled(mode: bool) -> Iterator[None]:
    """Context manager that turns recording on (``True``) or off (``False``) in this thread.

    >>> from autograd import Value, set_grad_enabled
    >>> with set_grad_enabled(False):
    ...     b = Value(2.0) * 3
    >>> b.parents
    ()
    """
    if not isinstance(mode, bool):
        raise TypeError(f"set_grad_enabled: mode must be a bool, got {type(mode).__name__}")
    token = GRAD_ENABLED.set(mode)
    try:
        yield
    finally:
        GRAD_ENABLED.reset(token)


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager in which operations record no parents (in this thread).

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
    return set_grad_enabled(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager that turns recording back on inside a ``no_grad()`` block."""
    return set_grad_enabled(True)
