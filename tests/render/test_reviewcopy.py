"""The copy a reviewer reads: `anthology build review CHAPTER` (PDF and DOCX)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from click.testing import Result

from anthology.outputs.reviewcopy import with_line_numbers
from tests.bookdata import DRAFTED, RITA_REVIEWER, chapters_yaml, intro, peer
from tests.commandline import refusal, run
from tests.conftest import CONTRIBUTORS_YAML, write_book
from tests.pdftext import pdf_text

CONTRIBUTORS = CONTRIBUTORS_YAML.replace(
    "    affiliation: Mind in Leeds\n",
    "    affiliation: Mind in Leeds\n    orcid: 0000-0002-1825-0097\n") + RITA_REVIEWER

CHAPTERS = chapters_yaml(
    intro("draft", DRAFTED),
    peer("draft", DRAFTED, more="    reviews:\n      - {reviewer: rita-reviewer, round: 1, "
         "blind: double, assigned: 2026-05-02}\n"),
)

PEER = """\
---
title: Peer Support
authors: [ben-writer]
---

Peer support began in mutual aid groups [@cahn2000]. This chapter follows one group
through a year of meetings, and what its members said about them.

In an earlier study, Ben Writer followed three such groups.[^1]

## What the members said

Members valued being heard [@goffman1961, p. 9]. They spoke of trust, of time, and of the
meeting room itself, which several described as the only place they were believed.

## Acknowledgements

My thanks to the members of the Thursday group and to the Leverhulme Trust.

[^1]: This work was supported by the Leverhulme Trust (grant RPG-2020-001).
"""

NAMES = ("Writer", "Mind in Leeds", "0000-0002-1825-0097", "ben@example.org", "Leverhulme",
         "Acknowledgements")
WARNING = (
    "chapters/02-peer.md:9: warning: the double-blind copy names its author Ben Writer "
    "('Ben Writer'). Rewrite it in the third person or as '[Author]' for the review, or send "
    "the copy as it is if that is acceptable. [review.identifying]\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result, Result]:
    book = write_book(tmp_path_factory.mktemp("review") / "book", {
        "contributors.yaml": CONTRIBUTORS, "chapters.yaml": CHAPTERS,
        "chapters/02-peer.md": PEER})
    pdf = run(book, "build", "review", "peer")
    docx = run(book, "build", "review", "peer", "--format", "docx")
    return book, pdf, docx


def assert_built_with_warnings(result: Result) -> None:
    """The copy was made, with the one warning and the two sections left out said."""
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        WARNING +
        "chapters/02-peer.md:16: info: left out of the double-blind copy: "
        "'Acknowledgements'. Nothing to do: the book keeps it. [review.removed]\n"
        "chapters/02-peer.md:20: info: left out of the double-blind copy: 'This work was "
        "supported by the Leverhulme Trust (grant…'. Nothing to do: the book keeps it. "
        "[review.removed]\n"
        "1 problem (1 warning, 2 notes) in 1 file.\n")


@pytest.mark.slow
def test_the_pdf_names_the_author_only_where_the_warning_said(
        built: tuple[Path, Result, Result]) -> None:
    import pikepdf

    book, result, _ = built
    assert_built_with_warnings(result)
    assert re.fullmatch(r"Wrote build/reviews/peer-round-1\.pdf \(double-blind, review round "
                        r"1; 1 page, \d+ lines numbered\)\n", result.stdout)
    path = book / "build/reviews/peer-round-1.pdf"
    text = pdf_text(path)
    # The one warned occurrence (line 9 of the chapter) is the only one, in the text...
    assert text.count("Writer") == 1
    assert "In an earlier study, Ben Writer followed" in " ".join(text.split())
    for name in NAMES[1:]:
        assert name not in text
    # ...and no name is anywhere in the file's bytes: every stream decompressed, every string.
    with pikepdf.open(path) as pdf:
        assert "/Metadata" not in pdf.Root
        assert {str(k) for k in pdf.docinfo} == {"/Title"}
        chunks = [path.read_bytes()]
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                chunks.append(obj.read_bytes())
            elif isinstance(obj, pikepdf.String):
                chunks.append(bytes(obj))
        for key, value in pdf.docinfo.items():
            chunks.append(f"{key}={value}".encode())
    everything = b"\n".join(chunks)
    for name in (*NAMES, "Ben Writer", "Ada Editor"):
        assert name.encode() not in everything, name
        assert name.encode("utf-16-be") not in everything, name


def baselines(path: Path) -> list[tuple[str, float, float, str]]:
    """(font, x, baseline y, text) of every piece of text on the first page, from the PDF's
    own text matrices: exact, unlike the boxes pdftotext draws around words."""
    from pypdf import PdfReader

    found: list[tuple[str, float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip() and isinstance(font, dict):
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((str(font.get("/BaseFont")), x, y, text.strip()))

    PdfReader(path).pages[0].extract_text(visitor_text=visit)
    return found


@pytest.mark.slow
def test_pdf_line_numbers_sit_on_the_lines_they_number(
        built: tuple[Path, Result, Result]) -> None:
    book, result, _ = built
    pieces = baselines(book / "build/reviews/peer-round-1.pdf")
    numbers = sorted(((-y, int(t)) for f, _, y, t in pieces if "DejaVuSans" in f))
    text = sorted({round(-y, 1) for f, _, y, t in pieces if "DejaVuSans" not in f})
    lines: list[float] = []
    for y in text:  # pieces of one line (a superscript, another font) are one line
        if not lines or y - lines[-1] > 2:
            lines.append(y)
    count = int(re.search(r"(\d+) lines numbered", result.stdout).group(1))  # type: ignore
    # Numbered 1, 2, 3... from the top of the page, one for each line of text but the folio
    # at the foot of the page (the chapter's only note was the funding note, left out).
    assert [n for _, n in numbers] == list(range(1, count + 1))
    assert count == len(lines) - 1 == 15
    # Each number stands on the baseline of its line, to a tenth of a point.
    for (y, number), line in zip(numbers, lines, strict=False):
        assert abs(y - line) < 0.1, number


@pytest.mark.slow
def test_the_docx_names_the_author_only_where_the_warning_said(
        built: tuple[Path, Result, Result]) -> None:
    book, _, result = built
    assert_built_with_warnings(result)
    assert result.stdout == "Wrote build/reviews/peer-round-1.docx (double-blind, review " \
                            "round 1)\n"
    path = book / "build/reviews/peer-round-1.docx"
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    found = {name: data.count(b"Writer") for name, data in members.items()
             if b"Writer" in data}
    assert found == {"word/document.xml": 1}  # the warned sentence
    assert b"Ben Writer followed three such groups" in members["word/document.xml"]
    for name in NAMES[1:]:
        assert not any(name.encode() in data for data in members.values()), name
    core = members["docProps/core.xml"].decode()
    assert "<dc:creator></dc:creator>" in core
    assert "lastModifiedBy" not in core
    assert b'<w:lnNumType w:countBy="1" w:restart="newPage"/>' in members["word/document.xml"]


def test_a_single_blind_copy_keeps_the_authors(make_book) -> None:  # type: ignore[no-untyped-def]
    book = make_book({"contributors.yaml": CONTRIBUTORS, "chapters.yaml": CHAPTERS.replace(
        "blind: double", "blind: single"), "chapters/02-peer.md": PEER})
    result = run(book, "build", "review", "peer", "--format", "docx")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "Wrote build/reviews/peer-round-1.docx (review round 1)\n"
    with zipfile.ZipFile(book / "build/reviews/peer-round-1.docx") as archive:
        assert b"<dc:creator>Ben Writer</dc:creator>" in archive.read("docProps/core.xml")
        assert b"Leverhulme" in archive.read("word/document.xml")


def test_a_review_copy_needs_a_draft(small_book: Path) -> None:
    assert refusal(small_book, "build", "review", "peer") == (
        "Error: Chapter 'peer' has no draft to review yet (chapters/02-peer.md). Add its file "
        "and mark it draft, then build the review copy.\n")


@pytest.mark.parametrize(("xml", "expected"), [
    ("<w:body><w:p/><w:sectPr /></w:body>",
     '<w:body><w:p/><w:sectPr><w:lnNumType w:countBy="1" w:restart="newPage"/></w:sectPr>'
     "</w:body>"),
    ('<w:sectPr w:rsidR="1"><w:pgSz w:w="1"/><w:cols w:space="720"/></w:sectPr>',
     '<w:sectPr w:rsidR="1"><w:pgSz w:w="1"/><w:lnNumType w:countBy="1" '
     'w:restart="newPage"/><w:cols w:space="720"/></w:sectPr>'),
    ('<w:sectPr><w:lnNumType w:countBy="5"/><w:pgSz/></w:sectPr>',
     '<w:sectPr><w:pgSz/><w:lnNumType w:countBy="1" w:restart="newPage"/></w:sectPr>'),
])
def test_word_line_numbering_goes_where_the_schema_puts_it(xml: str, expected: str) -> None:
    assert with_line_numbers(xml.encode()).decode() == expected


def test_a_given_name_and_a_self_citation_are_reported(make_book) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import BIB

    bib = BIB + """
@article{writer2019,
  author = {Writer, Ben and Hale, Tom},
  title = {Three Groups},
  journal = {Mental Health Review},
  year = {2019}
}
"""
    chapter = "---\ntitle: Peer Support\nauthors: [ben-writer]\n---\n\nBen ran the groups.\n\n" \
              "They have been studied before [@writer2019, p. 3].\n"
    book = make_book({"contributors.yaml": CONTRIBUTORS, "chapters.yaml": CHAPTERS,
                      "chapters/02-peer.md": chapter, "references/book.bib": bib})
    result = run(book, "build", "review", "peer", "--format", "docx")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "chapters/02-peer.md:6: warning: the double-blind copy names its author Ben Writer "
        "('Ben'). Rewrite it in the third person or as '[Author]' for the review, or send the "
        "copy as it is if that is acceptable. [review.identifying]\n"
        "chapters/02-peer.md:8: warning: the double-blind copy cites @writer2019, a work by "
        "Writer, the family name of its author Ben Writer. Cite it as '(Author, year)' for the "
        "review, or leave it if it does not give the author away. [review.identifying]\n"
        "2 problems (2 warnings) in 1 file.\n")
