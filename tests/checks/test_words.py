"""Word counts: the rule, the messages, and a cross-check against pandoc's plain text."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from anthology.chapters.csl import resolve_csl
from anthology.chapters.prepare import prepare_chapter
from anthology.core.cache import Cache
from anthology.core.config import load_book
from anthology.core.findings import Finding
from anthology.core.model import WordRules
from anthology.editorial.checks.runner import checkable_chapters, run_checks
from anthology.editorial.checks.words import (
    check_book_words,
    check_chapter_words,
    count_text,
    count_words,
    plain_text,
    rule_words,
    split_parts,
)
from anthology.engines import pandoc
from tests.checks.conftest import texts
from tests.conftest import REPO

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
            if name == "code":  # not prose; pandoc's plain text of it is its own text
                continue
            ours[name] = ours.get(name, 0) + count_text(plain_text(blocks))
            theirs[name] = theirs.get(name, 0) + _pandoc_plain_words(blocks)
    for name in ours:
        assert abs(ours[name] - theirs[name]) <= theirs[name] * 0.01, (name, ours, theirs)
    assert ours["body"] > 8000 and ours["notes"] > 100 and ours["references"] > 900
    assert ours["captions"] > 20


# Real books by others converted to anthology books (see the README there); too big to keep in
# the repository (1.4 MB of text), so the test runs where they are.
# The real books beside the repository (shared/corpus/books, as CI lays it out).
CORPUS_BOOKS = Path(os.environ.get("ANTHOLOGY_CORPUS_BOOKS",
                                   REPO.parent / "shared" / "corpus" / "books"))
PROSE = ("body", "notes", "captions", "references")  # what pandoc's plain text of a chapter has


def _without_code(item: Any) -> Any:
    if isinstance(item, list):
        return [_without_code(child) for child in item if not (
            isinstance(child, dict) and child.get("t") in ("CodeBlock", "RawBlock", "RawInline"))]
    if isinstance(item, dict):
        return {key: _without_code(value) for key, value in item.items()}
    return item


def _pandoc_prose_words(ast: dict[str, Any]) -> int:
    """pandoc's plain text of the cited chapter without code and raw blocks, by our word rule."""
    doc = {**ast, "meta": {}, "blocks": _without_code(ast["blocks"])}
    out, _ = pandoc.run_pandoc(["-f", "json", "-t", "plain", "--wrap=none"],
                               json.dumps(doc).encode(), "test")
    return count_text(out.decode())


def _copy_book(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("build", ".git", "*.pdf"))
    return target


@pytest.mark.slow
@pytest.mark.parametrize("name", ["py-rse", "500lines", "sample"])
def test_each_chapter_counts_its_prose_as_pandoc_does(name: str, tmp_path: Path) -> None:
    """Per chapter, the words `check` counts (all parts but code and the abstract) are within 1%
    of pandoc's plain text of the cited chapter with code and raw blocks removed; and code is
    not in the words that count toward the limits."""
    if name == "sample":
        from tests.render.conftest import copy_sample

        root = copy_sample(tmp_path / name)
    else:
        if not (CORPUS_BOOKS / name / "book.yaml").is_file():
            pytest.skip(f"the real books are not at {CORPUS_BOOKS} (ANTHOLOGY_CORPUS_BOOKS)")
        root = _copy_book(CORPUS_BOOKS / name, tmp_path / name)
    book = load_book(root)
    cache = Cache(root / "build" / ".cache")
    report = run_checks(book, cache=cache, jobs=1)
    csl = resolve_csl(book.root, book.config.csl)
    numbers = {c.id: n for n, c in enumerate(checkable_chapters(book), start=1)}
    rows = []
    for result in report.chapters:
        assert result.words is not None
        text = prepare_chapter(book, book.chapter(result.chapter), numbers[result.chapter], csl,
                               cache)
        ours = sum(result.words[part] for part in PROSE)
        rows.append((result.chapter, ours, _pandoc_prose_words(text.ast), result.words["code"]))
    far = [row for row in rows if abs(row[1] - row[2]) > row[2] * 0.01]
    assert not far, far
    assert len(rows) >= (6 if name == "sample" else 14)
    if name != "sample":  # both are books about programs
        assert sum(row[3] for row in rows) > 10000


def test_a_poems_lines_and_a_definitions_term_are_words_apart() -> None:
    """Each line of a line block ends a word, and so does a definition list's term: counted
    as pandoc's plain text counts them, and shown apart in a heading's or caption's text."""
    from anthology.chapters.document import stringify

    ast = pandoc.markdown_to_ast("| The first line ends\n| and the second begins\n\n"
                                 "Term\n:   Its definition here\n", "poem.md")
    assert count_words(ast)["body"] == 12
    assert count_text(plain_text(ast["blocks"])) == len(
        pandoc.run_pandoc(["-f", "json", "-t", "plain"], pandoc.as_input(ast), "poem.md")[0]
        .split())
    assert stringify(ast["blocks"]) == ("The first line ends and the second begins Term Its "
                                        "definition here")


def test_code_and_raw_blocks_are_a_part_of_their_own() -> None:
    ast = {"blocks": [
        {"t": "Para", "c": [{"t": "Str", "c": "Run"}, {"t": "Space"},
                            {"t": "Code", "c": [["", [], []], "make test"]},
                            {"t": "RawInline", "c": ["html", "<b>bold words</b>"]},
                            {"t": "Note", "c": [{"t": "CodeBlock",
                                                 "c": [["", [], []], "in a note"]}]}]},
        {"t": "CodeBlock", "c": [["", ["python"], []], "def f(x):\n    return x + 1"]},
        {"t": "RawBlock", "c": ["tex", "\\begin{table} two words \\end{table}"]},
        {"t": "BlockQuote", "c": [{"t": "CodeBlock", "c": [["", [], []], "quoted code"]}]},
    ]}
    abstract = [{"t": "Para", "c": [{"t": "Str", "c": "Short."},
                                     {"t": "RawInline", "c": ["html", "<br/>"]}]}]
    counts = count_words(ast, abstract)
    assert counts == {"body": 3, "notes": 0, "captions": 0, "abstract": 1, "references": 0,
                      "code": 16}


def test_the_rule_names_code_when_it_counts() -> None:
    assert rule_words(WordRules(count=("body", "notes", "code"))) == (
        "notes included, references excluded, code included")
