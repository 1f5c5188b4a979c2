"""A chapter file that is missing or renamed is a finding of `check` and `build`, not a lock:
the commands that read or edit the plan go on, and two of them fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bookdata import chapter
from tests.commandline import refusal, run
from tests.conftest import CHAPTERS_YAML, INTRO_MD, write_book

MISSING = ("chapters.yaml:6: error: chapter 'intro' is 'draft', but its file "
           "chapters/01-intro.md is not in the book. Add the file, or point 'file:' at it "
           "(`anthology chapter edit intro --file PATH`). [chapter.missing-file]")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ANTHOLOGY_TODAY", "2026-10-20")
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Git Editor\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def renamed(tmp_path: Path) -> Path:
    """The small book, its introduction's file renamed by hand."""
    book = write_book(tmp_path / "book")
    (book / "chapters/01-intro.md").rename(book / "chapters/01-introduction.md")
    return book


@pytest.mark.parametrize("args", [["status"], ["chapter", "list"], ["chapter", "show", "intro"],
                                  ["contributor", "list"], ["history", "intro"]])
def test_reading_the_plan_works(renamed: Path, args: list[str]) -> None:
    result = run(renamed, *args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


def test_show_says_the_file_is_missing(renamed: Path) -> None:
    assert "  File:         chapters/01-intro.md (not in the book yet)\n" in \
        run(renamed, "chapter", "show", "intro").stdout


def test_check_reports_it_at_the_plan(renamed: Path) -> None:
    result = run(renamed, "check")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == MISSING
    only = run(renamed, "check", "intro", "--format", "json")
    assert '"code": "chapter.missing-file"' in only.stdout
    assert run(renamed, "check", "peer").exit_code == 0


def test_chapter_edit_file_fixes_it(renamed: Path) -> None:
    result = run(renamed, "chapter", "edit", "intro", "--file", "chapters/01-introduction.md")
    assert result.exit_code == 0, result.stderr
    assert run(renamed, "check").exit_code == 0


def test_mark_withdrawn_fixes_it(renamed: Path) -> None:
    result = run(renamed, "mark", "intro", "withdrawn", "--note", "left the project")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Chapter 'intro' is now withdrawn, 2026-10-20.\n"
    assert MISSING not in run(renamed, "check").stdout


def test_build_stops_on_it(renamed: Path) -> None:
    result = run(renamed, "build", "epub")
    assert result.exit_code == 1
    assert MISSING in result.stderr


@pytest.mark.slow
def test_build_force_leaves_it_out_and_says_so(tmp_path: Path) -> None:
    chapters = CHAPTERS_YAML + chapter("more", "More", "ada-editor", "draft",
                                       "{date: 2026-05-01, state: draft, by: Ada Editor}",
                                       file="chapters/03-more.md")
    book = write_book(tmp_path / "book", {"chapters.yaml": chapters,
                                          "chapters/03-more.md": INTRO_MD})
    (book / "chapters/01-intro.md").unlink()
    result = run(book, "build", "epub", "--force")
    assert result.exit_code == 0, result.stderr
    assert ("chapters.yaml:3: info: chapter 'intro' (draft) has no file chapters/01-intro.md, so "
            "it was left out of the book (--force). [build.no-file]") in result.stderr
    assert result.stdout == "Wrote build/a-small-book.epub\n"


def test_a_draft_by_email_can_be_recorded(tmp_path: Path) -> None:
    book = write_book(tmp_path / "book")
    assert run(book, "mark", "peer", "agreed").exit_code == 0
    result = run(book, "mark", "peer", "draft", "--note", "arrived by email")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "Chapter 'peer' is now draft, 2026-10-20.\n"
        "Note: its file chapters/02-peer.md is not in the book yet: save the draft there (or "
        "point 'file:' at it with `anthology chapter edit peer --file PATH`) before `anthology "
        "check` or `anthology build`.\n")
    # The text must be in the book before the chapter goes on to review.
    assert refusal(book, "mark", "peer", "review") == (
        "Error: Chapter 'peer' has no file chapters/02-peer.md yet, and from 'review' on the "
        "book keeps its text there. Save the chapter as chapters/02-peer.md, then mark it "
        "again.\n")
