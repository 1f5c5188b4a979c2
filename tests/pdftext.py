"""Text and fonts of a PDF, read with pypdf: the tests need nothing outside PyPI (poppler's
pdftotext and pdffonts are not on every machine)."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader


def page_texts(path: Path) -> list[str]:
    """The text of each page, in reading order as pypdf extracts it."""
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def pdf_text(path: Path) -> str:
    """The whole document's text, pages separated by form feeds (as pdftotext writes them)."""
    return "\f".join(page_texts(path))


def font_names(path: Path) -> list[str]:
    """The base font names of every font the pages use."""
    from anthology.outputs.delivery import pdf_report

    return [name for name, _, _ in pdf_report(path).fonts]
