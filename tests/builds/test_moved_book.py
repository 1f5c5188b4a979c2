"""A book moved to another folder keeps its prepared and checked chapters: their cache keys
name the style, the bibliographies and the images by name and content, never by the book's
folder. Its PDF is laid out again, since WeasyPrint names each image after its absolute URL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from anthology.build import BuildOptions
from anthology.core.config import load_book
from tests.books import EPOCH, Snapshot
from tests.workers import build_kept

pytestmark = pytest.mark.slow


def test_a_moved_book_prepares_no_chapter_again(
        sample_pdf_built: Snapshot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    moved = tmp_path / "elsewhere" / "renamed-book"
    shutil.copytree(sample_pdf_built.kept, moved, symlinks=True)

    def stored(kind: str = "chapter") -> dict[Path, int]:
        return {p.relative_to(moved): p.stat().st_mtime_ns
                for p in (moved / "build" / ".cache" / kind).rglob("*.json")}

    chapters, checks = stored(), stored("check")
    assert len(chapters) == 6  # the sample's chapters, prepared by the cold build
    assert checks  # and checked
    lines: list[str] = []
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    build_kept(load_book(moved), BuildOptions(("pdf",), force=True, jobs=2),
               progress=lines.append)
    assert stored() == chapters
    assert stored("check") == checks  # no chapter checked again either
    assert "Laying out chapter 1" in lines
