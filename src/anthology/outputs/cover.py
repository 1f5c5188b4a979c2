"""A plain typographic cover drawn from book.yaml, for books that have no cover image yet.

Drawn with Pillow in the bundled Charis SIL, so it is the same on every machine and the same
bytes for the same book (no clock, no randomness, no metadata chunks with dates).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anthology.core.images import printable_image
from anthology.core.model import Book
from anthology.core.raster import EXTENSIONS, ImageInfo
from anthology.core.resources import FONTS_DIR

WIDTH, HEIGHT = 1600, 2400
BACKGROUND = (32, 58, 74)
RULE = (214, 170, 92)
INK = (248, 244, 236)
FONTS_DIR = FONTS_DIR


@dataclass(frozen=True)
class Cover:
    """A cover image: its bytes, media type, file name and alt text."""

    data: bytes
    media_type: str
    name: str
    alt: str


def cover_alt(book: Book, editors: str) -> str:
    """The cover's text alternative: what the cover says."""
    c = book.config
    title = f"{c.title}: {c.subtitle}" if c.subtitle else c.title
    parts = [f"Cover of {title}", f"edited by {editors}" if editors else ""]
    if c.publisher:
        parts.append(f"published by {c.publisher}")
    return ", ".join(p for p in parts if p) + "."


def _font(style: str, size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(str(FONTS_DIR / f"CharisSIL-{style}.ttf"), size)


def _wrapped(draw: Any, text: str, font: Any, width: int) -> list[str]:
    """Lines of `text` that fit `width` pixels in `font`."""
    for chars in range(40, 5, -1):
        lines = textwrap.wrap(text, chars)
        if all(draw.textlength(line, font=font) <= width for line in lines):
            return lines
    return textwrap.wrap(text, 6)


def draw_cover(book: Book, editors: str) -> Cover:
    """A PNG cover: title, subtitle, 'Edited by' and the editors, the publisher."""
    from PIL import Image, ImageDraw

    c = book.config
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    margin = 150
    width = WIDTH - 2 * margin
    y = 380
    title_font = _font("Bold", 130)
    for line in _wrapped(draw, c.title, title_font, width):
        draw.text((margin, y), line, font=title_font, fill=INK)
        y += 155
    if c.subtitle:
        y += 50
        subtitle_font = _font("Italic", 72)
        for line in _wrapped(draw, c.subtitle, subtitle_font, width):
            draw.text((margin, y), line, font=subtitle_font, fill=INK)
            y += 92
    y += 90
    draw.rectangle((margin, y, margin + 360, y + 10), fill=RULE)
    y += 110
    if editors:
        draw.text((margin, y), "Edited by", font=_font("Italic", 60), fill=RULE)
        y += 90
        editor_font = _font("Regular", 76)
        for line in _wrapped(draw, editors, editor_font, width):
            draw.text((margin, y), line, font=editor_font, fill=INK)
            y += 96
    if c.publisher:
        draw.text((margin, HEIGHT - 260), c.publisher, font=_font("Regular", 60), fill=INK)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return Cover(out.getvalue(), "image/png", "cover.png", cover_alt(book, editors))


def book_cover(book: Book, editors: str, given: Path | None,
               printable: tuple[bytes, ImageInfo] | None = None) -> Cover:
    """The book's own cover image (book.yaml build.cover, resolved inside the book; `printable`:
    what images.printable_image made of it), or a drawn one."""
    if given is not None and printable is None:
        printable = printable_image(book.root, given)
    if given is not None and printable is not None:
        data, info = printable
        return Cover(data, info.media_type, f"cover{EXTENSIONS[info.kind]}",
                     cover_alt(book, editors))
    return draw_cover(book, editors)
