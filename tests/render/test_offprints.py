"""Offprints: the chapter's own pages from the book PDF, with the real page range on the cover."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from anthology.cli import cli
from anthology.core.model import Contributor
from anthology.outputs.offprints.citation import csl_item, styled_citations, unbroken_pages
from anthology.outputs.offprints.write import (
    COVER_PAGES,
    Offprint,
    PageSpan,
    chapter_citation,
    chapter_page_spans,
    initials_name,
    write_offprints,
)
from tests.commandline import run
from tests.pdftext import page_texts
from tests.render.conftest import EPOCH, Built


@pytest.mark.parametrize(("name", "sort_name", "expected"), [
    ("Helen Marsh", None, "H. Marsh"),
    ("Helen Marsh", "Marsh, Helen", "H. Marsh"),
    ("Jean-Paul Sartre", None, "J.-P. Sartre"),
    ("Ursula K. Le Guin", "Le Guin, Ursula K.", "U. K. Le Guin"),
    ("Plato", None, "Plato"),
    ("Anne-Marie van der Berg", None, "A.-M. van der Berg"),
    ("Siobhán O'Brien-Ní Dhuibhir", None, "S. O'Brien-Ní Dhuibhir"),
    ("Dafydd ap Gwilym", "ap Gwilym, Dafydd", "D. ap Gwilym"),
    ("Dafydd ap Gwilym", None, "D. ap Gwilym"),
])
def test_initials_name(name: str, sort_name: str | None, expected: str) -> None:
    assert initials_name(Contributor("x", name, sort_name)) == expected


def test_citation_names_editors_book_pages_imprint_and_doi(built_sample: Built) -> None:
    book = built_sample.book
    chapter = book.chapter("safe-spaces")
    authors = book.authors_of(chapter)
    span = PageSpan("chapter-3", 22, 27, 15, 20)
    assert chapter_citation(book, chapter, "Room to think", authors, span) == (
        "A. Begum and S. Whitfield, ‘Room to think’. In: H. Marsh and D. Okafor (eds), "
        "Doing Things Differently: Co-production, Power and Knowledge in Mental Health, "
        "pp. 15–20. Northgate: Northgate University Press, 2027. "
        "https://doi.org/10.99999/ngup.9781916428317")
    own = dataclasses.replace(chapter, doi="10.99999/ngup.ch3")
    one_page = PageSpan("chapter-3", 22, 22, 15, 15)
    assert chapter_citation(book, own, "T", authors, one_page).endswith(
        "p. 15. Northgate: Northgate University Press, 2027. https://doi.org/10.99999/ngup.ch3")


@pytest.fixture(scope="module")
def offprints(built_sample: Built, tmp_path_factory: pytest.TempPathFactory) -> list[Offprint]:
    """Every chapter's offprint, cut from the shared sample build."""
    out = tmp_path_factory.mktemp("offprints")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        return write_offprints(built_sample.book, built_sample.pdf, out_dir=out)


def _folios(text: str) -> set[int]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return {int(t) for line in lines[:1] + lines[-1:] for t in line.split() if t.isdigit()}


@pytest.mark.slow
def test_printed_page_range_is_the_pages_the_chapter_occupies(built_sample: Built,
                                                              offprints: list[Offprint]) -> None:
    book_pdf = PdfReader(built_sample.pdf)
    book_texts = page_texts(built_sample.pdf)
    destinations = {name: book_pdf.get_destination_page_number(d)
                    for name, d in book_pdf.named_destinations.items()}
    assert [o.path.name for o in offprints] == [
        "01-introduction.pdf", "02-power-sharing.pdf", "03-safe-spaces.pdf",
        "04-recovery-colleges.pdf", "05-values-consent.pdf", "06-ward-rounds.pdf"]
    for offprint in offprints:
        span = offprint.span
        # The chapter opens where the book's anchor is, and its folios run on its pages.
        assert span.first_index == destinations[f"chapter-{offprint.number}"]
        for index in range(span.first_index + 1, span.last_index + 1):
            folio = span.first_page + index - span.first_index
            assert folio in _folios(book_texts[index]), (offprint, index)
        # The page after the range is blank or opens something else.
        after = span.last_index + 1
        if after < len(book_pdf.pages) and after not in destinations.values():
            assert not book_texts[after].strip()
        reader = PdfReader(offprint.path)
        texts = page_texts(offprint.path)
        assert len(reader.pages) == COVER_PAGES + span.last_index - span.first_index + 1
        cover = " ".join(texts[0].split())
        assert f"pp. {span.first_page}–{span.last_page}." in cover
        assert "".join(offprint.citation.split()) in "".join(cover.split())
        # Same pages as the book, labelled with the book's folios.
        for k in range(COVER_PAGES, len(reader.pages)):
            assert texts[k] == book_texts[span.first_index + k - COVER_PAGES]
        assert reader.page_labels[COVER_PAGES:] == [
            str(n) for n in range(span.first_page, span.last_page + 1)]
        assert reader.metadata is not None and reader.metadata["/Subject"] == offprint.citation


@pytest.mark.slow
def test_spans_follow_one_another(built_sample: Built) -> None:
    spans = sorted(chapter_page_spans(built_sample.pdf).values(), key=lambda s: s.first_index)
    assert [s.anchor for s in spans] == [f"chapter-{n}" for n in range(1, 7)]
    assert spans[0].first_page == 1
    for before, after in itertools.pairwise(spans):
        assert before.last_page < after.first_page
    # The last chapter ends before the index (build.index), which is no chapter's.
    reader = PdfReader(built_sample.pdf)
    index = reader.get_destination_page_number(reader.named_destinations["book-index"])
    assert spans[-1].last_index < index


@pytest.mark.slow
def test_without_page_labels_the_folios_on_the_pages_give_the_same_spans(
        built_sample: Built, tmp_path: Path) -> None:
    """A book PDF whose pages are not labelled (not made by anthology, or by an older one):
    each chapter's printed pages are read from the folios on its pages."""
    import pikepdf

    unlabelled = tmp_path / "unlabelled.pdf"
    with pikepdf.open(built_sample.pdf) as pdf:
        del pdf.Root.PageLabels
        pdf.save(unlabelled)
    assert "/PageLabels" not in PdfReader(unlabelled).trailer["/Root"]
    assert chapter_page_spans(unlabelled) == chapter_page_spans(built_sample.pdf)


def test_unknown_target_is_a_usage_error(small_book: Path) -> None:
    result = run(small_book, "build", "pfd")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith(
        "Error: 'pfd' is not something anthology builds. Did you mean 'pdf'? Targets: pdf, "
        "epub, proposal, offprints, chapter, review (chapter ids may follow offprints, chapter or "
        "review).\n")


@pytest.mark.parametrize(("ident", "message"), [
    ("nope", "Error: there is no chapter 'nope' in chapters.yaml. Chapters in the book: "
             "intro.\n"),
    ("intr", "Error: there is no chapter 'intr' in chapters.yaml. Did you mean 'intro'?\n"),
    ("peer", "Error: chapter 'peer' has no file yet, so it is not in the book and has no "
             "offprint.\n"),
])
def test_unknown_offprint_chapter(small_book: Path, ident: str, message: str) -> None:
    result = run(small_book, "build", "offprints", ident)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == message


@pytest.mark.slow
def test_build_offprints_cli_for_one_chapter(small_book: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    result = CliRunner().invoke(cli, ["--book", str(small_book), "build", "pdf",
                                      "offprints", "intro"])
    assert result.exit_code == 0, result.stderr
    pages = len(PdfReader(small_book / "build" / "a-small-book.pdf").pages)
    span = chapter_page_spans(small_book / "build" / "a-small-book.pdf")["chapter-1"]
    assert result.stdout == (f"Wrote build/a-small-book.pdf ({pages} pages)\n"
                             f"Wrote build/offprints/01-intro.pdf ({span.page_range})\n")
    assert (small_book / "build" / "offprints" / "01-intro.pdf").is_file()


def test_a_one_page_chapter_takes_the_folio_the_book_agrees_on() -> None:
    # Chapter 5 on page index 24 shows "5" at the top (its number) and "15" at the foot; the
    # other pages of the book are numbered index - 9.
    from collections import Counter

    from anthology.outputs.offprints.write import best_offset

    assert best_offset(Counter({5 - 24: 1, 15 - 24: 1}), Counter({-9: 30, -19: 1, 3: 1})) == -9


def test_folios_are_read_through_nul_characters() -> None:
    # pypdf reads some PDFs' text with a NUL after each character.
    from anthology.outputs.offprints.write import _folio_candidates

    assert _folio_candidates("\x00T\x00e\x00x\x00t\n\x001\x002") == {12}


@pytest.mark.parametrize(("html", "expected"), [
    ("In <em>Book</em>, pp. 15–19. 2027.",
     'In <em>Book</em>, <span class="page-range">pp.\u00a015–19</span>. 2027.'),
    ("Book, p. 15.", 'Book, <span class="page-range">p.\u00a015</span>.'),
    ('edited by X, 15–19. <a href="https://doi.org/10.1/15-19">doi</a>',
     'edited by X, <span class="page-range">15–19</span>. '
     '<a href="https://doi.org/10.1/15-19">doi</a>'),
])
def test_page_ranges_never_break(html: str, expected: str) -> None:
    assert unbroken_pages(html) == expected


@pytest.mark.slow
def test_the_citation_is_in_the_books_style_with_the_book_in_italics(
        built_sample: Built) -> None:
    book = built_sample.book
    chapter = book.chapter("safe-spaces")
    item = csl_item(book, chapter, "Room to think", book.authors_of(chapter), 15, 20)
    citation = styled_citations(book, [item])["offprint-safe-spaces"]
    # harvard-cite-them-right, book.yaml's style, as the chapters' reference lists print it.
    assert citation.text == (
        "Begum, A. and Whitfield, S. (2027) ‘Room to think’, in H. Marsh and D. Okafor (eds) "
        "Doing Things Differently: Co-production, Power and Knowledge in Mental Health. "
        "Northgate: Northgate University Press, pp. 15–20. Available at: "
        "https://doi.org/10.99999/ngup.9781916428317.")
    assert ("<em>Doing Things Differently: Co-production, Power and Knowledge in Mental "
            "Health</em>") in citation.html
    assert '<span class="page-range">pp.\u00a015–20</span>' in citation.html

