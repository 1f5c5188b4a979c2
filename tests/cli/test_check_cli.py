"""`anthology check` and `anthology wordcount` through the CLI: output, formats, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from anthology.cli import cli
from anthology.core.findings import FIELDS


def run(book: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--book", str(book), *args])
    return result.exit_code, result.stdout, result.stderr


def break_intro(book: Path) -> None:
    intro = book / "chapters" / "01-intro.md"
    intro.write_text(intro.read_text() + "\nAs [@cahn200] said.\n")


def test_clean_book_exits_0(small_book: Path) -> None:
    code, out, err = run(small_book, "check", "--quiet")
    assert (code, out, err) == (0, "", "")
    assert run(small_book, "check")[1] == "No problems found.\n"


def test_errors_exit_1_with_compiler_style_lines(small_book: Path) -> None:
    break_intro(small_book)
    code, out, _ = run(small_book, "check", "-q")
    assert code == 1
    assert out == (
        "chapters/01-intro.md:13:5: error: cites @cahn200, which is not in the bibliography. "
        "Did you mean @cahn2000? [citation.missing]\n"
        "1 problem (1 error) in 1 file.\n")


def test_json_has_exactly_the_documented_fields(small_book: Path) -> None:
    break_intro(small_book)
    code, out, _ = run(small_book, "check", "--format", "json")
    data = json.loads(out)
    assert code == 1 and len(data) == 1
    assert tuple(data[0]) == FIELDS
    assert data[0] == {"severity": "error", "code": "citation.missing",
                       "file": "chapters/01-intro.md", "line": 13, "column": 5,
                       "chapter": "intro",
                       "message": "cites @cahn200, which is not in the bibliography.",
                       "hint": "Did you mean @cahn2000?"}


def test_github_annotations(small_book: Path) -> None:
    break_intro(small_book)
    _, out, _ = run(small_book, "check", "--format", "github")
    assert out == ("::error file=chapters/01-intro.md,line=13,col=5,title=citation.missing::"
                   "cites @cahn200, which is not in the bibliography. Did you mean @cahn2000?\n")


def test_strict_fails_on_warnings(small_book: Path) -> None:
    bib = small_book / "references" / "book.bib"
    bib.write_text(bib.read_text() + "\n@book{extra,\n author={E, F},\n title={X},\n"
                   " year=2001\n}\n")
    assert run(small_book, "check", "-q")[0] == 0
    code, out, _ = run(small_book, "check", "-q", "--strict")
    assert code == 1
    assert out == ("references/book.bib:17: warning: 'extra' is never cited. Cite it or remove "
                   "it. [bibliography.unused]\n1 problem (1 warning) in 1 file.\n")


def test_unknown_chapter_exits_2(small_book: Path) -> None:
    code, out, err = run(small_book, "check", "intr")
    assert (code, out) == (2, "")
    assert err == ("Error: There is no chapter 'intr' in chapters.yaml. Did you mean "
                   "'intro'?\n")


def test_check_one_chapter(small_book: Path) -> None:
    code, out, _ = run(small_book, "check", "intro", "-q")
    assert (code, out) == (0, "")


def test_wordcount_formats(small_book: Path) -> None:
    code, out, _ = run(small_book, "wordcount", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["count"] == ["body", "notes"]
    assert data["chapters"][0] == {
        "chapter": "intro", "file": "chapters/01-intro.md", "body": 16, "notes": 5,
        "captions": 0, "abstract": 6, "references": 30, "code": 0, "counted": 21, "limit": 500,
        "readable": True}
    assert data["total"] == {"body": 16, "notes": 5, "captions": 0, "abstract": 6,
                             "references": 30, "code": 0, "counted": 21, "limit": 2000}
    _, out, _ = run(small_book, "wordcount", "--format", "csv")
    assert out == ("chapter,body,notes,captions,abstract,references,code,counted,limit\n"
                   "intro,16,5,0,6,30,0,21,500\ntotal,16,5,0,6,30,0,21,2000\n")
    _, out, _ = run(small_book, "wordcount")
    assert out.splitlines() == [
        "chapter  body  notes  captions  abstract  references  code  counted  limit",
        "-------  ----  -----  --------  --------  ----------  ----  -------  -----",
        "intro      16      5         0         6          30     0       21    500",
        "-------  ----  -----  --------  --------  ----------  ----  -------  -----",
        "total      16      5         0         6          30     0       21  2,000",
        "Counted: body, notes (set words.count in book.yaml)."]


CODE_CHAPTER = """\
---
title: Introduction
authors: [ada-editor]
---

Run the tests with `make test` first.

```python
def count(words):
    return len(words.split())
```
"""


def test_code_blocks_are_counted_apart_and_only_when_the_book_says(small_book: Path) -> None:
    (small_book / "chapters" / "01-intro.md").write_text(CODE_CHAPTER)
    _, out, _ = run(small_book, "wordcount", "--format", "csv")
    assert out.splitlines()[1] == "intro,7,0,0,0,0,4,7,500"
    book_yaml = small_book / "book.yaml"
    book_yaml.write_text(book_yaml.read_text().replace(
        "  chapter_limit: 500\n", "  chapter_limit: 10\n  count: [body, notes, code]\n"))
    _, out, _ = run(small_book, "wordcount", "--format", "csv")
    assert out.splitlines()[1] == "intro,7,0,0,0,0,4,11,10"
    assert run(small_book, "check", "-q")[1].splitlines()[0] == (
        "chapters/01-intro.md: warning: 11 words; the limit is 10 (notes included, references "
        "excluded, code included). Cut 1. [words.over-limit]")
    _, out, _ = run(small_book, "wordcount")
    assert out.splitlines()[-1] == "Counted: body, notes, code (set words.count in book.yaml)."


def test_words_count_names_only_parts_anthology_counts(small_book: Path) -> None:
    book_yaml = small_book / "book.yaml"
    book_yaml.write_text(book_yaml.read_text().replace(
        "  chapter_limit: 500\n", "  chapter_limit: 500\n  count: [body, cod]\n"))
    code, _, err = run(small_book, "check")
    assert code == 2
    assert err.splitlines()[0] == (
        "book.yaml:13: error: 'words.count' names 'cod', which is not a part of a chapter "
        "anthology counts. Did you mean 'code'? [config.value]")
