"""Frames for slides: many DOT sources rendered by few ``dot`` runs, a PDF deck, a GIF.

Starting ``dot`` costs more than laying out a small graph, so frames are rendered in batches:
one ``dot`` process reads several graphs and writes their images one after the other, which
are split again here (PNG by its chunk structure, SVG and PDF by their headers). Every call
has a timeout.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from .files import write_file
from .graph import GraphvizNotFoundError, run_dot

#: Graphs per ``dot`` run (each run gets :func:`viz.graph.run_dot`'s time per graph).
BATCH = 48
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _split_png(data: bytes) -> list[bytes]:
    """Split concatenated PNG files by walking their chunks up to each IEND."""
    out, pos = [], 0
    while pos < len(data):
        if data[pos:pos + 8] != _PNG_SIGNATURE:
            raise ValueError("dot wrote something that is not a PNG")
        end = pos + 8
        while True:
            length = int.from_bytes(data[end:end + 4], "big")
            kind = data[end + 4:end + 8]
            end += 12 + length
            if kind == b"IEND":
                break
        out.append(data[pos:end])
        pos = end
    return out


def _split_on(data: bytes, marker: bytes) -> list[bytes]:
    starts = []
    i = data.find(marker)
    while i != -1:
        starts.append(i)
        i = data.find(marker, i + 1)
    return [data[a:b] for a, b in zip(starts, starts[1:] + [len(data)], strict=True)]


def render_many(sources: Iterable[str], fmt: str, dpi: int | None = None) -> Iterator[bytes]:
    """Render DOT sources to ``fmt`` (``"png"``, ``"svg"`` or ``"pdf"``), in order.

    Parameters
    ----------
    sources : iterable of str
        Complete DOT graphs.
    fmt : {"png", "svg", "pdf"}
        Output format; PNG is a palette image (small files).
    dpi : int, optional
        Resolution of PNG output (Graphviz's default 96 without it).

    Yields
    ------
    bytes
        One image per source.
    """
    formats = {"png": "png:cairo:gd", "svg": "svg", "pdf": "pdf"}
    if fmt not in formats:
        raise ValueError(f"render_many: fmt must be one of {sorted(formats)}, got {fmt!r}")
    if shutil.which("dot") is None:
        raise GraphvizNotFoundError()
    cmd = ["dot", f"-T{formats[fmt]}"] + ([f"-Gdpi={int(dpi)}"] if dpi else [])
    batch: list[str] = []

    def run(batch: list[str]) -> list[bytes]:
        # one dot process for the whole batch, within viz's timeout and memory limits
        data = run_dot("\n".join(batch), cmd[1][2:], args=cmd[2:], graphs=len(batch))
        if fmt == "png":
            images = _split_png(data)
        elif fmt == "svg":
            images = _split_on(data, b"<?xml")
        else:
            images = _split_on(data, b"%PDF-")
        if len(images) != len(batch):
            raise RuntimeError(f"dot wrote {len(images)} images for {len(batch)} graphs")
        return images

    for source in sources:
        batch.append(source)
        if len(batch) == BATCH:
            yield from run(batch)
            batch = []
    if batch:
        yield from run(batch)


def pdf_deck(pages: Iterable[bytes], path: str | Path) -> str:
    """Merge one-page PDFs into one file (one page per frame), with ``pypdf``."""
    try:
        from pypdf import PdfReader, PdfWriter
    except ImportError:
        raise ImportError(
            "a multi-page PDF needs the pypdf package: pip install 'chainrule[slides]' "
            "(or pip install pypdf); save_frames(dir, fmt='pdf') writes one PDF per frame "
            "without it"
        ) from None
    writer = PdfWriter()
    for data in pages:
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    return write_file(path, writer.write)


def gif(pngs: Iterable[bytes], path: str | Path, seconds_per_frame: float = 1.0) -> str:
    """An animated GIF of PNG frames, with Pillow (frames padded to one canvas size)."""
    if not seconds_per_frame > 0:
        raise ValueError(f"save_gif: seconds_per_frame must be > 0, got {seconds_per_frame!r}")
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("an animated GIF needs Pillow: pip install 'chainrule[slides]' "
                          "(or pip install pillow)") from None
    images = [Image.open(io.BytesIO(p)).convert("RGB") for p in pngs]
    size = (max(im.width for im in images), max(im.height for im in images))
    frames = []
    for im in images:
        canvas = Image.new("RGB", size, "white")
        canvas.paste(im, (0, 0))
        frames.append(canvas.convert("P", palette=Image.Palette.ADAPTIVE))

    def save(fh: BinaryIO) -> None:
        frames[0].save(fh, format="GIF", save_all=True, append_images=frames[1:],
                       duration=int(seconds_per_frame * 1000), loop=0)

    return write_file(path, save)
