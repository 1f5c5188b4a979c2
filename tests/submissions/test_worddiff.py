"""Word-level differences of the text (not of the markup)."""

from __future__ import annotations

from pathlib import Path

import pytest

from anthology.core.cache import Cache
from anthology.editorial.submissions.worddiff import (
    BREAK,
    Segment,
    UnreadableText,
    chapter_paragraphs,
    count_changes,
    decode_chapter,
    diff_words,
    to_words,
)


@pytest.mark.parametrize(("old", "new", "added", "removed"), [
    ("a b c", "a b c", 0, 0),
    ("a b c", "a x c", 1, 1),
    ("", "one two three", 3, 0),
    ("one two three", "", 0, 3),
    ("a b", "a b c d", 2, 0),
    ("a b\n\nc", "a b c", 0, 0),  # a paragraph break is not a word
])
def test_counts(old: str, new: str, added: int, removed: int) -> None:
    def words(text: str) -> list[str]:
        return to_words(text.split("\n\n")) if text else []

    assert count_changes(words(old), words(new)) == (added, removed)
    result = diff_words(words(old), words(new))
    assert (result.added, result.removed) == (added, removed)


def test_segments_keep_paragraphs() -> None:
    result = diff_words(["a", "b", BREAK, "c"], ["a", "x", BREAK, "c", "d"])
    assert result.paragraphs == (
        (Segment("same", "a"), Segment("del", "b"), Segment("add", "x")),
        (Segment("same", "c"), Segment("add", "d")))
    assert (result.old_words, result.new_words, result.unchanged) == (3, 4, 2)


def test_markup_changes_are_not_text_changes(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    old = "---\ntitle: T\n---\n\nPeer support is *very* old,\nwrapped here.[^1]\n\n[^1]: A note.\n"
    new = "---\ntitle: T\n---\n\nPeer support is **very** old, wrapped here.[^n]\n\n" \
          "[^n]: A note.\n"
    assert chapter_paragraphs(old, "old", cache) == chapter_paragraphs(new, "new", cache) == [
        "T", "Peer support is very old, wrapped here.", "A note."]


def test_text_of_every_kind_of_block(tmp_path: Path) -> None:
    text = ("---\ntitle: T\nabstract: What it is.\n---\n\n# Heading\n\n> Quoted words.\n\n"
            "- item one\n- item two\n\n1. first\n\n| A | B |\n|---|---|\n| x | y |\n\n"
            "```\ncode here\n```\n\n<div>raw</div>\n\n---\n\n![Caption words.](f.png)\n")
    assert chapter_paragraphs(text, "t", Cache(tmp_path)) == [
        "T", "What it is.", "Heading", "Quoted words.", "item one", "item two", "first",
        "A B x y", "code here", "raw", "Caption words."]


@pytest.mark.parametrize(("data", "message"), [
    (b"caf\xe9", "x.md is not UTF-8 text (byte 3); save it as UTF-8."),
    (b"a" * 3_000_001, "x.md is 3.0 MB, more than a chapter may be (3 MB)."),
])
def test_unreadable_versions(data: bytes, message: str) -> None:
    with pytest.raises(UnreadableText) as caught:
        decode_chapter(data, "x.md")
    assert caught.value.message == message


def test_decode_drops_bom_and_crlf() -> None:
    assert decode_chapter("\ufeffa\r\nb\rc".encode(), "x") == "a\nb\nc"
