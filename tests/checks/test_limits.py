"""Limits on what a contributor's file may make `anthology check` chew, and nothing dropped
without a word: bibliographies and chapters over the limits, removed attributes, a second
YAML block.

The hostile inputs are made here, each the smallest that crosses its limit unless it is one of
the cases measured in SECURITY.md (100,000 notes, 5,000 tables), which are cheap to refuse.
Each check through the CLI must end well under a minute: these are hang tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from anthology.chapters.manuscript import drop_extra_blocks
from anthology.chapters.prepare import parse_chapter
from anthology.core.cache import Cache
from anthology.core.config import load_book
from anthology.core.findings import Finding
from anthology.core.limits import (
    MAX_BIBLIOGRAPHY_BYTES,
    MAX_BIBLIOGRAPHY_ENTRIES,
    MAX_ELEMENTS,
    MAX_NOTES,
    MAX_TABLE_CELLS,
    MAX_TABLES,
    bibliography_size_finding,
    count_entries,
    measure_chapter,
)
from anthology.editorial.checks.runner import run_checks
from anthology.engines import pandoc
from tests.checks.conftest import texts
from tests.commandline import run
from tests.conftest import FIXTURES

Check = Callable[..., list[Finding]]
HOSTILE = FIXTURES / "hostile"
FRONT = "---\ntitle: Peer Support\nauthors: [ben-writer]\n---\n\n"
OWN_BIB = "---\ntitle: Peer Support\nauthors: [ben-writer]\nbibliography: [peer.bib]\n---\n\n"
TOO_LARGE_HINT = ("Check that this is the chapter text; split very long material into several "
                  "chapters. [manuscript.too-large]")
BIB_HINT = ("Keep only the works the book cites, or split the file; a chapter's bibliography "
            "rarely needs more than a few hundred entries. [bibliography.too-large]")


def small_entries(count: int) -> str:
    return "".join(f"@misc{{k{n},\n}}\n" for n in range(count))


def refusal(book: Path) -> str:
    """What `anthology check` prints about `book`, which it must refuse (exit 1) in a minute."""
    started = time.monotonic()
    result = run(book, "check", "--quiet")
    assert result.exit_code == 1
    assert time.monotonic() - started < 60
    return result.stdout


def test_a_6_mb_chapter_bibliography_is_not_read(make_book: Callable[..., Path]) -> None:
    big = "@misc{big,\n  note = {" + "a" * (MAX_BIBLIOGRAPHY_BYTES + 1_000_000) + "}\n}\n"
    book = make_book({"chapters/02-peer.md": OWN_BIB + "As [@big] says.\n",
                      "chapters/peer.bib": big})
    assert refusal(book) == (
        "chapters/peer.bib: error: is 6.0 MB, more than the 5 MB a bibliography may be; "
        f"anthology did not read it, so nothing can be cited from it. {BIB_HINT}\n"
        "1 problem (1 error) in 1 file.\n")


def test_a_chapter_bibliography_of_20_001_entries_is_not_read(
        make_book: Callable[..., Path]) -> None:
    book = make_book({"chapters/02-peer.md": OWN_BIB + "As [@k1] says.\n",
                      "chapters/peer.bib": small_entries(MAX_BIBLIOGRAPHY_ENTRIES + 1)})
    assert refusal(book) == (
        "chapters/peer.bib: error: has 20,001 entries, more than the 20,000 a bibliography may "
        f"have; anthology did not read it, so nothing can be cited from it. {BIB_HINT}\n"
        "1 problem (1 error) in 1 file.\n")


def test_the_book_wide_bibliography_has_the_same_guard(check: Check) -> None:
    findings = check({"references/book.bib": small_entries(25_000)})
    assert texts(findings, "bibliography.too-large") == [
        "references/book.bib: error: has 25,000 entries, more than the 20,000 a bibliography "
        f"may have; anthology did not read it, so nothing can be cited from it. {BIB_HINT}"]
    # Its citations are not reported one by one as missing: the file's error says why.
    assert texts(findings, "citation.missing") == []


def test_a_bibliography_at_the_limits_passes(tmp_path: Path) -> None:
    at_limit = tmp_path / "at.bib"
    at_limit.write_text(small_entries(MAX_BIBLIOGRAPHY_ENTRIES))
    assert bibliography_size_finding(at_limit, "at.bib") is None
    one_more = tmp_path / "over.bib"
    one_more.write_text(small_entries(MAX_BIBLIOGRAPHY_ENTRIES + 1))
    assert bibliography_size_finding(one_more, "over.bib") is not None


def test_entries_are_counted_by_what_starts_them() -> None:
    bibtex = b"@string{x = {y}}\n@comment{no}\n@book{a,\n}\n  @Article{b,\n}\nnot @misc{c,}\n"
    assert count_entries(bibtex, "refs.bib") == 2
    assert count_entries(b'[{"id": "a"}, {"id" : "b", "title": "id"}]', "refs.json") == 2
    assert count_entries(b"references:\n- id: a\n  title: x\n- id: b\n", "refs.yaml") == 2


def test_100_000_notes_are_refused_before_pandoc_reads_them(
        make_book: Callable[..., Path]) -> None:
    count = 100_000
    body = " ".join(f"x[^{n}]" for n in range(count)) + "\n\n" + "\n".join(
        f"[^{n}]: y" for n in range(count)) + "\n"
    book = make_book({"chapters/02-peer.md": FRONT + body})
    assert 2_000_000 < (book / "chapters/02-peer.md").stat().st_size < 3_000_000
    # The front matter is 4 lines, then a blank one, the text (line 6) and a blank one: the
    # definitions start on line 8, and the 2,001st is on line 2,008.
    assert refusal(book) == (
        "chapters/02-peer.md:2008: error: has 100,000 notes, more than the 2,000 a chapter may "
        "have (the first beyond the limit is defined here); it was not checked further, and a "
        f"build leaves it out. {TOO_LARGE_HINT}\n"
        "1 problem (1 error) in 1 file.\n")


def test_inline_notes_are_counted_in_the_ast(check: Check) -> None:
    body = " ".join("x^[y]" for _ in range(MAX_NOTES + 1)) + "\n"
    assert texts(check({"chapters/02-peer.md": FRONT + body}), "manuscript") == [
        "chapters/02-peer.md: error: has 2,001 notes, more than the 2,000 a chapter may have; "
        f"it was not checked further, and a build leaves it out. {TOO_LARGE_HINT}"]


def test_5_000_tables_are_refused(make_book: Callable[..., Path]) -> None:
    tables = "\n".join("| a | b |\n|---|---|\n| 1 | 2 |\n" for _ in range(5_000))
    book = make_book({"chapters/02-peer.md": FRONT + tables})
    assert refusal(book) == (
        "chapters/02-peer.md: error: has 5,000 tables, more than the 500 a chapter may have; "
        f"it was not checked further, and a build leaves it out. {TOO_LARGE_HINT}\n"
        "1 problem (1 error) in 1 file.\n")


def test_one_table_of_too_many_cells_is_refused(check: Check) -> None:
    rows = "".join(f"| {n} | x |\n" for n in range(MAX_TABLE_CELLS // 2))
    table = "| a | b |\n|---|---|\n" + rows  # the heading's two cells make one row too many
    assert texts(check({"chapters/02-peer.md": FRONT + table}), "manuscript") == [
        "chapters/02-peer.md: error: has 10,002 table cells, more than the 10,000 a chapter may "
        "have (some 160 pages of a two-column table); it was not checked further, and a build "
        f"leaves it out. {TOO_LARGE_HINT}"]


def test_a_chapter_too_long_to_lay_out_is_refused(check: Check) -> None:
    # Each word and the space after it are two elements; the last space is dropped, and the
    # paragraph is one more.
    words = "a " * (MAX_ELEMENTS // 2 + 1)
    assert texts(check({"chapters/02-peer.md": FRONT + words + "\n"}), "manuscript") == [
        "chapters/02-peer.md: error: has 250,002 pieces of text and markup (words, spaces, "
        "notes, emphasis...), more than the 250,000 a chapter may have (about 350 pages); it "
        f"was not checked further, and a build leaves it out. {TOO_LARGE_HINT}"]


def test_a_chapter_at_the_limits_is_checked_as_usual(check: Check) -> None:
    notes = " ".join("x^[y]" for _ in range(MAX_NOTES))
    tables = "\n".join("| a | b |\n|---|---|\n| 1 | 2 |\n" for _ in range(MAX_TABLES))
    findings = check({"chapters/02-peer.md": FRONT + notes + "\n\n" + tables})
    assert texts(findings, "manuscript") == []
    assert texts(findings, "words") != []  # checked to the end: over the word limit


def test_counts_are_exact_on_pandoc_json() -> None:
    data = (b'{"blocks":[{"t":"Para","c":[{"t":"Str","c":"\\"t\\":\\"Note\\""},'
            b'{"t":"Note","c":[{"t":"Plain","c":[]}]}]}]}')
    assert measure_chapter(data) == (4, 1, 0, 0)
    cell = b'[["",[],[]],{"t":"AlignRight"},1,2,[{"t":"Plain","c":[]}]]'
    column = b'[{"t":"AlignRight"},{"t":"ColWidthDefault"}]'
    assert measure_chapter(b"[" + column + b"," + cell + b"," + cell + b"]") == (6, 0, 0, 2)


def test_removed_attributes_are_reported_once_per_chapter(check: Check) -> None:
    findings = check({"chapters/02-peer.md": (HOSTILE / "attributes.md").read_text()})
    assert texts(findings, "markdown.attribute-removed") == [
        "chapters/02-peer.md:8:17: warning: removed 4 attributes that could run code or change "
        "the page (style, onclick, onmouseover), the first here; the text is printed without "
        "them. Delete the attribute in {...} after the text; only width, height and lang are "
        "kept. Ask the editor if the passage needs a special style. "
        "[markdown.attribute-removed]"]


def test_one_removed_attribute(check: Check) -> None:
    findings = check({"chapters/02-peer.md": FRONT + "Some text.\n\n[A]{data-x=1} span.\n"})
    assert texts(findings, "markdown.attribute-removed") == [
        "chapters/02-peer.md:8:5: warning: removed 1 attribute that could run code or change "
        "the page (data-x), here; the text is printed without it. Delete the attribute in "
        "{...} after the text; only width, height and lang are kept. Ask the editor if the "
        "passage needs a special style. [markdown.attribute-removed]"]


def test_a_second_yaml_block_is_reported_and_left_out(check: Check) -> None:
    findings = check({"chapters/02-peer.md": (HOSTILE / "extra-block.md").read_text()})
    assert texts(findings, "frontmatter") == [
        "chapters/02-peer.md:8: warning: has a second front-matter block (lines 8-11); only the "
        "block at the top of the file is front matter, so this one is left out of the chapter. "
        "Delete it, or move its keys into the front matter at the top. "
        "[frontmatter.extra-block]"]


def test_only_yaml_mappings_after_a_blank_line_are_blocks() -> None:
    body = ("Text.\n\n---\nkey: value\n---\n\nA rule:\n\n---\n\nText.\n---\nnot: a block\n---\n"
            "\n---\nJust words, not a mapping.\n---\n\n~~~\n---\ncode: yes\n---\n~~~\n\n"
            "---\nfirst: 1\n...\n\n---\nsecond: 2\n---\n")
    cleaned, found = drop_extra_blocks(body)
    assert found == [(2, 4), (25, 27), (29, 31)]
    lines = cleaned.split("\n")
    assert lines[2:5] == ["", "", ""] and "key: value" not in cleaned
    assert len(lines) == len(body.split("\n"))  # line numbers hold
    assert "code: yes" in cleaned and "not: a block" in cleaned


def test_more_yaml_blocks_are_counted_in_one_finding(check: Check) -> None:
    body = "Text.\n\n---\na: 1\n---\n\nMore.\n\n---\nb: 2\n---\n\n---\nc: 3\n---\n"
    findings = check({"chapters/02-peer.md": FRONT + body})
    assert texts(findings, "frontmatter.extra-block") == [
        "chapters/02-peer.md:8: warning: has a second front-matter block (lines 8-10, and 2 more "
        "after it); only the block at the top of the file is front matter, so this one is left "
        "out of the chapter. Delete it, or move its keys into the front matter at the top. "
        "[frontmatter.extra-block]"]


def test_a_chapter_too_large_is_remembered_like_any_other(
        make_book: Callable[..., Path]) -> None:
    """Else every build counts it as changed, and starts a WeasyPrint worker for nothing."""
    root = make_book({"chapters/02-peer.md": FRONT + "x^[y] " * (MAX_NOTES + 1)})
    changed: list[int] = []
    for _ in range(2):
        findings = run_checks(load_book(root), starting=changed.append).findings
        assert [f.code for f in findings] == ["manuscript.too-large"]
    assert changed == [2, 0]


def test_a_damaged_cached_ast_is_parsed_again_and_measured(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    body = "x^[y] " * (MAX_NOTES + 1)
    first = parse_chapter(body, "peer", cache, "chapters/02-peer.md", "peer")
    stored = next((tmp_path / "cache" / "ast").rglob("*.json"))
    stored.write_bytes(stored.read_bytes()[:100])  # as a disk full or a crash might leave it
    again = parse_chapter(body, "peer", cache, "chapters/02-peer.md", "peer")
    assert again == first and again[1] is not None


def test_a_chapter_too_much_for_pandoc_is_a_finding(check: Check,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the limits, but over pandoc's cap (lowered here so that a small chapter hits it):
    the chapter is reported, and the check goes on."""
    monkeypatch.setattr(pandoc, "HEAP_CAP", ["+RTS", "-M40M", "-RTS"])
    words = "Some words, *emphasis* and a [link](https://example.org). " * 12_000
    findings = check({"chapters/02-peer.md": FRONT + words + "\n"}, chapters={"peer"})
    assert texts(findings, "manuscript") == [
        "chapters/02-peer.md:5: error: is more than pandoc can read: pandoc ran out of memory "
        "reading it (its cap is 40 MB); it was not checked further, and a build leaves it out. "
        f"{TOO_LARGE_HINT}"]
