"""The recorded epochs as frames: an HTML player, a GIF, a PDF deck, numbered image files.

:class:`TrainingStepper` is a :class:`viz.frameplayer.FramePlayer`, so it has the backprop
stepper's ``to_html``, ``save_html``, ``save_frames``, ``save_pdf``, ``save_gif`` and notebook
display, with the same options, and its player is the same page: buttons, slider, keys
Right/Left, PageDown/PageUp, Space/Shift+Space, Home/End, fit to the window, full screen,
several players per page, and the scripting API ``window.chainrule.players[i]`` (``frames()``,
``current()``, ``goto(k)``).

Every frame is the panel figure of one recorded epoch (:mod:`.panels`), drawn from one layout,
so nothing moves between frames. The player's one drawing is an SVG that holds every epoch's
picture, of which each frame shows one; its table lists each parameter's weight norm ||p|| and
gradient norm ||dL/dp|| at that epoch. The frames are matplotlib figures, not Graphviz drawings
(no DOT source): :meth:`TrainingStepper.frame_images` draws them.

Needs matplotlib (``chainrule[plot]``); the PDF deck also pypdf and the GIF Pillow
(``chainrule[slides]``), as the backprop stepper's exports do.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..frameplayer import FramePlayer
from .panels import EpochPanels, require_matplotlib

#: Resolution of the player's pictures (1024 x 576 pixels) and of the saved frames (1280 x 720).
PLAYER_DPI = 80
FRAME_DPI = 100
#: Width in pixels of the small pictures of the no-script filmstrip (notebook outputs).
FALLBACK_WIDTH = 480


@dataclass(frozen=True)
class EpochFrame:
    """One frame: recorded epoch ``epoch`` at position ``index``, and what it says."""

    index: int
    epoch: int
    text: str


class TrainingStepper(FramePlayer):
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
    >>> steps = viz.TrainingStepper(rec)
    >>> len(steps), [f.epoch for f in steps.frames]
    (3, [2, 4, 6])
    """

    default_title = "Watching a network learn"
    id_prefix = "cr-training"

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

    # ------------------------------------------------------------------ images
    def panels(self) -> EpochPanels:
        """A new panel figure of the recording (matplotlib ``Figure``, no pyplot)."""
        return EpochPanels(self.recorder)

    def drawings(self) -> Iterator[Any]:
        """Not available: the frames are matplotlib figures, not Graphviz drawings."""
        raise ValueError("TrainingStepper: the frames are matplotlib figures, not Graphviz "
                         "drawings, so they have no DOT source; save_frames takes fmt='png', "
                         "'svg' or 'pdf'")

    def frame_images(self, fmt: str, dpi: int | None = None,
                     caption: bool = True) -> Iterator[bytes]:
        """Every frame as ``fmt`` (``"png"``, ``"svg"``, ``"pdf"``), drawn by matplotlib.

        PNG frames are blitted (:meth:`EpochPanels.pngs`: the fixed parts drawn once), at
        ``dpi`` (default 100: 1280 x 720 pixels); SVG and PDF are vector pages. The caption
        is the figure's title, the epoch's summary (the first line of the frame's text; its
        activation line is the activations panel); ``caption=False`` leaves it out.
        """
        if fmt not in ("png", "svg", "pdf"):
            raise ValueError(f"TrainingStepper: frames can be 'png', 'svg' or 'pdf', got "
                             f"{fmt!r}")
        panels = self.panels()
        panels.titled = caption
        if fmt == "png":
            yield from panels.pngs(dpi or FRAME_DPI)
            return
        for k in range(len(self)):
            buffer = io.BytesIO()
            panels.show(k).savefig(buffer, format=fmt)
            yield buffer.getvalue()

    # ------------------------------------------------------------------ player
    def player_data(self, images: bool = True, dpi: int = PLAYER_DPI) -> dict[str, Any]:
        """What the HTML player needs: one SVG holding every epoch's picture, a frame per
        epoch showing one of them (role ``"h"`` of its group), the texts and the table."""
        require_matplotlib("the training player")
        from PIL import Image

        rec = self.recorder
        pngs = list(self.frame_images("png", dpi=dpi))
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

    def __repr__(self) -> str:
        epochs = self.recorder.epochs
        return f"TrainingStepper({len(self)} frames: epochs {epochs[0]}..{epochs[-1]})"
