"""The EPUB 3, written by pandoc's EPUB writer from one AST that we assemble.

pandoc runs sandboxed: images reach it as data: URLs that we read ourselves from inside the book,
and the metadata and stylesheet are files we write and name on its command line.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import mimetypes
import re
import uuid
import zipfile
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from anthology.cache import Cache, digest
from anthology.document import (
    Node,
    each,
    empty_attr,
    prefix_ids,
    str_inlines,
    transform,
    unwrap_dangling_links,
)
from anthology.errors import AnthologyError
from anthology.files import resolve_inside
from anthology.model import Book
from anthology.render import pandoc
from anthology.render.chapter import ChapterText, with_reference_heading
from anthology.render.cover import Cover, book_cover
from anthology.render.html import TEMPLATES_DIR, contributor_note, contributors_notes, names
from anthology.yamlio import dump_yaml


def book_identifier(book: Book) -> str:
    """The EPUB ISBN, or a UUID that stays the same for the same book."""
    if book.config.isbn_epub:
        return f"urn:isbn:{book.config.isbn_epub.replace('-', '')}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'anthology:' + book.config.slug)}"


def epub_metadata(book: Book, texts: Sequence[ChapterText], date: str) -> dict[str, Any]:
    """pandoc's EPUB metadata: titles, editors and authors with roles, rights, language."""
    c = book.config
    titles: list[dict[str, str]] = [{"type": "main", "text": c.title}]
    if c.subtitle:
        titles.append({"type": "subtitle", "text": c.subtitle})
    authors: list[str] = []
    for text in texts:
        for person in text.authors:
            if person.name not in authors and person.id not in c.editors:
                authors.append(person.name)
    meta: dict[str, Any] = {
        "title": titles,
        "creator": [{"role": "edt", "text": p.name} for p in book.editors],
        "contributor": [{"role": "aut", "text": name} for name in authors],
        "lang": c.language,
        "identifier": [{"scheme": "ISBN-13" if c.isbn_epub else "UUID",
                        "text": book_identifier(book)}],
        "date": date,
    }
    for key, value in (("publisher", c.publisher), ("rights", c.licence),
                       ("description", c.description), ("subject", c.subject)):
        if value:
            meta[key] = value
    return meta


def embed_images(ast: Node, root: Path) -> Node:
    """Images as data: URLs, so sandboxed pandoc and WeasyPrint need read nothing."""
    def visit(node: Node) -> Node | None:
        if node["t"] == "Image":
            path = resolve_inside(root, root, node["c"][2][0])
            if path is not None:
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                data = base64.b64encode(path.read_bytes()).decode("ascii")
                node["c"][2][0] = f"data:{mime};base64,{data}"
        return None

    result: Node = transform(ast, visit)
    return result


def _shift_headers(blocks: list[Node]) -> list[Node]:
    if not any(b["t"] == "Header" and b["c"][0] == 1 for b in each(blocks, "Header")):
        return blocks

    def visit(node: Node) -> Node | None:
        if node["t"] == "Header":
            node["c"][0] = min(node["c"][0] + 1, 6)
        return None

    shifted: list[Node] = transform(blocks, visit)
    return shifted


def _div(classes: list[str], blocks: list[Node]) -> Node:
    return {"t": "Div", "c": [empty_attr(classes=classes), blocks]}


def chapter_blocks(book: Book, text: ChapterText) -> list[Node]:
    """A chapter as EPUB blocks: its opening, abstract, body and references."""
    ast = prefix_ids(with_reference_heading(text.ast), text.prefix)
    title: list[Node] = [{"t": "Span", "c": [empty_attr(classes=["chapter-number"]),
                                             str_inlines(str(text.number))]},
                         {"t": "Space"}, *str_inlines(text.title)]
    blocks: list[Node] = [{"t": "Header", "c": [1, empty_attr(text.anchor, ["chapter"]), title]}]
    if text.subtitle:
        blocks.append(_div(["chapter-subtitle"], [{"t": "Para",
                                                   "c": str_inlines(text.subtitle)}]))
    blocks.append(_div(["chapter-authors"], [{"t": "Para",
                                              "c": str_inlines(text.author_names)}]))
    if text.abstract and book.config.build.abstracts:
        abstract = copy.deepcopy(text.abstract)
        if text.keywords and book.config.build.keywords:
            abstract.append({"t": "Para", "c": [{"t": "Emph", "c": str_inlines("Keywords:")},
                                                {"t": "Space"},
                                                *str_inlines("; ".join(text.keywords))]})
        blocks.append(_div(["abstract"], abstract))
    blocks += _shift_headers(ast["blocks"])
    return blocks


def book_ast(book: Book, texts: Sequence[ChapterText], cache: Cache | None = None) -> Node:
    """The whole book as one pandoc document, chapters as level-1 sections."""
    blocks: list[Node] = []
    people = contributors_notes(book, texts)
    if people:
        blocks.append({"t": "Header", "c": [1, empty_attr("notes-on-contributors",
                                                          ["unnumbered", "front"]),
                                            str_inlines("Notes on contributors")]})
        for person in people:
            name, rest = contributor_note(person)
            tail = str_inlines(rest.lstrip())
            space: list[Node] = [{"t": "Space"}] if rest[:1] == " " else []
            blocks.append(_div(["contributor-note"], [{"t": "Para", "c": [
                {"t": "Strong", "c": str_inlines(name)}, *space, *tail]}]))
    previous_part = None
    for text in texts:
        part = text.chapter.part
        if part and part != previous_part:
            blocks.append({"t": "Header", "c": [1, empty_attr(f"part-{text.number}",
                                                              ["unnumbered", "part"]),
                                                str_inlines(part)]})
        previous_part = part
        blocks += epub_section(book, text, cache)
    api = texts[0].ast["pandoc-api-version"] if texts else [1, 23, 1]
    return {"pandoc-api-version": api, "meta": {}, "blocks": blocks}


def epub_section(book: Book, text: ChapterText, cache: Cache | None = None) -> list[Node]:
    """A chapter's finished EPUB blocks (dangling links unwrapped, images embedded), cached.

    Ids and internal links carry the chapter's prefix, so a link can only reach an id of its
    own chapter: unwrapping per chapter is the same as unwrapping the whole book.
    """
    key = digest("epub", text.key) if text.key else None
    if cache is not None and key is not None:
        stored = cache.get_json("epub", key)
        if isinstance(stored, list):
            return stored
    api = text.ast["pandoc-api-version"]
    document = unwrap_dangling_links({"pandoc-api-version": api, "meta": {},
                                      "blocks": chapter_blocks(book, text)})
    blocks: list[Node] = embed_images(document, book.root)["blocks"]
    if cache is not None and key is not None:
        cache.put_json("epub", key, blocks)
    return blocks


def write_epub(book: Book, texts: Sequence[ChapterText], output: Path, work: Path,
               created: dt.datetime, cache: Cache | None = None) -> str:
    """Write the EPUB 3 to `output` (a temporary path); return pandoc's warnings.

    pandoc writes the book sandboxed; we then finish the package ourselves (cover, stylesheet,
    accessibility metadata, authors in the navigation, modification date) and zip it with fixed
    timestamps, so the same inputs give the same bytes.
    """
    meta_file = work / "epub-metadata.yaml"
    meta_file.write_text(dump_yaml(epub_metadata(book, texts, created.strftime("%Y-%m-%d"))),
                         encoding="utf-8")
    extra = [f"--metadata-file={meta_file}",
             "--split-level=1", "--toc", "--toc-depth=1", "--epub-title-page=true"]
    ast = book_ast(book, texts, cache)
    raw = work / "pandoc.epub"
    warnings = pandoc.ast_to_file(ast, "epub3", raw, extra, f"the EPUB of {book.config.title}")
    given = None
    if book.config.build.cover:
        given = resolve_inside(book.root, book.root, book.config.build.cover)
        if given is None:
            raise AnthologyError(f"book.yaml: the cover {book.config.build.cover} is not a file "
                                 "inside the book folder. Put the image in the book (for "
                                 "example covers/front.png) and name it in build.cover.")
    cover = book_cover(book, names(book.editors), given)
    css = (TEMPLATES_DIR / "epub" / "epub.css").read_text(encoding="utf-8")
    finish_package(raw, output, book, texts, created, cover, css,
                   has_images=bool(each(ast["blocks"], "Image")),
                   has_math=bool(each(ast["blocks"], "Math")))
    return warnings


ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def accessibility_metadata(has_images: bool, has_math: bool) -> list[tuple[str, str]]:
    """schema.org accessibility properties for the OPF (EPUB Accessibility 1.1)."""
    modes = ["textual", "visual"] if has_images else ["textual"]
    features = ["structuralNavigation", "tableOfContents", "readingOrder",
                "displayTransformability"]
    if has_images:
        features.append("alternativeText")
    if has_math:
        features.append("MathML")
    summary = ("Reflowable text with a navigable table of contents, a heading for every chapter "
               "and section, and the reading order of the printed book. Each chapter names its "
               "authors and ends with its own reference list; notes are linked both ways.")
    if has_images:
        summary += " Every figure has a text alternative and a caption."
    return ([("schema:accessMode", m) for m in modes]
            + [("schema:accessModeSufficient", "textual")]
            + [("schema:accessibilityFeature", f) for f in features]
            + [("schema:accessibilityHazard", "none"), ("schema:accessibilitySummary", summary)])


def _finish_opf(opf: str, book: Book, created: dt.datetime, cover: Cover,
                access: list[tuple[str, str]]) -> str:
    opf = re.sub(r"\s*<meta property=\"schema:[^\"]+\">[^<]*</meta>", "", opf)
    modified = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    opf = re.sub(r"<meta property=\"dcterms:modified\">[^<]*</meta>",
                 f'<meta property="dcterms:modified">{modified}</meta>', opf)
    lines = "".join(f'\n    <meta property="{p}">{escape(v)}</meta>' for p, v in access)
    lines += '\n    <meta name="cover" content="cover-image" />'
    opf = opf.replace("\n  </metadata>", lines + "\n  </metadata>", 1)
    items = (f'\n    <item id="cover-image" href="media/{cover.name}" '
             f'media-type="{cover.media_type}" properties="cover-image" />'
             '\n    <item id="cover_xhtml" href="text/cover.xhtml" '
             'media-type="application/xhtml+xml" />')
    opf = opf.replace("\n  </manifest>", items + "\n  </manifest>", 1)
    opf = re.sub(r"(<spine[^>]*>)", r'\1\n    <itemref idref="cover_xhtml" linear="yes" />', opf,
                 count=1)
    return opf.replace("<guide>", '<guide>\n    <reference type="cover" title="Cover" '
                       'href="text/cover.xhtml" />', 1)


def _finish_nav(nav: str, texts: Sequence[ChapterText]) -> str:
    by_anchor = {t.anchor: t for t in texts}

    def add_authors(match: re.Match[str]) -> str:
        text = by_anchor.get(match.group(2))
        if text is None or not text.author_names:
            return match.group(0)
        return (f"{match.group(1)}{match.group(3)}<span class=\"nav-authors\">, "
                f"{escape(text.author_names)}</span></a>")

    nav = re.sub(r'(<a href="text/[^"#]+#(chapter-\d+)">)(.*?)</a>', add_authors, nav)
    return nav.replace("<ol>\n    <li>", '<ol>\n    <li>\n      <a href="text/cover.xhtml" '
                       'epub:type="cover">Cover</a>\n    </li>\n    <li>', 1)


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


def finish_package(raw: Path, output: Path, book: Book, texts: Sequence[ChapterText],
                   created: dt.datetime, cover: Cover, css: str, *, has_images: bool,
                   has_math: bool) -> None:
    """Rewrite pandoc's EPUB into `output`: cover, stylesheet, metadata, nav; fixed zip times."""
    access = accessibility_metadata(has_images, has_math)
    with zipfile.ZipFile(raw) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    finished: list[tuple[str, bytes]] = []
    for name, data in entries:
        if name == "EPUB/content.opf":
            data = _finish_opf(data.decode("utf-8"), book, created, cover, access).encode()
        elif name == "EPUB/nav.xhtml":
            data = _finish_nav(data.decode("utf-8"), texts).encode("utf-8")
        elif name == "EPUB/styles/stylesheet1.css":
            data = css.encode("utf-8")
        finished.append((name, data))
    finished.append((f"EPUB/media/{cover.name}", cover.data))
    finished.append(("EPUB/text/cover.xhtml", cover_page(book, cover).encode("utf-8")))
    with zipfile.ZipFile(output, "w") as target:
        for name, data in finished:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else \
                zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data, compresslevel=9 if name != "mimetype" else None)
