"""The page's static files, shipped as package data: ``player.js`` and ``player.css``.

They are plain files so an editor, a linter and the browser's devtools can work on them;
:mod:`viz.player` assembles them with each player's data into one self-contained page.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

#: Where a script file takes the page's data (a valid JavaScript expression as it stands).
DATA_SLOT = "/*CHAINRULE_DATA*/null"


@cache
def asset(name: str) -> str:
    """The text of one of the page's files (``"player.js"``, ``"player.css"``).

    >>> "cr-player" in asset("player.css")
    True
    """
    if "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"viz.html.asset: a file name in viz/html, got {name!r}")
    try:
        return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"viz.html.asset: no file {name!r} in viz/html") from None


def script(name: str, data_json: str) -> str:
    """A script file with the page's data (already script-safe JSON) in its data slot."""
    text = asset(name)
    if text.count(DATA_SLOT) != 1:
        raise ValueError(f"viz.html.script: {name} must hold {DATA_SLOT} exactly once")
    return text.replace(DATA_SLOT, data_json)
