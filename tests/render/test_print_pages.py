"""Where the print edition's pages begin in the EPUB: words compared, markers placed, and the
reasons an EPUB has no page list."""

from __future__ import annotations

import os
from pathlib import Path

import pikepdf
import pytest

from anthology.core.config import load_book
from anthology.outputs.epub.front import conformance_gaps, conformance_note
from anthology.outputs.epub.page_list import (
    PrintPages,
    file_words,
    marker,
    missed_pages_note,
    normal,
    page_words,
    place_page_breaks,
    print_edition,
    running_heads,
)
from tests.conftest import write_book

CHAPTER = """<?xml version="1.0" encoding="UTF-8"?>
<html><head><title>Room to think</title></head>
<body>
<section id="chapter-3" class="level1 chapter">
<h1 class="chapter"><span class="chapter-number">3</span> Room to think</h1>
<p>The forum meets in a room above a caf&#233; on Tuesday evenings, and the people who come
have all been inpatients at some time.<a href="#fn1" class="footnote-ref" epub:type="noteref">1</a>
Nobody takes minutes, and the agreement about what is said there is kept.</p>
<p>The institutional room is different: it has a table, an agenda and a chair, and the
people around the table know their places before anyone speaks. <math><mi>x</mi></math></p>
<section id="footnotes" epub:type="footnotes"><aside id="fn1"><p>The forum asked to be named.</p>
</aside></section>
</section>
</body></html>
"""


@pytest.mark.parametrize(("word", "compared"), [
    ("Co-production,", "coproduction"), ("‘Room", "room"), ("caf&#233;", "café"),
    ("(2027)", "2027"), ("—", ""),
])
def test_words_are_compared_by_letters_and_digits(word: str, compared: str) -> None:
    assert normal(word) == compared


def test_a_word_hyphenated_at_a_line_end_is_joined() -> None:
    assert page_words("16 Aisha Begum\nthe agree\u2010\nment about what\n") == [
        ["16", "aisha", "begum"], ["the", "agreement"], ["about", "what"]]


def test_notes_calls_and_maths_are_not_words_of_the_text() -> None:
    found = file_words(CHAPTER)
    assert "1" not in found.words and "named" not in found.words and "x" not in found.words
    assert found.words[:4] == ["3", "room", "to", "think"]
    assert CHAPTER[found.offsets[found.words.index("nobody")]:].startswith("Nobody takes")


def test_markers_go_at_a_chapters_opening_and_before_a_pages_first_words() -> None:
    pages = PrintPages(
        labels=["i", "15", "16", "17"],
        texts=["Contents", "3\nRoom to think\nThe forum meets in a room above a",
               "16\nAisha Begum and Sam Whitfield\nment about what is said there is kept.\n"
               "The institutional room is different: it has",
               ""],
        openings={"chapter-3": 1})
    placed = place_page_breaks(pages, {"ch005.xhtml": CHAPTER}, {"chapter-3": "ch005.xhtml"})
    assert placed.pages == [("15", "text/ch005.xhtml#page-15"),
                            ("16", "text/ch005.xhtml#page-16")]
    assert placed.missed == []
    page = placed.files["ch005.xhtml"]
    assert f'<section id="chapter-3" class="level1 chapter">{marker("15")}\n<h1' in page
    # Page 16 begins inside "agreement" (hyphenated across the pages): its marker follows it.
    assert f"the agreement {marker('16')}about what is said" in page


def test_the_same_words_close_together_do_not_misplace_a_marker() -> None:
    """Page 6 of the sample began "as by those who run": not at the "as much as" before it."""
    chapter = ('<body><section id="chapter-1"><p>read by people who use services as much as '
               "by those who run them. If the book has one message</p></section></body>")
    pages = PrintPages(["5", "6"], ["1 Introduction read by people who use services as much",
                                    "6\nHelen Marsh\nas by those who run them. If the book has "
                                    "one message"], {"chapter-1": 0})
    placed = place_page_breaks(pages, {"ch002.xhtml": chapter}, {"chapter-1": "ch002.xhtml"})
    assert f"services as much {marker('6')}as by those" in placed.files["ch002.xhtml"]


def test_words_run_across_inline_elements_as_in_highlighted_code() -> None:
    code = ('<body><section id="chapter-2"><p>The script:</p>\n<pre><code><span class="va">parser'
            '</span> <span class="op">=</span> argparse.<span class="fu">ArgumentParser</span>('
            'description<span class="op">=</span>__doc__)\n<span class="cf">return</span> '
            'parser</code></pre>\n<ol>\n<li><p>Then type the loop.</p></li>\n</ol></section>'
            '</body>')
    assert file_words(code).words == [
        "the", "script", "parser", "argparseargumentparserdescriptiondoc", "return", "parser",
        "then", "type", "the", "loop"]
    pages = PrintPages(["9", "10", "11"], [
        "2 The script:",
        "10\nparser = argparse.ArgumentParser(description=__doc__)\nreturn parser\n"
        "1. Then type the loop.",
        "Chapter head 11\n1. Then type the loop."], {"chapter-2": 0})
    placed = place_page_breaks(pages, {"ch004.xhtml": code}, {"chapter-2": "ch004.xhtml"})
    page = placed.files["ch004.xhtml"]
    assert f'<code><span class="va">{marker("10")}parser' in page
    # The list item's number is printed, not written: the page is found without it.
    assert f"<li><p>{marker('11')}Then type" in page


def test_running_heads_are_the_lines_atop_several_pages() -> None:
    pages = PrintPages(["1", "2", "3", "4"], [
        "1 Dagoba\nfirst words here", "2\nDann Toliver\nsecond words",
        "Dagoba 3\nthird words", "4 Dann Toliver\nfourth words\nDagoba"], {})
    assert running_heads(pages) == {("dagoba",)}


def test_a_page_whose_text_is_not_found_is_missed() -> None:
    pages = PrintPages(["15", "16"], ["3 Room to think", "16\nwords that are nowhere in the "
                                      "chapter at all, none of them"], {"chapter-3": 0})
    placed = place_page_breaks(pages, {"ch005.xhtml": CHAPTER}, {"chapter-3": "ch005.xhtml"})
    assert [label for label, _ in placed.pages] == ["15"] and placed.missed == ["16"]


def test_missed_pages_note() -> None:
    assert missed_pages_note(["16"]) == ("The EPUB's page list leaves out page 16: where the "
                                         "text of the print page begins was not found.")
    assert missed_pages_note([str(n) for n in range(1, 13)]) == (
        "The EPUB's page list leaves out pages 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more: where "
        "the text of the print page begins was not found.")


def test_why_an_epub_has_no_page_list(tmp_path: Path) -> None:
    root = write_book(tmp_path / "book")
    book = load_book(root)
    pdf = root / "build" / "a-small-book.pdf"
    assert print_edition(book, pdf, built_now=False) == (
        None, "there is no book PDF yet; `anthology build` makes both")
    pdf.parent.mkdir()
    with pikepdf.new() as made:
        made.add_blank_page()
        made.save(pdf)
    os.utime(pdf, (1_000_000_000, 1_000_000_000))
    assert print_edition(book, pdf, built_now=False) == (
        None, "the book PDF is older than the book's files; `anthology build` makes both")
    assert print_edition(book, pdf, built_now=True) == (
        None, "the book PDF has no page labels; `anthology build` makes both again")


@pytest.mark.parametrize(("pages", "cover_alt", "listed", "missed", "gaps"), [
    (['<html lang="en"><img src="a.png" alt="A chart" /></html>'], "Cover", [("1", "x")], [],
     []),
    (['<html lang="en"><img src="a.png" alt="" /></html>', "<html><p>x</p></html>"], " ",
     [], [], ["the cover has no text alternative", "an image has no text alternative",
              "a file does not say its language",
              "no page list (the print edition's pages are not known)"]),
    (['<html lang="en"></html>'], "Cover", [("1", "x")], ["2", "3"],
     ["2 printed pages not in the page list"]),
])
def test_what_keeps_an_epub_from_claiming_conformance(
        pages: list[str], cover_alt: str, listed: list[tuple[str, str]], missed: list[str],
        gaps: list[str]) -> None:
    assert conformance_gaps(pages, cover_alt, listed, missed) == gaps


def test_conformance_note() -> None:
    assert conformance_note(["an image has no text alternative", "2 printed pages not in the "
                             "page list"]) == (
        "The EPUB claims no accessibility conformance: an image has no text alternative; 2 "
        "printed pages not in the page list.")
