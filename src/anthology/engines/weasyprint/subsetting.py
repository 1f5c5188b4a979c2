"""Font subsetting with HarfBuzz for WeasyPrint, from the uharfbuzz wheel.

WeasyPrint embeds in every PDF a subset of each font it drew with: only the glyphs used. It
makes the subset with the system's HarfBuzz-Subset library when there is one (and warns that
future versions will require it); without it, it falls back to fontTools, in Python, which
decodes the font's whole GSUB and GPOS tables every time only to drop them. Charis SIL's are
large: on a machine without the library, subsetting took about 0.35 s a font, 0.75 of the 1.2 s
of a chapter's running heads and folios and about a third of laying out a chapter.

Debian's HarfBuzz-Subset is not on every machine and needs root; the uharfbuzz wheel carries
HarfBuzz, subsetter included, at a pinned version. `install` gives WeasyPrint's fonts the
subsetting WeasyPrint does with HarfBuzz-Subset (the same two passes, flags and dropped tables:
`_harfbuzz_subset` in weasyprint/pdf/fonts.py) through uharfbuzz, on every machine, so that a
book's PDF does not depend on which system libraries a machine has. It does nothing when
uharfbuzz is missing or when WeasyPrint's subsetting is not the version this was written
against (then WeasyPrint subsets as it would have).

Not a speed patch, though it is faster (see benchmarks/README.md): it decides the bytes of the
fonts in the PDF, where WeasyPrint's fallback gives other bytes, and fontTools' subsets carry
the time they are made, so that without it a book's PDF would differ from build to build. It
is part of what a PDF is (the cache's keys name it, `subsetter_version`), so it lives beside
the line breaker, not in patches/, and `ANTHOLOGY_PATCHES=off` leaves it on.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import Any

from anthology.engines.weasyprint.upstream import source_digest

# The tables WeasyPrint's HarfBuzz path drops besides HarfBuzz's own defaults: the PDF needs
# the glyphs' outlines and metrics, not the font's layout, bitmaps or signatures.
DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF",
                  b"LTSH", b"PCLT", b"SVG ")
_DROPPED_TAGS = tuple(int.from_bytes(name, "big") for name in DROPPED_TABLES)  # HarfBuzz's

# The SHA-256 of WeasyPrint 70's `Font.subset` and `Font._harfbuzz_subset`.
WRITTEN_AGAINST = "b5fcfb6c596e06ef329ef7ad9cce48022cf487a689962d4f63b0210a0cab65b2"

LOGGER = logging.getLogger("weasyprint")


@functools.cache
def subsetter_version() -> str:
    """The uharfbuzz that subsets the fonts ("" without it), for the cache's keys: a PDF
    subset by another subsetter is another PDF. Read without importing it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return "uharfbuzz " + version("uharfbuzz")
    except PackageNotFoundError:
        return ""


def subset_font(content: bytes, index: int, glyphs: Iterable[int], *, hinting: bool,
                notdef_outline: bool) -> bytes:
    """The font `content` (face `index`) with only `glyphs`, each at its own id, and no
    glyph ids after the last of them; raises RuntimeError if HarfBuzz cannot subset it."""
    import uharfbuzz as hb

    glyphs = sorted(glyphs)
    face = hb.Face(hb.Blob(content), index)
    flags = hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.DESUBROUTINIZE
    if notdef_outline:
        flags |= hb.SubsetFlags.NOTDEF_OUTLINE
    # Only the glyphs used, each keeping its id (the PDF's text refers to glyphs by id).
    first = hb.SubsetInput()
    first.glyph_set.update(glyphs)
    first.flags = flags | hb.SubsetFlags.RETAIN_GIDS
    first.drop_table_tag_set.update(_DROPPED_TAGS)
    kept = hb.subset(face, first)
    # Then the empty glyphs after the last one used are dropped.
    second = hb.SubsetInput()
    second.glyph_set.add_range(0, max(glyphs))
    second.flags = flags if hinting else flags | hb.SubsetFlags.NO_HINTING
    made = bytes(hb.subset(kept, second).blob.data)
    if not made:  # as WeasyPrint: an empty subset is no subset
        raise RuntimeError("HarfBuzz made an empty font")
    return made


def _subset(font: Any, to_unicode: dict[int, Any], hinting: bool) -> None:
    """WeasyPrint's `Font.subset`, through uharfbuzz."""
    if not to_unicode:
        return
    try:
        font.file_content = subset_font(font.file_content, font.index, to_unicode,
                                        hinting=hinting, notdef_outline=bool(font.missing))
    except RuntimeError:  # HarfBuzz could not: the whole font is embedded, as WeasyPrint does
        LOGGER.warning('Unable to subset "%s" with HarfBuzz', font.family)


def install() -> bool:
    """Subset WeasyPrint's fonts with uharfbuzz; return whether it is installed (idempotent)."""
    from weasyprint.pdf import fonts

    if getattr(fonts.Font.subset, "anthology_subset", False):
        return True
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    if source_digest(fonts.Font.subset, fonts.Font._harfbuzz_subset) != WRITTEN_AGAINST:
        return False

    _subset.anthology_subset = True  # type: ignore[attr-defined]
    _subset.replaced = fonts.Font.subset  # type: ignore[attr-defined]
    fonts.Font.subset = _subset
    return True
