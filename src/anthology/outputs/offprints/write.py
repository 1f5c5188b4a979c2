"""Offprints: each chapter's pages cut from the book PDF, behind a cover saying how to cite it.

The pages are the book's pages (same layout, same folios), so the page range on the cover is the
real one. Where each chapter begins comes from the book PDF's named destinations (`chapter-3`,
which WeasyPrint writes for every element id; `part-2` opens a part); a chapter ends before the
next chapter or part opens, less the blank pages that fill out a spread. The printed folio of a
page is read from the page itself (the running head's number), so a reset of the page counter
after the front matter, or roman numbers there, cannot shift a range; PDF page labels are used
when the book has them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anthology.core.errors import AnthologyError, ToolError
from anthology.core.files import atomic_output, atomic_write_text
from anthology.core.model import Book, Chapter, Contributor
from anthology.core.terminal import Progress
from anthology.core.typography import book_quotes, quoted, smarten, typeset_book
from anthology.outputs.offprints.citation import (
    Citation,
    csl_item,
    plain_citation_html,
    styled_citations,
)

# Where a chapter ends: the next chapter, part title or the index (index/pdf.py's id).
_ANCHOR = re.compile(r"^(?:(chapter|part)-(\d+)|book-index)$")
_FOLIO = re.compile(r"^\d{1,5}$")
# A front and its verso, so that the chapter opens on a right-hand page as in the book.
COVER_PAGES = 2


@dataclass(frozen=True)
class PageSpan:
    """Where a chapter sits in the book PDF: page indexes (0-based) and printed folios."""

    anchor: str
    first_index: int
    last_index: int
    first_page: int
    last_page: int

    @property
    def page_range(self) -> str:
        """`pp. 45–67`, or `p. 45` for a chapter of one page."""
        if self.first_page == self.last_page:
            return f"p. {self.first_page}"
        return f"pp. {self.first_page}–{self.last_page}"


def _reader(pdf: Path) -> Any:
    from pypdf import PdfReader

    try:
        return PdfReader(pdf)
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise ToolError(f"{pdf.name}: cannot read the book PDF ({exc}). Build it again with "
                        "`anthology build pdf`.") from None


def _is_blank(page: Any) -> bool:
    """No text and nothing drawn from an image or form: a page left blank so that the next
    chapter opens on a recto. (WeasyPrint shares one resource dictionary between all pages,
    so what a page draws is read from its own content stream.)"""
    if page.extract_text().strip():
        return False
    contents = page.get_contents()
    if contents is None:
        return True
    data = contents.get_data()
    return not re.search(rb"(?:^|\s)(?:Do|BI|sh)(?:\s|$)", data)


def _folio_candidates(text: str) -> set[int]:
    """Numbers standing alone on the first or last line of a page: where running heads are."""
    # pypdf reads some fonts' text with a NUL after each character ("\x001" for "1").
    text = text.replace("\x00", "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    found = set()
    for line in lines[:1] + lines[-1:]:
        for token in line.split():
            if _FOLIO.match(token):
                found.add(int(token))
    return found


def _offsets(reader: Any, indexes: Sequence[int]) -> Counter[int]:
    votes: Counter[int] = Counter()
    for index in indexes:
        for number in _folio_candidates(reader.pages[index].extract_text()):
            votes[number - index] += 1
    return votes


def best_offset(votes: Counter[int], book_votes: Counter[int]) -> int:
    """Folio minus page index for one chapter: the offset most of its pages vote for.

    A one-page chapter has two numbers standing alone on its page, its number at the top and
    its folio at the foot; the folio's offset is the one the rest of the book agrees on.
    """
    return max(votes, key=lambda offset: (votes[offset], book_votes[offset]))


def _labelled_folios(reader: Any) -> list[int | None] | None:
    if "/PageLabels" not in reader.trailer["/Root"]:
        return None
    return [int(label) if label.isdigit() else None for label in reader.page_labels]


def chapter_page_spans(pdf: Path) -> dict[str, PageSpan]:
    """Every chapter's span in the book PDF, by anchor (`chapter-N`)."""
    return _page_spans(_reader(pdf), pdf.name)


def _page_spans(reader: Any, name: str) -> dict[str, PageSpan]:
    starts: dict[str, int] = {}
    for name, destination in reader.named_destinations.items():
        if _ANCHOR.match(str(name)):
            starts[str(name)] = reader.get_destination_page_number(destination)
    page_count = len(reader.pages)
    boundaries = sorted(set(starts.values()))
    labelled = _labelled_folios(reader)
    spans: list[tuple[str, int, int]] = []
    for anchor, first in starts.items():
        if not anchor.startswith("chapter-"):
            continue
        later = [b for b in boundaries if b > first]
        last = (later[0] if later else page_count) - 1
        while last > first and _is_blank(reader.pages[last]):
            last -= 1
        spans.append((anchor, first, last))
    # The folios are read off the pages only where the PDF does not label them (reading
    # every page's text is most of the time the offprints take).
    unlabelled = {anchor for anchor, first, last in spans
                  if labelled is None or labelled[first] is None or labelled[last] is None}
    all_votes = Counter[int]()
    chapter_votes = {}
    if unlabelled:
        for anchor, first, last in spans:
            chapter_votes[anchor] = _offsets(reader, range(first, last + 1))
            all_votes.update(chapter_votes[anchor])
    result = {}
    for anchor, first, last in spans:
        if anchor not in unlabelled:
            assert labelled is not None
            first_page, last_page = labelled[first], labelled[last]
        else:
            votes = chapter_votes[anchor] or all_votes
            if not votes:
                raise ToolError(f"{name}: no page numbers can be read on the pages of "
                                f"{anchor}, so its page range is unknown. Print folios in the "
                                "running heads (the default book.css does).")
            offset = best_offset(votes, all_votes)
            first_page, last_page = first + offset, last + offset
        assert first_page is not None and last_page is not None
        result[anchor] = PageSpan(anchor, first, last, first_page, last_page)
    return result


def numbered_chapters(book: Book) -> list[tuple[int, Chapter]]:
    """The chapters in the book PDF with their numbers there (chapters with a file, in order)."""
    from anthology.outputs.common import included_chapters

    return list(enumerate(included_chapters(book)[0], start=1))


def initials_name(person: Contributor) -> str:
    """`H. Marsh` from Helen Marsh (or from the sort name `Marsh, Helen`); `J.-P. Sartre`."""
    if person.sort_name and "," in person.sort_name:
        family, given = (part.strip() for part in person.sort_name.split(",", 1))
    else:
        from anthology.editorial.tracking.status import surname

        words = person.name.split()
        family = surname(person.name)
        given = " ".join(words[:len(words) - len(family.split())])
    initials = " ".join("-".join(f"{piece[0]}." for piece in word.split("-") if piece)
                        for word in given.split() if word)
    return f"{initials} {family}".strip()


def name_list(names: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def full_title(book: Book) -> str:
    """The book's title with its subtitle."""
    c = book.config
    return f"{c.title}: {c.subtitle}" if c.subtitle else c.title


def doi_url(doi: str) -> str:
    """A DOI as the link publishers print."""
    return doi if doi.startswith("http") else f"https://doi.org/{doi}"


def chapter_citation(book: Book, chapter: Chapter, title: str, authors: Sequence[Contributor],
                     span: PageSpan) -> str:
    """How to cite the chapter: authors, title, In: editors (eds), book, pages, imprint, DOI."""
    c = book.config
    editors = [initials_name(p) for p in book.editors]
    eds = "(ed.)" if len(editors) == 1 else "(eds)"
    title = quoted(title, book_quotes(c))
    text = f"{name_list([initials_name(p) for p in authors])}, {title}. " if authors else \
        f"{title}. "
    text += f"In: {name_list(editors)} {eds}, {full_title(book)}, {span.page_range}."
    imprint = ": ".join(x for x in (c.place, c.publisher) if x)
    if c.year:
        imprint = f"{imprint}, {c.year}" if imprint else str(c.year)
    if imprint:
        text += f" {imprint}."
    doi = chapter.doi or c.doi
    if doi:
        text += f" {doi_url(doi)}"
    return text


@dataclass(frozen=True)
class Offprint:
    """One offprint written: the chapter, its span in the book, the file and its citation."""

    chapter: Chapter
    number: int
    span: PageSpan
    path: Path
    citation: str


def _chapter_meta(book: Book, chapter: Chapter) -> tuple[str, tuple[Contributor, ...]]:
    from anthology.chapters.manuscript import read_manuscript

    assert chapter.file is not None
    manuscript = read_manuscript(book.root, chapter.file, chapter.id)
    known = {p.id: p for p in book.contributors}
    ids = manuscript.text_list("authors") or chapter.authors
    return smarten(manuscript.text("title") or chapter.title, book_quotes(book.config)), \
        tuple(known[i] for i in ids if i in known)


@dataclass(frozen=True)
class Cover:
    """What an offprint's cover says: `citation` in plain text (for the metadata), and as
    `citation_html` in the book's citation style."""

    title: str
    authors: tuple[Contributor, ...]
    citation: str
    citation_html: str = ""


def cover_pdfs(book: Book, covers: Sequence[Cover], work: Path) -> list[bytes]:
    """Every offprint's cover (a front and its verso) laid out in one WeasyPrint run."""
    from markupsafe import Markup
    from pypdf import PdfReader, PdfWriter

    from anthology.engines.weasyprint.patches import htmltree
    from anthology.engines.weasyprint.render import render_pdf
    from anthology.outputs.book.html import FONTS_DIR, TEMPLATES_DIR, font_css, render

    p = book.config.page
    html = render(book.root, "offprints/cover.html.j2", book=book.config,
                  covers=[dataclasses.replace(c, citation_html=Markup(c.citation_html))
                          for c in covers],
                  editors=name_list([e.name for e in book.editors]),
                  font_css=Markup(font_css()),
                  page_css=Markup(f"@page {{ size: {p.width} {p.height}; }}"))
    html_path = work / "offprint-covers.html"
    atomic_write_text(html_path, html)
    output = work / "offprint-covers.pdf"
    render_pdf(html_path, output, book.root, [book.root, TEMPLATES_DIR, FONTS_DIR],
               fast_parse=htmltree.allowed(book))
    reader = PdfReader(output)
    if len(reader.pages) != COVER_PAGES * len(covers):
        raise ToolError(f"the offprint covers took {len(reader.pages)} pages, not "
                        f"{COVER_PAGES} each; shorten templates/offprints/cover.html.j2.")
    out = []
    for index in range(len(covers)):
        writer = PdfWriter()
        writer.append(reader, pages=(COVER_PAGES * index, COVER_PAGES * (index + 1)),
                      import_outline=False)
        buffer = io.BytesIO()
        writer.write(buffer)
        out.append(buffer.getvalue())
    return out


def write_offprint(reader: Any, span: PageSpan, cover_pdf: bytes, output: Path,
                   cover: Cover, created: dt.datetime) -> None:
    """The cover, then the chapter's pages from the book, labelled with their folios."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import PageLabelStyle

    writer = PdfWriter()
    cover_reader = PdfReader(io.BytesIO(cover_pdf))
    writer.append(cover_reader, import_outline=False)
    covers = len(cover_reader.pages)
    writer.append(reader, pages=(span.first_index, span.last_index + 1), import_outline=False)
    writer.set_page_label(0, covers - 1, prefix="Cover ", style=PageLabelStyle.DECIMAL,
                          start=1)
    writer.set_page_label(covers, len(writer.pages) - 1, style=PageLabelStyle.DECIMAL,
                          start=span.first_page)
    stamp = created.strftime("D:%Y%m%d%H%M%SZ")
    writer.add_metadata({"/Title": cover.title,
                         "/Author": name_list([a.name for a in cover.authors]),
                         "/Subject": cover.citation, "/Producer": "anthology",
                         "/CreationDate": stamp, "/ModDate": stamp})
    with atomic_output(output) as tmp, tmp.open("wb") as handle:
        writer.write(handle)


def offprint_name(number: int, chapter: Chapter) -> str:
    """`03-safe-spaces.pdf`."""
    return f"{number:02d}-{chapter.id}.pdf"


def select_offprints(book: Book, chapter_ids: Sequence[str]) -> list[tuple[int, Chapter]]:
    """The chapters asked for (all in the book when none), with their numbers in the book."""
    from anthology.core.config import did_you_mean
    from anthology.core.errors import UsageError

    numbered = numbered_chapters(book)
    if not chapter_ids:
        return numbered
    by_id = {c.id: (n, c) for n, c in numbered}
    chosen = []
    for ident in chapter_ids:
        if ident in by_id:
            chosen.append(by_id[ident])
            continue
        known = {c.id for c in book.chapters}
        if ident in known:
            raise UsageError(f"chapter '{ident}' has no file yet, so it is not in the book and "
                             "has no offprint.")
        hint = did_you_mean(ident, by_id) or f"Chapters in the book: {', '.join(by_id)}."
        raise UsageError(f"there is no chapter '{ident}' in chapters.yaml. {hint}")
    return sorted({n: (n, c) for n, c in chosen}.values(), key=lambda item: item[0])


def write_offprints(book: Book, book_pdf: Path, chapter_ids: Sequence[str] = (), *,
                    out_dir: Path | None = None,
                    progress: Progress = lambda _: None) -> list[Offprint]:
    """Write build/offprints/<nn>-<id>.pdf (or into `out_dir`) for the chapters named (all
    when none), cut from `book_pdf`, the book PDF built from the same sources (build.py's
    build_offprints builds it first)."""
    from anthology.outputs.common import build_time, out_dir_of

    chosen = select_offprints(book, chapter_ids)
    book = typeset_book(book)  # the covers print what the book prints
    target = out_dir or out_dir_of(book) / "offprints"
    reader = _reader(book_pdf)
    spans = _page_spans(reader, book_pdf.name)
    work = out_dir_of(book) / ".work-offprints"
    work.mkdir(parents=True, exist_ok=True)
    found = []
    for number, chapter in chosen:
        span = spans.get(f"chapter-{number}")
        if span is None:
            raise AnthologyError(f"{book_pdf.name} has no page for chapter {number} "
                                 f"('{chapter.id}'). Build the book again with "
                                 "`anthology build pdf`.")
        found.append((number, chapter, span, *_chapter_meta(book, chapter)))
    styled = styled_citations(book, [csl_item(book, chapter, title, authors, span.first_page,
                                              span.last_page)
                                     for _, chapter, span, title, authors in found])
    plan = []
    for number, chapter, span, title, authors in found:
        citation = styled.get(f"offprint-{chapter.id}")
        if citation is None:  # the style printed nothing for it: anthology's own form
            text = chapter_citation(book, chapter, title, authors, span)
            citation = Citation(plain_citation_html(text, full_title(book)), text)
        plan.append((number, chapter, span, Cover(title, authors, citation.text,
                                                  citation.html)))
    progress(f"Laying out {len(plan)} offprint cover{'' if len(plan) == 1 else 's'}")
    written = []
    created = build_time(book.root)
    try:
        covers = cover_pdfs(book, [item[3] for item in plan], work)
        for (number, chapter, span, cover), cover_pdf in zip(plan, covers, strict=True):
            path = target / offprint_name(number, chapter)
            write_offprint(reader, span, cover_pdf, path, cover, created)
            written.append(Offprint(chapter, number, span, path, cover.citation))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return written
