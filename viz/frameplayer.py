"""One base for everything that plays frames: the HTML player and the exports, written once.

A stepper (:class:`viz.BackpropStepper`, :class:`viz.NetworkStepper`, a training recorder)
holds a list of ``frames`` (each with its step ``text``) and says two things about them:
:meth:`FramePlayer.player_data` (the one drawing and the per-frame changes
:func:`viz.player.player_html` plays) and :meth:`FramePlayer.drawings` (each frame's
Graphviz drawing, for images). :class:`FramePlayer` turns those into the same methods with the
same options on every stepper:

- ``to_html(title, full_page, element_id, images, font_scale)``, ``save_html(path, title,
  font_scale)`` and the notebook display ``_repr_html_`` (which shows a size error as text
  instead of raising);
- ``save_frames(directory, fmt, dpi, caption)``, ``save_pdf(path, caption)``,
  ``save_gif(path, seconds_per_frame, dpi, caption)``, each bounded by the stepper's size
  check (:meth:`check_size`). Every exported frame carries its step's text as a caption (in a
  PDF as text that can be searched) and no number a later step computes
  (:mod:`viz.captions`); every file is written atomically with the mode ``open()`` gives
  (:func:`viz.files.write_file`: the umask, not 0600);
- ``len()``, indexing and iteration over ``frames``.

A stepper whose frames are not Graphviz drawings overrides :meth:`frame_images`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import slides
from .captions import caption_box, captioned, drop_invisible, hide_future
from .files import write_file
from .graph import Graph, check_dpi, check_html_path
from .limits import GraphTooLargeError
from .player import check_font_scale, player_html

FRAME_FORMATS = ("svg", "png", "pdf", "dot")
#: Resolution of the small frame images in the player's no-script filmstrip.
FALLBACK_DPI = 54
_counter = itertools.count()


class FramePlayer(ABC):
    """Base class of the steppers: frames, the HTML player and the image exports.

    Subclasses set ``frames`` (a list of frames with a ``text``) and implement
    :meth:`player_data` and :meth:`drawings`; they may override :meth:`check_size`,
    :attr:`default_title` and :attr:`id_prefix`.
    """

    #: Whether notebook outputs carry a small image of each frame for readers without
    #: JavaScript (untrusted notebooks). Set it to False for much smaller notebooks.
    notebook_images: bool = True
    #: Heading of the player when ``title`` is not given.
    default_title: str = "Step by step"
    #: Start of the player's generated HTML id.
    id_prefix: str = "cr-player"
    frames: list[Any]

    # ------------------------------------------------------------ what a stepper says
    @abstractmethod
    def player_data(self, images: bool = True) -> dict[str, Any]:
        """The player's data: ``svg``, ``frames`` (``text``, ``phase``, ``c``, ``t``,
        ``row``), ``rows`` and ``images`` (see :func:`viz.player.player_html`)."""

    @abstractmethod
    def drawings(self) -> Iterator[Graph]:
        """Every frame's drawing, in order (one layout for all: the numbers a frame does not
        show yet are written transparently)."""

    def sources(self) -> Iterator[str]:
        """The DOT source of every frame's drawing, in order (one layout for all)."""
        for graph in self.drawings():
            yield graph.source

    def slides(self, caption: bool = True) -> Iterator[str]:
        """The DOT source of every exported frame: its drawing with no number from a later
        step (:func:`viz.captions.hide_future`) and, with ``caption``, its step's text below
        it in a box as large as the longest text's (so the drawing does not move)."""
        box = caption_box([f.text for f in self.frames]) if caption else None
        for frame, graph in zip(self.frames, self.drawings(), strict=True):
            if box is not None:
                graph = captioned(graph, frame.text, box)
            yield hide_future(graph.source)

    def check_size(self, what: str) -> None:
        """Raise :class:`viz.limits.GraphTooLargeError` if the frames are too big to render
        (``what`` names the export). No limit unless a stepper sets one."""
        return None

    # --------------------------------------------------------------------- sequence
    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, i: int) -> Any:
        return self.frames[i]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.frames)

    # ------------------------------------------------------------------------ images
    def frame_images(self, fmt: str, dpi: int | None = None,
                     caption: bool = True) -> Iterator[bytes]:
        """Every exported frame (:meth:`slides`) rendered to ``fmt`` (``"svg"``, ``"png"``,
        ``"pdf"``) by Graphviz, lazily; SVG frames without the hidden numbers' placeholders."""
        images = slides.render_many(self.slides(caption), fmt, dpi=dpi)
        if fmt != "svg":
            return images
        return (drop_invisible(svg.decode("utf-8")).encode("utf-8") for svg in images)

    def fallback_images(self, sources: list[str]) -> list[str]:
        """Small PNG data URIs of the frames' DOT ``sources``, for the no-script filmstrip."""
        if not sources:
            return []
        return ["data:image/png;base64," + base64.b64encode(p).decode("ascii")
                for p in slides.render_many(sources, "png", dpi=FALLBACK_DPI)]

    def save_frames(self, directory: str | Path, fmt: str = "svg",
                    dpi: int | None = None, caption: bool = True) -> list[Path]:
        """Write one numbered image per frame (``frame_000.svg``...) for slides.

        Every frame has the same layout, so the slides do not jump; each carries its step's
        text below the drawing and no number a later step computes.

        Parameters
        ----------
        directory : str or Path
            Created if missing.
        fmt : {"svg", "png", "pdf", "dot"}
            Images need Graphviz's ``dot``; ``"dot"`` writes the DOT source each image is
            rendered from.
        dpi : int, optional
            Resolution of PNG frames (Graphviz's 96 without it; 192 suits a 1080p projector).
        caption : bool
            The step's text below each drawing (default); False for the drawing alone.

        Returns
        -------
        list of Path
        """
        if fmt not in FRAME_FORMATS:
            raise ValueError(f"save_frames: fmt must be one of {FRAME_FORMATS}, got {fmt!r}")
        check_dpi(dpi)
        if fmt != "dot":
            self.check_size("save_frames")
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        width = max(3, len(str(len(self.frames) - 1)))
        paths = [out / f"frame_{i:0{width}d}.{fmt}" for i in range(len(self.frames))]
        frames = (s.encode("utf-8") for s in self.slides(caption)) if fmt == "dot" \
            else self.frame_images(fmt, dpi=dpi, caption=caption)
        for path, data in zip(paths, frames, strict=True):
            write_file(path, data)
        return paths

    def save_pdf(self, path: str | Path, caption: bool = True) -> str:
        """One PDF with a page per frame (vector graphics), for Beamer or PowerPoint decks.

        Each page carries its step's text below the drawing as text (search finds it, and it
        can be copied), unless ``caption=False``. Needs Graphviz's ``dot`` and the ``pypdf``
        package (``pip install chainrule[slides]``).
        """
        self.check_size("save_pdf")
        return slides.pdf_deck(self.frame_images("pdf", caption=caption), path)

    def save_gif(self, path: str | Path, seconds_per_frame: float = 1.0,
                 dpi: int = 96, caption: bool = True) -> str:
        """An animated GIF of the frames (needs ``dot`` and Pillow: ``chainrule[slides]``).

        Parameters
        ----------
        path : str or Path
            The ``.gif`` file.
        seconds_per_frame : float
            Display time of each frame.
        dpi : int
            Resolution of the frames.
        caption : bool
            The step's text below each drawing (default); False for the drawing alone.
        """
        check_dpi(dpi)
        self.check_size("save_gif")
        return slides.gif(self.frame_images("png", dpi=dpi, caption=caption), path,
                          seconds_per_frame)

    # ------------------------------------------------------------------------ player
    def to_html(self, title: str | None = None, full_page: bool = True,
                element_id: str | None = None, images: bool | None = None,
                font_scale: float = 1.0, practice: bool = False,
                **practice_options: Any) -> str:
        """The self-contained HTML player: one drawing, restyled frame by frame.

        Parameters
        ----------
        title : str, optional
            Heading (and page title); the stepper's :attr:`default_title` without it.
        full_page : bool
            A complete HTML document, or a fragment for Jupyter.
        element_id : str, optional
            The player's HTML id: a letter, then letters, digits, ``-``, ``_``, ``.`` or ``:``
            (checked: anything else raises ValueError). The script never looks it up (each
            player finds its own root), so copies of the output work.
        images : bool, optional
            Add one small PNG per frame for readers without JavaScript (a static viewer, an
            untrusted notebook). Default: on for a notebook fragment (``full_page=False``),
            off for a stand-alone page, whose script runs in any browser (its no-script
            fallback is then the step texts); the images make the output several times
            larger.
        font_scale : float
            The step text's size relative to the automatic one, 0.5..3 (the automatic size
            follows the window and the drawing's labels: 20 px at 1280x720, 30 px or the
            labels' size at 1920x1080). A reader's A- / A+ choice, kept in the browser, wins.
        practice : bool
            The practice page of these frames instead (:meth:`practice`, with
            ``practice_options`` such as ``ask=`` and ``choices=``).

        Without JavaScript the page reads as a filmstrip of all frames in order.
        """
        if practice or practice_options:
            return self.practice(**practice_options).to_html(title, full_page, element_id,
                                                             images, font_scale)
        if title is None:
            title = self.default_title
        if images is None:  # a notebook output may be shown untrusted; a page runs its script
            images = self.notebook_images and not full_page
        data = self.player_data(images=images)
        if element_id is None:
            digest = hashlib.sha1("\n".join(f["text"] for f in data["frames"]).encode())
            element_id = f"{self.id_prefix}-{digest.hexdigest()[:10]}"
        return self.page_html(data, title, element_id, full_page, font_scale)

    def page_html(self, data: dict[str, Any], title: str, element_id: str,
                  full_page: bool, font_scale: float = 1.0) -> str:
        """Assemble the page from :meth:`player_data` (the frame player; the live pages of
        :mod:`viz.live` assemble their own)."""
        return player_html(data, title=title, element_id=element_id, full_page=full_page,
                           font_scale=font_scale)

    def practice(self, **options: Any) -> Any:
        """The practice page of these frames (a :class:`viz.live.LivePage`), where a stepper
        has one (:class:`viz.BackpropStepper` of a scalar graph)."""
        raise TypeError(f"{type(self).__name__} has no practice page; viz.practice(root) makes "
                        "one of a scalar Value graph")

    def save_html(self, path: str | Path, title: str | None = None,
                  font_scale: float = 1.0, practice: bool = False,
                  **practice_options: Any) -> str:
        """Write the player (with ``practice=True`` the practice page) as one self-contained
        HTML file; returns the path.

        ``title`` and ``font_scale`` as for :meth:`to_html`. ValueError unless ``path`` ends
        in .html or .htm (never a player inside steps.svg)."""
        path = check_html_path(path, "save_html")
        check_font_scale(font_scale)  # before any work
        return write_file(path, self.to_html(title=title, font_scale=font_scale,
                                             practice=practice, **practice_options))

    def _repr_html_(self) -> str:
        digest = hashlib.sha1(str(id(self)).encode()).hexdigest()[:6]
        try:
            return self.to_html(full_page=False,
                                element_id=f"{self.id_prefix}-{digest}-{next(_counter)}")
        except GraphTooLargeError as exc:
            return f"<p><b>{html.escape(str(exc))}</b></p>"
