"""The check cache never answers from a world that has changed: every file a chapter names
(its bibliographies, its images, the citation style) decides, whether it exists or not."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from anthology.chapters.csl import resolve_csl
from anthology.cli import cli
from anthology.core.config import load_book
from anthology.editorial.checks.runner import name_inside
from anthology.editorial.checks.wordcounts import cached_word_counts

OWN_CHAPTER = """\
---
title: Peer Support
authors: [ben-writer]
bibliography: [peer.bib]
---

Peer workers know the ward [@deegan1988]. ![A ward round](images/ward.png)
"""

PEER_BIB = """\
@article{deegan1988,
  author = {Deegan, Patricia E.},
  title = {Recovery: The Lived Experience of Rehabilitation},
  journal = {Psychosocial Rehabilitation Journal},
  volume = {11},
  number = {4},
  pages = {11--19},
  year = {1988}
}
"""


def run(book: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--book", str(book), *args])
    return result.exit_code, result.stdout


@pytest.fixture
def peer_book(make_book: Callable[..., Path]) -> Path:
    """The small book with a second chapter that has its own bibliography and an image, both
    present."""
    root = make_book({"chapters/02-peer.md": OWN_CHAPTER, "chapters/peer.bib": PEER_BIB})
    (root / "chapters" / "images").mkdir()
    Image.new("RGB", (40, 20), "white").save(root / "chapters" / "images" / "ward.png")
    return root


MISSING_BIB = (
    "chapters/02-peer.md:4: error: names the bibliography peer.bib, which does not exist inside "
    "the book folder. Put the .bib file next to the chapter and give its name, for example "
    "bibliography: [refs-mine.bib]. [frontmatter.bibliography]")


def test_a_bibliography_that_appears_is_read_at_once(peer_book: Path) -> None:
    bib = peer_book / "chapters" / "peer.bib"
    bib.unlink()
    first = run(peer_book, "check", "-q")
    assert first[0] == 1 and MISSING_BIB in first[1]
    assert "@deegan1988, which is not in the bibliography" in first[1]
    assert run(peer_book, "check", "-q") == first  # warm: the same
    bib.write_text(PEER_BIB)
    assert run(peer_book, "check", "-q") == (0, "")


def test_a_bibliography_that_disappears_is_missed_at_once(peer_book: Path) -> None:
    assert run(peer_book, "check", "-q") == (0, "")
    (peer_book / "chapters" / "peer.bib").unlink()
    code, out = run(peer_book, "check", "-q")
    assert code == 1 and MISSING_BIB in out


def test_an_image_that_appears_or_disappears_is_seen_at_once(peer_book: Path) -> None:
    image = peer_book / "chapters" / "images" / "ward.png"
    assert run(peer_book, "check", "-q") == (0, "")
    saved = image.read_bytes()
    image.unlink()
    assert run(peer_book, "check", "-q") == (1, (
        "chapters/02-peer.md:7:57: error: uses the image images/ward.png, which does not exist. "
        "Check the file name (capitals count) or add the image to the images/ folder. "
        "[image.missing]\n1 problem (1 error) in 1 file.\n"))
    image.write_bytes(saved)
    assert run(peer_book, "check", "-q") == (0, "")


def test_a_replaced_citation_style_is_seen_at_once(peer_book: Path) -> None:
    (peer_book / "styles").mkdir()
    style = peer_book / "styles" / "house.csl"
    shutil.copy(resolve_csl(peer_book, "chicago-author-date"), style)
    book_yaml = peer_book / "book.yaml"
    book_yaml.write_text(book_yaml.read_text().replace(
        "csl: chicago-author-date", "csl: styles/house.csl").replace(
        "chapter_limit: 500", "chapter_limit: 5"))
    author_date = run(peer_book, "wordcount", "--format", "csv")[1]
    shutil.copy(resolve_csl(peer_book, "ieee"), style)
    numeric = run(peer_book, "wordcount", "--format", "csv")[1]
    assert author_date.splitlines()[2] != numeric.splitlines()[2]
    assert author_date.splitlines()[2].startswith("peer,7,")  # "(Deegan 1988)": 2 words
    assert numeric.splitlines()[2].startswith("peer,6,")  # "[1]": 1 word


def test_a_style_changed_in_place_is_seen_though_its_size_and_time_are_the_same(
        peer_book: Path) -> None:
    """Contents decide, not the file's size and modification time."""
    (peer_book / "styles").mkdir()
    style = peer_book / "styles" / "house.csl"
    shutil.copy(resolve_csl(peer_book, "chicago-author-date"), style)
    book_yaml = peer_book / "book.yaml"
    book_yaml.write_text(book_yaml.read_text().replace("csl: chicago-author-date",
                                                       "csl: styles/house.csl"))
    assert run(peer_book, "wordcount", "--format", "csv")[1].splitlines()[2].startswith(
        "peer,7,")
    before = style.stat()
    text = style.read_text()
    layout = '<layout delimiter="; " prefix="(" suffix=")">'
    assert text.count(layout) == 1 and "\n    <" in text
    # Two words more in each citation, two spaces of indentation less: the same size.
    changed = text.replace(layout, layout.replace('"("', '"(a "')).replace("\n    <", "\n  <", 1)
    style.write_text(changed)
    os.utime(style, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = style.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert run(peer_book, "wordcount", "--format", "csv")[1].splitlines()[2].startswith(
        "peer,8,")  # "(a Deegan 1988)"


def test_an_image_changed_in_place_is_not_answered_from_the_cache(peer_book: Path) -> None:
    assert run(peer_book, "check", "-q") == (0, "")
    assert set(cached_word_counts(load_book(peer_book))) == {"intro", "peer"}
    Image.new("RGB", (40, 20), "black").save(peer_book / "chapters" / "images" / "ward.png")
    assert set(cached_word_counts(load_book(peer_book))) == {"intro"}
    assert run(peer_book, "check", "-q") == (0, "")
    assert set(cached_word_counts(load_book(peer_book))) == {"intro", "peer"}


@pytest.mark.parametrize(("reference", "name"), [
    ("peer.bib", "chapters/peer.bib"),
    ("./images/../peer.bib", "chapters/peer.bib"),
    ("../references/book.bib", "references/book.bib"),
    ("../../outside.bib", None),
    ("..", None),
    ("/etc/passwd", None),
    ("file:///etc/passwd", None),
    ("https://example.org/a.png", None),
    ("", None),
])
def test_the_name_inside_the_book_of_what_a_chapter_names(tmp_path: Path, reference: str,
                                                          name: str | None) -> None:
    assert name_inside(tmp_path, tmp_path / "chapters", reference) == name
