"""The page's static files, shipped as package data: ``player.js``, ``player.css``, the live
pages' ``live.js`` and ``live.css``, and ``drawing.js``, the drawing code both scripts share
(written into each where it holds :data:`DRAWING_SLOT`).

They are plain files so an editor, a linter and the browser's devtools can work on them;
:mod:`viz.player` assembles them with each player's data into one self-contained page.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

#: Where a script file takes the page's data (a valid JavaScript expression as it stands).
DATA_SLOT = "/*CHAINRULE_DATA*/null"
#: Where a script file takes ``drawing.js`` (functions inside the script's own scope).
DRAWING_SLOT = "/*CHAINRULE_DRAWING*/"


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


def script(name: str, data_json: str | None = None) -> str:
    """A script file with ``drawing.js`` in its drawing slot and the page's data (already
    script-safe JSON) in its data slot; ``data_json=None`` for a script that reads its data
    from the page (``live.js``)."""
    text = asset(name)
    if text.count(DRAWING_SLOT) > 1:
        raise ValueError(f"viz.html.script: {name} holds {DRAWING_SLOT} more than once")
    text = text.replace(DRAWING_SLOT, asset("drawing.js"))
    if data_json is None:
        return text
    if text.count(DATA_SLOT) != 1:
        raise ValueError(f"viz.html.script: {name} must hold {DATA_SLOT} exactly once")
    return text.replace(DATA_SLOT, data_json)
