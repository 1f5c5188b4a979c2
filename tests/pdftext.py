"""Text and fonts of a PDF, read with PDFium (pypdfium2) and pypdf: the tests need nothing
outside PyPI (poppler's pdftotext and pdffonts are not on every machine)."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium


def page_texts(path: Path) -> list[str]:
    """The text of each page in reading order, one line of text a line: a word hyphenated at a
    line's end keeps its hyphen there (PDFium marks it U+FFFE and joins the lines)."""
    document = pdfium.PdfDocument(path)
    try:
        texts = []
        for page in document:
            text = page.get_textpage().get_text_range()
            texts.append(text.replace("\r\n", "\n").replace("\ufffe", "-\n"))
        return texts
    finally:
        document.close()


def pdf_text(path: Path) -> str:
    """The whole document's text, pages separated by form feeds (as pdftotext writes them)."""
    return "\f".join(page_texts(path))


def font_names(path: Path) -> list[str]:
    """The base font names of every font the pages use."""
    from anthology.outputs.delivery import pdf_report

    return [name for name, _, _ in pdf_report(path).fonts]
