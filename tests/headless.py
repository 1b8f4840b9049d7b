"""Headless Debian Chromium for the browser tests (player, JupyterLab, course site).

``make`` installs ``/usr/bin/chromium`` in CI. The flags keep Chromium from reaching out to
the network at start-up (this machine's closed network refuses those connections) and from
needing a sandbox or a GPU.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-default-apps", "--disable-extensions"]


def missing_browser() -> list[str]:
    """What a browser test lacks: Chromium and/or the playwright package (empty when ready)."""
    missing = []
    if not os.path.exists(CHROMIUM):
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    return missing


def require(missing: list[str]) -> None:
    """Skip a browser test that lacks something; in CI (``CI=true``) fail it instead."""
    if missing:
        import pytest

        reason = "browser test needs " + ", ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
