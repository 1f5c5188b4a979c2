"""The EPUB 3, written by pandoc's EPUB writer from one AST that we assemble.

pandoc runs sandboxed: images reach it as data: URLs that we read ourselves from inside the book,
and the metadata and stylesheet are files we write and name on its command line.
"""

from __future__ import annotations

import base64
import copy
import mimetypes
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from anthology.document import Node, each, empty_attr, prefix_ids, str_inlines, transform
from anthology.files import resolve_inside
from anthology.model import Book
from anthology.render import pandoc
from anthology.render.chapter import ChapterText, with_reference_heading
from anthology.render.html import TEMPLATES_DIR, contributors_notes
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


def _embed_images(ast: Node, root: Path) -> Node:
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


def book_ast(book: Book, texts: Sequence[ChapterText]) -> Node:
    """The whole book as one pandoc document, chapters as level-1 sections."""
    blocks: list[Node] = []
    people = contributors_notes(book, texts)
    if people:
        blocks.append({"t": "Header", "c": [1, empty_attr("notes-on-contributors",
                                                          ["unnumbered", "front"]),
                                            str_inlines("Notes on contributors")]})
        for person in people:
            blocks.append(_div(["contributor-note"], [{"t": "Para", "c": [
                {"t": "Strong", "c": str_inlines(person.name)}, {"t": "Space"},
                *str_inlines(person.bio or person.affiliation or "")]}]))
    previous_part = None
    for text in texts:
        part = text.chapter.part
        if part and part != previous_part:
            blocks.append({"t": "Header", "c": [1, empty_attr(f"part-{text.number}",
                                                              ["unnumbered", "part"]),
                                                str_inlines(part)]})
        previous_part = part
        blocks += chapter_blocks(book, text)
    api = texts[0].ast["pandoc-api-version"] if texts else [1, 23, 1]
    return _embed_images({"pandoc-api-version": api, "meta": {}, "blocks": blocks}, book.root)


def write_epub(book: Book, texts: Sequence[ChapterText], output: Path, work: Path,
               date: str) -> str:
    """Write the EPUB 3 to `output` (a temporary path); return pandoc's warnings."""
    meta_file = work / "epub-metadata.yaml"
    meta = epub_metadata(book, texts, date)
    # The sandboxed pandoc will not fetch a --css file; the stylesheet goes into each page's
    # head instead, from metadata we write.
    css = (TEMPLATES_DIR / "epub" / "epub.css").read_text(encoding="utf-8")
    meta["header-includes"] = f"```{{=html}}\n<style>\n{css}</style>\n```\n"
    meta_file.write_text(dump_yaml(meta), encoding="utf-8")
    extra = [f"--metadata-file={meta_file}",
             "--split-level=1", "--toc", "--toc-depth=1", "--epub-title-page=true"]
    return pandoc.ast_to_file(book_ast(book, texts), "epub3", output, extra,
                              f"the EPUB of {book.config.title}")



