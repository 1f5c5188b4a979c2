"""Every value of book.yaml, contributors.yaml, chapters.yaml and a chapter's front matter has
its type and range checked, with file:line and the fix; nothing is written from a file that
does not validate."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from anthology.cli import cli
from anthology.core.config import load_book
from anthology.core.errors import ConfigError
from tests.conftest import BOOK_YAML, CHAPTERS_YAML, CONTRIBUTORS_YAML, INTRO_MD


def problems(make_book: Callable[..., Path], files: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_book(make_book(files))
    return [f.to_text() for f in caught.value.findings]


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("book.yaml", "title: A Small Book", "title: 42",
     "book.yaml:2: error: 'title' should be text, not the number 42. Put it in quotes: "
     "title: \"42\" [config.type]"),
    ("book.yaml", "place: Leeds", "place: true",
     "book.yaml:6: error: 'place' should be text, not true. Put it in quotes: place: \"true\" "
     "[config.type]"),
    ("book.yaml", "editors: [ada-editor]", "editors: ada-editor",
     "book.yaml:4: error: 'editors' should be a list, not the text 'ada-editor'. Write it as a "
     "list: editors: [ada-editor] [config.type]"),
    ("book.yaml", "chapter_limit: 500", "chapter_limit: 100000000000000000000000000000000000",
     "book.yaml:12: error: 'words.chapter_limit' should be at most 10,000,000, not "
     "100,000,000,000,000,000,000,000,000,000,000,000. For example: chapter_limit: 8000 "
     "[config.value]"),
    ("book.yaml", "chapter_limit: 500", "chapter_limit: 10^35",
     "book.yaml:12: error: 'words.chapter_limit' should be a whole number, not the text "
     "'10^35'. For example: chapter_limit: 8000 [config.type]"),
    ("book.yaml", "year: 2027", "year: 20270",
     "book.yaml:7: error: 'year' should be at most 9,999, not 20,270. For example: year: 2027 "
     "[config.value]"),
    ("book.yaml", "format: 1", "format: one",
     "book.yaml:1: error: 'format' should be a whole number such as 1, not the text 'one'. "
     "Write: format: 1 [config.type]"),
    ("chapters.yaml", "title: Introduction", "title: 42",
     "chapters.yaml:4: error: 'title' should be text, not the number 42. Put it in quotes: "
     "title: \"42\" [config.type]"),
    ("chapters.yaml", "authors: [ada-editor]", "authors: ada-editor",
     "chapters.yaml:5: error: 'authors' should be a list, not the text 'ada-editor'. Write it "
     "as a list: authors: [ada-editor] [config.type]"),
    ("contributors.yaml", "emails: [ada@example.ac.uk]", "emails: ada@example.ac.uk",
     "contributors.yaml:5: error: 'emails' should be a list, not the text 'ada@example.ac.uk'. "
     "Write it as a list: emails: [ada@example.ac.uk] [config.type]"),
    ("contributors.yaml", "name: Ada Editor", "name: 1984",
     "contributors.yaml:4: error: 'name' should be text, not the number 1984. Put it in "
     "quotes: name: \"1984\" [config.type]"),
])
def test_wrong_types(make_book: Callable[..., Path], file: str, old: str, new: str,
                     expected: str) -> None:
    text = {"book.yaml": BOOK_YAML, "chapters.yaml": CHAPTERS_YAML,
            "contributors.yaml": CONTRIBUTORS_YAML}[file]
    assert old in text
    assert expected in problems(make_book, {file: text.replace(old, new, 1)})


@pytest.mark.parametrize(("build", "expected"), [
    ("  css: ../outside.css\n",
     "book.yaml:20: error: 'build.css' names ../outside.css, which is not inside the book "
     "folder. Put the file in the book folder and name it from there, for example: css: "
     "styles/book.css [config.path]"),
    ("  css: /etc/hostname\n",
     "book.yaml:20: error: 'build.css' names /etc/hostname, which is not inside the book "
     "folder. Put the file in the book folder and name it from there, for example: css: "
     "styles/book.css [config.path]"),
    ("  cover: covers/none.png\n",
     "book.yaml:20: error: 'build.cover' names covers/none.png, which does not exist. Check "
     "the file name, for example: cover: covers/front.png [config.missing-file]"),
])
def test_build_paths(make_book: Callable[..., Path], build: str, expected: str) -> None:
    assert problems(make_book, {"book.yaml": BOOK_YAML + "build:\n" + build}) == [expected]


@pytest.mark.parametrize(("csl", "expected"), [
    ("../../../../tmp/evil",
     "book.yaml:9: error: 'csl' should be a style name such as harvard-cite-them-right or a "
     "file ending in .csl, not '../../../../tmp/evil'. For example: csl: apa [config.csl]"),
    ("../style.csl",
     "book.yaml:9: error: 'csl' names the style file ../style.csl, which does not exist inside "
     "the book folder. Check the path, or give a style name such as harvard-cite-them-right. "
     "[config.csl]"),
])
def test_csl_paths(make_book: Callable[..., Path], csl: str, expected: str) -> None:
    book_yaml = BOOK_YAML.replace("csl: chicago-author-date", f"csl: {csl}")
    assert problems(make_book, {"book.yaml": book_yaml}) == [expected]


def test_a_symlinked_css_out_of_the_book_is_refused(make_book: Callable[..., Path],
                                                     tmp_path: Path) -> None:
    (tmp_path / "outside.css").write_text("body { color: red }", encoding="utf-8")
    book = make_book()
    (book / "styles").mkdir()
    (book / "styles" / "book.css").symlink_to(tmp_path / "outside.css")
    (book / "book.yaml").write_text(BOOK_YAML + "build:\n  css: styles/book.css\n",
                                    encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_book(book)
    assert [f.code for f in caught.value.findings] == ["config.path"]


@pytest.mark.parametrize("plan", ["", "format: 1\n", "format: 1\nchapters: []\n",
                                  "chapters:\n"])
def test_a_book_with_no_chapters_is_valid(make_book: Callable[..., Path], plan: str) -> None:
    assert load_book(make_book({"chapters.yaml": plan})).chapters == ()


def test_mark_changes_nothing_when_chapters_yaml_has_a_wrong_type(
        make_book: Callable[..., Path]) -> None:
    book = make_book({"chapters.yaml": CHAPTERS_YAML.replace("title: Introduction",
                                                             "title: 42")})
    before = (book / "chapters.yaml").read_bytes()
    result = CliRunner().invoke(cli, ["--book", str(book), "mark", "intro", "review",
                                      "--by", "Ada", "--date", "2026-06-01"])
    assert result.exit_code == 2
    assert result.stderr == (
        "chapters.yaml:4: error: 'title' should be text, not the number 42. Put it in quotes: "
        "title: \"42\" [config.type]\n"
        "1 problem (1 error) in 1 file.\n"
        "Error: The book's configuration has 1 problem; nothing was changed. Fix them and run "
        "the command again.\n")
    assert (book / "chapters.yaml").read_bytes() == before


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("title: Introduction", "title: 42",
     "chapters/01-intro.md:2: error: 'title' should be text, not the number 42. Put it in "
     "quotes: title: \"42\" [frontmatter.type]"),
    ("authors: [ada-editor]", "authors: ada-editor",
     "chapters/01-intro.md:3: error: 'authors' should be a list, not the text 'ada-editor'. "
     "Write it as a list: authors: [ada-editor] [frontmatter.type]"),
    ("keywords: [testing]", "keywords: [testing, 2027]",
     "chapters/01-intro.md:5: error: each item of 'keywords' should be text, not the number "
     "2027. Put it in quotes: \"2027\" [frontmatter.type]"),
    ("abstract: What this small book is about.", "abstract: [a, list]",
     "chapters/01-intro.md:4: error: 'abstract' should be text, not a list. Write it as one "
     "line of text: abstract: \"...\" [frontmatter.type]"),
])
def test_front_matter_types(make_book: Callable[..., Path], old: str, new: str,
                            expected: str) -> None:
    book = make_book({"chapters/01-intro.md": INTRO_MD.replace(old, new)})
    result = CliRunner().invoke(cli, ["--book", str(book), "check", "-q"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:-1] == [expected]
