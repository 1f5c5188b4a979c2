"""What the build tests share: a PDF build that keeps its output, what a build laid out, and
the text and outline of a built PDF's pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from anthology.build import BuildOptions
from anthology.core.config import load_book
from tests.books import EPOCH
from tests.pdftext import page_texts as pages  # each page's text, by PDFium
from tests.workers import build_kept

SAMPLE_PDF = "doing-things-differently.pdf"


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every outline item, in order."""
    reader = PdfReader(pdf)

    def walk(items: list[object], depth: int) -> list[tuple[int, str, int]]:
        out: list[tuple[int, str, int]] = []
        for item in items:
            if isinstance(item, list):
                out += walk(item, depth + 1)
            else:
                out.append((depth, str(item.title),  # type: ignore[attr-defined]
                            reader.get_destination_page_number(item)))  # type: ignore[arg-type]
        return out

    return walk(reader.outline, 0)


def same_pages(a: Path, b: Path) -> list[str]:
    """Same page count, same text on every page, same outline; return the pages' text."""
    text = pages(a)
    assert text == pages(b)
    assert outline(a) == outline(b)
    return text


def page_showing(texts: list[str], text: str) -> str:
    """The text of the first page (of `texts`, from pages()) that begins with `text`."""
    return next(page for page in texts if page.startswith(text))


def pdf_build(root: Path, monkeypatch: pytest.MonkeyPatch, **options: object) -> Path:
    """Build the PDF of the book at `root`; return it (a copy, safe from the next build)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    options.setdefault("jobs", 2)
    result = build_kept(load_book(root), BuildOptions(("pdf",), force=True, **options))  # type: ignore[arg-type]
    copy = root.parent / f"{root.name}-{len(list(root.parent.glob('*.pdf')))}.pdf"
    shutil.copyfile(result.outputs[0], copy)
    return copy


def root_copy(pdf: Path) -> Path:
    """A copy of a built PDF, safe from the next build."""
    copy = pdf.parent.parent.parent / f"copy-{pdf.name}"
    shutil.copyfile(pdf, copy)
    return copy


def laid_out(root: Path) -> set[str]:
    """The keys of every piece PDF in the cache."""
    return {p.name for p in (root / "build" / ".cache" / "part").rglob("*.pdf")}


def laid_out_names(root: Path, monkeypatch: pytest.MonkeyPatch, **options: object) -> list[str]:
    """Build the PDF; return what was laid out (the progress lines, 'Laying out' removed)."""
    lines: list[str] = []
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    options.setdefault("jobs", 2)
    build_kept(load_book(root), BuildOptions(("pdf",), force=True, **options),  # type: ignore[arg-type]
               progress=lines.append)
    return names_laid_out(lines)


def names_laid_out(lines: list[str]) -> list[str]:
    """What a build laid out, from its progress lines ('Laying out' removed)."""
    return [line.removeprefix("Laying out ") for line in lines
            if line.startswith("Laying out ") and line != "Laying out the PDF"]
