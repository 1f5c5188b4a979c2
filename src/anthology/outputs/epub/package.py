"""The EPUB package put together from pieces pandoc wrote apart: the skeleton (title page,
notes on contributors, part titles, nav, OPF) and each chapter's own XHTML and media.

pandoc names a book's files by their position (text/ch004.xhtml, media/file0.png); a chapter
written on its own is always text/ch001.xhtml with media from file0. Here each chapter takes the
place of its stub in the skeleton, with its links renamed to that file and its media numbered
through the book, so the package is the one pandoc would write for the whole book.
Everything else we add ourselves: cover, title and copyright pages, stylesheet, accessibility
metadata, the navigation (front.py), the print edition's page breaks (page_list.py), the
modification date, and a zip with fixed timestamps (same inputs, same bytes).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from anthology.chapters.prepare import ChapterText
from anthology.core.errors import ToolError
from anthology.core.model import Book
from anthology.outputs.book.html import with_header_scope
from anthology.outputs.cover import Cover
from anthology.outputs.epub.front import (
    CONFORMANCE,
    COPYRIGHT_FILE,
    certifier,
    chapter_sections,
    conformance_gaps,
    contents,
    copyright_page,
    navigation,
    page_source,
    plain_text,
    title_page,
    with_features,
    with_page_features,
)
from anthology.outputs.epub.page_list import PrintPages, place_page_breaks

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ALONE = "ch001.xhtml"  # the name of a chapter written on its own
_ITEM = re.compile(r'<item id="[^"]*" href="([^"]+)" media-type="([^"]+)"'
                   r'(?: properties="([^"]*)")? />')


@dataclass
class Package:
    """What the EPUB was made with: its page list (label, href), the pages of the PDF with
    text that found no place in it, and why it does not claim conformance (if it does not)."""

    pages: list[tuple[str, str]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChapterFile:
    """A chapter's XHTML as pandoc wrote it on its own, with what the package needs of it."""

    xhtml: str  # text/ch001.xhtml: opening, body, references and footnotes
    properties: str  # its manifest item's properties (mathml, svg...), or ""
    media: tuple[tuple[str, str, bytes], ...]  # (name under media/, media type, bytes)
    has_images: bool
    has_math: bool

    def to_json(self) -> dict[str, Any]:
        """The file as a JSON value, for the cache."""
        return {"xhtml": self.xhtml, "properties": self.properties,
                "media": [[n, t, base64.b64encode(d).decode("ascii")] for n, t, d in self.media],
                "images": self.has_images, "math": self.has_math}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ChapterFile:
        """The file back from `to_json`."""
        return cls(value["xhtml"], value["properties"],
                   tuple((n, t, base64.b64decode(d)) for n, t, d in value["media"]),
                   bool(value["images"]), bool(value["math"]))


def chapter_file_of(epub: bytes, what: str, *, has_images: bool,
                    has_math: bool) -> ChapterFile:
    """The chapter's file, manifest properties and media out of pandoc's EPUB of it alone."""
    with zipfile.ZipFile(io.BytesIO(epub)) as source:
        files = {name: source.read(name) for name in source.namelist()}
    pages = [n for n in files if re.fullmatch(r"EPUB/text/ch\d+\.xhtml", n)]
    if pages != [f"EPUB/text/{ALONE}"]:
        raise ToolError(f"{what}: pandoc wrote the chapter as {len(pages)} files instead of "
                        "one; a heading may have escaped the chapter's levels.")
    properties, media = "", []
    for href, media_type, props in _ITEM.findall(files["EPUB/content.opf"].decode("utf-8")):
        if href == f"text/{ALONE}":
            properties = props
        elif href.startswith("media/"):
            media.append((href.removeprefix("media/"), media_type, files[f"EPUB/{href}"]))
    return ChapterFile(files[f"EPUB/text/{ALONE}"].decode("utf-8"), properties, tuple(media),
                       has_images, has_math)


def placed_xhtml(chapter: ChapterFile, name: str, media: dict[str, str], title: str) -> str:
    """The chapter's XHTML as the file `name` (ch004.xhtml) titled `title`, its media renamed
    (`media`: the chapter's own name of each, file0.png, to its name in the book)."""
    xhtml = re.sub(rf'href="{re.escape(ALONE)}(?=[#"])', f'href="{name}', chapter.xhtml)
    xhtml = xhtml.replace(f"<title>{ALONE}</title>", f"<title>{escape(title)}</title>", 1)
    if media:
        known = "|".join(re.escape(n) for n in media)
        xhtml = re.sub(rf'="\.\./media/({known})"', lambda m: f'="../media/{media[m[1]]}"',
                       xhtml)
    return xhtml


# A line of highlighted code as pandoc writes it, and the spaces that indent it.
_CODE_LINE = re.compile(r'<span id="(cb\d+-\d+)">(<a href="#\1" aria-hidden="true" '
                        r'tabindex="-1"></a>)( +)')
HANG = 4  # how much further than its line a wrapped line of code is set, in characters


def with_code_hangs(xhtml: str) -> str:
    """Each indented line of highlighted code with its own hanging indent: code wraps in the
    EPUB (epub.css), and a wrapped line then stands further in than its line's indentation
    rather than at the margin, where it would read as a new line."""
    def hang(match: re.Match[str]) -> str:
        width = len(match[3]) + HANG
        return (f'<span id="{match[1]}" style="padding-left: {width}ch; '
                f'text-indent: -{width}ch">{match[2]}{match[3]}')

    return _CODE_LINE.sub(hang, xhtml)


_HEADED_BREAK = re.compile(r'(<h[1-6]\b[^>]*>)(<span epub:type="pagebreak"[^>]*></span>)')


def with_breaks_before_headings(xhtml: str) -> str:
    """A page-break marker that opens a heading moved to just before it: inside, its label
    would be read as part of the heading ("heading level 3, 25 What the team learned")."""
    return _HEADED_BREAK.sub(r"\2\1", xhtml)


def book_media(chapters: Sequence[ChapterFile]) -> list[dict[str, str]]:
    """Each chapter's media renamed apart: numbered through the book in reading order, as
    pandoc numbers them in one run (file0.png, file1.svg...)."""
    renamed, count = [], 0
    for chapter in chapters:
        names = {}
        for name, _, _ in chapter.media:
            names[name] = f"file{count}{Path(name).suffix}"
            count += 1
        renamed.append(names)
    return renamed


def media_id(name: str) -> str:
    """A manifest id for a file under media/."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


def _finish_opf(opf: str, book: Book, created: dt.datetime, cover: Cover,
                access: list[tuple[str, str]], items: list[str], paged: bool) -> str:
    opf = re.sub(r"\s*<meta property=\"schema:[^\"]+\">[^<]*</meta>", "", opf)
    modified = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    opf = re.sub(r"<meta property=\"dcterms:modified\">[^<]*</meta>",
                 f'<meta property="dcterms:modified">{modified}</meta>', opf)
    if paged:  # which edition's pages the page list gives: DAISY Ace's epub-pagesource
        access = [*access, ("pageBreakSource", page_source(book))]
    lines = "".join(f'\n    <meta property="{p}">{escape(v)}</meta>' for p, v in access)
    if book.config.isbn_print:  # the print edition, source of this one
        lines += f"\n    <dc:source>urn:isbn:{book.config.isbn_print.replace('-', '')}</dc:source>"
    lines += '\n    <meta name="cover" content="cover-image" />'
    opf = opf.replace("\n  </metadata>", lines + "\n  </metadata>", 1)
    items = [*items, f'<item id="cover-image" href="media/{cover.name}" '
             f'media-type="{cover.media_type}" properties="cover-image" />',
             '<item id="cover_xhtml" href="text/cover.xhtml" '
             'media-type="application/xhtml+xml" />',
             f'<item id="copyright_xhtml" href="text/{COPYRIGHT_FILE}" '
             'media-type="application/xhtml+xml" />']
    opf = opf.replace("\n  </manifest>", "".join(f"\n    {i}" for i in items)
                      + "\n  </manifest>", 1)
    opf = re.sub(r"(<spine[^>]*>)", r'\1\n    <itemref idref="cover_xhtml" linear="yes" />', opf,
                 count=1)
    opf = opf.replace('<itemref idref="title_page_xhtml" linear="yes" />',
                      '<itemref idref="title_page_xhtml" linear="yes" />\n'
                      '    <itemref idref="copyright_xhtml" linear="yes" />', 1)
    return opf.replace("<guide>", '<guide>\n    <reference type="cover" title="Cover" '
                       'href="text/cover.xhtml" />', 1)


def _with_properties(opf: str, placed: dict[str, ChapterFile]) -> str:
    def visit(match: re.Match[str]) -> str:
        chapter = placed.get(match.group(1).removeprefix("text/"))
        if chapter is None or not chapter.properties or match.group(3) is not None:
            return match.group(0)
        return match.group(0).removesuffix(" />") + f' properties="{chapter.properties}" />'

    return _ITEM.sub(visit, opf)


def cover_page(book: Book, cover: Cover) -> str:
    """The cover's XHTML page: the image, with its text alternative."""
    lang = escape(book.config.language)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
            f' lang="{lang}" xml:lang="{lang}">\n<head>\n  <meta charset="utf-8" />\n'
            f"  <title>{escape(book.config.title)}</title>\n"
            '  <link rel="stylesheet" type="text/css" href="../styles/stylesheet1.css" />\n'
            '</head>\n<body epub:type="cover">\n<section epub:type="cover" class="cover">\n'
            f'  <img role="doc-cover" src="../media/{cover.name}" alt="{escape(cover.alt)}" />\n'
            "</section>\n</body>\n</html>\n")


def stub_names(entries: Sequence[tuple[str, bytes]]) -> dict[str, str]:
    """The skeleton's file for each chapter, part and the notes on contributors, by anchor:
    {'chapter-2': 'ch004.xhtml', 'part-2': 'ch003.xhtml'}."""
    found = {}
    for name, data in entries:
        if re.fullmatch(r"EPUB/text/ch\d+\.xhtml", name):
            match = re.search(rb'<section id="(chapter-\d+|part-\d+|notes-on-contributors)"',
                              data)
            if match:
                found[match.group(1).decode()] = name.removeprefix("EPUB/text/")
    return found


def _titled(xhtml: str, name: str) -> str:
    """A file of the skeleton (part title, notes on contributors) titled by its heading."""
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", xhtml, re.S)
    if heading is None:
        return xhtml
    return xhtml.replace(f"<title>{name}</title>",
                         f"<title>{escape(plain_text(heading.group(1)))}</title>", 1)


def write_package(skeleton: bytes, chapters: Sequence[ChapterFile], output: Path, book: Book,
                  texts: Sequence[ChapterText], created: dt.datetime, cover: Cover, css: str,
                  access: list[tuple[str, str]],
                  print_pages: PrintPages | None = None) -> Package:
    """The EPUB at `output`: the skeleton with each chapter in its stub's place, finished;
    with the print edition's page breaks and page list when its pages are given."""
    with zipfile.ZipFile(io.BytesIO(skeleton)) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    stubs = stub_names(entries)
    placed = {stubs[t.anchor]: c for t, c in zip(texts, chapters, strict=True)}
    titles = {stubs[t.anchor]: t.title for t in texts}
    renamed = dict(zip(placed, book_media(list(placed.values())), strict=True))
    media: list[tuple[str, bytes]] = []
    items: list[str] = []
    for name, chapter in placed.items():
        for file, media_type, data in chapter.media:
            new = renamed[name][file]
            media.append((f"EPUB/media/{new}", data))
            items.append(f'<item id="{media_id(new)}" href="media/{new}" '
                         f'media-type="{media_type}" />')
    pages: dict[str, str] = {}  # the text/ files in reading order
    for name, data in entries:
        short = name.removeprefix("EPUB/text/")
        if re.fullmatch(r"ch\d+\.xhtml", short):
            # Header cells with their scope, as in the PDF (html.with_header_scope).
            pages[short] = with_code_hangs(with_header_scope(placed_xhtml(
                placed[short], short, renamed[short], titles[short]))) \
                if short in placed else _titled(data.decode("utf-8"), short)
    made = Package()
    if print_pages is not None:
        marked = place_page_breaks(print_pages, pages, stubs)
        pages = {name: with_breaks_before_headings(xhtml) for name, xhtml in marked.files.items()}
        made.pages, made.missed = marked.pages, marked.missed
    sections = {t.anchor: chapter_sections(stubs[t.anchor], pages[stubs[t.anchor]])
                for t in texts}
    opening = (f"part-{texts[0].number}" if texts[0].chapter.part else texts[0].anchor) \
        if texts else ""
    nav = navigation(book, contents(texts, stubs, sections), made.pages,
                     f"text/{stubs[opening]}" if opening else "text/title_page.xhtml")
    made.unmet = conformance_gaps(pages.values(), cover.alt, made.pages, made.missed)
    access = with_page_features(access, bool(made.pages))
    indexed = book.config.build.index and any(t.index for t in texts)
    if indexed:  # the index (added below) is one of the accessibility features
        access = with_features(access, "index")
    if not made.unmet:
        access = [*access, ("dcterms:conformsTo", CONFORMANCE),
                  ("a11y:certifiedBy", certifier(book))]
    finished: list[tuple[str, bytes]] = []
    for name, data in entries:
        short = name.removeprefix("EPUB/text/")
        if media and re.fullmatch(r"ch\d+\.xhtml", short):
            finished += media  # where pandoc puts them: before the first chapter
            media = []
        if short in pages:
            data = pages[short].encode("utf-8")
        elif short == "title_page.xhtml":
            data = title_page(book).encode("utf-8")
            finished.append((name, data))
            finished.append((f"EPUB/text/{COPYRIGHT_FILE}", copyright_page(book).encode()))
            continue
        elif name == "EPUB/content.opf":
            opf = _with_properties(data.decode("utf-8"), placed)
            data = _finish_opf(opf, book, created, cover, access, items,
                               bool(made.pages)).encode("utf-8")
        elif name == "EPUB/nav.xhtml":
            data = nav.encode("utf-8")
        elif name == "EPUB/styles/stylesheet1.css":
            data = css.encode("utf-8")
        finished.append((name, data))
    finished += media
    if indexed:
        from anthology.outputs.epub.index import index_xhtml, with_epub_index

        files = {t.number: stubs[t.anchor] for t in texts}
        finished = with_epub_index(finished, index_xhtml(book, texts, files))
    finished.append((f"EPUB/media/{cover.name}", cover.data))
    finished.append(("EPUB/text/cover.xhtml", cover_page(book, cover).encode("utf-8")))
    with zipfile.ZipFile(output, "w") as target:
        for name, data in finished:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else \
                zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data, compresslevel=9 if name != "mimetype" else None)
    return made
