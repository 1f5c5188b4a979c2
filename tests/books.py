"""Books built once per test session and handed to each test as a fresh copy.

A build's cache keys name the book's files by absolute path (a chapter's HTML links its
figures and styles by file URL), so a built book copied to another folder would be laid out
again from scratch. A shared book is therefore built in a folder of its own, kept aside, and
put back in that same folder, cache included, for each test that uses it: the test starts
where a cold build left off, at the cost of a copy. pytest-xdist runs each worker as its own
session, with its own temporary folder: each worker builds a shared book once, the first time
one of its tests asks for it, and its tests run one at a time, so none sees another's copy.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from anthology.build import BuildOptions
from anthology.core.config import load_book
from tests.workers import build_kept

REPO = Path(__file__).resolve().parent.parent
EPOCH = "1798761600"  # 2027-01-01T00:00:00Z


def copy_sample(target: Path) -> Path:
    """A copy of the repository's sample book (without build outputs)."""
    target.mkdir(parents=True)
    for name in ("book.yaml", "contributors.yaml", "chapters.yaml"):
        shutil.copy2(REPO / name, target / name)
    for folder in ("chapters", "references", "templates", "styles"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, target / folder)
    return target


@dataclass
class Snapshot:
    """A book as a cold build left it (outputs and cache), to be put back for each test."""

    place: Path  # where the book was built, and where each test gets it back
    kept: Path  # the built book, untouched by any test
    lines: list[str] = field(default_factory=list)  # the cold build's progress lines

    def fresh(self) -> Path:
        """The built book, put back in its folder as the cold build left it."""
        # The whole parent goes: tests write copies of their PDFs beside the book.
        shutil.rmtree(self.place.parent, ignore_errors=True)
        shutil.copytree(self.kept, self.place, symlinks=True)
        return self.place

    def output(self, name: str) -> Path:
        """An output of the cold build (`name` inside build/), to read and never to change."""
        return self.kept / "build" / name


def built_once(folder: Path, write: Callable[[Path], Path], targets: tuple[str, ...]
               ) -> Snapshot:
    """Write a book with `write` into `folder`/book, build `targets` cold (the everyday build,
    two workers, the tests' fixed date) and keep it aside."""
    place = write(folder / "book")
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        build_kept(load_book(place), BuildOptions(tuple(targets), force=True, jobs=2),
                   progress=lines.append)
    kept = folder.parent / f"{folder.name}-kept"
    shutil.copytree(place, kept, symlinks=True)
    return Snapshot(place, kept, lines)
