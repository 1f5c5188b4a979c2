"""Bibliographies: real ones from other books, syntax errors, duplicates, conflicts, unused."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from anthology.chapters.bibliography import load_bibliography, read_bibliography, scan_bibtex
from anthology.core.cache import Cache
from anthology.core.findings import Finding
from tests.checks.conftest import FIXTURES, texts
from tests.conftest import BIB, CORPUS

Check = Callable[..., list[Finding]]
PEER = "---\ntitle: Peer Support\nauthors: [ben-writer]\nbibliography: [peer.bib]\n---\n\n"
OTHER = ("@book{cahn2000,\n  author = {Other, Olga},\n  title = {Something Else},\n"
         "  year = {2010}\n}\n")


def corpus_copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copy(CORPUS / name, target)
    return target


def entry_lines(path: Path) -> dict[str, int]:
    lines = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = re.match(r"\s*@(\w+)\s*\{\s*([^,\s]+)\s*,", line)
        if match and match.group(1).lower() != "string":
            lines.setdefault(match.group(2), number)
    return lines


def test_py_rse_reads_cleanly_with_every_entry_located(tmp_path: Path) -> None:
    path = corpus_copy(tmp_path, "py-rse.bib")
    bib = load_bibliography(path, "py-rse.bib", Cache(tmp_path / "cache"))
    assert not bib.failed and len(bib.entries) == 80
    assert [f for f in bib.findings if f.severity == "error"] == []
    expected = entry_lines(path)
    assert {e.key: e.line for e in bib.entries} == expected


def test_500lines_messy_real_bibtex(tmp_path: Path) -> None:
    path = corpus_copy(tmp_path, "500lines.bib")
    bib = load_bibliography(path, "500lines.bib", None)
    assert not bib.failed and len(bib.entries) == 52
    assert texts(bib.findings, "bibliography") == [
        "500lines.bib:216: warning: the entry 'CIAO' has the year 'Vanderbilt University', which "
        "is not a year. Write a four-digit year (put words such as 'forthcoming' in the pubstate "
        "field). [bibliography.missing-field]",
        "500lines.bib:117: warning: the journal or book title of 'Druschel:93' has TeX that is "
        "printed as it is: $14^{th}$. Write it as plain text, with Unicode characters where "
        "needed (14th, ≤, α), and {\\em ...} or \\emph{...} for italics. "
        "[bibliography.markup]",
        # A real one: the department's name is printed "...Engineering; Computer Science".
        "500lines.bib:224: warning: the entry 'Schmidt:08z' has organization = {Department of "
        "Electrical Engineering and Computer Science}, which BibLaTeX reads as a list of 2 and "
        "prints as \"Department of Electrical Engineering; Computer Science\". If it is one "
        "name, put it in double braces: organization = {{Department of Electrical Engineering "
        "and Computer Science}}. [bibliography.corporate-name]"]
    assert bib.first("Rashid:86a") is not None and bib.first("Rashid:86a").line == 4


def test_cached_bibliography_is_read_back_identically(tmp_path: Path) -> None:
    path = corpus_copy(tmp_path, "500lines.bib")
    cache = Cache(tmp_path / "cache")
    first = load_bibliography(path, "500lines.bib", cache)
    second = load_bibliography(path, "500lines.bib", cache)
    assert cache.hits == 1 and second == first


def test_unclosed_brace_is_reported_at_its_own_entry_not_the_next() -> None:
    entries, problems = scan_bibtex((FIXTURES / "broken.bib").read_text())
    assert [(e.key, e.line) for e in entries] == [("first", 1), ("unclosed", 7), ("third", 13)]
    assert [(p.line, p.message) for p in problems] == [
        (7, "the entry 'unclosed' has a '{' that is never closed, so it runs into the next "
            "entry.")]


def test_pandoc_failure_on_unclosed_brace_becomes_one_finding(tmp_path: Path) -> None:
    path = tmp_path / "broken.bib"
    shutil.copy(FIXTURES / "broken.bib", path)
    bib = load_bibliography(path, "broken.bib", None)
    assert bib.failed and bib.keys() == {"first", "unclosed", "third"}
    assert texts(bib.findings, "bibliography") == [
        "broken.bib:7: error: the entry 'unclosed' has a '{' that is never closed, so it runs "
        "into the next entry. Add the missing '}' (each field ends with '},' and the entry "
        "with '}'). [bibliography.syntax]"]


def test_pandoc_error_without_a_scanner_problem_keeps_pandocs_line() -> None:
    bib = read_bibliography("x.bib", "@book{a, title={T}}\n", None,
                            'Error at "x.bib" (line 1, column 9):\nunexpected "}"')
    assert texts(bib.findings, "bibliography") == [
        'x.bib:1: error: this bibliography cannot be read: unexpected "}". Look for a missing '
        "comma, quote or brace on this line or just above it. [bibliography.syntax]"]


@pytest.mark.parametrize(("second", "expected"), [
    ("@book{a,\n  author = {A, B},\n  title = {T},\n  year = {2000}\n}\n",
     "x.bib:7: info: the entry 'a' appears twice in this file (also on line 1), identically. "
     "Delete one of them. [bibliography.duplicate-key]"),
    ("@book{a,\n  author = {A, B},\n  title = {U},\n  year = {2000}\n}\n",
     "x.bib:7: error: the key 'a' is used twice in this file (also on line 1) for different "
     "entries; citeproc uses only one of them. Give one of them another key, and cite it by "
     "that key. [bibliography.duplicate-key]"),
])
def test_duplicate_keys_in_one_file(tmp_path: Path, second: str, expected: str) -> None:
    path = tmp_path / "x.bib"
    path.write_text("@book{a,\n  author = {A, B},\n  title = {T},\n  year = {2000}\n}\n\n"
                    + second)
    assert texts(load_bibliography(path, "x.bib", None).findings, "bibliography") == [expected]


def test_missing_fields_by_entry_type(tmp_path: Path) -> None:
    path = tmp_path / "x.bib"
    path.write_text("@book{nothing,\n  publisher = {P}\n}\n@misc{web,\n  title = {A page},\n"
                    "  url = {https://example.org}\n}\n")
    assert texts(load_bibliography(path, "x.bib", None).findings, "bibliography") == [
        "x.bib:1: warning: the entry 'nothing' (@book) has no title, no author or editor and no "
        "year or date. Add what is missing, so that the reference list can show it. "
        "[bibliography.missing-field]"]


def test_csl_json_entries_are_located(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('[\n  {\n    "id": "a",\n    "type": "book",\n    "title": "T"\n  }\n]\n')
    bib = load_bibliography(path, "x.json", None)
    assert [(e.key, e.line) for e in bib.entries] == [("a", 3)]
    assert texts(bib.findings, "bibliography") == [
        "x.json:3: warning: the entry 'a' (@book) has no author or editor and no year or date. "
        "Add what is missing, so that the reference list can show it. "
        "[bibliography.missing-field]"]


def test_same_key_in_the_chapter_bibliography_and_the_books(check: Check) -> None:
    findings = check({"chapters/02-peer.md": PEER + "See [@cahn2000].\n",
                      "chapters/peer.bib": OTHER})
    assert texts(findings, "bibliography") == [
        "chapters/peer.bib:1: error: 'cahn2000' is also in references/book.bib:1, as a "
        "different entry; the chapter would cite only one of them. Give one of them another "
        "key, or delete the one that is wrong. [bibliography.duplicate-key]"]


def test_identical_entry_in_two_bibliographies_is_only_a_note(check: Check) -> None:
    findings = check({"chapters/02-peer.md": PEER + "See [@cahn2000].\n",
                      "chapters/peer.bib": BIB.split("\n\n")[0] + "\n"})
    assert texts(findings, "bibliography") == [
        "chapters/peer.bib:1: info: 'cahn2000' is also in references/book.bib:1, identically. "
        "Keep one of them. [bibliography.duplicate-key]"]


def test_key_conflict_between_chapters(check: Check) -> None:
    intro = ("---\ntitle: Introduction\nauthors: [ada-editor]\nbibliography: [intro.bib]\n---"
             "\n\nSee [@shared].\n")
    peer = PEER + "See [@shared].\n"
    findings = check({
        "book.yaml": "format: 1\ntitle: A Small Book\neditors: [ada-editor]\n",
        "chapters/01-intro.md": intro, "chapters/02-peer.md": peer,
        "chapters/intro.bib": "@book{shared,\n author={A, B},\n title={One},\n year=2000\n}\n",
        "chapters/peer.bib": "@book{shared,\n author={C, D},\n title={Two},\n year=2001\n}\n"})
    assert texts(findings, "bibliography") == [
        "chapters/peer.bib:1: error: 'shared' means a different work here than in "
        "chapters/intro.bib:1 (chapter 'intro'); a merged bibliography would cite the wrong "
        "one. Give one of the two works another key, and cite it by that key. "
        "[bibliography.key-conflict]"]


def test_one_work_under_two_keys(check: Check) -> None:
    findings = check({"chapters/02-peer.md": PEER + "See [@cahn2000; @cahnagain].\n",
                      "chapters/peer.bib": BIB.split("\n\n")[0].replace("cahn2000", "cahnagain")
                      + "\n"})
    assert texts(findings, "bibliography") == [
        "chapters/peer.bib:1: warning: 'cahnagain' and 'cahn2000' (references/book.bib:1) look "
        "like the same work (the same title and year). Keep one key and cite it everywhere, or "
        "correct the entry if they are different works. [bibliography.duplicate-work]"]


def test_unused_entries_of_book_and_chapter_bibliographies(check: Check) -> None:
    intro = "---\ntitle: Introduction\nauthors: [ada-editor]\n---\n\nSee [@cahn2000].\n"
    findings = check({"chapters/01-intro.md": intro,
                      "chapters/02-peer.md": PEER + "Nothing cited.\n",
                      "chapters/peer.bib": OTHER.replace("cahn2000", "other2010")})
    assert texts(findings, "bibliography") == [
        "chapters/peer.bib:1: warning: 'other2010' is never cited. Cite it or remove it. "
        "[bibliography.unused]",
        "references/book.bib:9: warning: 'goffman1961' is never cited. Cite it or remove it. "
        "[bibliography.unused]"]


def test_book_wide_unused_is_not_judged_when_checking_some_chapters(check: Check) -> None:
    intro = "---\ntitle: Introduction\nauthors: [ada-editor]\n---\n\nSee [@cahn2000].\n"
    findings = check({"chapters/01-intro.md": intro}, chapters={"intro"})
    assert texts(findings, "bibliography") == []
