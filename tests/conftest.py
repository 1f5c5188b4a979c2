"""Shared fixtures: small real books written into tmp_path, and the repository's sample book."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.bookdata import chapters_yaml, intro, peer
from tests.books import Snapshot, built_once, copy_sample

REPO = Path(__file__).resolve().parent.parent
# Real bibliographies written by others (see its README for sources and licences), copied
# here verbatim so that the tests need nothing outside the repository.
CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

BOOK_YAML = """\
format: 1
title: A Small Book
subtitle: For Tests
editors: [ada-editor]
publisher: Test University Press
place: Leeds
year: 2027
language: en-GB
csl: chicago-author-date
bibliography: [references/book.bib]
words:
  chapter_limit: 500
  book_limit: 2000
schedule:
  abstracts: 2026-03-31
  drafts: 2026-09-30
  revisions: 2027-01-31
  final: 2027-03-31
"""

CONTRIBUTORS_YAML = """\
format: 1
contributors:
  - id: ada-editor
    name: Ada Editor
    emails: [ada@example.ac.uk]
    affiliation: University of Leeds
    bio: Ada edits books.
    roles: [academic, editor]
  - id: ben-writer
    name: Ben Writer
    emails: [ben@example.org, ben.writer@example.org]
    affiliation: Mind in Leeds
    bio: Ben writes about peer support.
    roles: [lived experience]
"""

CHAPTERS_YAML = chapters_yaml(
    intro("draft", "{date: 2026-01-10, state: invited, by: Ada Editor}",
          "{date: 2026-01-12, state: agreed, by: Ada Editor}",
          "{date: 2026-05-01, state: draft, by: Ada Editor}"),
    peer("invited", "{date: 2026-01-10, state: invited, by: Ada Editor}"),
)

INTRO_MD = """\
---
title: Introduction
authors: [ada-editor]
abstract: What this small book is about.
keywords: [testing]
---

This book began in a seminar [@cahn2000]. Goffman described total institutions
[see @goffman1961, p. 4].[^1]

[^1]: A note about the seminar.
"""

BIB = """\
@book{cahn2000,
  author = {Cahn, Edgar S.},
  title = {No More Throw-Away People: The Co-Production Imperative},
  publisher = {Essential Books},
  address = {Washington, DC},
  year = {2000}
}

@book{goffman1961,
  author = {Goffman, Erving},
  title = {Asylums: Essays on the Social Situation of Mental Patients and Other Inmates},
  publisher = {Anchor Books},
  address = {New York},
  year = {1961}
}
"""


def write_book(root: Path, files: dict[str, str] | None = None) -> Path:
    """Write a small valid book into `root`; `files` overrides or adds files (text dedented)."""
    defaults = {
        "book.yaml": BOOK_YAML,
        "contributors.yaml": CONTRIBUTORS_YAML,
        "chapters.yaml": CHAPTERS_YAML,
        "chapters/01-intro.md": INTRO_MD,
        "references/book.bib": BIB,
    }
    defaults.update(files or {})
    for name, text in defaults.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def small_book(tmp_path: Path) -> Path:
    """A small valid book in a temporary folder."""
    return write_book(tmp_path / "book")


@pytest.fixture
def make_book(tmp_path: Path) -> Callable[..., Path]:
    """Factory: make_book({"book.yaml": "..."}) writes a book with those files changed."""
    def make(files: dict[str, str] | None = None, name: str = "book") -> Path:
        return write_book(tmp_path / name, files)
    return make


@pytest.fixture
def sample_book(tmp_path: Path) -> Path:
    """A copy of this repository's sample book (without build outputs), its proposal too."""
    target = copy_sample(tmp_path / "sample")
    shutil.copytree(REPO / "proposal", target / "proposal")
    return target


@pytest.fixture
def quick_epubcheck(monkeypatch: pytest.MonkeyPatch) -> None:
    """`anthology package` runs EPUBCheck in the test worker's JVM (tests/epubchecker.py):
    the same checker and verdict, for a fraction of the CPU of a command line of its own."""
    from tests import epubchecker

    monkeypatch.setattr("anthology.outputs.delivery.run_epubcheck", epubchecker.run_epubcheck)


@pytest.fixture(scope="session")
def sample_pdf_built(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """The sample book after a cold build of its everyday PDF: `.fresh()` puts it back, cache
    included, for a test to change and build again (tests/books.py)."""
    return built_once(tmp_path_factory.mktemp("sample-pdf"), copy_sample, ("pdf",))


def png(red: int) -> bytes:
    """A valid 2x2 RGB PNG of one colour."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\0" + bytes([red, 40, 40]) * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
