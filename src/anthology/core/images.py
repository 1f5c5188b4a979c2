"""Images a book may print: real PNG, JPEG, GIF, WebP or SVG files inside the book, of a
bounded size, read from their headers before anything decodes them.

A chapter names its images, and a contributor writes the chapter: without these rules any file
in the book folder could be named as an image and copied into the EPUB (git's `.git/config`
with the remote's access token, contributors.yaml with everyone's e-mail address), and a small
PNG declaring 30,000 x 30,000 pixels would make the renderers allocate gigabytes. The chapter
pipeline (safety.py's `_safe_image`, so `check` and `build` agree), the EPUB's embedding, the
PDF's URL fetcher and the book's cover all ask `inspect_image`, and print only what
`printable_image` gives: the file's bytes, or for an SVG a sanitised copy (see svg.py).
"""

from __future__ import annotations

from pathlib import Path

from anthology.core.findings import Finding, error, warning
from anthology.core.raster import (
    MAX_BYTES,
    ImageInfo,
    ImageProblem,
    inspect_raster,
    inspect_raster_bytes,
    not_an_image,
    too_many_bytes,
)
from anthology.core.svg import SvgError, sanitise_svg

# The image formats a book can print, by file extension.
IMAGE_SUFFIXES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF",
                  ".webp": "WebP", ".svg": "SVG"}
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


def _problem(what: str, hint: str = IMAGE_HINT) -> ImageProblem:
    return not_an_image(what, hint)


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
            return too_many_bytes(size)
        if kind == "SVG":
            return inspect_svg(path.read_bytes())
        with path.open("rb") as handle:
            return inspect_raster(handle, kind)
    except OSError as problem:
        return _problem(f"could not be read ({problem.strerror or problem})",
                        "Check that the file is readable, or export the image again.")


def inspect_bytes(data: bytes, kind: str) -> ImageInfo | ImageProblem:
    """`inspect_image` for bytes in memory said to be an image of `kind` (PNG, JPEG, ...)."""
    if kind == "SVG" and len(data) <= MAX_BYTES:
        return inspect_svg(data)
    return inspect_raster_bytes(data, kind)


def inspect_svg(data: bytes) -> ImageInfo | ImageProblem:
    """An SVG parsed safely: a problem if it cannot be, else what sanitising removes."""
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
        data = sanitise_svg(data)[0]
    return data, again


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
