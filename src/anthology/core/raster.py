"""Raster images (PNG, JPEG, GIF, WebP) read from their headers: their format, their pixel
size, and whether they are within the book's limits. Nothing here decodes an image.

images.py asks this for a figure's file; svg.py for an image embedded in an SVG.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import BinaryIO

# Each format the book prints: its media type, and the extension a file of it should have.
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif",
               "WebP": "image/webp", "SVG": "image/svg+xml"}
EXTENSIONS = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WebP": ".webp", "SVG": ".svg"}
# 50 megapixels is a 8,660 x 5,770 image: beyond any figure's print resolution, and about 200 MB
# once decoded (WeasyPrint and pandoc's readers decode the whole image).
MAX_PIXELS = 50_000_000
# A figure file larger than this is an accident (a raw scan, a dump of data points).
MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class ImageInfo:
    """A real image: its format, pixel size (None for SVG) and, for an SVG, what its
    sanitised copy leaves out."""

    kind: str
    width: int | None = None
    height: int | None = None
    removed: tuple[str, ...] = ()

    @property
    def media_type(self) -> str:
        """The image's media type, from its contents."""
        return MEDIA_TYPES[self.kind]


@dataclass(frozen=True)
class ImageProblem:
    """Why a file is not printed as an image: `what` follows "which" in a message."""

    code: str
    what: str
    hint: str


def not_an_image(what: str, hint: str) -> ImageProblem:
    """image.not-an-image: the file is not what it is said to be."""
    return ImageProblem("image.not-an-image", what, hint)


def inspect_raster_bytes(data: bytes, kind: str) -> ImageInfo | ImageProblem:
    """`inspect_raster` for bytes in memory said to be a raster image of `kind`."""
    if len(data) > MAX_BYTES:
        return too_many_bytes(len(data))
    return inspect_raster(io.BytesIO(data), kind)


def too_many_bytes(size: int) -> ImageProblem:
    """image.too-large for a file of `size` bytes."""
    return ImageProblem("image.too-large", f"is {size / 1024**2:,.1f} MB; an image may be at most "
                        f"{MAX_BYTES // 1024**2} MB", "Export it again at a lower resolution "
                        "or with more compression (a figure rarely needs more than 5 MB).")


def _too_many_pixels(kind: str, width: int, height: int) -> ImageInfo | ImageProblem:
    if width * height > MAX_PIXELS:
        return ImageProblem(
            "image.too-large", f"is {width:,} x {height:,} pixels "
            f"({width * height / 1e6:,.0f} megapixels); the limit is "
            f"{MAX_PIXELS // 1_000_000} megapixels", "Scale it down and export it again: "
            "4,000 x 3,000 pixels is plenty for a full page in print.")
    return ImageInfo(kind, width, height)


_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF87a", "GIF"),
               (b"GIF89a", "GIF"))


def _sniff(head: bytes) -> str | None:
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return None


def inspect_raster(handle: BinaryIO, kind: str) -> ImageInfo | ImageProblem:
    """What the PNG, JPEG, GIF or WebP image open in `handle` is, from its header alone."""
    head = handle.read(32)
    actual = _sniff(head)
    if actual is None:
        return not_an_image(f"is not a {kind} image: its contents do not match its name",
                        f"Open it in an image editor and export it again as {kind}.")
    if actual != kind:
        return not_an_image(f"is not a {kind} image but a {actual} one",
                        f"Give it the extension of what it holds ({EXTENSIONS[actual]}).")
    size = _dimensions(handle, head, kind)
    if size is None:
        return not_an_image(f"is not a readable {kind} image: its header is damaged",
                        f"Open it in an image editor and export it again as {kind}.")
    return _too_many_pixels(kind, *size)


def _dimensions(handle: BinaryIO, head: bytes, kind: str) -> tuple[int, int] | None:
    """Width and height from the header: PNG's IHDR, GIF's logical screen, WebP's VP8, VP8L or
    VP8X chunk, JPEG's first start-of-frame segment."""
    if kind == "PNG":
        if len(head) < 24 or head[12:16] != b"IHDR":
            return None
        width, height = struct.unpack(">II", head[16:24])
        return width, height
    if kind == "GIF":
        if len(head) < 10:
            return None
        width, height = struct.unpack("<HH", head[6:10])
        return width, height
    if kind == "WebP":
        return _webp_dimensions(head)
    return _jpeg_dimensions(handle)


def _webp_dimensions(head: bytes) -> tuple[int, int] | None:
    if len(head) < 30:
        return None
    chunk = head[12:16]
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return (int.from_bytes(head[24:27], "little") + 1,
                int.from_bytes(head[27:30], "little") + 1)
    return None


# Start-of-frame markers (baseline, progressive, lossless, arithmetic): every one but the
# DHT (C4), JPG (C8) and DAC (CC) markers in C0-CF.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_dimensions(handle: BinaryIO) -> tuple[int, int] | None:
    """Walk the segments after SOI by their lengths (never the image data) to the frame."""
    handle.seek(2)
    for _ in range(10_000):
        byte = handle.read(1)
        while byte == b"\xff":  # fill bytes before a marker
            byte = handle.read(1)
            if byte != b"\xff":
                break
        else:
            return None
        if not byte:
            return None
        marker = byte[0]
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # no length
            continue
        if marker in (0xD9, 0xDA):  # end of image, or the scan began with no frame
            return None
        length_bytes = handle.read(2)
        if len(length_bytes) < 2:
            return None
        length = struct.unpack(">H", length_bytes)[0]
        if marker in _SOF:
            frame = handle.read(5)
            if len(frame) < 5:
                return None
            height, width = struct.unpack(">HH", frame[1:5])
            return width, height
        if length < 2:
            return None
        handle.seek(length - 2, io.SEEK_CUR)
    return None
