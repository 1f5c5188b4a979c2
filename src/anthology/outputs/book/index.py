"""The print book's index: its HTML (laid out last, as its own piece in the everyday build and
in a second pass of the release build), from the pages the marks' anchors were laid out on."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING

from anthology.chapters.index_entries import Entry, Locator, Place, build_entries, groups
from anthology.chapters.prepare import ChapterText

if TYPE_CHECKING:
    from anthology.core.model import Book
    from anthology.outputs.book.merge import Piece
    from anthology.outputs.book.pieces import PrintPieces

INDEX_ID = "book-index"

INDEX_CSS = """<style>
.book-index .index-columns { columns: 2; column-gap: 1.4em; font-size: 0.86em;
  line-height: 1.3; text-align: left; hyphens: manual; }
.book-index ul { list-style: none; margin: 0; padding: 0; }
.book-index li { padding-left: 1.4em; text-indent: -1.4em; break-inside: avoid; }
.book-index .index-letter { font-size: 1em; font-weight: bold; margin: 0.9em 0 0.2em;
  break-after: avoid; bookmark-level: none; }
.book-index .index-group:first-child .index-letter { margin-top: 0; }
.book-index a { color: inherit; text-decoration: none; }
.book-index .index-see { font-style: italic; }
</style>
"""


def places(texts: Sequence[ChapterText], pages: Mapping[str, int] | None) -> list[Place]:
    """Every mark's place in book order: its anchor in the book and, with `pages`, its page."""
    out = []
    for text in texts:
        for mark in text.index:
            anchor = text.prefix + mark.anchor
            out.append(Place(text.number, anchor, (pages or {}).get(anchor)))
    return out


def book_entries(texts: Sequence[ChapterText], pages: Mapping[str, int]) -> list[Entry]:
    """The index's entries with the pages of the marks (anchors no page holds are left out:
    a chapter the build left out)."""
    marked = [(mark, place) for mark, place in zip(
        (m for t in texts for m in t.index), places(texts, pages), strict=True)
        if place.page is not None]
    return build_entries(marked)


def has_marks(texts: Sequence[ChapterText]) -> bool:
    """Some chapter marks an index term."""
    return any(text.index for text in texts)


def _locator(loc: Locator, link_prefix: str) -> str:
    first = f'<a href="{escape(link_prefix + loc.first.anchor)}">{loc.first.page}</a>'
    if loc.last.page is None or loc.first.page is None or loc.last.page <= loc.first.page:
        return first
    return (f'{first}\u2013<a href="{escape(link_prefix + loc.last.anchor)}">'
            f"{loc.last.page}</a>")


def _entry(entry: Entry, link_prefix: str) -> str:
    parts = [f'<span class="index-term">{escape(entry.term)}</span>']
    if entry.locators:
        parts.append(", " + ", ".join(_locator(loc, link_prefix) for loc in entry.locators))
    if entry.see:
        parts.append('. <span class="index-see">See</span> '
                     + "; ".join(escape(term) for term in entry.see))
    if entry.see_also:
        parts.append('. <span class="index-see">See also</span> '
                     + "; ".join(escape(term) for term in entry.see_also))
    subs = ""
    if entry.subs:
        subs = '<ul class="index-subentries">' + "".join(
            _entry(sub, link_prefix) for sub in entry.subs) + "</ul>"
    return f'<li class="index-entry">{"".join(parts)}{subs}</li>'


def index_section(entries: Sequence[Entry], link_prefix: str = "#") -> str:
    """The index as an HTML section that opens on a recto like a chapter (running heads
    "Index"), in two columns with a letter heading per group."""
    body = "".join(
        f'<section class="index-group"><h2 class="index-letter">{escape(letter)}</h2>'
        f'<ul class="index-entries">{"".join(_entry(e, link_prefix) for e in members)}</ul>'
        "</section>" for letter, members in groups(entries))
    return (f'<article class="chapter book-index" id="{INDEX_ID}" data-authors="Index" '
            'data-short-title="Index" data-bookmark="Index">\n'
            '<header class="chapter-opening"><h1 class="chapter-title">Index</h1></header>\n'
            f'<div class="index-columns">{body}</div>\n</article>\n')


def with_index(html: str, section: str) -> str:
    """The book's HTML (or one piece's) with the index's style and the index at its end."""
    head, _, rest = html.rpartition("</head>")
    html = f"{head}{INDEX_CSS}</head>{rest}" if head else html
    body, _, end = html.rpartition("</body>")
    return f"{body}{section}</body>{end}"


def indexed_book(html: str, texts: Sequence[ChapterText],
                 layout: Callable[[str], Mapping[str, int]]) -> str:
    """The whole book's HTML with its index, from `layout(html)`: the page index of each
    anchor once the book without its index is laid out (the index comes last: nothing before
    it moves when it is added). Printed pages count from the body's first page."""
    anchors = layout(html)
    opening = body_opening(texts)
    first = anchors.get(opening, 0) if opening else 0
    pages = {name: index - first + 1 for name, index in anchors.items()}
    return with_index(html, index_section(book_entries(texts, pages)))


def body_opening(texts: Sequence[ChapterText]) -> str | None:
    """The id of the body's first element: the first part title, else the first chapter."""
    if not texts:
        return None
    first = texts[0]
    return f"part-{first.number}" if first.chapter.part else first.anchor


def book_index_piece(book: Book, texts: Sequence[ChapterText], pieces: PrintPieces,
                     body: Sequence[Piece]) -> Piece | None:
    """The everyday build's index: a piece laid out after the body, once every body piece is
    laid out, with its folios in place (it starts on the recto after the body's last page),
    its links in the private scheme the merge makes internal. None without marks or body."""
    from anthology.core.cache import digest
    from anthology.outputs.book.merge import LINK_SCHEME, Piece, padded, pages_of, starts_of

    if not body or not has_marks(texts) or body[-1].pages is None:
        return None
    starts = starts_of(body)
    last = starts[-1]
    assert last is not None
    pages = pages_of(body, starts, [opening for _, _, opening in pieces.places])
    html = with_index(pieces.html([]), index_section(book_entries(texts, pages), LINK_SCHEME))
    return Piece("the index", html, digest("piece", pieces.style, html),
                 start=last + padded(body[-1].pages), rank=1)
