"""Images a book may print: real PNG, JPEG, GIF, WebP or SVG files inside the book, of a
bounded size, read from their headers before anything decodes them.

A chapter names its images, and a contributor writes the chapter: without these rules any file
in the book folder could be named as an image and copied into the EPUB (git's `.git/config`
with the remote's access token, contributors.yaml with everyone's e-mail address), and a small
PNG declaring 30,000 x 30,000 pixels would make the renderers allocate gigabytes. The chapter
pipeline (document.py's `_safe_image`, so `check` and `build` agree), the EPUB's embedding, the
PDF's URL fetcher and the book's cover all ask `inspect_image`, and print only what
`printable_image` gives: the file's bytes, or for an SVG a sanitised copy (see svg.py).
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from anthology.core.findings import Finding, error, warning

# The image formats a book can print, by file extension.
IMAGE_SUFFIXES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF",
                  ".webp": "WebP", ".svg": "SVG"}
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif",
               "WebP": "image/webp", "SVG": "image/svg+xml"}
EXTENSIONS = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WebP": ".webp", "SVG": ".svg"}
# 50 megapixels is a 8,660 x 5,770 image: beyond any figure's print resolution, and about 200 MB
# once decoded (WeasyPrint and pandoc's readers decode the whole image).
MAX_PIXELS = 50_000_000
# A figure file larger than this is an accident (a raw scan, a dump of data points).
MAX_BYTES = 32 * 1024 * 1024
# The book's own files, which are never images (each holds the editor's or contributors' data).
REGISTRIES = {"book.yaml": "the book's settings", "contributors.yaml":
              "the book's list of contributors", "chapters.yaml": "the book's plan of chapters"}
# Folders at the top of the book that hold no images: the build's outputs and caches.
# build/ is generated; reviews/ holds the reviewers' reports, for the editors only.
GENERATED = {"build", "reviews"}
# What else the PDF's renderer may read from the book besides images: the editor's stylesheets
# and the fonts they name.
STYLE_SUFFIXES = {".css", ".ttf", ".otf", ".woff", ".woff2"}
# Bump when these rules change what a chapter is told: cached results are then made again.
IMAGE_RULES = "1"
SUFFIX_HINT = ("Export the figure as PNG, JPEG or SVG into the chapter's images/ folder and "
               "refer to it there.")
IMAGE_HINT = ("Put the image in the chapter's images/ folder and refer to it there, for example "
              "![Caption](images/figure.png).")


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


def _problem(what: str, hint: str = IMAGE_HINT) -> ImageProblem:
    return ImageProblem("image.not-an-image", what, hint)


def forbidden_place(root: Path, path: Path) -> str | None:
    """Why `path` (resolved, inside `root`) is no file for a book to print, or None.

    Hidden folders (`.git/`, `.venv/`, ...), hidden files and the generated `build/` folder are
    never read; nor are the registries.
    """
    try:
        parts = path.relative_to(root.resolve()).parts
    except ValueError:
        return "is outside the book folder"
    if parts and parts[0] in GENERATED and len(parts) > 1:
        return f"is inside {parts[0]}/, a folder the book never takes images from"
    for part in parts[:-1]:
        if part.startswith("."):
            return f"is inside {part}/, a folder the book never takes images from"
    name = parts[-1] if parts else ""
    if name.startswith("."):
        return "is a hidden file, which the book never prints"
    if len(parts) == 1 and name in REGISTRIES:
        return f"is {REGISTRIES[name]}, not an image"
    return None


def inspect_image(root: Path, path: Path) -> ImageInfo | ImageProblem:
    """What the file at `path` (resolved, inside the book at `root`) is, read from its header
    (and, for an SVG, parsed with no DTD, entities or network): never decoded."""
    place = forbidden_place(root, path)
    if place is not None:
        return _problem(place)
    kind = IMAGE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        return _problem("is not an image: only .png, .jpg, .jpeg, .gif, .webp and .svg files "
                        "can be", SUFFIX_HINT)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return _too_many_bytes(size)
        if kind == "SVG":
            return inspect_svg(path.read_bytes())
        with path.open("rb") as handle:
            return _inspect_raster(handle, kind)
    except OSError as problem:
        return _problem(f"could not be read ({problem.strerror or problem})",
                        "Check that the file is readable, or export the image again.")


def inspect_bytes(data: bytes, kind: str) -> ImageInfo | ImageProblem:
    """`inspect_image` for bytes in memory said to be an image of `kind` (PNG, JPEG, ...)."""
    if len(data) > MAX_BYTES:
        return _too_many_bytes(len(data))
    if kind == "SVG":
        return inspect_svg(data)
    return _inspect_raster(io.BytesIO(data), kind)


def inspect_svg(data: bytes) -> ImageInfo | ImageProblem:
    """An SVG parsed safely: a problem if it cannot be, else what sanitising removes."""
    from anthology.core.svg import SvgError, sanitise_svg

    try:
        _, removed = sanitise_svg(data)
    except SvgError as problem:
        return _problem(f"is not a usable SVG image: {problem}",
                        "Export the figure again from the drawing program as plain SVG (in "
                        "Inkscape: Save As, Plain SVG), or as PNG.")
    return ImageInfo("SVG", removed=tuple(removed))


def printable_image(root: Path, path: Path) -> tuple[bytes, ImageInfo] | None:
    """The bytes the book prints for the image at `path` (an SVG's sanitised copy) and what it
    is, or None when it is not an image the book may print."""
    found = inspect_image(root, path)
    if isinstance(found, ImageProblem):
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    # Inspected again as read: the file may have changed since its header was.
    again = inspect_bytes(data, found.kind)
    if isinstance(again, ImageProblem):
        return None
    if again.kind == "SVG":
        from anthology.core.svg import sanitise_svg

        data = sanitise_svg(data)[0]
    return data, again


def _too_many_bytes(size: int) -> ImageProblem:
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


def _inspect_raster(handle: BinaryIO, kind: str) -> ImageInfo | ImageProblem:
    head = handle.read(32)
    actual = _sniff(head)
    if actual is None:
        return _problem(f"is not a {kind} image: its contents do not match its name",
                        f"Open it in an image editor and export it again as {kind}.")
    if actual != kind:
        return _problem(f"is not a {kind} image but a {actual} one",
                        f"Give it the extension of what it holds ({EXTENSIONS[actual]}).")
    size = _dimensions(handle, head, kind)
    if size is None:
        return _problem(f"is not a readable {kind} image: its header is damaged",
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


COVER_HINT = ("Name a PNG, JPEG or SVG image inside the book in build.cover (for example "
              "covers/front.png), or remove build.cover to have a cover drawn.")


def cover_findings(root: Path, cover: str | None) -> list[Finding]:
    """image.* findings for book.yaml's `build.cover`, which the EPUB and the delivery show."""
    if not cover:
        return []
    import re

    from anthology.core.files import resolve_inside

    line = None
    try:
        text = (root / "book.yaml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    match = re.search(r"^[ \t]+cover:", text, re.MULTILINE)
    if match:
        line = text.count("\n", 0, match.start()) + 1
    path = resolve_inside(root, root, cover)
    if path is None:
        return [error("image.missing", "book.yaml", line, f"build.cover names {cover}, which "
                      "is not a file inside the book folder.", COVER_HINT)]
    found = inspect_image(root, path)
    if isinstance(found, ImageProblem):
        hint = COVER_HINT if found.hint in (IMAGE_HINT, SUFFIX_HINT) else found.hint
        return [error(found.code, "book.yaml", line, f"build.cover names {cover}, which "
                      f"{found.what}. The EPUB gets a drawn cover instead.", hint)]
    if found.removed:
        return [warning("image.svg-unsafe", "book.yaml", line, f"build.cover names {cover}, "
                        f"which contains {removed_list(found.removed)}; the EPUB shows it "
                        "without them.", SVG_HINT)]
    return []


SVG_HINT = ("Export the figure again as plain SVG, without scripts, links to other files or "
            "embedded web pages (in Inkscape: Save As, Plain SVG), or as PNG.")


def removed_list(removed: tuple[str, ...]) -> str:
    """What sanitising removed, as words: "a script and an event handler (onload)"."""
    items = list(removed[:4])
    if len(removed) > 4:
        items.append(f"{len(removed) - 4} more")
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]
