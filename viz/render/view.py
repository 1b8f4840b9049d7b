"""What a drawing shows: :class:`View`, the numbers known at one frame."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class View:
    """Which numbers a drawing shows (the stepper passes partial views, frame by frame).

    ``values`` is the set of ids of nodes whose value is known (``None``: all of them);
    ``grads`` maps ids to gradients; ``edge_grads`` maps ``(id(consumer), slot)`` to the
    share that flowed along that edge (shown at fan-outs, where the shares differ from the
    total). ``highlight`` is a node and ``highlight_edge`` a ``(consumer, slot)`` pair or
    ``"output"``.
    """

    values: set[int] | None = None
    grads: dict[int, Any] = field(default_factory=dict)
    edge_grads: dict[tuple[int, int], Any] = field(default_factory=dict)
    highlight: Any = None
    highlight_edge: Any = None
    note: str = ""
