"""The object ``viz.draw`` returns: a ``graphviz.Digraph`` that fails politely without ``dot``.

The DOT source (``.source``) never needs Graphviz. Rendering does: ``render``, ``pipe``,
``view`` and ``save`` to an image raise one :class:`GraphvizNotFoundError` naming how to install
it. The Jupyter display never raises: an SVG when ``dot`` exists, otherwise the install hint
and the DOT source, so "Run All" goes on.
"""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path
from typing import Any

import graphviz

#: Formats ``save`` renders (anything else is written as DOT source).
IMAGE_FORMATS = ("svg", "png", "pdf", "jpg", "jpeg")
INSTALL_HINT = (
    "Graphviz's 'dot' program is needed to render drawings and was not found on PATH. "
    "Install it with: sudo apt-get install graphviz (Debian/Ubuntu), brew install graphviz "
    "(macOS), conda install -c conda-forge graphviz, or choco install graphviz (Windows); "
    "the DOT source is still available as .source"
)


class GraphvizNotFoundError(graphviz.ExecutableNotFound):
    """Rendering was asked for but Graphviz's ``dot`` is not installed (a RuntimeError)."""

    def __init__(self, detail: str = "") -> None:
        RuntimeError.__init__(self, INSTALL_HINT + (f" ({detail})" if detail else ""))


def dot_available() -> bool:
    """Whether Graphviz's ``dot`` executable is on PATH."""
    return shutil.which("dot") is not None


class Graph(graphviz.Digraph):
    """A ``graphviz.Digraph`` with clear errors and a Jupyter display that never raises.

    Examples
    --------
    >>> g = Graph()
    >>> g.node("a"); g.node("b"); g.edge("a", "b")
    >>> "a -> b" in g.source
    True
    """

    def pipe(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 (graphviz's docstring)
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as exc:
            if isinstance(exc, GraphvizNotFoundError):
                raise
            raise GraphvizNotFoundError() from None

    def render(self, *args: Any, **kwargs: Any) -> str:  # noqa: D102 (graphviz's docstring)
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as exc:
            if isinstance(exc, GraphvizNotFoundError):
                raise
            raise GraphvizNotFoundError() from None

    def save(self, filename: str | os.PathLike | None = None, directory: Any = None,
             **kwargs: Any) -> str:
        """Write the drawing: ``.svg``/``.png``/``.pdf``/``.jpg`` are rendered, else DOT source.

        Parameters
        ----------
        filename : str or path, optional
            Target file. Without it, the DOT source goes to ``self.filename`` (graphviz's
            behaviour).
        directory : str or path, optional
            Directory to prepend to ``filename``.

        Returns
        -------
        str
            The path written.
        """
        if filename is None or kwargs:  # graphviz's own call from render(): DOT source
            return super().save(filename, directory=directory, **kwargs)
        path = Path(directory, filename) if directory is not None else Path(filename)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in IMAGE_FORMATS:
            return super().save(path.name, directory=path.parent)
        data = self.pipe(format="jpeg" if fmt == "jpg" else fmt)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return str(path)

    def svg(self) -> str:
        """The rendered SVG text (needs ``dot``)."""
        return self.pipe(format="svg", encoding="utf-8")

    def _fallback_bundle(self, reason: str) -> dict[str, str]:
        text = f"{reason}\n\n{self.source}"
        markup = (
            '<div class="chainrule-graph-fallback"><p style="color:#a33">'
            f"{html.escape(reason)}</p><pre>{html.escape(self.source)}</pre></div>"
        )
        return {"text/plain": text, "text/html": markup}

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        """SVG when ``dot`` works; otherwise the install hint and the DOT source. Never raises."""
        if not dot_available():
            return self._fallback_bundle(INSTALL_HINT)
        try:
            return {"image/svg+xml": self.svg()}
        except Exception as exc:  # a display hook must not stop the notebook
            return self._fallback_bundle(f"Graphviz could not render this graph: {exc}")

    def _repr_svg_(self) -> str | None:
        """SVG text, or ``None`` (no SVG representation) when it cannot be rendered."""
        bundle = self._repr_mimebundle_()
        return bundle.get("image/svg+xml")
