"""The drawings' colours (the legend of :mod:`viz.draw`), shared by renderers and the player."""

from __future__ import annotations

from .nodes import CONSTANT, GATE, LEAF

VALUE_COLOR = "#1e7b1e"
GRAD_COLOR = "#d62728"
SHAPE_COLOR = "#555555"
NAME_COLOR = "#777777"
FILL = {LEAF: "#dbe9f6", CONSTANT: "#eeeeee", GATE: "#ffffff", "output": "#fde2c0",
        "scope": "#ece2f6"}
HIGHLIGHT_FILL = "#ffe066"
HIGHLIGHT_LINE = "#e67e00"
TRANSPARENT = "transparent"  # numbers a stepper frame does not show yet (same layout)
