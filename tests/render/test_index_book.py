"""The sample book's index, checked against the pages and files it points to: in the release
PDF, in the everyday (incremental) PDF, again after an early chapter grows by a page, and in
the EPUB.

A locator is right when the page number the index prints is the page its link goes to, and
the text the author marked is on that page (pypdf's text extraction, hyphens and spaces
folded), or, in the EPUB, when the element it links to is in the file it names and holds the
marked text.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdf
import pytest

from anthology.chapters.document import each, stringify
from anthology.chapters.maths import FONT_SIZE, measure_of
from tests.books import Snapshot
from tests.pdftext import page_texts
from tests.render.conftest import Built, build

pytestmark = pytest.mark.slow


def marked_texts(built: Built) -> dict[str, str]:
    """Every mark's anchor in the book -> the text it marks ('' for \\index and []{...})."""
    found = {}
    for text in built.texts:
        for span in each(text.ast, "Span"):
            attr, content = span["c"]
            if "index-mark" in attr[1]:
                found[text.prefix + attr[0]] = stringify(content)
    return found


def _fold(text: str) -> str:
    return re.sub(r"[\s\-\u2010\u00ad]", "", text).casefold()


@dataclass
class Located:
    """One link of the PDF's index: the page number printed, and where the link goes."""

    printed: int
    anchor: str
    target: int  # the physical page (from 0) the link goes to


def index_links(pdf: Path, measure: float) -> tuple[list[Located], int]:
    """The index's links and the physical page of the body's page 1 (`measure`:
    the width of the text, in points)."""
    reader = pypdf.PdfReader(pdf)
    dests = {name: reader.get_destination_page_number(d)
             for name, d in reader.named_destinations.items()}
    body_first = dests["chapter-1"]
    start = dests["book-index"]
    located = []
    for number in range(start, len(reader.pages)):
        page = reader.pages[number]
        runs: list[tuple[float, float, str]] = []

        def visit(text: str, cm: Any, tm: Any, _font: Any, _size: Any,
                  runs: list[tuple[float, float, str]] = runs) -> None:
            if text.strip():
                runs.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4],
                             tm[4] * cm[1] + tm[5] * cm[3] + cm[5], text))

        page.extract_text(visitor_text=visit)
        if not runs:
            continue
        links = [a.get_object() for a in page.get("/Annots", [])]
        links = [a for a in links if "/Dest" in a]

        def inside(y: float, link: Any) -> bool:
            # A link's box is its line's height: the baseline is inside it, clear of its edges.
            low, high = sorted((float(link["/Rect"][1]), float(link["/Rect"][3])))
            return low + 1 < y < high - 1

        # Two columns: anything that begins past the middle of the measure is in the right one.
        left = min(x for x, _, _ in runs)
        middle = left + measure / 2
        lines: dict[tuple[bool, float], list[tuple[float, str]]] = {}
        for x, y, text in runs:  # a line is one run, or several (a tagged PDF's, an italic)
            lines.setdefault((x >= middle, round(y, 1)), []).append((x, text))
        for (column, y), pieces in lines.items():
            line = "".join(text.replace("\n", "") for _, text in sorted(pieces))
            on_line = sorted((a for a in links if inside(y, a)
                              and (float(a["/Rect"][0]) >= middle) == column),
                             key=lambda a: float(a["/Rect"][0]))
            if not on_line:
                continue
            # Its numbers are its links, in order (a heading may hold a number too).
            numbers = re.findall(r"\d+", line)[-len(on_line):]
            assert len(numbers) == len(on_line), (line, on_line)
            for link, printed in zip(on_line, numbers, strict=True):
                anchor = str(link["/Dest"])
                located.append(Located(int(printed), anchor, dests[anchor]))
    return located, body_first


def pdf_problems(built: Built) -> tuple[int, list[str], dict[str, int]]:
    """How many locators were checked, what is wrong with them, and each anchor's page."""
    page = built.book.config.page
    measure = measure_of(page.width, page.inner, page.outer)
    # The sample's royal octavo: 156 mm less 20 mm and 16 mm of margins, in em of 10 pt.
    assert measure == pytest.approx((156 - 20 - 16) * 72 / 25.4 / FONT_SIZE)
    located, body_first = index_links(built.pdf, measure * FONT_SIZE)
    marked = marked_texts(built)
    problems = []
    pages = {}
    texts = page_texts(built.pdf)
    for loc in located:
        pages[loc.anchor] = loc.printed
        if loc.target != body_first + loc.printed - 1:
            problems.append(f"{loc.anchor}: printed {loc.printed}, links to page "
                            f"{loc.target - body_first + 1}")
        text = marked.get(loc.anchor)
        if text is None:
            problems.append(f"{loc.anchor}: no such mark")
        elif text and _fold(text) not in _fold(texts[loc.target]):
            problems.append(f"{loc.anchor}: '{text}' is not on page {loc.printed}")
    return len(located), problems, pages


def test_the_release_pdf_index_points_at_the_marked_pages(built_sample: Built) -> None:
    count, problems, _ = pdf_problems(built_sample)
    assert problems == []
    assert count >= 95  # the marks fall on fewer pages where a table moves after its text
    text = "\n".join(page_texts(built_sample.pdf)[-4:])
    assert "Goffman, Erving," in text
    assert re.search(r"service users\.\s+See\s+people\s+who\s+use\s+services", text)
    assert re.search(r"tokenism, \d+\.\s+See\s+also\s+ladder\s+of\s+participation", text)
    # The marked range: one page since Table 2.1 goes after the text that fills its page.
    assert re.search(r"ladder of participation, \d+(–\d+)?\n", text)
    assert re.search(r", \d+–\d+", text)  # pages that run on print as a range


def test_the_release_pdf_has_the_index_in_its_outline(built_sample: Built) -> None:
    reader = pypdf.PdfReader(built_sample.pdf)
    assert reader.outline[-1].title == "Index"


@pytest.fixture
def everyday(sample_pdf_built: Snapshot) -> tuple[Built, Built]:
    """The sample book's everyday PDF (kept as before.pdf), then again, incrementally, after
    its first chapter grows by a page or two at its end."""
    root = sample_pdf_built.fresh()  # built once: this build changes nothing
    before = build(root, ("pdf",), release=False)
    shutil.copy2(before.pdf, root / "build" / "before.pdf")
    chapter = root / "chapters" / "01-introduction.md"
    grown = chapter.read_text(encoding="utf-8") + "\n\n" + "\n\n".join(
        "A paragraph added at the end to make the chapter longer, a line or two. " * 20
        for _ in range(4)) + "\n"
    chapter.write_text(grown, encoding="utf-8")
    return _with_pdf(before, "before.pdf"), build(root, ("pdf",), release=False)


def _with_pdf(built: Built, name: str) -> Built:
    class Renamed(Built):
        @property
        def pdf(self) -> Path:
            return self.root / "build" / name
    return Renamed(built.root, built.book, built.result, built.texts)


def test_the_everyday_pdf_index_is_right_before_and_after_a_chapter_grows(
        everyday: tuple[Built, Built]) -> None:
    before, after = everyday
    count, problems, pages_before = pdf_problems(before)
    assert problems == [] and count >= 95
    count, problems, pages_after = pdf_problems(after)
    assert problems == [] and count >= 95
    metadata = pypdf.PdfReader(after.pdf).metadata
    assert metadata is not None and metadata["/anthologybuild"] == "incremental"
    assert after.result.pages is not None and before.result.pages is not None
    assert after.result.pages > before.result.pages
    # The later chapters' marks moved on; the first chapter's (before the new text) did not.
    later = [a for a in pages_after if not a.startswith("c1-") and a in pages_before]
    assert len(later) > 50 and all(pages_after[a] > pages_before[a] for a in later)
    first = [a for a in pages_after if a.startswith("c1-")]
    assert first and all(pages_after[a] == pages_before[a] for a in first)


class _Ids(HTMLParser):
    """The text inside each element with an id, and the index's locators."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, str, list[str]]] = []
        self.text: dict[str, str] = {}
        self.locators: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("epub:type") == "index-locator":
            self.locators.append(str(values["href"]))
        if tag in ("br", "img", "hr", "meta", "link", "col"):
            return
        self.open.append((tag, str(values.get("id") or ""), []))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            name, ident, parts = self.open.pop()
            if ident:
                self.text[ident] = "".join(parts)
            if self.open:
                self.open[-1][2].extend(parts)
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        if self.open:
            self.open[-1][2].append(data)


def test_the_epub_index_points_at_the_marked_elements(built_sample: Built) -> None:
    files = built_sample.epub_files()
    index = files["EPUB/text/index.xhtml"].decode("utf-8")
    assert '<section epub:type="index"' in index
    assert 'epub:type="index-entry-list"' in index and 'epub:type="index-term"' in index
    parser = _Ids()
    parser.feed(index)
    marked = marked_texts(built_sample)
    parsed: dict[str, _Ids] = {}
    problems = []
    for href in parser.locators:
        name, _, anchor = href.partition("#")
        path = f"EPUB/text/{name}"
        if path not in files:
            problems.append(f"{href}: no file {name}")
            continue
        if name not in parsed:
            parsed[name] = _Ids()
            parsed[name].feed(files[path].decode("utf-8"))
        if anchor not in parsed[name].text:
            problems.append(f"{href}: no element {anchor}")
        elif parsed[name].text[anchor] != marked[anchor]:
            problems.append(f"{href}: holds '{parsed[name].text[anchor]}'")
    assert problems == []
    assert len(parser.locators) >= 60
    nav = files["EPUB/nav.xhtml"].decode("utf-8")
    assert '<a href="text/index.xhtml">Index</a>' in nav
    assert '<a href="text/index.xhtml" epub:type="index">Index</a>' in nav
    opf = files["EPUB/content.opf"].decode("utf-8")
    assert re.search(r'<itemref idref="book_index" />\s*</spine>', opf)


MARKED = """\
---
title: Introduction
authors: [ada-editor]
---

""" + "\n\n".join(
    f"Paragraph {n} on [co-production]{{.index}} and [power]{{index=\"power!and knowledge\"}}, "
    + "with words enough to fill a page or two of the book. " * 12 for n in range(14)) + """

[Goffman]{index="Goffman, Erving"} ends it.\\index{institutions|see{Goffman, Erving}}
"""


@pytest.mark.parametrize(("css", "kind"), [
    ("p { orphans: 2; }\n", "incremental"),  # the book's own CSS: folios drawn in place
    ("a.xref::after { content: target-counter(attr(href), page); }\n", "whole-book"),
])
def test_a_books_own_css_gets_the_index_right(tmp_path: Path, css: str, kind: str) -> None:
    from tests.conftest import BOOK_YAML, write_book

    root = write_book(tmp_path / "book", {
        "book.yaml": BOOK_YAML + "build:\n  index: true\n", "styles/book.css": css,
        "chapters/01-intro.md": MARKED})
    built = build(root, ("pdf",), release=False)
    count, problems, pages = pdf_problems(built)
    assert problems == []
    assert count >= 4 and max(pages.values()) >= 3
    metadata = pypdf.PdfReader(built.pdf).metadata
    assert metadata is not None and metadata["/anthologybuild"] == kind
