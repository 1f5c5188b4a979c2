"""References from one chapter to another (bookdown's \\@ref(), @sec-x), through check and the
prepared chapter the build uses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from anthology.build import prepare_chapters
from anthology.chapters.document import stringify
from anthology.core.cache import Cache
from anthology.core.config import load_book
from anthology.editorial.checks.runner import check_book
from tests.conftest import INTRO_MD

PEER = ("---\ntitle: Peer Support\nauthors: [ben-writer]\n---\n\n"
        "As Chapter \\@ref(intro) says (see \\@ref(seminar) and @sec-seminar), peers help. "
        "Not \\@ref(nowhere).\n")


def test_references_to_other_chapters_print_their_number_or_section(
        make_book: Callable[..., Path]) -> None:
    root = make_book({"chapters/01-intro.md": INTRO_MD + "\n## The seminar {#seminar}\n\n"
                      "## Its outcome {#sec-seminar}\n\nText.\n",
                      "chapters/02-peer.md": PEER})
    book = load_book(root)
    found = [f.to_text() for f in check_book(book) if f.code.startswith("crossref")]
    assert found == [
        "chapters/02-peer.md:6: error: refers to \\@ref(nowhere), but this chapter has no "
        "section with the label 'nowhere'. Give the section that label, for example ## Title "
        "{#nowhere}. [crossref.missing]"]
    texts, _ = prepare_chapters(book, Cache(root / "build" / ".cache"), lambda _: None)
    assert stringify(texts[1].ast["blocks"][0]) == (
        "As Chapter 1 says (see ‘The seminar’ (chapter 1) and ‘Its outcome’ (chapter 1)), peers "
        "help. Not ??.")
    # Renaming the section in the other chapter changes what this chapter prints.
    intro = root / "chapters" / "01-intro.md"
    intro.write_text(intro.read_text().replace("The seminar {#", "The first seminar {#"))
    texts, _ = prepare_chapters(load_book(root), Cache(root / "build" / ".cache"),
                                lambda _: None)
    assert "‘The first seminar’ (chapter 1)" in stringify(texts[1].ast["blocks"][0])


def test_labels_are_not_read_through_a_symlinked_chapter(make_book: Callable[..., Path],
                                                         tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret heading {#secret}\n")
    root = make_book({"chapters/02-peer.md": PEER.replace("\\@ref(nowhere)",
                                                           "\\@ref(secret)")})
    book = load_book(root)  # (a book naming a symlink is refused: made one after loading)
    (root / "chapters" / "01-intro.md").unlink()
    (root / "chapters" / "01-intro.md").symlink_to(secret)
    from anthology.chapters.crossrefs import book_labels

    labels = book_labels(book)
    assert "intro" in labels and "secret" not in labels
