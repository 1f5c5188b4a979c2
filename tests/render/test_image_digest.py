"""The image part of a chapter's cache key: every file its text may name, in each form."""

from __future__ import annotations

from pathlib import Path

import pytest

from anthology.chapters.prepare import image_digest

BODY = """\
Text with a figure ![A figure](images/a.png) and a link [see](notes.html).

<img src="images/b.png" alt="raw">

![Another][ref]

[ref]: <images/c.png>

Web and page links are no files: [x](https://example.org/d.png), [y](#sec-open).
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    folder = tmp_path / "chapters" / "images"
    folder.mkdir(parents=True)
    for name in ("a", "b", "c", "unused"):
        (folder / f"{name}.png").write_bytes(name.encode())
    return tmp_path


@pytest.mark.parametrize("name", ["a", "b", "c"])
def test_a_change_to_a_named_image_changes_the_digest(book: Path, name: str) -> None:
    chapters = book / "chapters"
    before = image_digest(book, chapters, BODY)
    (chapters / "images" / f"{name}.png").write_bytes(b"changed")
    assert image_digest(book, chapters, BODY) != before


def test_a_missing_image_and_an_unnamed_one(book: Path) -> None:
    chapters = book / "chapters"
    before = image_digest(book, chapters, BODY)
    (chapters / "images" / "unused.png").write_bytes(b"changed")
    assert image_digest(book, chapters, BODY) == before
    (chapters / "images" / "a.png").unlink()
    assert image_digest(book, chapters, BODY) != before


def test_the_same_text_gives_the_same_digest_and_another_target_another(book: Path) -> None:
    chapters = book / "chapters"
    assert image_digest(book, chapters, BODY) == image_digest(book, chapters, BODY)
    moved = BODY.replace("images/b.png", "images/unused.png")
    assert image_digest(book, chapters, moved) != image_digest(book, chapters, BODY)
