"""How big a graph ``viz`` renders: one documented node limit, checked before Graphviz runs.

``dot`` takes minutes (and gigabytes) on graphs of a few thousand nodes with fan-out, and a
player holding such a drawing is unreadable anyway. Beyond :data:`MAX_RENDER_NODES` nodes,
rendering and players refuse with :class:`GraphTooLargeError`; the DOT source
(``draw(...).source``) stays available at any size, and ``collapse=`` draws fewer nodes.
"""

from __future__ import annotations

#: Most nodes a drawing or a player renders (the DOT source has no limit).
MAX_RENDER_NODES: int = 400


class GraphTooLargeError(ValueError):
    """A graph has more nodes than :data:`MAX_RENDER_NODES` for rendering."""


def check_node_count(n: int, what: str) -> None:
    """Refuse to render ``n`` nodes for ``what`` (``"player"``, ``"render"``...) above the limit.

    Parameters
    ----------
    n : int
        Number of nodes in the graph.
    what : str
        What was about to be rendered, for the message.

    Raises
    ------
    GraphTooLargeError
        When ``n > MAX_RENDER_NODES``.

    Examples
    --------
    >>> check_node_count(10, "player")
    >>> try:
    ...     check_node_count(MAX_RENDER_NODES + 1, "player")
    ... except GraphTooLargeError as exc:
    ...     print(str(exc)[:48])
    player: the graph has 401 nodes, more than the r
    """
    if n > MAX_RENDER_NODES:
        raise GraphTooLargeError(
            f"{what}: the graph has {n} nodes, more than the rendering limit of "
            f"{MAX_RENDER_NODES} (viz.limits.MAX_RENDER_NODES); draw it with "
            'collapse="module" or collapse="neuron", or use the DOT source (draw(...).source)'
        )
