"""Built books shared by the render tests: each WeasyPrint render costs seconds, so the sample
book and the small book are built once per session (PDF and EPUB) and inspected many times."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from anthology.build import BuildOptions, BuildResult, prepare_chapters
from anthology.chapters.prepare import ChapterText
from anthology.core.cache import Cache
from anthology.core.config import load_book
from anthology.core.model import Book
from tests.books import EPOCH, copy_sample
from tests.conftest import write_book
from tests.epubchecker import epubcheck
from tests.workers import build_kept

__all__ = ["EPOCH", "Built", "build", "copy_sample", "epubcheck"]


@dataclass
class Built:
    """A book built into its build/ folder, with what the build saw."""

    root: Path
    book: Book
    result: BuildResult
    texts: list[ChapterText]

    @property
    def pdf(self) -> Path:
        """The PDF."""
        return self.root / "build" / f"{self.book.config.slug}.pdf"

    @property
    def epub(self) -> Path:
        """The EPUB."""
        return self.root / "build" / f"{self.book.config.slug}.epub"

    def epub_files(self) -> dict[str, bytes]:
        """Every file in the EPUB, by name."""
        with zipfile.ZipFile(self.epub) as archive:
            return {name: archive.read(name) for name in archive.namelist()}


def build(root: Path, targets: tuple[str, ...] = ("pdf", "epub"), force: bool = True,
          release: bool = True) -> Built:
    """Build the book at `root` with a fixed SOURCE_DATE_EPOCH (the tagged release PDF unless
    `release` is False)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        book = load_book(root)
        result = build_kept(book, BuildOptions(targets, force=force, release=release))
        texts, _ = prepare_chapters(book, Cache(root / "build" / ".cache"), lambda _: None)
    return Built(root, book, result, texts)


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sample book, built once (PDF and EPUB)."""
    return build(copy_sample(tmp_path_factory.mktemp("sample") / "book"))


@pytest.fixture(scope="session")
def built_small(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The small test book, built once (PDF and EPUB)."""
    return build(write_book(tmp_path_factory.mktemp("small") / "book"))


