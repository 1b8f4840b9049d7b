"""The object ``viz.draw`` returns: a ``graphviz.Digraph`` that fails politely without ``dot``.

The DOT source (``.source``) never needs Graphviz. Rendering does: ``render``, ``pipe``,
``view`` and ``save`` to an image raise one :class:`GraphvizNotFoundError` naming how to install
it, and are bounded by :mod:`viz.limits` (node limit, timeout, memory cap; every ``dot`` call
goes through :func:`run_dot`). The Jupyter display never raises (:mod:`viz.display`): SVG, PNG
and a description when ``dot`` exists, otherwise the install hint and the DOT source, so "Run
All" goes on.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import graphviz

from . import limits
from .limits import DotTimeoutError

#: Formats ``save`` renders with ``dot``; ``.dot``/``.gv`` write the DOT source.
IMAGE_FORMATS = ("svg", "png", "pdf", "jpg", "jpeg")
SOURCE_FORMATS = ("dot", "gv")
#: Resolution of PNG/JPEG files: twice the 96 dpi of a screen, so a drawing projected at
#: 1920x1080 (or shown on a high-density screen) stays sharp.
DEFAULT_DPI = 192
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


class GraphvizError(RuntimeError):
    """``dot`` ran but failed (its first error lines are in the message)."""


def dot_available() -> bool:
    """Whether Graphviz's ``dot`` executable is on PATH."""
    return shutil.which("dot") is not None


def _limit_process(pid: int, timeout: float) -> None:
    """Bound the ``dot`` process by itself (Linux ``prlimit``; elsewhere a no-op): its address
    space (:data:`viz.limits.DOT_MEMORY_LIMIT`) and its CPU time (a second more than the
    timeout: the kernel stops it even if nobody is left to enforce the timeout)."""
    try:
        import resource

        memory = int(limits.DOT_MEMORY_LIMIT)
        resource.prlimit(pid, resource.RLIMIT_AS, (memory, memory))
        if math.isfinite(timeout):
            cpu = int(math.ceil(timeout)) + 1  # SIGXCPU at the soft limit, SIGKILL a second later
            resource.prlimit(pid, resource.RLIMIT_CPU, (cpu, cpu + 1))
    except (ImportError, AttributeError, OSError, ValueError):
        pass


def _die_with_parent() -> Any:
    """A ``preexec_fn`` asking Linux to kill ``dot`` when the process that started it dies
    (``PR_SET_PDEATHSIG``), even by SIGKILL; ``None`` where that is unavailable or unsafe.

    Python code between fork and exec may deadlock when other threads hold locks, so it is
    only used while this process has one thread (the command line); otherwise ``dot`` is
    still bounded by its CPU limit and stopped by :func:`_run` on any exception.
    """
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return None
    global _prctl
    if _prctl is None:
        try:
            import ctypes

            _prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            _prctl = False
    if not _prctl:
        return None
    prctl = _prctl

    def set_death_signal() -> None:
        prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1

    return set_death_signal


_prctl: Any = None


def run_dot(source: str, fmt: str, *, engine: str = "dot", args: Sequence[str] = (),
            nodes: int | None = None, graphs: int = 1) -> bytes:
    """Run Graphviz on DOT ``source`` and return the output bytes, within the limits.

    Every render in ``viz`` goes through here: the call is stopped after
    :data:`viz.limits.DOT_TIMEOUT` seconds (or what is left of a
    :func:`viz.limits.render_budget`) and the process may use at most
    :data:`viz.limits.DOT_MEMORY_LIMIT` bytes and a second of CPU time more than the timeout
    (so it ends even if this process is killed); it runs in a session of its own and, from a
    single-threaded process such as the command line, dies with it.

    Parameters
    ----------
    source : str
        DOT text.
    fmt : str
        Graphviz output format (``"svg"``, ``"png"``, ``"pdf"``, ``"png:cairo"``...).
    engine : str
        Layout program (``"dot"``).
    args : sequence of str
        Extra command-line arguments (``-Gdpi=192``).
    nodes : int, optional
        Node count, for the messages.
    graphs : int
        How many graphs ``source`` holds (one ``dot`` run can render several, one after
        the other): the timeout is ``graphs * DOT_TIMEOUT``, within any render budget.

    Raises
    ------
    GraphvizNotFoundError
        The program is not installed.
    DotTimeoutError
        It did not finish in time.
    GraphvizError
        It failed (invalid DOT, out of memory...).
    """
    return _run([f"-T{fmt}", *args], source, engine=engine, nodes=nodes, graphs=graphs)


def run_dot_formats(source: str, formats: Sequence[str], *, args: Sequence[str] = (),
                    nodes: int | None = None) -> list[bytes]:
    """One layout, several output formats (``dot -Tsvg -o a -Tpng -o b``): as :func:`run_dot`.

    Returns the outputs in the order of ``formats``.
    """
    with tempfile.TemporaryDirectory(prefix="chainrule-dot-") as tmp:
        files = [os.path.join(tmp, f"out{i}") for i in range(len(formats))]
        cmd = [a for fmt, f in zip(formats, files) for a in (f"-T{fmt}", f"-o{f}")]
        _run([*cmd, *args], source, nodes=nodes)
        return [Path(f).read_bytes() for f in files]


def _run(dot_args: list[str], source: str, *, engine: str = "dot", nodes: int | None = None,
         graphs: int = 1) -> bytes:
    """Run ``engine`` with ``dot_args`` on ``source`` within the limits; its stdout."""
    exe = shutil.which(engine)
    if exe is None:
        raise GraphvizNotFoundError()
    what = f"this graph ({nodes} nodes)" if nodes is not None else "this graph"
    timeout, limit_name = limits.dot_timeout(graphs)
    hint = ("Graphs where one value feeds many operations far apart (like x*x*...*x) are slow "
            "to lay out: draw fewer nodes (collapse=, a smaller expression), or save the DOT "
            "source (.source, a .dot file) and run dot yourself")
    if timeout <= 0:
        raise DotTimeoutError(f"no time left to run Graphviz's {engine} on {what} "
                              f"({limit_name} is spent). {hint}")
    try:
        # its own session: a terminal's Ctrl-C or hang-up reaches the caller only, which stops
        # dot below; the death signal and the CPU limit cover a caller killed outright
        proc = subprocess.Popen([exe, *dot_args], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, preexec_fn=_die_with_parent())
    except OSError as exc:
        raise GraphvizNotFoundError(str(exc)) from None
    _limit_process(proc.pid, timeout)
    try:
        out, err = proc.communicate(source.encode("utf-8", "replace"), timeout=timeout)
    except BaseException as exc:  # a timeout, or an interrupt: never leave dot running
        proc.kill()
        proc.communicate()
        if not isinstance(exc, subprocess.TimeoutExpired):
            raise
        raise DotTimeoutError(
            f"Graphviz's {engine} did not finish laying out {what} within {timeout:.3g} s "
            f"({limit_name}) and was stopped. {hint}"
        ) from None
    if proc.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines()[:3]
        detail = "; ".join(lines) or f"exit status {proc.returncode}"
        if proc.returncode < 0 or "memory" in detail.lower():
            detail += (f" (it may have run out of memory: viz.limits.DOT_MEMORY_LIMIT = "
                       f"{limits.DOT_MEMORY_LIMIT / 2**20:.0f} MiB)")
        raise GraphvizError(f"Graphviz's {engine} failed on {what}: {detail}")
    return out



def _image_args(fmt: str, dpi: float | None) -> list[str]:
    """``-Gdpi`` for bitmaps, and ``-Gsize`` so no side exceeds MAX_IMAGE_PIXELS."""
    base = fmt.split(":")[0]
    if base not in ("png", "jpg", "jpeg", "gif", "bmp"):
        return []
    dpi = DEFAULT_DPI if dpi is None else dpi
    side = limits.MAX_IMAGE_PIXELS / dpi  # inches; Graphviz only ever scales down to it
    return [f"-Gdpi={dpi:g}", f"-Gsize={side:.4g},{side:.4g}"]


def check_dpi(dpi: Any) -> float | None:
    """``dpi`` as a positive number in 10..1200 (``None``: the default); else ValueError."""
    if dpi is None:
        return None
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not 10 <= dpi <= 1200:
        raise ValueError(f"dpi must be a number in 10..1200 (dots per inch), got {dpi!r}")
    return float(dpi)


def check_save_path(path: str | os.PathLike, argument: str = "path") -> str:
    """The format a drawing is saved in, from the extension; ValueError when it has none
    or an unknown one (``save("x")`` and ``save("x.docx")`` write nothing)."""
    name = os.fspath(path)
    allowed = ", ".join("." + f for f in IMAGE_FORMATS + SOURCE_FORMATS)
    if not str(name).strip():
        raise ValueError(f"{argument}: empty file name; give a file ending in {allowed}")
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in IMAGE_FORMATS + SOURCE_FORMATS:
        got = f"unknown format {'.' + suffix!r} in {name!r}" if suffix else \
            f"{name!r} has no extension"
        raise ValueError(f"{argument}: {got}; the file name must end in {allowed}")
    return suffix


HTML_SUFFIXES = (".html", ".htm")


def check_html_path(path: str | os.PathLike, argument: str = "path") -> Path:
    """``path`` as a Path, or ValueError unless it names an .html (or .htm) file, so a player
    is never written into ``steps.svg`` or a file without an extension.

    >>> check_html_path("steps.html").name
    'steps.html'
    """
    name = Path(os.fspath(path))
    if not name.name.strip() or name.suffix.lower() not in HTML_SUFFIXES:
        raise ValueError(f"{argument}: {os.fspath(path)!r} must be a file name ending in .html "
                         "or .htm (the player is an HTML page)")
    return name


_NODE_STATEMENT = re.compile(r'^\t(?!(?:graph|node|edge|subgraph)\b)(\w+|"(?:[^"\\]|\\.)*")'
                             r"(?: \[.*)?$", re.S)


class Graph(graphviz.Digraph):
    """A ``graphviz.Digraph`` with clear errors, bounded rendering and a safe Jupyter display.

    Rendering checks the node count against :data:`viz.limits.MAX_RENDER_NODES` and runs
    ``dot`` with a timeout (:func:`run_dot`).

    Examples
    --------
    >>> g = Graph()
    >>> g.node("a"); g.node("b"); g.edge("a", "b")
    >>> "a -> b" in g.source, g.node_count()
    (True, 2)
    """

    def node_count(self) -> int:
        """Number of nodes in the DOT body: node statements, except the small nodes that
        only carry an edge's label (``class="cr-label"``), which ``dot`` makes for every
        labelled edge anyway."""
        return sum(1 for line in self.body if _NODE_STATEMENT.match(line.rstrip("\n"))
                   and "cr-label" not in line)

    def pipe(self, format: str | None = None, renderer: str | None = None,
             formatter: str | None = None, neato_no_op: Any = None, quiet: bool = False, *,
             engine: str | None = None, encoding: str | None = None,
             dpi: float | None = None) -> Any:
        """Render with ``dot`` and return the output (bytes, or text with ``encoding``).

        As ``graphviz.Digraph.pipe``, plus ``dpi`` for bitmaps (default :data:`DEFAULT_DPI`),
        within :mod:`viz.limits`. Raises :class:`viz.limits.GraphTooLargeError`,
        :class:`DotTimeoutError`, :class:`GraphvizNotFoundError` or :class:`GraphvizError`.
        """
        if neato_no_op:
            raise ValueError("Graph.pipe: neato_no_op is not supported")
        fmt = format or self.format
        full = ":".join(p for p in (fmt, renderer, formatter) if p)
        n = self.node_count()
        limits.check_node_count(n, "drawing")
        data = run_dot(self.source, full, engine=engine or self.engine,
                       args=_image_args(fmt, check_dpi(dpi)), nodes=n)
        return data.decode(encoding) if encoding is not None else data

    def render(self, filename: str | os.PathLike | None = None, directory: Any = None,
               view: bool = False, cleanup: bool = False, format: str | None = None,
               renderer: str | None = None, formatter: str | None = None,
               neato_no_op: Any = None, quiet: bool = False, quiet_view: bool = False, *,
               outfile: str | os.PathLike | None = None, engine: str | None = None,
               raise_if_result_exists: bool = False, overwrite_source: bool = False) -> str:
        """As ``graphviz.Digraph.render`` (source file, then ``<source>.<format>``), bounded."""
        if outfile is not None and format is None:
            format = Path(outfile).suffix.lstrip(".").lower() or None
        fmt = format or self.format
        source_path = graphviz.Digraph.save(self, filename, directory=directory)
        target = Path(outfile) if outfile is not None else Path(f"{source_path}.{fmt}")
        if raise_if_result_exists and target.exists():
            raise FileExistsError(f"render: output file exists: {target}")
        data = self.pipe(format=fmt, renderer=renderer, formatter=formatter, quiet=quiet,
                         engine=engine)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if cleanup:
            os.remove(source_path)
        if view or quiet_view:
            self._view(str(target), format=fmt, quiet=quiet_view)
        return str(target)

    def save(self, filename: str | os.PathLike | None = None, directory: Any = None,
             dpi: float | None = None, **kwargs: Any) -> str:
        """Write the drawing; the extension picks the format.

        Parameters
        ----------
        filename : str or path, optional
            Target file: ``.svg``, ``.png``, ``.pdf``, ``.jpg``/``.jpeg`` are rendered,
            ``.dot``/``.gv`` get the DOT source. Without it, the DOT source goes to
            ``self.filename`` (graphviz's behaviour).
        directory : str or path, optional
            Directory to prepend to ``filename``.
        dpi : float, optional
            Resolution of ``.png``/``.jpg`` files (default :data:`DEFAULT_DPI`).

        Returns
        -------
        str
            The path written.

        Raises
        ------
        ValueError
            For a missing or unknown extension (nothing is written).
        """
        if filename is None or kwargs:  # graphviz's own call: DOT source
            return super().save(filename, directory=directory, **kwargs)
        path = Path(directory, filename) if directory is not None else Path(filename)
        fmt = check_save_path(path)
        check_dpi(dpi)
        if fmt in SOURCE_FORMATS:
            return super().save(path.name, directory=path.parent)
        data = self.pipe(format="jpeg" if fmt == "jpg" else fmt, dpi=dpi)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return str(path)

    def svg(self) -> str:
        """The rendered SVG text (needs ``dot``)."""
        return self.pipe(format="svg", encoding="utf-8")

    #: Inline in Jupyter, scale the drawing down to the output width (see :mod:`viz.display`);
    #: ``False`` shows it at its natural size.
    fit_width: bool = True

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **kwargs: Any) -> tuple[dict, dict]:
        """SVG, PNG and a text description (:func:`viz.display.mimebundle`). Never raises."""
        from .display import mimebundle

        return mimebundle(self, include, exclude)

    def _repr_svg_(self) -> str | None:
        """SVG text, or ``None`` (no SVG representation) when it cannot be rendered."""
        data, _ = self._repr_mimebundle_()
        return data.get("image/svg+xml")
