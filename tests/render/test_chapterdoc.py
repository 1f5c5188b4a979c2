"""One chapter as the book sets it, in Word or as a PDF: `anthology build chapter`."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from anthology.engines.pandoc import pandoc_path
from anthology.outputs.chapterdoc import core_properties
from tests.commandline import refusal, run
from tests.pdftext import font_names, pdf_text


def docx_text(path: Path) -> str:
    return subprocess.run([pandoc_path(), str(path), "-t", "plain", "--wrap=none"],
                          capture_output=True, check=True, text=True).stdout


def test_a_chapter_in_word_has_the_books_citations_notes_and_real_dates(
        small_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796860800")  # 2026-12-10
    result = run(small_book, "build", "chapter", "intro")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "Wrote build/chapters/intro.docx\n"
    path = small_book / "build/chapters/intro.docx"
    props = core_properties(path)
    assert (props["title"], props["creator"], props["language"]) == (
        "Introduction", "Ada Editor", "en-GB")
    assert props["created"] == props["modified"] == "2026-12-10T00:00:00Z"
    text = docx_text(path)
    # Chicago author-date, as book.yaml asks; the reference list after the text.
    assert "This book began in a seminar (Cahn 2000). Goffman described total institutions " \
           "(see Goffman 1961, 4).[1]" in text
    assert "References\n\nCahn, Edgar S. 2000. No More Throw-Away People" in text
    assert "[1] A note about the seminar." in text
    with zipfile.ZipFile(path) as archive:
        assert {info.date_time[:3] for info in archive.infolist()} == {(2026, 12, 10)}
    first = path.read_bytes()
    assert run(small_book, "build", "chapter", "intro").exit_code == 0
    assert path.read_bytes() == first


def test_a_chapter_without_its_text_or_without_a_name_is_refused(small_book: Path) -> None:
    assert refusal(small_book, "build", "chapter", "peer") == (
        "Error: Chapter 'peer' has no text yet (chapters/02-peer.md), so there is nothing to "
        "build. Add its file (`anthology submit` takes one that came by e-mail), then build "
        "again.\n")
    result = run(small_book, "build", "chapter")
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: Say which chapter to build: anthology build chapter "
                                  "CHAPTER [--format docx|pdf].\n")
    # With the book's PDF asked too, nothing is built before the refusal.
    result = run(small_book, "build", "pdf", "review")
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: Say which chapter to build: anthology build review "
                                  "CHAPTER [--format pdf|docx].\n")
    assert not (small_book / "build" / "a-small-book.pdf").exists()


@pytest.mark.slow
def test_a_chapter_as_a_pdf_with_the_books_typography(small_book: Path) -> None:
    result = run(small_book, "build", "chapter", "intro", "--format", "pdf")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "Wrote build/chapters/intro.pdf (1 pages)\n"
    pdf = small_book / "build/chapters/intro.pdf"
    text = pdf_text(pdf)
    assert "Introduction" in text and "Ada Editor" in text
    assert "(Cahn 2000)" in text and "References" in text
    assert any("Charis-SIL" in name for name in font_names(pdf))
    from pypdf import PdfReader

    info = PdfReader(pdf).metadata
    assert info is not None and (info.title, info.author) == ("Introduction", "Ada Editor")


def test_a_chapter_sent_out_in_word_comes_back_with_the_same_keys(
        small_book: Path, tmp_path: Path) -> None:
    """Word out, Word in: citations travel as Zotero fields, the reference list as Zotero's,
    figure and table numbers are the book's; the Markdown comes back as it was."""
    from anthology.core.config import load_book
    from anthology.editorial.word.wordimport import import_docx
    from tests.word.docxmaker import sample_docx

    book = load_book(small_book)
    import_docx(book, book.chapter("peer"), sample_docx(tmp_path / "in.docx", tracked=False))
    before = {name: (small_book / name).read_bytes()
              for name in ("chapters/02-peer.md", "chapters/02-peer.json",
                           "chapters/images/peer/picture-1.png")}
    assert run(small_book, "build", "chapter", "peer").exit_code == 0
    built = small_book / "build/chapters/peer.docx"
    text = docx_text(built)
    assert "Later studies agree (Smith 2010, 12) and so do others (Jones 2012)." in text
    assert ": Table 2.1" in text
    report = import_docx(load_book(small_book), book.chapter("peer"), built)
    after = {name: (small_book / name).read_bytes() for name in before}
    # Byte for byte: the same keys, notes, table, picture and bibliography.
    assert after == before
    assert (report.citations, report.works, report.notes, report.unconverted) == (3, 3, 2, [])


def test_citations_in_the_text_and_cross_references_make_the_round_trip(
        small_book: Path) -> None:
    from anthology.core.config import load_book
    from anthology.editorial.word.wordimport import import_docx
    from tests.word.docxmaker import PNG

    chapter = small_book / "chapters/02-peer.md"
    chapter.write_text(
        "---\ntitle: Peer Support\nauthors:\n- ben-writer\n---\n\n# Methods {#sec-methods}\n\n"
        "As @sec-methods says, @cahn2000 says this, and [-@goffman1961, p. 4] too. See "
        "@fig-circle and @tbl-count.\n\n![A circle.](images/peer/picture-1.png){#fig-circle}\n\n"
        "| Group | People |\n|-------|--------|\n| Carers | 12 |\n\n: Who came. {#tbl-count}\n",
        encoding="utf-8")
    (small_book / "chapters/images/peer").mkdir(parents=True)
    (small_book / "chapters/images/peer/picture-1.png").write_bytes(PNG)
    assert run(small_book, "build", "chapter", "peer").exit_code == 0
    built = small_book / "build/chapters/peer.docx"
    assert "As ‘Methods’ says, Cahn (2000) says this, and (1961, 4) too. See Figure 2.1 and " \
           "Table 2.1." in docx_text(built)
    book = load_book(small_book)
    import_docx(book, book.chapter("peer"), built)
    assert chapter.read_text(encoding="utf-8").split("---\n\n")[1] == (
        "# Methods {#sec-methods}\n\nAs @sec-methods says, @cahn2000 says this, and "
        "[-@goffman1961, p. 4] too. See @fig-circle and @tbl-count.\n\n"
        "![A circle.](images/peer/picture-1.png){#fig-circle}\n\n"
        "| Group  | People |\n|--------|--------|\n| Carers | 12     |\n\n"
        ": Who came. {#tbl-count}\n")


def test_a_markdown_chapter_through_word_and_back_is_the_same_file(small_book: Path) -> None:
    """The front matter as it was written, quotes and apostrophes as typed, notes, lists,
    headings with their own ids and with ids longer than Word's bookmarks allow."""
    from anthology.core.config import load_book
    from anthology.editorial.word.wordimport import import_docx

    chapter = small_book / "chapters/01-intro.md"
    text = ("---\ntitle: Introduction\nauthors: [ada-editor]\nabstract: What this small book is "
            "about.\nkeywords: [testing]\n---\n\n"
            "It's \"co-produced\" work, says @cahn2000.[^1]\n\n"
            "## Where the idea of co-production comes from, and why\n\n"
            "## Origins {#sec-origins}\n\n"
            "1.  Who decided?\n2.  Who was paid?\n\n"
            "[^1]: A note about the seminar [see @goffman1961, p. 4].\n")
    chapter.write_text(text, encoding="utf-8")
    assert run(small_book, "build", "chapter", "intro").exit_code == 0
    book = load_book(small_book)
    import_docx(book, book.chapter("intro"), small_book / "build/chapters/intro.docx")
    assert chapter.read_text(encoding="utf-8") == text
