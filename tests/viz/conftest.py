"""Fixtures for the viz tests (helpers live in vizhelpers.py)."""

import pytest
from vizhelpers import require_dot


@pytest.fixture
def dot_required() -> None:
    """Skip without Graphviz's dot, fail in CI (where make installs it)."""
    require_dot()
