"""The release PDF's pages drawn on two cores, with the bytes of drawing them on one.

A release is one whole-book WeasyPrint render (a tagged PDF does not survive a merge), so its
layout runs on one core; but once every page is laid out, drawing the pages (about a quarter
of the render) needs nothing but the laid-out pages. So, just before the PDF is written, the
process forks: the copy draws the later pages while this process draws the earlier ones, and
this process then takes the copy's drawings in, page by page and in page order, as if it had
drawn them itself:

- each page's content operators, and the marked-content numbers of its tags (the boxes are
  found again by `id`: the copy's boxes are this process's, copied at the fork);
- what drawing adds to the document: fonts and the glyphs used from each (ToUnicode entries,
  widths), transparency states named by their value, and images (named by their URL's hash).
  These are added in the order the copy met them, after this process's own pages: the order
  one process drawing every page would have given them, so the same bytes.

Anything whose name depends on what was drawn before it (groups for opacity, patterns,
shadings, states named by a counter), a glyph no font has (numbered by a counter too), a form
field, a font this process cannot load the same, or a failure of the copy: the later pages are
drawn here after all, from the page where it happens, and the PDF is the same. Tested byte
for byte against drawing on one core (tests/render/test_drawing.py).

Replaces, for the later pages, `Page.paint`, and in the copy `Stream.add_font` and
`weasyprint.pdf.add_outlines` (where `generate_pdf` calls it, right after painting the pages),
of WeasyPrint 70.0 (the SHA-256 of `Page.paint`, `Stream.add_font` and `generate_pdf`:
`SOURCE`). Used only where the WeasyPrint found is that version with that source (`usable`);
elsewhere the pages are drawn on one core.

Gain, measured on 2026-12-07 at commit 1671940 with benchmarks/patches.py (the benchmark book at
4 chapters of 7,500 words, 2 cores shared with other work; CPU seconds, user + system, of the
build and all its processes; each build against the all-on builds of the same time; median of 3
runs cold, 3 release): turning it off costs the cold build +0.20 CPU-s (+1.0%) and the release
-0.63 CPU-s (-5.8%). It uses more CPU time, not less (the copy's start, its pickled drawings,
fonts loaded twice): what it gains is wall time, the release drawn on two cores, which a machine
whose cores are busy with other work cannot show. Kept as the one exception to the 3% rule,
which measures CPU time.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from anthology.engines.weasyprint.upstream import written_against

VERSION = "70.0"
SOURCE = "b25144c03acb711d3ec0f5b02e43851a215265df9786d2b453d22cc1d2a69fbe"
# Below this, a fork costs more than it saves.
MIN_PAGES = 16
# The share of the pages this process draws; the copy draws the rest. The copy starts its
# write (about 0.25 s), pickles its drawings (0.1 to 0.2 s for 10 MB) and often draws a page
# slower (what it touches is copied on write): with half each, this process waited 0.6 to 2.4 s
# for it (four releases of the benchmark book); with 0.57, 0.05 s (two).
SHARE_HERE = 0.57
# Names given by value: an alpha state ('a0.5', 'A0.5' for strokes) or an image ('i<hash>0').
_BY_VALUE = {"ExtGState": ("a", "A"), "XObject": ("i",)}


def usable() -> bool:
    """Whether WeasyPrint's page drawing is the one this was written for."""
    import weasyprint
    import weasyprint.pdf
    from weasyprint.document import Page
    from weasyprint.pdf.stream import Stream

    return written_against(weasyprint.__version__, VERSION, SOURCE, Page.paint,
                           Stream.add_font, weasyprint.pdf.generate_pdf)


def split_at(pages: int) -> int:
    """The first page the copy draws, of `pages`."""
    return round(pages * SHARE_HERE)


class _Unusable(Exception):
    """The copy's drawings cannot be taken in as they are: draw here instead."""


class _CopyDone(Exception):
    """Raised in the copy once its pages are drawn, out of WeasyPrint's write_pdf."""


def _font_facts(font: Any) -> tuple[Any, ...]:
    return (font.hash, font.index, font.ascent, font.descent, font.font_size,
            hashlib.sha256(font.file_content).hexdigest())


def _state(fonts: dict[Any, Any], resources: Any, images: dict[str, Any]) -> dict[str, Any]:
    """How much of each growing table there is now (they only grow, in insertion order)."""
    return {"fonts": len(fonts),
            "glyphs": {key: (len(f.to_unicode), len(f.widths)) for key, f in fonts.items()},
            "resources": {name: len(resources[name]) for name in
                          ("ExtGState", "XObject", "Pattern", "Shading")},
            "images": {name: len(entry["dpi_ratios"]) for name, entry in images.items()}}


def _page_delta(stream: Any, fonts: dict[Any, Any], resources: Any, images: dict[str, Any],
                before: dict[str, Any], described: dict[Any, str], messages: int,
                log: list[str]) -> dict[str, Any]:
    """What drawing one page added (in the copy), to be taken in by this process."""
    new_fonts = []
    for key in list(fonts)[before["fonts"]:]:
        font = fonts[key]
        new_fonts.append((key, described[key], _font_facts(font)))
    glyphs = {}
    for key, font in fonts.items():
        if font.missing:
            raise _Unusable("a glyph no font has")
        had_unicode, had_widths = before["glyphs"].get(key, (0, 0))
        added = (list(font.to_unicode.items())[had_unicode:],
                 list(font.widths.items())[had_widths:])
        if added[0] or added[1]:
            glyphs[key] = added
    added_resources: dict[str, list[tuple[str, Any]]] = {}
    for name, count in before["resources"].items():
        table = resources[name]
        new = list(table.items())[count:]
        for resource_name, _ in new:
            if not resource_name.startswith(_BY_VALUE.get(name, ())):
                raise _Unusable(f"a resource named in order: {name} {resource_name}")
        if new:
            added_resources[name] = new
    added_images = []
    for name, entry in images.items():
        if len(entry["dpi_ratios"]) != before["images"].get(name, 0):
            added_images.append((name, getattr(entry["image"], "id", None), entry["interpolate"],
                                 sorted(entry["dpi_ratios"])))
    tags = None
    if stream._tags is not None:
        tags = [(id(box), dict(value)) for box, value in stream._tags.items()]
    return {"ops": stream.stream, "tags": tags, "fonts": new_fonts, "glyphs": glyphs,
            "resources": added_resources, "images": added_images,
            "messages": log[messages:]}


class ParallelDrawing:
    """Set up on a laid-out document before `write_pdf`: `start()` forks the copy that draws
    pages `split:` and makes this process's `paint` of those pages take its drawings in."""

    def __init__(self, document: Any, messages: list[str]) -> None:
        self.document = document
        self.pages = document.pages
        self.split = split_at(len(self.pages))
        self.messages = messages
        self.folder = Path(tempfile.mkdtemp(prefix="anthology-draw-"))
        self.result = self.folder / "pages.pickle"
        self.child: int | None = None
        self.deltas: list[dict[str, Any]] | None = None
        self.why: str | None = None  # once set, why the pages from here on are drawn here
        self.stopped: str | None = None  # why the copy stopped before the last page
        self.taken = 0  # pages taken in from the copy
        self.originals: dict[int, Callable[..., Any]] = {}
        self.images: dict[Any, Any] = {}
        self.options: dict[str, Any] = {}

    @staticmethod
    def usable(document: Any) -> bool:
        """Whether to draw this document in two processes at all."""
        from anthology.engines.weasyprint.workers import default_jobs

        return (hasattr(os, "fork") and len(document.pages) >= MIN_PAGES and default_jobs() >= 2
                and not any(any(fields for fields in page.forms.values())
                            for page in document.pages))

    def start(self, image_cache: dict[str, Any], options: dict[str, Any]) -> None:
        """Fork the copy (which writes the PDF with `options` as far as the pages); from now on
        the pages from `split` are painted from its drawings."""
        self.options = options
        self.images = {image.id: image for image in image_cache.values()
                       if getattr(image, "id", None) is not None}
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the copy (its coverage is not collected)
            code = 1
            try:
                _die_with_parent()
                self._draw_later_pages()
                code = 0
            finally:
                os._exit(code)
        self.child = pid
        for number in range(self.split, len(self.pages)):
            page = self.pages[number]
            self.originals[number] = page.paint
            page.paint = self._painter(number)

    def close(self) -> None:
        """Stop the copy if it is still drawing (the PDF was not written), remove its files."""
        if self.child is not None:
            with contextlib.suppress(OSError):
                os.kill(self.child, signal.SIGKILL)
            os.waitpid(self.child, 0)
            self.child = None
        for path in (self.result, self.result.with_suffix(".partial")):
            with contextlib.suppress(OSError):
                path.unlink()
        with contextlib.suppress(OSError):
            self.folder.rmdir()

    # -- in the copy --------------------------------------------------------------------------

    def _draw_later_pages(self) -> None:  # pragma: no cover - runs in the copy
        import weasyprint.pdf
        from weasyprint.pdf import stream as stream_module
        from weasyprint.text.ffi import ffi, pango

        deltas: list[dict[str, Any]] = []
        described: dict[Any, str] = {}
        original_add_font = stream_module.Stream.add_font

        def add_font(stream: Any, pango_font: Any) -> Any:
            count = len(stream._fonts)
            found = original_add_font(stream, pango_font)
            if len(stream._fonts) != count:  # a new font: how this process can load it
                description = pango.pango_font_describe_with_absolute_size(pango_font)
                text = ffi.string(pango.pango_font_description_to_string(description))
                pango.pango_font_description_free(description)
                described[next(reversed(stream._fonts))] = text.decode()
            return found

        stream_module.Stream.add_font = add_font

        def skip(stream: Any, scale: float = 1) -> None:
            return None

        def recorder(page: Any) -> Callable[..., None]:
            paint = page.paint

            def record(stream: Any, scale: float = 1) -> None:
                fonts, resources, images = stream._fonts, stream._resources, stream._images
                before = _state(fonts, resources, images)
                count = len(self.messages)
                paint(stream, scale)
                try:
                    deltas.append(_page_delta(stream, fonts, resources, images, before,
                                              described, count, self.messages))
                except _Unusable as reason:  # this process draws from this page on
                    done(reason=str(reason))
            return record

        for number, page in enumerate(self.pages):
            page.paint = skip if number < self.split else recorder(page)

        def done(*_: Any, reason: str | None = None, **__: Any) -> None:
            partial = self.result.with_suffix(".partial")
            with partial.open("wb") as out:
                pickle.dump({"pages": deltas, "stopped": reason}, out,
                            protocol=pickle.HIGHEST_PROTOCOL)
            partial.rename(self.result)
            raise _CopyDone

        weasyprint.pdf.add_outlines = done  # right after the pages: the copy's work is over
        with contextlib.suppress(_CopyDone):
            self.document.write_pdf(os.devnull, **self.options)

    # -- here -----------------------------------------------------------------------------------

    def _join(self) -> None:
        if self.child is None:
            return
        _, status = os.waitpid(self.child, 0)
        self.child = None
        if self.deltas is None:
            self.deltas, self.stopped = [], "the copy failed"
            if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and self.result.exists():
                with self.result.open("rb") as data:
                    drawn = pickle.load(data)
                self.deltas, self.stopped = drawn["pages"], drawn["stopped"]

    def _painter(self, number: int) -> Callable[..., None]:
        def paint(stream: Any, scale: float = 1) -> None:
            if self.why is None:
                self._join()
                assert self.deltas is not None
                delta = (self.deltas[number - self.split]
                         if number - self.split < len(self.deltas) else None)
                try:
                    if delta is None:
                        raise _Unusable(self.stopped or "the copy did not draw this page")
                    self._take_in(stream, self.pages[number], delta)
                    self.taken += 1
                    return
                except _Unusable as reason:
                    self.why = str(reason)
            self.originals[number](stream, scale)
        return paint

    def _take_in(self, stream: Any, page: Any, delta: dict[str, Any]) -> None:
        """Add one page's drawing to this process's document, or raise _Unusable before
        changing anything."""
        fonts, resources, images = stream._fonts, stream._resources, stream._images
        # Everything is checked first, so that an unusable page leaves no trace.
        made_fonts = [(key, self._load_font(key, description, facts))
                      for key, description, facts in delta["fonts"] if key not in fonts]
        placed_images = []
        for name, image_id, interpolate, ratios in delta["images"]:
            if name not in images and image_id not in self.images:
                raise _Unusable("an image this process does not know")
            placed_images.append((name, image_id, interpolate, ratios))
        tags = []
        if delta["tags"] is not None:
            boxes = self._boxes_of(page)
            for box_id, value in delta["tags"]:
                if box_id not in boxes:
                    raise _Unusable("a tagged box not on the page")
                tags.append((boxes[box_id], value))
        for key, (_, width_items) in delta["glyphs"].items():
            font = fonts.get(key)
            if font is None:
                continue
            for glyph, width in width_items:
                # A glyph's width is worked out where it is first drawn, at that run's size,
                # and used for the kerning of every later run: the copy's must be this one's.
                if font.widths.get(glyph, width) != width:
                    raise _Unusable("a glyph width worked out at another size")
        for key, font in made_fonts:
            fonts[key] = font
        for key, (unicode_items, width_items) in delta["glyphs"].items():
            font = fonts[key]
            for glyph, text in unicode_items:
                font.to_unicode.setdefault(glyph, text)
            for glyph, width in width_items:
                font.widths.setdefault(glyph, width)
        for name, items in delta["resources"].items():
            table = resources[name]
            for resource_name, value in items:
                if resource_name not in table:
                    table[resource_name] = value
        for name, image_id, interpolate, ratios in placed_images:
            if name in images:
                images[name]["dpi_ratios"].update(ratios)
            else:
                images[name] = {"image": self.images[image_id], "interpolate": interpolate,
                                "dpi_ratios": set(ratios), "x_object": None}
        for box, value in tags:
            stream._tags[box] = value
        stream.stream[:] = delta["ops"]
        self.messages.extend(delta["messages"])

    @staticmethod
    def _boxes_of(page: Any) -> dict[int, Any]:
        """Every box of the page by id, through placeholders too: `descendants` does not
        enter them, and a list item's marker (placed outside, absolutely) is tagged text."""
        found: dict[int, Any] = {}
        todo = [page._page_box]
        while todo:
            box = todo.pop()
            found[id(box)] = box
            todo.extend(getattr(box, "children", ()))
        return found

    def _load_font(self, key: Any, description: str, facts: tuple[Any, ...]) -> Any:
        """This process's Font for a font the copy met first: loaded from its description,
        and used only if it is the same font at the same size."""
        from weasyprint.pdf.fonts import Font
        from weasyprint.text.ffi import ffi, pango
        from weasyprint.text.fonts import get_pango_font_key

        _declare_from_string(ffi)
        font_map = self.document.font_config.font_map
        context = ffi.gc(pango.pango_font_map_create_context(font_map), gobject_unref())
        wanted = ffi.gc(pango.pango_font_description_from_string(description.encode()),
                        pango.pango_font_description_free)
        pango_font = pango.pango_font_map_load_font(font_map, context, wanted)
        if pango_font == ffi.NULL:
            raise _Unusable("a font that does not load")
        pango_font = ffi.gc(pango_font, gobject_unref())
        loaded_key, loaded_description, size = get_pango_font_key(pango_font)
        if loaded_key != key:
            raise _Unusable("a font that loads as another")
        try:
            font = Font(pango_font, loaded_description, size)
        except Exception as exc:  # any failure of WeasyPrint's Font: drawn here instead
            raise _Unusable(f"a font that does not load the same ({exc})") from None
        if _font_facts(font) != facts:
            raise _Unusable("a font that loads differently")
        font.anthology_pango_font = pango_font  # kept alive with the Font
        return font


def gobject_unref() -> Any:
    from weasyprint.text.ffi import gobject

    return gobject.g_object_unref


@functools.cache
def _declare_from_string(ffi: Any) -> None:
    """WeasyPrint's Pango bindings lack pango_font_description_from_string: declared once."""
    ffi.cdef("PangoFontDescription * pango_font_description_from_string (const char *str);")


def _die_with_parent() -> None:  # pragma: no cover - runs in the copy
    """The copy is killed if this process dies (killed on a timeout, say): Linux's
    PR_SET_PDEATHSIG; elsewhere it finishes its pages and exits on its own."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
