"""The drawing options, once: :class:`DrawOptions` is what ``viz.draw``, the renderer and the
steppers take (their keyword arguments are its fields), checked in one place."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

MODES = ("forward", "backward", "both")
STYLES = ("lecture", "record")
COLLAPSE = (None, "module", "neuron")
RANKDIRS = ("LR", "RL", "TB", "BT")


@dataclass(frozen=True)
class DrawOptions:
    """How a graph is drawn (see :func:`viz.draw` for each field's meaning).

    Checked when made: a bad value raises ValueError naming the option.

    >>> DrawOptions(rankdir="TB").replace(tags=True).tags
    True
    >>> DrawOptions(mode="sideways")
    Traceback (most recent call last):
    ...
    ValueError: draw: mode must be one of ('forward', 'backward', 'both'), got 'sideways'
    """

    mode: str = "both"
    rankdir: str = "LR"
    style: str = "lecture"
    precision: int = 2
    show_labels: bool = True
    collapse: str | None = None
    max_elements: int = 36
    fold_constants: bool = True
    tags: bool = False

    def __post_init__(self) -> None:
        check_options(self.mode, self.rankdir, self.style, self.precision, self.collapse)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names, in order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_keywords(cls, caller: str, **keywords: Any) -> DrawOptions:
        """Options from keyword arguments; an unknown keyword raises TypeError for ``caller``."""
        unknown = set(keywords) - set(cls.names())
        if unknown:
            raise TypeError(f"{caller}: unknown drawing option(s) {sorted(unknown)}")
        return cls(**keywords)

    def replace(self, **changes: Any) -> DrawOptions:
        """A copy with some options changed (checked again)."""
        return dataclasses.replace(self, **changes) if changes else self


def check_options(mode: str, rankdir: str, style: str, precision: int, collapse: Any) -> None:
    """Raise ValueError unless every option is one the drawings know."""
    if mode not in MODES:
        raise ValueError(f"draw: mode must be one of {MODES}, got {mode!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if style not in STYLES:
        raise ValueError(f"draw: style must be one of {STYLES}, got {style!r}")
    if collapse not in COLLAPSE:
        raise ValueError(f"draw: collapse must be one of {COLLAPSE}, got {collapse!r}")
    if not isinstance(precision, int) or isinstance(precision, bool) or not 0 <= precision <= 12:
        raise ValueError(f"draw: precision must be an int in 0..12, got {precision!r}")
