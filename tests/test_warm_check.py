"""A check with nothing changed: the book's YAML parsed once and kept, bibliographies kept with
what identifies each work; every change to an input is still seen."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from anthology.chapters.bibentries import BibEntry, BibFile
from anthology.chapters.bibliography import load_bibliography
from anthology.cli import cli
from anthology.core.cache import Cache
from anthology.core.config import load_book
from anthology.core.errors import ConfigError
from anthology.core.yamlio import YDict, YList, document_from_json, document_to_json, load_yaml
from anthology.editorial.checks.bibliography import duplicate_works, key_conflicts
from tests.conftest import CORPUS


def run(book: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--book", str(book), *args])
    return result.exit_code, result.stdout, result.stderr


def lines_of(value: Any) -> Any:
    """Every line a parsed document remembers, in the document's shape."""
    if isinstance(value, YDict):
        return ("map", value.line, [(key, value.key_lines[key], lines_of(item))
                                    for key, item in value.items()])
    if isinstance(value, YList):
        return ("list", value.line, value.item_lines, [lines_of(item) for item in value])
    return (type(value).__name__, value)


def parsed_entries(book: Path) -> list[Path]:
    return sorted((book / "build" / ".cache" / "yaml").glob("*/*.json"))


@pytest.mark.parametrize("text", [
    "a: 1\n",
    "",
    "# only a comment\n",
    "title: Borders\nyear: 2027\nratio: 1.5\nbig: 1.0e999\nflag: false\nnothing: ~\n",
    "due: {drafts: 2026-12-01, final: '2027-03-31'}\nlist:\n  - a\n  -\n    - 1\n    - [x, y]\n",
    "people:\n  - id: ada\n    emails: [a@example.org]\n  - id: ben\n    bio: |\n      Line one.\n"
    "      Line two.\n    roles: [a, {b: c}]\n",
    "- just\n- a list\n",
    "text only\n",
    "key: 'quoted 42'\nother: \"2027-01-01\"\nempty: ''\n",
])
def test_a_parsed_document_reads_back_identically_from_json(text: str) -> None:
    data = load_yaml(text)
    stored = json.loads(json.dumps(document_to_json(data), ensure_ascii=False))
    again = document_from_json(stored)
    assert again == data
    assert lines_of(again) == lines_of(data)


def test_dates_stay_dates_and_text_that_looks_like_one_stays_text() -> None:
    again = document_from_json(json.loads(json.dumps(document_to_json(
        load_yaml("a: 2027-03-31\nb: '2027-03-31'\nc: [d, 2026-01-02]\n")))))
    assert again == {"a": dt.date(2027, 3, 31), "b": "2027-03-31",
                     "c": ["d", dt.date(2026, 1, 2)]}
    assert type(again["b"]) is str


@pytest.mark.parametrize("stored", [
    ["x", 1, []], ["m", 1, [[1, 1, "a"]]], ["m", 1], ["d", "not a date"], {"a": 1}, ["l", 1],
])
def test_a_form_that_is_not_a_cached_document_is_refused(stored: Any) -> None:
    with pytest.raises((ValueError, TypeError, IndexError, KeyError)):
        document_from_json(stored)


def test_an_unchanged_file_is_not_parsed_again(small_book: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (small_book / "build" / ".cache").mkdir(parents=True)
    first = load_book(small_book)
    assert len(parsed_entries(small_book)) == 3

    def refuse(text: str) -> Any:
        raise AssertionError("parsed again")

    monkeypatch.setattr("anthology.core.config.reading.load_yaml", refuse)
    again = load_book(small_book)
    assert again == first
    assert [c.line for c in again.chapters] == [c.line for c in first.chapters]


def test_a_changed_file_is_parsed_again(small_book: Path) -> None:
    (small_book / "build" / ".cache").mkdir(parents=True)
    load_book(small_book)
    book_yaml = small_book / "book.yaml"
    book_yaml.write_text(book_yaml.read_text().replace("A Small Book", "A Longer Book"))
    assert load_book(small_book).config.title == "A Longer Book"
    assert len(parsed_entries(small_book)) == 3  # one entry per file, replaced


def test_nothing_is_kept_without_a_cache_folder_unless_asked(small_book: Path) -> None:
    load_book(small_book)
    assert not (small_book / "build").exists()
    load_book(small_book, keep_parsed=True)
    assert len(parsed_entries(small_book)) == 3


def test_the_first_check_keeps_the_parsed_files(small_book: Path) -> None:
    assert run(small_book, "check", "-q") == (0, "", "")
    assert len(parsed_entries(small_book)) == 3


def test_status_makes_no_build_folder(small_book: Path) -> None:
    assert run(small_book, "status")[0] == 0
    assert not (small_book / "build").exists()


def test_a_bad_configuration_keeps_nothing(small_book: Path) -> None:
    (small_book / "build" / ".cache").mkdir(parents=True)
    chapters = small_book / "chapters.yaml"
    chapters.write_text(chapters.read_text().replace("status: draft", "status: drafted"))
    with pytest.raises(ConfigError):
        load_book(small_book, keep_parsed=True)
    assert parsed_entries(small_book) == []
    shutil.rmtree(small_book / "build")
    assert run(small_book, "check", "-q")[0] == 2
    assert not (small_book / "build").exists()


@pytest.mark.parametrize("damage", ["key", "data", "json"])
def test_a_damaged_or_foreign_entry_is_not_trusted(small_book: Path, damage: str) -> None:
    (small_book / "build" / ".cache").mkdir(parents=True)
    load_book(small_book)
    for path in parsed_entries(small_book):
        stored = json.loads(path.read_text())
        if stored["data"][2][0][0] != "format" or "title" not in json.dumps(stored):
            continue
        if damage == "key":  # what another text parsed to, under that text's key
            stored["key"] = "0" * 64
            stored["data"] = document_to_json(load_yaml("title: Wrong\neditors: [ada-editor]\n"))
            path.write_text(json.dumps(stored))
        elif damage == "data":
            stored["data"] = ["m", 1, [["title", "one", ["x"]]]]
            path.write_text(json.dumps(stored))
        else:
            path.write_text("{not json")
    assert load_book(small_book).config.title == "A Small Book"


@pytest.mark.parametrize(("name", "old", "new", "code", "expected"), [
    ("book.yaml", "chapter_limit: 500", "chapter_limit: 10", 0,
     "chapters/01-intro.md: warning: 21 words; the limit is 10 (notes included, references "
     "excluded). Cut 11. [words.over-limit]\n1 problem (1 warning) in 1 file.\n"),
    ("chapters.yaml", "    status: draft\n", "    status: draft\n    word_limit: 12\n", 0,
     "chapters/01-intro.md: warning: 21 words; the limit is 12 (notes included, references "
     "excluded). Cut 9. [words.over-limit]\n1 problem (1 warning) in 1 file.\n"),
    ("contributors.yaml", "  - id: ben-writer", "  - id: ben-author", 2,
     "chapters.yaml:14: error: chapter 'peer' names the author 'ben-writer', who is not in "
     "contributors.yaml. Did you mean 'ben-author'? [config.unknown-contributor]\n"
     "1 problem (1 error) in 1 file.\n"
     "Error: The book's configuration has 1 problem; nothing was changed. Fix them and run the "
     "command again.\n"),
])
def test_a_change_to_each_yaml_file_after_a_warm_check_is_seen(
        small_book: Path, name: str, old: str, new: str, code: int, expected: str) -> None:
    assert run(small_book, "check", "-q") == (0, "", "")  # keeps the parsed files
    assert len(parsed_entries(small_book)) == 3
    assert run(small_book, "check", "-q") == (0, "", "")  # from them
    path = small_book / name
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    result = run(small_book, "check", "-q")
    assert result[0] == code
    if code == 2:
        assert result[1:] == ("", expected)
    else:
        assert result[1:] == (expected, "")
    assert run(small_book, "check", "-q")[:2] == result[:2]  # the same again, warm


def test_an_edit_back_to_an_earlier_text_is_seen(small_book: Path) -> None:
    run(small_book, "check", "-q")
    book_yaml = small_book / "book.yaml"
    original = book_yaml.read_text()
    book_yaml.write_text(original.replace("chapter_limit: 500", "chapter_limit: 10"))
    assert run(small_book, "check", "-q")[1].endswith("1 problem (1 warning) in 1 file.\n")
    book_yaml.write_text(original)
    assert run(small_book, "check", "-q") == (0, "", "")


# Bibliographies: what identifies each work is kept with the file's entries.

def test_a_cached_bibliography_keeps_what_identifies_each_work(tmp_path: Path) -> None:
    path = tmp_path / "500lines.bib"
    shutil.copy(CORPUS / "500lines.bib", path)
    cache = Cache(tmp_path / "cache")
    fresh = load_bibliography(path, "500lines.bib", cache)
    cached = load_bibliography(path, "500lines.bib", cache)
    assert cache.hits == 1
    assert [e.works() for e in cached.entries] == [e.works() for e in fresh.entries]
    worked_out = [BibEntry(e.key, e.line, e.item, e.kind, e.year) for e in fresh.entries]
    assert [e.works() for e in worked_out] == [e.works() for e in fresh.entries]


def entry(key: str, title: str, year: int, doi: str | None = None) -> BibEntry:
    item: dict[str, Any] = {"id": key, "title": title, "issued": {"date-parts": [[year]]}}
    if doi:
        item["DOI"] = doi
    return BibEntry(key, 1, item, "book")


def test_duplicate_works_are_found_alike_in_fresh_and_cached_files() -> None:
    bib = BibFile("refs.bib", [entry("a", "Asylums", 1961, "10.1/X"),
                               entry("b", "ASYLUMS!", 1961),
                               entry("c", "Other", 1999, "https://doi.org/10.1/x"),
                               entry("d", "Asylums", 1962)])
    read_back = BibFile.from_json(json.loads(json.dumps(bib.to_json())))
    assert read_back == bib
    assert duplicate_works([read_back], None) == duplicate_works([bib], None)
    assert [f.message for f in duplicate_works([bib], None)] == [
        "'b' and 'a' (refs.bib:1) look like the same work (the same title and year).",
        "'c' and 'a' (refs.bib:1) look like the same work (the same DOI)."]
    other = BibFile("other.bib", [entry("a", "Something else", 2001)])
    assert key_conflicts([("x", read_back), ("y", other)]) == key_conflicts(
        [("x", bib), ("y", other)])
    assert len(key_conflicts([("x", bib), ("y", other)])) == 1


def test_text_json_cannot_hold_is_parsed_each_time(small_book: Path) -> None:
    book_yaml = small_book / "book.yaml"
    book_yaml.write_text(book_yaml.read_text().replace("subtitle: For Tests",
                                                       'subtitle: "For \\ud800 Tests"'))
    assert run(small_book, "check", "-q") == (0, "", "")
    assert len(parsed_entries(small_book)) == 2  # contributors.yaml and chapters.yaml
    assert run(small_book, "check", "-q") == (0, "", "")
    assert load_book(small_book).config.subtitle == "For \ud800 Tests"


def test_a_damaged_cached_bibliography_is_read_again(tmp_path: Path) -> None:
    import gc

    path = tmp_path / "500lines.bib"
    shutil.copy(CORPUS / "500lines.bib", path)
    cache = Cache(tmp_path / "cache")
    fresh = load_bibliography(path, "500lines.bib", cache)
    [stored_path] = (tmp_path / "cache" / "bibfile").glob("*/*.json")
    stored = json.loads(stored_path.read_text())
    stored["entries"] = [row[:5] for row in stored["entries"]]  # the form before identity
    stored_path.write_text(json.dumps(stored))
    assert load_bibliography(path, "500lines.bib", cache) == fresh
    assert gc.isenabled()
