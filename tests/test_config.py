"""Loading and validating a book: every problem at once, with file, line and a fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from anthology.core.config import find_book_root, isbn_problem, load_book, orcid_problem, slugify
from anthology.core.errors import ConfigError
from anthology.core.findings import sort_findings
from anthology.core.installation import running_installation
from anthology.core.model import Status
from tests.conftest import BOOK_YAML, CHAPTERS_YAML, CONTRIBUTORS_YAML


def problems(root: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_book(root)
    return [f.to_text() for f in sort_findings(caught.value.findings)]


def test_small_book_loads(small_book: Path) -> None:
    book = load_book(small_book)
    assert book.config.title == "A Small Book"
    assert [c.id for c in book.chapters] == ["intro", "peer"]
    assert book.chapter("intro").status is Status.DRAFT
    assert book.contributor("ben-writer").emails == ("ben@example.org", "ben.writer@example.org")
    assert book.editors[0].name == "Ada Editor"
    assert book.config.words.chapter_limit == 500


def test_sample_book_loads() -> None:
    from tests.conftest import REPO

    book = load_book(REPO)
    assert len(book.chapters) >= 7
    assert len(book.contributors) >= 10
    assert len(book.config.editors) == 2


@pytest.mark.parametrize(("files", "expected"), [
    ({"book.yaml": BOOK_YAML.replace("title: A Small Book", "titel: A Small Book")}, [
        "book.yaml:1: error: the required key 'title' is missing. Add it, for example: title: "
        "Co-production in Mental Health [config.missing-key]",
        "book.yaml:2: error: unknown key 'titel'. Did you mean 'title'? [config.unknown-key]"]),
    ({"book.yaml": BOOK_YAML.replace("year: 2027", "year: twenty")}, [
        "book.yaml:7: error: 'year' should be a whole number, not the text 'twenty'. For "
        "example: year: 2027 [config.type]"]),
    ({"book.yaml": BOOK_YAML.replace("drafts: 2026-09-30", "drafts: 30/09/2026")}, [
        "book.yaml:16: error: 'schedule.drafts' should be a date written YYYY-MM-DD, not the "
        "text '30/09/2026'. For example: drafts: 2027-03-31 [config.date]"]),
    # An impossible date hides none of the file's other problems.
    ({"book.yaml": BOOK_YAML.replace("drafts: 2026-09-30", "drafts: 2026-02-30").replace(
        "year: 2027", "year: twenty")}, [
        "book.yaml:7: error: 'year' should be a whole number, not the text 'twenty'. For "
        "example: year: 2027 [config.type]",
        "book.yaml:16: error: 'schedule.drafts' is '2026-02-30', which is not a real date. "
        "Write dates as YYYY-MM-DD, for example 2027-03-31. [config.date]"]),
    # An unclosed quotation is reported where it opens, not where YAML finds the next one.
    ({"book.yaml": BOOK_YAML.replace("title: A Small Book", 'title: "A Small Book').replace(
        "subtitle: For Tests", 'subtitle: "For Tests"')}, [
        "book.yaml:2: error: book.yaml is not valid YAML: the quotation mark (\") on this line "
        "is never closed, so YAML reads on to the next one, on line 3. Close the quotation "
        "with \" on this line. [config.yaml]"]),
    ({"book.yaml": BOOK_YAML.replace("editors: [ada-editor]", "editors: [ada-editr]")}, [
        "book.yaml:4: error: the editor 'ada-editr' is not in contributors.yaml. Did you mean "
        "'ada-editor'? [config.unknown-contributor]"]),
    ({"book.yaml": BOOK_YAML + "title: Again\n"}, [
        "book.yaml:19: error: book.yaml has the key 'title' twice (first on line 2). Keep one "
        "of them and delete the other. [config.yaml]"]),
    ({"book.yaml": BOOK_YAML + "x: &a [1]\ny: *a\n"}, [
        "book.yaml:19: error: book.yaml defines a YAML anchor (&a), which anthology does not "
        "accept. Remove the anchor and write each value out in full. [config.yaml]"]),
    ({"book.yaml": BOOK_YAML.replace("language: en-GB", "language: [en\n")}, [
        "book.yaml:8: error: book.yaml is not valid YAML: the [ on this line is never closed. "
        "Close it with ] at the end of the line. [config.yaml]"]),
    ({"book.yaml": BOOK_YAML.replace("bibliography: [references/book.bib]",
                                     "bibliography: [references/nope.bib]")}, [
        "book.yaml:10: error: the bibliography references/nope.bib does not exist inside the "
        "book folder. Check the file name, or remove it from 'bibliography'. "
        "[config.missing-file]"]),
    ({"book.yaml": BOOK_YAML.replace("format: 1", "format: 2")}, [
        "book.yaml:1: error: book.yaml was written by a newer version of anthology (format 2; "
        "this version reads format 1). Upgrade anthology before using it on this book: "
        f"{running_installation().upgrade_line}. [config.format]"]),
    ({"book.yaml": BOOK_YAML + "isbn:\n  print: 978-0-306-40615-6\n"}, [
        "book.yaml:20: error: 'isbn.print' 978-0-306-40615-6 is not a valid ISBN: its check "
        "digit should be 7, so a digit is probably mistyped. Copy the ISBN again from the "
        "publisher's letter. [config.value]"]),
])
def test_book_yaml_errors(make_book: Callable[..., Path], files: dict[str, str],
                          expected: list[str]) -> None:
    assert problems(make_book(files)) == expected


def test_contributor_errors_all_reported_at_once(make_book: Callable[..., Path]) -> None:
    text = CONTRIBUTORS_YAML + """\
  - id: ada-editor
    name: Ada Twice
    emails: [not-an-email]
    orcid: 0000-0002-1825-0098
    colour: blue
"""
    assert problems(make_book({"contributors.yaml": text})) == [
        "contributors.yaml:15: error: the id 'ada-editor' is used twice (also on line 3). Give "
        "each person a different id. [config.duplicate-id]",
        "contributors.yaml:17: error: 'not-an-email' does not look like an e-mail address. "
        "Write it as name@example.org. [config.value]",
        "contributors.yaml:18: error: the ORCID iD 0000-0002-1825-0098 of Ada Twice is not "
        "valid: its last character should be 7 by the ORCID checksum, so a digit is probably "
        "mistyped. Copy it again from the person's orcid.org page. [config.orcid]",
        "contributors.yaml:19: error: unknown key 'colour'. Remove it; a contributor accepts: "
        "id, name, sort_name, emails, affiliation, orcid, bio, roles. [config.unknown-key]",
    ]


def test_chapter_errors(make_book: Callable[..., Path]) -> None:
    text = CHAPTERS_YAML.replace("authors: [ben-writer]", "authors: [ben-writter]").replace(
        "status: invited", "status: drafted").replace(
        "file: chapters/02-peer.md", "file: chapters/02-peer.md\n    word_limit: lots")
    # A missing file is no problem of the configuration (`check` reports it).
    text += """\
  - id: gone
    title: A chapter whose file is missing
    file: chapters/03-gone.md
    status: draft
"""
    assert problems(make_book({"chapters.yaml": text})) == [
        "chapters.yaml:14: error: chapter 'peer' names the author 'ben-writter', who is not in "
        "contributors.yaml. Did you mean 'ben-writer'? [config.unknown-contributor]",
        "chapters.yaml:16: error: 'word_limit' should be a whole number, not the text 'lots'. "
        "For example: word_limit: 8000 [config.type]",
        "chapters.yaml:17: error: 'drafted' is not a workflow state. Did you mean 'draft'? "
        "[config.state]",
    ]


def test_status_must_match_history(make_book: Callable[..., Path]) -> None:
    text = CHAPTERS_YAML.replace("    status: draft\n", "    status: review\n")
    assert problems(make_book({"chapters.yaml": text})) == [
        "chapters.yaml:7: error: chapter 'intro' has status 'review', but the last event in its "
        "history is 'draft'. Make them agree: use `anthology mark` to record changes. "
        "[config.state]"]


def test_merge_conflict_markers(make_book: Callable[..., Path]) -> None:
    text = CHAPTERS_YAML.replace("  - id: peer\n", "<<<<<<< HEAD\n  - id: peer\n=======\n"
                                 "  - id: peer2\n>>>>>>> theirs\n")
    assert problems(make_book({"chapters.yaml": text})) == [
        "chapters.yaml:12: error: chapters.yaml still has git merge-conflict markers (<<<<<<<, "
        "=======, >>>>>>>). Resolve the conflict: keep the lines you want and delete the "
        "markers. [config.conflict]"]


def test_implicit_yaml_types_stay_text(make_book: Callable[..., Path]) -> None:
    text = BOOK_YAML.replace("title: A Small Book", "title: NO").replace(
        "place: Leeds", "place: 01234")
    book = load_book(make_book({"book.yaml": text}))
    assert book.config.title == "NO"
    assert book.config.place == "01234"


def test_missing_book_yaml_everywhere(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        find_book_root(tmp_path)
    assert caught.value.message == (
        f"No book found: neither {tmp_path.resolve()} nor any folder above it has a book.yaml. "
        "Run anthology inside a book folder, pass --book DIR, or start a new book with "
        "`anthology init DIR`.")


def test_discovery_from_a_subfolder(small_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHOLOGY_BOOK", raising=False)
    assert find_book_root(small_book / "chapters") == small_book.resolve()
    monkeypatch.setenv("ANTHOLOGY_BOOK", str(small_book))
    assert find_book_root(Path("/")) == small_book.resolve()


@pytest.mark.parametrize(("orcid", "ok"), [
    ("0000-0002-1825-0097", True), ("0000-0001-5109-3700", True),
    ("0000-0002-1694-233X", True), ("https://orcid.org/0000-0002-1825-0097", True),
    ("0000-0002-1825-0098", False), ("0000-0002-1825", False), ("abcd", False)])
def test_orcid_checksum(orcid: str, ok: bool) -> None:
    assert (orcid_problem(orcid) is None) is ok


@pytest.mark.parametrize(("isbn", "ok"), [
    ("978-0-306-40615-7", True), ("9780306406157", True), ("978-0-306-40615-6", False),
    ("0-306-40615-2", False)])
def test_isbn_checksum(isbn: str, ok: bool) -> None:
    assert (isbn_problem(isbn) is None) is ok


@pytest.mark.parametrize(("name", "slug"), [
    ("Jane O'Neil", "jane-oneil"), ("Zoë Ní Bhriain", "zoe-ni-bhriain"), ("  ", "book"),
    ("Zoë Łukasiewicz-Wójcik", "zoe-lukasiewicz-wojcik"), ("Björn Þórðarson", "bjorn-thordarson"),
    ("Søren Kierkegaard", "soren-kierkegaard"), ("Æsa Straße", "aesa-strasse"),
    ("Νίκος Παπαδόπουλος", "nikos-papadopoulos"), ("Ольга Петрова", "olga-petrova"),
    ("李小龙", "book")])
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_unreadable_contributors_yaml_is_reported_once(make_book: Callable[..., Path]) -> None:
    # Every author and editor would otherwise be "not in contributors.yaml" too, burying the
    # one real problem under a message per chapter.
    book = make_book({"contributors.yaml": CONTRIBUTORS_YAML.replace(
        "name: Ben Writer", "name: [Ben Writer")})
    assert problems(book) == [
        "contributors.yaml:10: error: contributors.yaml is not valid YAML: the [ on this line is "
        "never closed. Close it with ] at the end of the line. [config.yaml]"]


def test_a_chapter_file_that_is_a_folder(make_book: Callable[..., Path]) -> None:
    book = make_book()
    (book / "chapters" / "01-intro.md").unlink()
    (book / "chapters" / "01-intro.md").mkdir()
    assert problems(book) == [
        "chapters.yaml:6: error: the file chapters/01-intro.md of chapter 'intro' is a folder, "
        "not a file. Give the path of the chapter's Markdown file in 'file:', or move the "
        "folder out of the way. [config.file]"]


def test_a_registry_that_is_a_folder(make_book: Callable[..., Path]) -> None:
    book = make_book()
    (book / "chapters.yaml").unlink()
    (book / "chapters.yaml").mkdir()
    assert problems(book) == [
        "chapters.yaml: error: chapters.yaml is a folder, not a file. Put the file itself at "
        "this path. [config.unreadable]"]


def test_an_unreadable_registry(make_book: Callable[..., Path],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    book = make_book()
    real = Path.read_text

    def refuse(self: Path, *args: Any, **kwargs: Any) -> str:
        if self.name == "chapters.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", refuse)
    assert problems(book) == [
        "chapters.yaml: error: chapters.yaml cannot be read: permission denied. Let your user "
        "read it (for example: chmod u+rw chapters.yaml). [config.unreadable]"]


@pytest.mark.parametrize(("typography", "expected"), [
    ("typography:\n  quotes: curly\n", [
        "book.yaml:20: error: 'typography.quotes' should be single or double, not 'curly'. "
        "For example: quotes: single (British: ‘outer “inner”’) or quotes: double (American). "
        "[config.value]"]),
    ("typography:\n  quote: single\n", [
        "book.yaml:20: error: unknown key 'typography.quote'. Did you mean 'quotes'? "
        "[config.unknown-key]"]),
    ("typography: single\n", [
        "book.yaml:19: error: 'typography' should be a group of indented keys, not the text "
        "'single'. For example: typography: (indented keys) [config.type]"]),
])
def test_typography_quotes_errors(make_book: Callable[..., Path], typography: str,
                                  expected: list[str]) -> None:
    assert problems(make_book({"book.yaml": BOOK_YAML + typography})) == expected


@pytest.mark.parametrize(("typography", "quotes"), [
    ("", None), ("typography:\n  quotes: double\n", "double"),
    ("typography:\n  quotes: single\n", "single")])
def test_typography_quotes(make_book: Callable[..., Path], typography: str,
                           quotes: str | None) -> None:
    assert load_book(make_book({"book.yaml": BOOK_YAML + typography})).config.quotes == quotes


def test_build_index_is_a_boolean(make_book: Callable[..., Path]) -> None:
    root = make_book({"book.yaml": BOOK_YAML + "build:\n  index: please\n"})
    assert problems(root) == [
        "book.yaml:20: error: 'build.index' should be true or false, not the text 'please'. "
        "For example: index: true [config.type]"]
    assert load_book(make_book({"book.yaml": BOOK_YAML + "build:\n  index: true\n"})
                     ).config.build.index is True
    assert load_book(make_book({"book.yaml": BOOK_YAML})).config.build.index is False


def test_an_unknown_key_with_nothing_close_lists_the_keys(make_book: Callable[..., Path]
                                                          ) -> None:
    assert problems(make_book({"book.yaml": BOOK_YAML + "colour: blue\n"})) == [
        "book.yaml:19: error: unknown key 'colour'. Remove it; book.yaml accepts: format, "
        "title, subtitle, slug, editors, publisher, place, year, edition, language, isbn, doi, "
        "licence, subject, keywords, description, csl, bibliography, page, words, schedule, "
        "build, typography. [config.unknown-key]"]


def test_every_key_of_an_item_is_checked_even_when_its_id_is_wrong(
        make_book: Callable[..., Path]) -> None:
    # The id's problem does not hide the others: all are fixed in one pass.
    people = CONTRIBUTORS_YAML + "  - {id: Cara R, name: Cara Roe, bio: 7}\n"
    plan = CHAPTERS_YAML + "  - {id: peer, title: Again, word_limit: lots}\n"
    assert problems(make_book({"contributors.yaml": people, "chapters.yaml": plan})) == [
        "chapters.yaml:19: error: the id 'peer' is used twice (also on line 12). Give each "
        "chapter a different id. [config.duplicate-id]",
        "chapters.yaml:19: error: 'word_limit' should be a whole number, not the text 'lots'. "
        "For example: word_limit: 8000 [config.type]",
        "contributors.yaml:15: error: the id 'Cara R' should be lowercase letters, digits and "
        "hyphens. For example: id: cara-r [config.id]",
        "contributors.yaml:15: error: 'bio' should be text, not the number 7. Put it in quotes: "
        "bio: \"7\" [config.type]",
    ]


def test_a_chapter_with_a_duplicate_id_is_named_in_its_other_problems(
        make_book: Callable[..., Path]) -> None:
    plan = CHAPTERS_YAML + "  - {id: peer, title: Again, authors: [nobody]}\n"
    assert problems(make_book({"chapters.yaml": plan})) == [
        "chapters.yaml:19: error: the id 'peer' is used twice (also on line 12). Give each "
        "chapter a different id. [config.duplicate-id]",
        "chapters.yaml:19: error: chapter 'peer' names the author 'nobody', who is not in "
        "contributors.yaml. Add them with `anthology contributor add`, or fix the id. "
        "[config.unknown-contributor]",
    ]


@pytest.mark.parametrize("state", ["state:", "state: ''"])
def test_an_event_whose_state_is_empty(make_book: Callable[..., Path], state: str) -> None:
    plan = CHAPTERS_YAML.replace("state: agreed", state)
    expected = ("chapters.yaml:10: error: the required key 'history.state' is missing. Add it, "
                "for example: state: draft [config.missing-key]") if state == "state:" else (
        "chapters.yaml:10: error: 'history.state' is empty. Write it, for example: state: draft "
        "[config.missing-key]")
    assert problems(make_book({"chapters.yaml": plan})) == [expected]


def test_a_person_without_id_or_name(make_book: Callable[..., Path]) -> None:
    people = CONTRIBUTORS_YAML + "  - {emails: [cara@example.org]}\n"
    assert problems(make_book({"contributors.yaml": people})) == [
        "contributors.yaml:15: error: the required key 'name' is missing. Add it, for example: "
        "name: Jane Doe [config.missing-key]",
        "contributors.yaml:15: error: the required key 'id' is missing. Add it, for example: "
        "id: jane-doe [config.missing-key]",
    ]
