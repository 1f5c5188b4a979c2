"""How to cite a chapter, in the book's own citation style: each chapter as a CSL item of type
`chapter` (authors, title, the book as container, editors, publisher, place, year, pages, DOI)
formatted by pandoc's citeproc with the book's CSL, as its reference list would print it.

The page range never breaks across lines (a non-breaking space after "pp.", the range kept
whole), and the book's title is set as the style sets it (in italics in most).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape, unescape
from pathlib import Path
from typing import Any

from anthology.core.model import Book, Chapter, Contributor

API_VERSION = [1, 23, 1]
_RANGE = re.compile(r"(?:\b(pp?\.)\s+)?(\b\d+(?:\s*[–-]\s*\d+)?\b)")
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Citation:
    """A chapter's citation: as HTML (for the cover) and as plain text (for metadata)."""

    html: str
    text: str


def csl_name(person: Contributor) -> dict[str, str]:
    """A contributor as a CSL name (family and given, from the sort name when there is one)."""
    from anthology.editorial.tracking.status import surname

    if person.sort_name and "," in person.sort_name:
        family, given = (part.strip() for part in person.sort_name.split(",", 1))
    else:
        family = surname(person.name)
        given = person.name[:len(person.name) - len(family)].strip()
    return {"family": family, "given": given} if given else {"literal": family}


def csl_item(book: Book, chapter: Chapter, title: str, authors: Sequence[Contributor],
             first_page: int, last_page: int) -> dict[str, Any]:
    """The chapter as a CSL item of type `chapter` in the book."""
    c = book.config
    item: dict[str, Any] = {
        "id": f"offprint-{chapter.id}", "type": "chapter", "title": title,
        "author": [csl_name(p) for p in authors],
        "editor": [csl_name(p) for p in book.editors],
        "container-title": f"{c.title}: {c.subtitle}" if c.subtitle else c.title,
        "page": str(first_page) if first_page == last_page else f"{first_page}-{last_page}",
    }
    for key, value in (("publisher", c.publisher), ("publisher-place", c.place),
                       ("DOI", chapter.doi or c.doi)):
        if value:
            item[key] = value
    if c.year:
        item["issued"] = {"date-parts": [[c.year]]}
    return item


def unbroken_pages(html: str) -> str:
    """Page numbers and ranges ("pp. 15–19") kept on one line."""
    def keep(match: re.Match[str]) -> str:
        label, pages = match.group(1), match.group(2)
        if label is None and not re.search(r"[–-]", pages):
            return match.group(0)  # a lone number (a year, a volume): left as it is
        text = f"{label}\u00a0{pages}" if label else pages
        return f'<span class="page-range">{text}</span>'

    # Only in the text between tags (never inside a link's address).
    return re.sub(r"(?<=>)[^<]+|^[^<]+", lambda m: _RANGE.sub(keep, m.group(0)), html)


def _inlines(blocks: list[Any]) -> list[Any]:
    """A reference entry's inlines, without the label column of numbered styles."""
    found: list[Any] = []
    for block in blocks:
        if block["t"] == "Div":
            if "csl-left-margin" in block["c"][0][1]:
                continue
            found += _inlines(block["c"][1])
        elif block["t"] in ("Para", "Plain"):
            found += block["c"]
    return found


def styled_citations(book: Book, items: Sequence[dict[str, Any]]) -> dict[str, Citation]:
    """Each item's citation (by id) as the book's CSL style sets it in a reference list."""
    from anthology.chapters.csl import resolve_csl
    from anthology.engines import pandoc

    if not items:
        return {}
    everything = {"citationId": "*", "citationPrefix": [], "citationSuffix": [],
                  "citationMode": {"t": "NormalCitation"}, "citationNoteNum": 0,
                  "citationHash": 0}
    document = {"pandoc-api-version": API_VERSION, "blocks": [],
                "meta": {"nocite": {"t": "MetaInlines", "c": [
                    {"t": "Cite", "c": [[everything], [{"t": "Str", "c": "@*"}]]}]}}}
    with tempfile.TemporaryDirectory(prefix="anthology-offprint-") as folder:
        path = Path(folder) / "chapters.json"
        path.write_text(json.dumps(list(items), ensure_ascii=False), encoding="utf-8")
        cited, _ = pandoc.run_citeproc(document, [path], resolve_csl(book.root, book.config.csl),
                                       "the offprints",
                                       book.config.language)
    entries: dict[str, list[Any]] = {}
    for block in cited["blocks"]:
        if block["t"] == "Div" and block["c"][0][0] == "refs":
            for entry in block["c"][1]:
                entries[entry["c"][0][0].removeprefix("ref-")] = _inlines(entry["c"][1])
    ids = [item["id"] for item in items if entries.get(item["id"])]
    if not ids:
        return {}
    blocks: list[Any] = []
    for ident in ids:
        blocks += [{"t": "Plain", "c": entries[ident]}, {"t": "HorizontalRule"}]
    html = pandoc.ast_to_html({"pandoc-api-version": API_VERSION, "meta": {}, "blocks": blocks},
                              "the offprints")
    parts = [part.strip() for part in re.split(r"<hr\s*/?>", html)]
    made = {}
    for ident, part in zip(ids, parts, strict=False):
        made[ident] = Citation(unbroken_pages(part), " ".join(unescape(_TAG.sub("", part))
                                                               .split()))
    return made


def plain_citation_html(text: str, book_title: str) -> str:
    """anthology's own citation of a chapter (when the style gives none) as HTML: the book's
    title in italics, the page range unbroken."""
    html = escape(text, quote=False)
    title = escape(book_title, quote=False)
    html = html.replace(title, f"<em>{title}</em>", 1)
    return unbroken_pages(html)
