"""Each chapter's EPUB file made while the checks run: a build that writes an EPUB makes it as
soon as the chapter is checked (its work ahead, handed each checked chapter); a check alone
makes none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from anthology.build import BuildOptions, build_book
from anthology.core.cache import Cache
from anthology.core.config import load_book
from anthology.core.errors import ToolError
from anthology.core.findings import has_errors
from anthology.editorial.checks import runner
from anthology.editorial.checks.runner import CheckReport, check_book, run_checks
from anthology.engines import pandoc
from anthology.outputs.epub import write as epub
from anthology.workahead import WorkAhead
from tests.render.conftest import EPOCH
from tests.render.test_epub_incremental import (
    cached,
    epub_build,
    files_of,
    pandoc_epubs,
    write_parted,
)

SKELETON = "the EPUB of A Small Book"


@pytest.fixture
def parted(tmp_path: Path) -> Path:
    """Three chapters in two parts, two with a figure."""
    return write_parted(tmp_path / "parted")


def cache_of(root: Path, enabled: bool = True) -> Cache:
    """The cache a build of the book at `root` uses."""
    return Cache(root / "build" / ".cache", enabled)


def checked_for_build(root: Path, targets: tuple[str, ...], jobs: int,
                      enabled: bool = True) -> CheckReport:
    """The checks as a build of `targets` runs them: with its work ahead."""
    book, cache = load_book(root), cache_of(root, enabled)
    return run_checks(book, cache=cache, jobs=jobs, follow_up=WorkAhead(book, cache, targets))


@pytest.mark.slow
def test_a_cold_build_makes_the_chapter_files_while_it_checks(
        parted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = pandoc_epubs(monkeypatch)
    real = runner.run_checks

    def marked(*args: Any, **kwargs: Any) -> Any:
        report = real(*args, **kwargs)
        runs.append("checked")
        return report

    monkeypatch.setattr(runner, "run_checks", marked)
    epub_build(parted, monkeypatch)
    assert sorted(runs[:3]) == ["chapters/01-intro.md (chapter 1, 'intro')",
                                "chapters/02-peer.md (chapter 2, 'peer')",
                                "chapters/03-care.md (chapter 3, 'care')"]
    assert runs[3:] == ["checked", SKELETON]
    assert len(cached(parted, "xhtml")) == 3


@pytest.mark.slow
def test_the_cover_is_drawn_while_the_chapters_are_checked(
        parted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checked_for_build(parted, ("epub",), jobs=2)
    assert len(cached(parted, "cover")) == 1
    monkeypatch.setattr(epub, "book_cover", lambda *_: pytest.fail("the cover was drawn again"))
    assert "EPUB/text/cover.xhtml" in files_of(epub_build(parted, monkeypatch))


@pytest.mark.slow
def test_a_build_after_a_check_with_epub_makes_no_chapter_file_again(
        parted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = pandoc_epubs(monkeypatch)
    checked_for_build(parted, ("epub",), jobs=1)
    assert runs == ["chapters/01-intro.md (chapter 1, 'intro')",
                    "chapters/02-peer.md (chapter 2, 'peer')",
                    "chapters/03-care.md (chapter 3, 'care')"]
    runs.clear()
    epub_build(parted, monkeypatch)
    assert runs == [SKELETON]


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_check_alone_does_no_epub_work(parted: Path, monkeypatch: pytest.MonkeyPatch,
                                         jobs: int) -> None:
    runs = pandoc_epubs(monkeypatch)
    check_book(load_book(parted), jobs=jobs)
    assert runs == []
    assert cached(parted, "xhtml") == set()
    assert cached(parted, "cover") == set()
    assert cached(parted, "chapter")  # the check did store each chapter for the build


@pytest.mark.slow
def test_a_clean_build_makes_nothing_ahead_it_would_not_read(
        parted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = pandoc_epubs(monkeypatch)
    checked_for_build(parted, ("epub",), jobs=1, enabled=False)
    assert runs == []
    assert cached(parted, "xhtml") == set()


@pytest.mark.slow
def test_files_made_ahead_give_the_epub_a_clean_build_gives(
        parted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Made during the checks (cold build) or in the EPUB step (--clean): the same bytes."""
    ahead = epub_build(parted, monkeypatch).read_bytes()
    runs = pandoc_epubs(monkeypatch)
    clean = epub_build(parted, monkeypatch, clean=True).read_bytes()
    assert runs.count(SKELETON) == 1 and len(runs) == 4  # the clean build made every file
    assert ahead == clean


@pytest.mark.slow
def test_a_chapter_with_errors_is_left_to_the_forced_build(
        parted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    care = parted / "chapters" / "03-care.md"
    care.write_text(care.read_text(encoding="utf-8").replace("[@goffman1961]",
                                                             "[@nobody2020]"),
                    encoding="utf-8")
    report = checked_for_build(parted, ("epub",), jobs=2)
    assert [f.code for f in report.findings if f.severity == "error"] == ["citation.missing"]
    assert len(cached(parted, "xhtml")) == 2
    runs = pandoc_epubs(monkeypatch)
    built = epub_build(parted, monkeypatch)
    assert sorted(runs) == ["chapters/03-care.md (chapter 3, 'care')", SKELETON]
    assert b"Carers know things" in b"".join(files_of(built).values())


@pytest.mark.slow
def test_a_file_that_fails_ahead_is_left_to_the_epub_step(
        parted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = pandoc.ast_to_file

    def failing(ast: Any, to: str, output: Path, extra: list[str], what: str) -> str:
        if "'peer'" in what:
            raise ToolError(f"{what}: pandoc failed: out of paper")
        return real(ast, to, output, extra, what)

    monkeypatch.setattr(pandoc, "ast_to_file", failing)
    report = checked_for_build(parted, ("epub",), jobs=1)
    assert not has_errors(report.findings)
    assert len(cached(parted, "xhtml")) == 2
    with pytest.raises(ToolError, match=r"^chapters/02-peer.md \(chapter 2, 'peer'\): pandoc "
                       "failed: out of paper$"):
        epub_build(parted, monkeypatch)


@pytest.mark.slow
def test_the_book_bibliography_is_read_once(
        parted: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """One thread reads it while another parses a chapter; the others wait for it."""
    log = tmp_path / "bibliographies.log"
    real = pandoc.bibliography_to_csl

    def logged(path: Path, what: str) -> list[dict[str, Any]]:
        with log.open("a", encoding="utf-8") as out:
            out.write(f"{what}\n")
        return real(path, what)

    monkeypatch.setattr(pandoc, "bibliography_to_csl", logged)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    report = checked_for_build(parted, ("epub",), jobs=2)
    assert len(report.chapters) == 3
    assert log.read_text(encoding="utf-8") == "references/book.bib\n"
    build_book(load_book(parted), BuildOptions(("epub",), jobs=2))
    assert log.read_text(encoding="utf-8") == "references/book.bib\n"
