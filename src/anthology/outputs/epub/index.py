"""The EPUB's index, as the EPUB Indexes specification shapes it: its own XHTML file
(`<section epub:type="index">`, entry lists, terms and locators), listed in the manifest, the
spine, the table of contents and the landmarks. An EPUB has no pages: each locator names a
chapter and links to the entry's first mark in it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from anthology.chapters.index_entries import Entry, Locator, Place, build_entries, groups
from anthology.chapters.index_marks import Mark
from anthology.chapters.prepare import ChapterText
from anthology.core.model import Book

INDEX_FILE = "index.xhtml"  # under EPUB/text/
# The index's own look, in its file: entries without bullets, sub-entries indented, a
# hanging indent for entries that run over a line.
INDEX_CSS = (".book-index ul { list-style: none; margin: 0; padding: 0; } "
             ".book-index li { padding-left: 1.5em; text-indent: -1.5em; } "
             ".book-index h2 { font-size: 1em; margin: 1em 0 0.2em; }")


def per_chapter(locators: Iterable[Locator]) -> list[Locator]:
    """One locator per chapter, at the entry's first mark there (book order)."""
    seen: dict[int, Locator] = {}
    for loc in locators:
        seen.setdefault(loc.first.chapter, Locator(loc.first, loc.first))
    return list(seen.values())


def epub_entries(texts: Sequence[ChapterText]) -> list[Entry]:
    """The index's entries, with places but no pages."""
    marked: list[tuple[Mark, Place]] = [(mark, Place(text.number, text.prefix + mark.anchor))
                                        for text in texts for mark in text.index]
    return build_entries(marked, merge=per_chapter)


def _entry(entry: Entry, files: Mapping[int, str], depth: int) -> str:
    pad = "  " * depth
    parts = [f'<span epub:type="index-term">{escape(entry.term)}</span>']
    links = [f'<a epub:type="index-locator" href="{escape(files[loc.first.chapter])}#'
             f'{escape(loc.first.anchor)}">chapter {loc.first.chapter}</a>'
             for loc in entry.locators if loc.first.chapter in files]
    if links:
        parts.append(", " + ", ".join(links))
    if entry.see:
        parts.append('. <span epub:type="index-xref-preferred">See '
                     + "; ".join(escape(t) for t in entry.see) + "</span>")
    if entry.see_also:
        parts.append('. <span epub:type="index-xref-related">See also '
                     + "; ".join(escape(t) for t in entry.see_also) + "</span>")
    subs = ""
    if entry.subs:
        subs = (f'\n{pad}  <ul epub:type="index-entry-list">\n'
                + "".join(_entry(sub, files, depth + 2) for sub in entry.subs)
                + f"{pad}  </ul>\n{pad}")
    return f'{pad}<li epub:type="index-entry">{"".join(parts)}{subs}</li>\n'


def index_xhtml(book: Book, texts: Sequence[ChapterText], files: Mapping[int, str]) -> str:
    """The index document; `files` names each chapter's XHTML file by its number."""
    lang = escape(book.config.language)
    body = ""
    for letter, members in groups(epub_entries(texts)):
        body += (f'<div epub:type="index-group">\n<h2>{escape(letter)}</h2>\n'
                 '<ul epub:type="index-entry-list">\n'
                 + "".join(_entry(e, files, 1) for e in members) + "</ul>\n</div>\n")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
            f' lang="{lang}" xml:lang="{lang}">\n<head>\n  <meta charset="utf-8" />\n'
            "  <title>Index</title>\n"
            '  <link rel="stylesheet" type="text/css" href="../styles/stylesheet1.css" />\n'
            f"  <style>{INDEX_CSS}</style>\n"
            '</head>\n<body epub:type="backmatter">\n'
            '<section epub:type="index" role="doc-index" id="index" class="book-index">\n'
            '<header><h1>Index</h1></header>\n' + body + "</section>\n</body>\n</html>\n")


def with_epub_index(entries: list[tuple[str, bytes]], xhtml: str) -> list[tuple[str, bytes]]:
    """The package's files with the index added: its file (after the chapters), its manifest
    item, its place at the end of the spine, and its line in the contents and landmarks."""
    out = []
    for name, data in entries:
        if name == "EPUB/content.opf":
            opf = data.decode("utf-8")
            opf = opf.replace("\n  </manifest>", '\n    <item id="book_index" href="text/'
                              f'{INDEX_FILE}" media-type="application/xhtml+xml" />'
                              "\n  </manifest>", 1)
            opf = opf.replace("\n  </spine>", '\n    <itemref idref="book_index" />'
                              "\n  </spine>", 1)
            data = opf.encode("utf-8")
        elif name == "EPUB/nav.xhtml":
            nav = data.decode("utf-8")
            nav = re.sub(r"(<nav epub:type=\"toc\".*?)(</ol>\s*</nav>)",
                         lambda m: f'{m[1]}<li id="toc-li-index"><a href="text/{INDEX_FILE}">'
                                   f"Index</a></li>{m[2]}", nav, count=1, flags=re.DOTALL)
            nav = re.sub(r"(<nav epub:type=\"landmarks\".*?)(\s*</ol>\s*</nav>)",
                         lambda m: f'{m[1]}\n    <li>\n      <a href="text/{INDEX_FILE}" '
                                   f'epub:type="index">Index</a>\n    </li>{m[2]}', nav,
                         count=1, flags=re.DOTALL)
            data = nav.encode("utf-8")
        out.append((name, data))
    out.append((f"EPUB/text/{INDEX_FILE}", xhtml.encode("utf-8")))
    return out
