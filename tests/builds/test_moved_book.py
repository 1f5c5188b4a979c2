"""A book moved to another folder keeps its cache: its cache keys name files by their place
inside the book (or by their content), never by the book's absolute path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from anthology.build import BuildOptions, build_book
from anthology.core.config import load_book
from tests.books import EPOCH, Snapshot

pytestmark = pytest.mark.slow


def test_a_moved_book_prepares_and_lays_out_nothing_again(
        sample_pdf_built: Snapshot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    moved = tmp_path / "elsewhere" / "renamed-book"
    shutil.copytree(sample_pdf_built.kept, moved, symlinks=True)
    chapters = {p.relative_to(moved): p.stat().st_mtime_ns
                for p in (moved / "build" / ".cache" / "chapter").rglob("*.json")}
    assert chapters  # the sample's six chapters, prepared by the cold build
    lines: list[str] = []
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    result = build_book(load_book(moved), BuildOptions(("pdf",), force=True, jobs=2),
                        progress=lines.append)
    assert [line for line in lines if line.startswith("Laying out")] == ["Laying out the PDF"]
    assert {p.relative_to(moved): p.stat().st_mtime_ns
            for p in (moved / "build" / ".cache" / "chapter").rglob("*.json")} == chapters
    pdf = sample_pdf_built.output("doing-things-differently.pdf")
    assert result.outputs[0].read_bytes() == pdf.read_bytes()
