"""The recorded epochs as frames: an HTML player, a GIF, a PDF deck, numbered image files.

Every frame is the panel figure of one recorded epoch (:mod:`.panels`), drawn from one layout,
so nothing moves between frames. The HTML player is the backprop player (:mod:`viz.player`:
the same buttons, slider, keys Right/Left, PageDown/PageUp, Space/Shift+Space, Home/End, fit
to the window, full screen, several players per page) playing one drawing: an SVG that holds
every epoch's picture, of which each frame shows one. Its table lists each parameter's weight
norm ||p|| and gradient norm ||dL/dp|| at that epoch.

Needs matplotlib (``chainrule[plot]``); the PDF deck also pypdf and the GIF Pillow
(``chainrule[slides]``), as the backprop stepper's exports do.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import slides
from ..player import player_html
from .panels import EpochPanels, require_matplotlib

#: Resolution of the player's pictures (1024 x 576 pixels) and of the saved frames (1280 x 720).
PLAYER_DPI = 80
FRAME_DPI = 100
#: Width in pixels of the small pictures of the no-script filmstrip (notebook outputs).
FALLBACK_WIDTH = 480
FRAME_FORMATS = ("png", "svg", "pdf")
_counter = itertools.count()


@dataclass(frozen=True)
class EpochFrame:
    """One frame: recorded epoch ``epoch`` at position ``index``, and what it says."""

    index: int
    epoch: int
    text: str


class TrainingStepper:
    """Step through a recording epoch by epoch: the player and the exports of its frames.

    Parameters
    ----------
    recorder : TrainingRecorder
        With at least one recorded epoch (``nn.fit(..., callback=rec)`` first).

    Examples
    --------
    >>> import nn, viz
    >>> X, y = nn.xor(32, seed=0)
    >>> model = nn.Sequential(nn.Linear(2, 2, seed=0), nn.Tanh(), nn.Linear(2, 2, seed=1))
    >>> rec = viz.TrainingRecorder(model, X, y, every=2)
    >>> _ = nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.5),
    ...            nn.DataLoader(X, y, batch_size=8), epochs=6, progress=False, callback=rec)
    >>> steps = rec.stepper()
    >>> len(steps), [f.epoch for f in steps.frames]
    (3, [2, 4, 6])
    """

    #: Whether notebook outputs carry small pictures for readers without JavaScript.
    notebook_images: bool = True

    def __init__(self, recorder: Any) -> None:
        if not len(recorder):
            raise ValueError("TrainingStepper: nothing recorded yet (pass the recorder to "
                             "nn.fit(..., callback=rec) or call rec(epoch))")
        self.recorder = recorder
        self.frames = [EpochFrame(k, e, self._text(k)) for k, e in enumerate(recorder.epochs)]

    def _text(self, k: int) -> str:
        rec = self.recorder
        lines = [rec.summary(k)]
        parts = []
        for name, stats in rec.activations.items():
            if stats["dead"][k] is not None:
                parts.append(f"{name}: {stats['dead'][k]:.0%} dead")
            elif stats["saturated"][k] is not None:
                parts.append(f"{name}: {stats['saturated'][k]:.0%} saturated")
        if parts:
            lines.append("activations " + ", ".join(parts))
        return "\n".join(lines)

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, i: int) -> EpochFrame:
        return self.frames[i]

    def __iter__(self) -> Iterator[EpochFrame]:
        return iter(self.frames)

    # ------------------------------------------------------------------ images
    def panels(self) -> EpochPanels:
        """A new panel figure of the recording (matplotlib ``Figure``, no pyplot)."""
        return EpochPanels(self.recorder)

    def pngs(self, dpi: int = FRAME_DPI) -> list[bytes]:
        """Every frame as PNG bytes (drawn by blitting: the fixed parts once)."""
        return list(self.panels().pngs(dpi))

    def save_frames(self, directory: str | Path, fmt: str = "png",
                    dpi: int = FRAME_DPI) -> list[Path]:
        """Write one numbered image per recorded epoch (``frame_000.png``...) for slides.

        Parameters
        ----------
        directory : str or Path
            Created if missing.
        fmt : {"png", "svg", "pdf"}
        dpi : int
            Resolution (PNG; 100 gives 1280 x 720 pixels).

        Returns
        -------
        list of Path
        """
        if fmt not in FRAME_FORMATS:
            raise ValueError(f"save_frames: fmt must be one of {FRAME_FORMATS}, got {fmt!r}")
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        width = max(3, len(str(len(self) - 1)))
        paths = [out / f"frame_{i:0{width}d}.{fmt}" for i in range(len(self))]
        images = self.pngs(dpi) if fmt == "png" else self._vector(fmt)
        for path, data in zip(paths, images, strict=True):
            path.write_bytes(data)
        return paths

    def _vector(self, fmt: str) -> Iterator[bytes]:
        panels = self.panels()
        for k in range(len(self)):
            buffer = io.BytesIO()
            panels.show(k).savefig(buffer, format=fmt)
            yield buffer.getvalue()

    def save_pdf(self, path: str | Path) -> str:
        """One PDF with a page per recorded epoch (vector graphics), for slide decks.

        Needs matplotlib and pypdf (``pip install 'chainrule[plot,slides]'``).
        """
        return slides.pdf_deck(self._vector("pdf"), path)

    def save_gif(self, path: str | Path, seconds_per_frame: float = 0.5,
                 dpi: int = PLAYER_DPI) -> str:
        """An animated GIF, one frame per recorded epoch (matplotlib and Pillow).

        Parameters
        ----------
        path : str or Path
            The ``.gif`` file.
        seconds_per_frame : float
            Display time of each frame.
        dpi : int
            Resolution (80: 1024 x 576 pixels).
        """
        if not seconds_per_frame > 0:
            raise ValueError(f"save_gif: seconds_per_frame must be > 0, got "
                             f"{seconds_per_frame!r}")
        return slides.gif(self.pngs(dpi), path, seconds_per_frame)

    # ------------------------------------------------------------------ player
    def player_data(self, images: bool = True, dpi: int = PLAYER_DPI) -> dict[str, Any]:
        """What the HTML player needs: one SVG holding every epoch's picture, a frame per
        epoch showing one of them (role ``"h"`` of its group), the texts and the table."""
        require_matplotlib("the training player")
        from PIL import Image

        rec = self.recorder
        pngs = self.pngs(dpi)
        width, height = Image.open(io.BytesIO(pngs[0])).size
        # viewBox in points (3/4 px), as Graphviz writes it: the player's natural size is then
        # the pictures' size in pixels
        vw, vh = width * 0.75, height * 0.75
        groups = "".join(
            f'<g data-k="{k}" class="cr-epoch"><image x="0" y="0" width="{vw}" height="{vh}" '
            f'href="data:image/png;base64,{base64.b64encode(p).decode("ascii")}"/></g>'
            for k, p in enumerate(pngs))
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {vw} {vh}" '
               f'width="{vw}pt" height="{vh}pt"><style>.cr-player svg g.cr-epoch '
               "{ display: none; } .cr-player svg g.cr-epoch.cr-hl { display: inline; }"
               f"</style>{groups}</svg>")
        names = [n for n, _ in rec.model.named_parameters()]
        frames = []
        for k, frame in enumerate(self.frames):
            changes = [[k, "h", 1]] if k == 0 else [[k - 1, "h", 0], [k, "h", 1]]
            table = []
            for row, name in enumerate(names):
                table.append([row, "v", f"||p|| = {rec.weight_norms[name][k]:.4g}"])
                g = rec.grad_norms[name][k]
                table.append([row, "g", "" if g is None else f"||dL/dp|| = {g:.3g}"])
            frames.append({"text": frame.text, "phase": f"epoch {frame.epoch}", "c": changes,
                           "t": table, "row": -1})
        thumbs = []
        if images:
            for p in pngs:
                im = Image.open(io.BytesIO(p)).convert("RGB")
                im.thumbnail((FALLBACK_WIDTH, FALLBACK_WIDTH))
                buffer = io.BytesIO()
                im.save(buffer, format="PNG")
                thumbs.append("data:image/png;base64,"
                              + base64.b64encode(buffer.getvalue()).decode("ascii"))
        return {"svg": svg, "frames": frames, "rows": names, "images": thumbs}

    def to_html(self, title: str = "Watching a network learn", full_page: bool = True,
                element_id: str | None = None, images: bool | None = None) -> str:
        """The self-contained HTML player, one frame per recorded epoch.

        Parameters are those of ``BackpropStepper.to_html``: ``full_page`` (a document, or a
        fragment for Jupyter), ``element_id`` (checked), ``images`` (small pictures for
        readers without JavaScript; default on for a notebook fragment).
        """
        if images is None:
            images = self.notebook_images and not full_page
        data = self.player_data(images=images)
        if element_id is None:
            digest = hashlib.sha1("\n".join(f.text for f in self.frames).encode())
            element_id = f"cr-training-{digest.hexdigest()[:10]}"
        return player_html(data, title=title, element_id=element_id, full_page=full_page)

    def save_html(self, path: str | Path, title: str = "Watching a network learn") -> str:
        """Write the player as one self-contained HTML file; returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_html(title=title), encoding="utf-8")
        return str(path)

    def _repr_html_(self) -> str:
        digest = hashlib.sha1(str(id(self)).encode()).hexdigest()[:6]
        try:
            return self.to_html(full_page=False,
                                element_id=f"cr-training-{digest}-{next(_counter)}")
        except ImportError as exc:
            return f"<p><b>{html.escape(str(exc))}</b></p>"

    def __repr__(self) -> str:
        epochs = self.recorder.epochs
        return f"TrainingStepper({len(self)} frames: epochs {epochs[0]}..{epochs[-1]})"
