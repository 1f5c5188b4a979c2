"""Word counts: the rule, the messages, and a cross-check against pandoc's plain text."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from anthology.cache import Cache
from anthology.checks.words import (
    check_book_words,
    check_chapter_words,
    count_text,
    plain_text,
    split_parts,
)
from anthology.config import load_book
from anthology.findings import Finding
from anthology.model import WordRules
from anthology.render import pandoc
from anthology.render.chapter import prepare_chapter
from anthology.render.citations import resolve_csl
from tests.checks.conftest import texts

Check = Callable[..., list[Finding]]
RULES = WordRules(chapter_limit=8000, chapter_minimum=1000, book_limit=100000)


@pytest.mark.parametrize(("text", "words"), [
    ("co-production and/or", 2),
    ("see https://example.org/a-b?x=1 now", 3),
    ("in 2024, 42 people", 4),
    ("a — b – c . ; ( )", 3),
    ("“Quoted,” she said.", 3),
    ("", 0),
])
def test_the_counting_rule(text: str, words: int) -> None:
    assert count_text(text) == words


def test_over_limit_message() -> None:
    assert [f.to_text() for f in check_chapter_words(9412, 8000, None, RULES,
                                                     "chapters/04-peer-support.md", "peer")] == [
        "chapters/04-peer-support.md: warning: 9,412 words; the limit is 8,000 (notes included, "
        "references excluded). Cut about 1,400. [words.over-limit]"]


def test_under_minimum_message_with_other_parts_counted() -> None:
    rules = WordRules(count=("body", "notes", "references", "captions"))
    assert [f.to_text() for f in check_chapter_words(940, None, 1000, rules, "c.md", "c")] == [
        "c.md: warning: 940 words; the minimum is 1,000 (notes included, references included, "
        "captions included). Add 60, or agree a shorter chapter with the editors. "
        "[words.under-minimum]"]


def test_book_over_limit_message() -> None:
    assert [f.to_text() for f in check_book_words([60000, 43412], RULES)] == [
        "(book): warning: the book has 103,412 words; the contract allows 100,000 (notes "
        "included, references excluded). Cut about 3,400 across the chapters, or agree a longer "
        "book with the publisher. [words.book-over-limit]"]


def test_chapter_over_its_own_limit(check: Check) -> None:
    body = "word " * 600
    findings = check({"chapters/02-peer.md": "---\ntitle: Peer Support\nauthors: [ben-writer]"
                      "\n---\n\n" + body + "\n"})
    assert texts(findings, "words") == [
        "chapters/02-peer.md: warning: 600 words; the limit is 500 (notes included, references "
        "excluded). Cut about 100. [words.over-limit]"]


def _pandoc_plain_words(blocks: list[dict[str, object]]) -> int:
    doc = {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": blocks}
    out, _ = pandoc.run_pandoc(["-f", "json", "-t", "plain", "--wrap=none"],
                               json.dumps(doc).encode(), "test")
    return len(out.decode().split())


def test_counts_agree_with_pandoc_plain_text_within_one_percent(sample_book: Path,
                                                                tmp_path: Path) -> None:
    """An independent count: pandoc's plain-text writer on the same part, split on spaces."""
    book = load_book(sample_book)
    csl = resolve_csl(book.root, book.config.csl)
    cache = Cache(tmp_path / "cache")
    ours: dict[str, int] = {}
    theirs: dict[str, int] = {}
    for number, chapter in enumerate(book.chapters[:6], start=1):
        text = prepare_chapter(book, chapter, number, csl, cache)
        for name, blocks in split_parts(text.ast).items():
            ours[name] = ours.get(name, 0) + count_text(plain_text(blocks))
            theirs[name] = theirs.get(name, 0) + _pandoc_plain_words(blocks)
    for name in ours:
        assert abs(ours[name] - theirs[name]) <= theirs[name] * 0.01, (name, ours, theirs)
    assert ours["body"] > 8000 and ours["notes"] > 100 and ours["references"] > 900
    assert ours["captions"] > 20
