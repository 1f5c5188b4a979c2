"""The EPUB's own pages and navigation, written by anthology rather than pandoc: the title page
as in print ("Edited by", the year), the copyright page (publisher, ISBNs, DOI, licence), the
navigation document (parts above their chapters, each chapter with its authors and sections,
the print edition's page list, landmarks), and each chapter's <title>.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape, unescape

from anthology import __version__
from anthology.chapters.prepare import ChapterText
from anthology.core.model import Book

COPYRIGHT_FILE = "copyright.xhtml"
# What a conforming EPUB claims (EPUB Accessibility 1.1, section 2.1).
CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
# What the accessibility summary adds when the print edition's pages are marked.
PAGES_SUMMARY = ("The print edition’s page numbers are marked in the text and listed for "
                 "going to a page.")
_SECTION = re.compile(r'<section id="([^"]+)" class="level([23])([^"]*)">\s*<h\2[^>]*>(.*?)</h\2>',
                      re.S)
_TAG = re.compile(r"<[^>]+>")


def publication_date(book: Book, created: dt.datetime) -> str:
    """The EPUB's dc:date: the year of publication from book.yaml, else the build's date."""
    return str(book.config.year) if book.config.year else created.strftime("%Y-%m-%d")


def _editors(book: Book) -> str:
    listed = [p.name for p in book.editors]
    return listed[0] if len(listed) <= 1 else ", ".join(listed[:-1]) + " and " + listed[-1]


def xhtml_page(book: Book, title: str, body_type: str, body: str) -> str:
    """A complete XHTML page of the package under text/, with the book's stylesheet."""
    lang = escape(book.config.language)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
            f' lang="{lang}" xml:lang="{lang}">\n<head>\n  <meta charset="utf-8" />\n'
            f"  <title>{escape(title)}</title>\n"
            '  <link rel="stylesheet" type="text/css" href="../styles/stylesheet1.css" />\n'
            f'</head>\n<body epub:type="{body_type}">\n{body}</body>\n</html>\n')


def title_page(book: Book) -> str:
    """The title page as in print: title, subtitle, "Edited by" the editors, publisher, place
    and year."""
    c = book.config
    lines = [f'  <h1 class="book-title">{escape(c.title)}</h1>\n']
    if c.subtitle:
        lines.append(f'  <p class="book-subtitle">{escape(c.subtitle)}</p>\n')
    if book.editors:
        lines.append('  <p class="edited-by">Edited by</p>\n'
                     f'  <p class="book-editors">{escape(_editors(book))}</p>\n')
    imprint = [escape(x) for x in (c.publisher, c.place) if x]
    if c.year:
        imprint.append(str(c.year))
    if imprint:
        lines.append(f'  <p class="publisher">{"<br />".join(imprint)}</p>\n')
    body = ('<section epub:type="titlepage" class="titlepage" aria-label="Title page">\n'
            + "".join(lines) + "</section>\n")
    return xhtml_page(book, "Title page", "frontmatter", body)


def copyright_lines(book: Book) -> list[str]:
    """What the copyright page says, line by line (as the print edition's)."""
    c = book.config
    year = f" {c.year}" if c.year else ""
    lines = []
    if c.publisher:
        lines.append(f"Published by {c.publisher}{', ' + c.place if c.place else ''}"
                     f"{', ' + str(c.year) if c.year else ''}.")
    if c.edition:
        lines.append(f"{c.edition}{' published' + year if c.year else ''}.")
    if book.editors:
        lines.append(f"Selection and editorial matter © {_editors(book)}{year}. "
                     f"Individual chapters © their authors{year}.")
    if c.licence:
        lines.append(f"This book is published under the licence {c.licence}.")
    if c.isbn_print:
        lines.append(f"ISBN {c.isbn_print} (print)")
    if c.isbn_epub:
        lines.append(f"ISBN {c.isbn_epub} (EPUB)")
    if c.doi:
        lines.append(f"DOI {c.doi}")
    lines.append(f"Made with anthology {__version__}.")
    return lines


def copyright_page(book: Book) -> str:
    """The copyright page: publisher, edition, copyright, licence, ISBNs, DOI."""
    body = ('<section epub:type="copyright-page" class="copyright-page" '
            'aria-label="Copyright">\n'
            + "".join(f"  <p>{escape(line)}</p>\n" for line in copyright_lines(book))
            + "</section>\n")
    return xhtml_page(book, "Copyright", "frontmatter", body)


@dataclass
class NavEntry:
    """One entry of the contents: a link, its label (XHTML), and the entries under it."""

    href: str
    label: str
    children: list[NavEntry] = field(default_factory=list)


def plain_text(fragment: str) -> str:
    """An XHTML fragment's text, tags dropped (nav labels cannot hold links or notes)."""
    return " ".join(unescape(_TAG.sub("", fragment)).split())


def chapter_sections(file: str, xhtml: str) -> list[NavEntry]:
    """A chapter's sections (levels 2 and 3) as nested entries, from its XHTML."""
    top: list[NavEntry] = []
    current: NavEntry | None = None
    for ident, level, classes, heading in _SECTION.findall(xhtml):
        if "abstract-heading" in classes.split():
            continue
        entry = NavEntry(f"text/{file}#{ident}", escape(plain_text(heading)))
        if level == "2" or current is None:
            top.append(entry)
            current = entry
        else:
            current.children.append(entry)
    return top


def _items(entries: Sequence[NavEntry], depth: int) -> str:
    pad = "  " * depth
    out = [f"{pad}<ol>\n"]
    for entry in entries:
        out.append(f'{pad}  <li><a href="{escape(entry.href)}">{entry.label}</a>')
        if entry.children:
            out.append("\n" + _items(entry.children, depth + 2) + f"{pad}  ")
        out.append("</li>\n")
    out.append(f"{pad}</ol>\n")
    return "".join(out)


def contents(texts: Sequence[ChapterText], files: Mapping[str, str],
             sections: Mapping[str, list[NavEntry]]) -> list[NavEntry]:
    """The contents: notes on contributors, then each part with its chapters under it (a
    chapter outside a part at the top), each chapter with its authors and its sections.
    `files` names the file of each anchor; `sections` lists each chapter's (by anchor)."""
    entries: list[NavEntry] = []
    if "notes-on-contributors" in files:
        entries.append(NavEntry(f"text/{files['notes-on-contributors']}#notes-on-contributors",
                                "Notes on contributors"))
    part: NavEntry | None = None
    previous = None
    for text in texts:
        name = text.chapter.part
        if name and name != previous:
            anchor = f"part-{text.number}"
            part = NavEntry(f"text/{files[anchor]}#{anchor}", escape(name))
            entries.append(part)
        elif not name:
            part = None
        previous = name
        label = (f'<span class="chapter-number">{text.number}</span> {escape(text.title)}')
        if text.author_names:
            label += f', <span class="nav-authors">{escape(text.author_names)}</span>'
        chapter = NavEntry(f"text/{files[text.anchor]}#{text.anchor}", label,
                           sections.get(text.anchor, []))
        (part.children if part is not None else entries).append(chapter)
    return entries


def navigation(book: Book, entries: Sequence[NavEntry],
               pages: Sequence[tuple[str, str]], first_chapter: str) -> str:
    """nav.xhtml: the contents, the print edition's page list (label, href) if known, and
    the landmarks."""
    lang = escape(book.config.language)
    page_list = ""
    if pages:
        page_list = ('<nav epub:type="page-list" role="doc-pagelist" id="page-list" '
                     'aria-label="Pages of the print edition" hidden="hidden">\n<ol>\n'
                     + "".join(f'  <li><a href="{escape(href)}">{escape(label)}</a></li>\n'
                               for label, href in pages)
                     + "</ol>\n</nav>\n")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
            f' lang="{lang}" xml:lang="{lang}">\n<head>\n  <meta charset="utf-8" />\n'
            f"  <title>{escape(book.config.title)}</title>\n"
            '  <link rel="stylesheet" type="text/css" href="styles/stylesheet1.css" />\n'
            '</head>\n<body epub:type="frontmatter">\n'
            '<nav epub:type="toc" role="doc-toc" id="toc">\n<h1 id="toc-title">Contents</h1>\n'
            + _items(entries, 0) + "</nav>\n" + page_list
            + '<nav epub:type="landmarks" id="landmarks" hidden="hidden">\n<ol>\n'
            '  <li><a href="text/cover.xhtml" epub:type="cover">Cover</a></li>\n'
            '  <li><a href="text/title_page.xhtml" epub:type="titlepage">Title page</a></li>\n'
            f'  <li><a href="text/{COPYRIGHT_FILE}" epub:type="copyright-page">Copyright</a>'
            "</li>\n"
            '  <li><a href="#toc" epub:type="toc">Contents</a></li>\n'
            f'  <li><a href="{escape(first_chapter)}" epub:type="bodymatter">Start of '
            "content</a></li>\n</ol>\n</nav>\n</body>\n</html>\n")


def certifier(book: Book) -> str:
    """Who makes the accessibility claim: the publisher, else the editors."""
    return book.config.publisher or _editors(book) or book.config.title


def page_source(book: Book) -> str:
    """The pageBreakSource of the page list (EPUB Accessibility 1.1, Page Source
    Identification): the print edition's ISBN, else a name that identifies that edition."""
    c = book.config
    if c.isbn_print:
        return f"urn:isbn:{c.isbn_print.replace('-', '')}"
    name = f"{c.title}: {c.subtitle}" if c.subtitle else c.title
    if book.editors:
        name += f", edited by {_editors(book)}"
    imprint = ", ".join(x for x in (c.publisher, str(c.year) if c.year else "") if x)
    return f"{name}{f' ({imprint})' if imprint else ''}, print edition"


def with_features(access: list[tuple[str, str]], *features: str) -> list[tuple[str, str]]:
    """The accessibility metadata with `features` after the accessibilityFeatures it has."""
    last = max(i for i, (name, _) in enumerate(access)
               if name == "schema:accessibilityFeature")
    added = [("schema:accessibilityFeature", f) for f in features]
    return [*access[:last + 1], *added, *access[last + 1:]]


def with_page_features(access: list[tuple[str, str]], pages: bool) -> list[tuple[str, str]]:
    """The accessibility metadata with the page features when there is a page list, which the
    summary then names too."""
    if not pages:
        return access
    access = [(name, f"{value} {PAGES_SUMMARY}" if name == "schema:accessibilitySummary"
               else value) for name, value in access]
    return with_features(access, "pageBreakMarkers", "pageNavigation")


_IMG = re.compile(r"<img\b[^>]*>")
_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1>", re.S)
_ALT = re.compile(r'\salt="([^"]*)"')


def conformance_gaps(pages: Iterable[str], cover_alt: str,
                     page_list: Sequence[tuple[str, str]], missed: Sequence[str] = ()) -> list[str]:
    """Why the EPUB may not claim EPUB Accessibility 1.1 (WCAG 2.1 AA), from what anthology
    checks itself: every image with a text alternative, every file with its language, no
    heading level skipped, the navigation with the print edition's page list, every printed
    page with text in it (`missed`: those not). None: it may (with EPUBCheck clean, which the
    test suite checks; DAISY Ace, not run here, passed the sample and `init`'s book)."""
    gaps = []
    skipped: list[tuple[str, int, int]] = []  # (heading, its level, the level above it)
    if not cover_alt.strip():
        gaps.append("the cover has no text alternative")
    for xhtml in pages:
        for tag in _IMG.findall(xhtml):
            alt = _ALT.search(tag)
            if alt is None or not alt.group(1).strip():
                gaps.append("an image has no text alternative")
                break
        if not re.search(r'<html\b[^>]*\slang="[^"]+"', xhtml):
            gaps.append("a file does not say its language")
        previous = None
        for level, heading in ((int(n), h) for n, h in _HEADING.findall(xhtml)):
            if previous is not None and level > previous + 1:
                skipped.append((plain_text(heading), level, previous))
            previous = level
    if skipped:
        # A heading below a level it skipped (## then ####) fails DAISY Ace (heading-order).
        title, level, above = skipped[0]
        fix = f'({"#" * level} after {"#" * above}: make it {"#" * (above + 1)})'
        gaps.append(f'the heading "{title}" skips a level {fix}' if len(skipped) == 1
                    else f'{len(skipped)} headings skip a level, the first "{title}" {fix}')
    if not page_list:
        gaps.append("no page list (the print edition's pages are not known)")
    elif missed:
        gaps.append(f"{len(missed)} printed page{'s' if len(missed) > 1 else ''} not in the "
                    "page list")
    return list(dict.fromkeys(gaps))


def conformance_note(gaps: Sequence[str]) -> str:
    """The progress line of an EPUB that claims no conformance, saying why."""
    return f"The EPUB claims no accessibility conformance: {'; '.join(gaps)}."
