"""The EPUB's own pages and navigation: title and copyright pages, chapter titles, the nested
contents, the print edition's page list and page breaks, dc:date and the accessibility claim.
Read from the sample book built once per session (PDF and EPUB in one run, see conftest)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from anthology import __version__
from anthology.cli import cli
from anthology.outputs.epub.page_list import normal
from tests.pdftext import page_texts
from tests.render.conftest import EPOCH, Built

pytestmark = pytest.mark.slow

XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def text_of(built: Built, name: str) -> str:
    """A file of the EPUB as text."""
    return built.epub_files()[name].decode("utf-8")


def words(fragment: str) -> str:
    """The words of an XHTML fragment, tags dropped."""
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def test_opf_dates_the_publication_and_claims_conformance(built_sample: Built) -> None:
    opf = text_of(built_sample, "EPUB/content.opf")
    assert '<dc:date id="epub-date">2027</dc:date>' in opf  # book.yaml's year
    assert '<meta property="dcterms:modified">2027-01-01T00:00:00Z</meta>' in opf
    assert ('<meta property="dcterms:conformsTo">EPUB Accessibility 1.1 - WCAG 2.1 Level AA'
            '</meta>') in opf
    assert '<meta property="a11y:certifiedBy">Northgate University Press</meta>' in opf
    assert "<dc:source>urn:isbn:9781916428317</dc:source>" in opf
    # DAISY Ace 1.4 fails a page list whose source is not named (epub-pagesource, serious).
    assert '<meta property="pageBreakSource">urn:isbn:9781916428317</meta>' in opf
    for feature in ("pageBreakMarkers", "pageNavigation", "index"):  # the sample has an index
        assert f'<meta property="schema:accessibilityFeature">{feature}</meta>' in opf
    summary = re.search(r'<meta property="schema:accessibilitySummary">([^<]*)</meta>', opf)
    assert summary is not None and summary[1].endswith(
        " The print edition’s page numbers are marked in the text and listed for going to a "
        "page.")
    spine = re.findall(r'<itemref idref="([^"]+)"', opf)
    assert spine[:4] == ["cover_xhtml", "title_page_xhtml", "copyright_xhtml", "nav"]


def test_title_page_is_the_print_one(built_sample: Built) -> None:
    page = words(text_of(built_sample, "EPUB/text/title_page.xhtml"))
    assert page == ("Title page Doing Things Differently Co-production, Power and Knowledge "
                    "in Mental Health Edited by Helen Marsh and Daniel Okafor Northgate "
                    "University Press Northgate 2027")
    assert "2027-01-01" not in page


def test_copyright_page_has_imprint_isbns_doi_and_licence(built_sample: Built) -> None:
    page = text_of(built_sample, "EPUB/text/copyright.xhtml")
    assert 'epub:type="copyright-page"' in page
    assert re.findall(r"<p>(.*?)</p>", page) == [
        "Published by Northgate University Press, Northgate, 2027.",
        "First edition published 2027.",
        "Selection and editorial matter © Helen Marsh and Daniel Okafor 2027. Individual "
        "chapters © their authors 2027.",
        "This book is published under the licence CC BY-NC-ND 4.0.",
        "ISBN 978-1-916428-31-7 (print)",
        "ISBN 978-1-916428-32-4 (EPUB)",
        "DOI 10.99999/ngup.9781916428317",
        f"Made with anthology {__version__}.",
    ]


def test_each_file_is_titled_by_its_heading(built_sample: Built) -> None:
    files = built_sample.epub_files()
    nav = files["EPUB/nav.xhtml"].decode("utf-8")
    file_of = {anchor: name for name, anchor in
               re.findall(r'href="text/(ch\d+\.xhtml)#(chapter-\d+)"', nav)}
    # Every chapter is in the contents, and its file is titled by the chapter's title.
    assert sorted(file_of) == sorted(text.anchor for text in built_sample.texts)
    for text in built_sample.texts:
        page = files[f"EPUB/text/{file_of[text.anchor]}"].decode("utf-8")
        assert re.search(r"<title>(.*?)</title>", page).group(1) == text.title  # type: ignore[union-attr]
    titles = {re.search(r"<title>(.*?)</title>", d.decode()).group(1)  # type: ignore[union-attr]
              for n, d in files.items() if n.startswith("EPUB/text/")}
    assert "Part I: Power, knowledge and space" in titles
    assert "Notes on contributors" in titles
    assert not any(re.fullmatch(r"ch\d+\.xhtml", t) for t in titles)


def test_contents_nest_parts_chapters_and_sections(built_sample: Built) -> None:
    nav = ET.fromstring(built_sample.epub_files()["EPUB/nav.xhtml"])
    toc = next(n for n in nav.iter(f"{XHTML}nav") if n.get(EPUB_TYPE) == "toc")

    def tree(ol: ET.Element) -> list[tuple[str, list]]:  # type: ignore[type-arg]
        out = []
        for li in ol.findall(f"{XHTML}li"):
            (link,) = li.findall(f"{XHTML}a")  # each entry is one link
            inner = li.find(f"{XHTML}ol")
            out.append((" ".join("".join(link.itertext()).split()),
                        tree(inner) if inner is not None else []))
        return out

    (top_ol,) = toc.findall(f"{XHTML}ol")  # one list at the top, the rest nested in it
    top = tree(top_ol)
    assert [label for label, _ in top] == [
        "Notes on contributors",
        "1 Introduction: Doing things differently, Helen Marsh and Daniel Okafor",
        "Part I: Power, knowledge and space", "Part II: Decisions, practice and institutions",
        "Index"]
    part_one = dict(top)["Part I: Power, knowledge and space"]
    assert [label.split(",")[0] for label, _ in part_one] == [
        "2 Whose knowledge counts? Parity of esteem between lived experience and professional "
        "expertise", "3 Room to think: safe", "4 Learning together: peer support"]
    room = dict(part_one)["3 Room to think: safe, shared spaces for doing things differently, "
                          "Aisha Begum and Sam Whitfield"]
    assert [label for label, _ in room] == [
        "Every meeting happens in a room", "Two rooms", "What makes a space safe enough",
        "What advocacy can learn", "Conclusion", "References"]
    assert [label for label, _ in dict(room)["Two rooms"]] == [
        "The institutional room", "The forum’s room"]
    assert all(entry != "Abstract" for entry, _ in room)


def test_contents_show_chapter_numbers_inline_and_not_the_list_numbers(
        built_sample: Built) -> None:
    files = built_sample.epub_files()
    css = files["EPUB/styles/stylesheet1.css"].decode()
    assert "nav#toc ol { list-style-type: none;" in css  # "2. 1 Introduction" otherwise
    assert "nav#toc .chapter-number { display: inline;" in css  # block on the opener
    assert "nav#toc li { padding-left: 1.2em; text-indent: -1.2em;" in css  # a wrap hangs
    nav = files["EPUB/nav.xhtml"].decode()
    assert ('<span class="chapter-number">1</span> Introduction: Doing things differently, '
            '<span class="nav-authors">Helen Marsh and Daniel Okafor</span></a>') in nav


def test_page_list_gives_every_printed_page_with_text(built_sample: Built) -> None:
    files = built_sample.epub_files()
    nav = files["EPUB/nav.xhtml"].decode("utf-8")
    listed = re.findall(r'<li><a href="text/(ch\d+\.xhtml)#page-(\d+)">(\d+)</a></li>', nav)
    assert 'epub:type="page-list" role="doc-pagelist"' in nav
    reader = PdfReader(built_sample.pdf)
    labels = reader.page_labels
    # The print index's pages are not the EPUB's text: the EPUB's own index links its places.
    index_page = reader.get_destination_page_number(reader.named_destinations["book-index"])
    with_text = [label for label, text in zip(labels[:index_page], page_texts(built_sample.pdf),
                                              strict=False)
                 if label.isdigit() and text.strip()]
    assert index_page < len(labels) and labels[index_page].isdigit()
    assert [label for _, label, _ in listed] == with_text
    for name, label, shown in listed:
        assert label == shown
        page = files[f"EPUB/text/{name}"].decode("utf-8")
        assert (f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{label}" '
                f'aria-label="{label}"></span>') in page


def test_each_page_break_stands_before_the_words_that_begin_the_page(
        built_sample: Built) -> None:
    files = built_sample.epub_files()
    reader = PdfReader(built_sample.pdf)
    texts = dict(zip(reader.page_labels, page_texts(built_sample.pdf), strict=True))
    checked = 0
    for name, data in files.items():
        if not name.startswith("EPUB/text/ch"):
            continue
        page = data.decode("utf-8")
        for found in re.finditer(r'id="page-(\d+)"[^>]*></span>', page):
            after = [normal(w) for w in words(page[found.end():found.end() + 400]).split()]
            following = [w for w in after if w][:4]
            printed = [normal(w) for w in texts[found.group(1)].split()]
            printed = [w for w in printed if w][:40]
            # The first words after the marker are among the first words of the page (after
            # its running head), in the same order.
            start = printed.index(following[0])
            assert printed[start:start + 4] == following, (found.group(1), following)
            checked += 1
    assert checked >= 30


def test_a_page_that_opens_with_a_heading_has_its_break_before_the_heading(
        built_sample: Built) -> None:
    pages = {n: d.decode() for n, d in built_sample.epub_files().items()
             if n.startswith("EPUB/text/ch")}
    # Pages of the sample that open with a subheading (pp. 25 and 38 when this was written).
    before = [m[1] for page in pages.values()
              for m in re.finditer(r'aria-label="(\d+)"></span><h[2-6]\b', page)]
    assert before
    inside = [m[0] for page in pages.values()
              for m in re.finditer(r"<h\d[^>]*>(?:(?!</h\d>).)*doc-pagebreak", page, re.S)]
    assert not inside, inside  # its label would be read as part of the heading


def test_openers_give_affiliations_and_the_abstract_heading(built_sample: Built) -> None:
    files = built_sample.epub_files()
    opener = next(d.decode() for n, d in files.items()
                  if n.startswith("EPUB/text/ch") and b'<section id="chapter-3"' in d)
    assert ('<p><span class="author-name">Aisha Begum</span><br />\n'
            '<span class="author-affiliation">Northgate Independent Advocacy Service</span></p>'
            ) in opener
    assert re.search(r"<h2 class=\"unnumbered abstract-heading\">Abstract</h2>", opener)


def test_page_list_without_a_print_isbn_names_the_print_edition(built_small: Built) -> None:
    opf = text_of(built_small, "EPUB/content.opf")
    assert ('<meta property="pageBreakSource">A Small Book: For Tests, edited by Ada Editor '
            "(Test University Press, 2027), print edition</meta>") in opf
    assert "<dc:source>" not in opf
    assert '<meta property="schema:accessibilityFeature">index</meta>' not in opf  # it has none
    assert 'epub:type="page-list"' in text_of(built_small, "EPUB/nav.xhtml")


def test_an_epub_alone_without_a_current_pdf_has_no_page_list(tmp_path: Path) -> None:
    from tests.conftest import write_book

    root = write_book(tmp_path / "book")
    result = CliRunner().invoke(cli, ["--book", str(root), "build", "epub"],
                                env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.exit_code == 0, result.output
    assert ("Writing the EPUB (no page list: there is no book PDF yet; `anthology build` "
            "makes both)") in result.output
    import zipfile

    with zipfile.ZipFile(root / "build" / "a-small-book.epub") as epub:
        opf = epub.read("EPUB/content.opf").decode()
        nav = epub.read("EPUB/nav.xhtml").decode()
    assert "dcterms:conformsTo" not in opf and "pageBreakMarkers" not in opf
    assert "pageBreakSource" not in opf and "page numbers are marked" not in opf
    assert "page-list" not in nav


def test_table_header_cells_have_their_scope(built_sample: Built) -> None:
    pages = [d.decode() for n, d in built_sample.epub_files().items()
             if n.startswith("EPUB/text/ch")]
    cells = [cell for page in pages for cell in re.findall(r"<th\b[^>]*>", page)]
    assert cells and all('scope="col"' in cell for cell in cells), cells
