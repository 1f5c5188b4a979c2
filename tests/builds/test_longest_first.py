"""A cold PDF build lays the longest chapters out first, so that the last layouts to finish are
short ones and no worker waits long for the other at the end; the pages are those of book
order, and those of an incremental build after an edit."""

from __future__ import annotations

from pathlib import Path

import pytest

from anthology.chapters.manuscript import split_front_matter
from anthology.core.config import load_book
from anthology.outputs.book import merge
from tests.books import Snapshot, copy_sample
from tests.builds.common import (
    SAMPLE_PDF,
    laid_out,
    laid_out_names,
    names_laid_out,
    pdf_build,
    same_pages,
)

pytestmark = pytest.mark.slow


def chapter_lengths(root: Path) -> dict[str, int]:
    """'chapter N' -> the length of its Markdown body, for the chapters that are built."""
    book = load_book(root)
    numbered = [c for c in book.chapters if c.file is not None
                and (root / c.file).is_file()]
    lengths = {}
    for number, chapter in enumerate(numbered, start=1):
        assert chapter.file is not None
        text = (root / chapter.file).read_text(encoding="utf-8")
        lengths[f"chapter {number}"] = len(split_front_matter(text)[1])
    return lengths


def test_the_longest_chapters_are_laid_out_first(sample_pdf_built: Snapshot) -> None:
    lengths = chapter_lengths(sample_pdf_built.kept)
    order = [name for name in names_laid_out(sample_pdf_built.lines) if name in lengths]
    assert sorted(order) == sorted(lengths)
    assert order == sorted(lengths, key=lambda name: -lengths[name])
    assert order != sorted(lengths, key=lambda name: int(name.split()[1]))  # not book order


def add_paragraph(root: Path) -> None:
    """Add a short paragraph at the end of chapter 4."""
    chapter = root / "chapters" / "04-recovery-colleges.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text + "\nOne more short paragraph, added in proof.\n", encoding="utf-8")


def test_one_paragraph_changes_one_chapter_and_pages_match_a_cold_build_in_book_order(
        sample_pdf_built: Snapshot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit lays out one chapter again; the pages, from pieces a cold build laid out
    longest first, are those of a cold build of the edited book laid out in book order (one
    build in a new folder, from no cache, checks both the cache and the order)."""
    sample = sample_pdf_built.fresh()
    before = laid_out(sample)
    add_paragraph(sample)
    incremental = pdf_build(sample, monkeypatch)
    new = laid_out(sample) - before
    assert 1 <= len(new) <= 2  # the chapter, and the front matter only if a page number moved
    twin = copy_sample(tmp_path / "twin")
    add_paragraph(twin)
    monkeypatch.setattr(merge.Piece, "weight", property(lambda _: 0, lambda *_: None))
    order = [name for name in laid_out_names(twin, monkeypatch) if name.startswith("chapter")]
    assert order[:3] == ["chapter 1", "chapter 2", "chapter 3"]  # book order: no weights
    texts = same_pages(incremental, twin / "build" / SAMPLE_PDF)
    assert any("One more short paragraph, added in proof." in t for t in texts)
