"""A cold PDF build lays the longest chapters out first, so that the last layouts to finish are
short ones and no worker waits long for the other at the end; the pages are those of book
order."""

from __future__ import annotations

from pathlib import Path

import pytest

from anthology.chapters.manuscript import split_front_matter
from anthology.core.config import load_book
from anthology.outputs.book import merge
from tests.books import Snapshot, copy_sample
from tests.builds.common import (
    SAMPLE_PDF,
    laid_out_names,
    names_laid_out,
    pages,
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


def test_longest_first_gives_the_pages_of_book_order(
        sample_pdf_built: Snapshot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    twin = copy_sample(tmp_path / "twin")  # built cold, as the shared sample was
    monkeypatch.setattr(merge.Piece, "weight", property(lambda _: 0, lambda *_: None))
    order = [name for name in laid_out_names(twin, monkeypatch) if name.startswith("chapter")]
    assert order[:3] == ["chapter 1", "chapter 2", "chapter 3"]  # book order: no weights
    same_pages(sample_pdf_built.output(SAMPLE_PDF), twin / "build" / SAMPLE_PDF)
    assert pages(sample_pdf_built.output(SAMPLE_PDF))
