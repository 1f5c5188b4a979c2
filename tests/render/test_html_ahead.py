"""Each chapter's HTML made while the checks run: a build that writes a PDF makes it as soon as
the chapter is checked (its work ahead, handed each checked chapter), and the book's
bibliography is read by one of the checking threads while another parses a chapter; a check
alone makes none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from anthology.core.cache import Cache
from anthology.core.config import load_book
from anthology.editorial.checks import runner
from anthology.editorial.checks.runner import check_book, run_checks
from anthology.engines import pandoc
from anthology.outputs.book import html
from tests.builds.common import pdf_build
from tests.pdftext import page_texts
from tests.render.test_epub_ahead import checked_for_build, parted  # noqa: F401  (a fixture)
from tests.render.test_epub_incremental import cached, pandoc_epubs


def html_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each HTML run of pandoc in this process was about, from now on."""
    made: list[str] = []
    real = pandoc.ast_to_html

    def counted(ast: Any, what: str) -> str:
        made.append(what)
        return real(ast, what)

    monkeypatch.setattr(html.pandoc, "ast_to_html", counted)
    return made


def cache_of(root: Path, enabled: bool = True) -> Cache:
    return Cache(root / "build" / ".cache", enabled)


@pytest.mark.slow
def test_a_check_for_a_pdf_build_makes_each_chapters_html_and_the_build_makes_none(
        parted: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    runs = html_runs(monkeypatch)
    epubs = pandoc_epubs(monkeypatch)
    checked_for_build(parted, ("pdf",), jobs=1)
    assert sorted({what.split(" ")[0] for what in runs}) == [
        "chapters/01-intro.md", "chapters/02-peer.md", "chapters/03-care.md"]
    assert epubs == []  # only what was asked
    assert len(cached(parted, "html")) == 3
    runs.clear()
    pdf_build(parted, monkeypatch)
    assert runs == []


@pytest.mark.slow
def test_a_cold_build_in_threads_gives_the_pdf_of_a_build_made_in_one(
        parted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    import shutil

    twin = tmp_path / "twin"
    shutil.copytree(parted, twin)
    in_workers = pdf_build(parted, monkeypatch)  # checked in 2 threads, HTML made there
    assert len(cached(parted, "html")) == 3
    run_checks(load_book(twin), cache=cache_of(twin), jobs=1)  # no HTML ahead
    assert cached(twin, "html") == set()
    here = pdf_build(twin, monkeypatch)
    assert page_texts(in_workers) == page_texts(here)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_check_alone_makes_no_html(parted: Path, jobs: int) -> None:  # noqa: F811
    check_book(load_book(parted), jobs=jobs)
    assert cached(parted, "html") == set()


def test_a_clean_build_makes_no_html_ahead(parted: Path,  # noqa: F811
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    runs = html_runs(monkeypatch)
    checked_for_build(parted, ("pdf",), jobs=1, enabled=False)
    assert runs == []


def test_with_threads_the_books_bibliography_is_read_once_by_a_checking_thread(
        parted: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    import threading

    reads: list[tuple[bool, str, int]] = []
    real = runner.load_bibliography

    def logged(path: Path, name: str, cache: Any) -> Any:
        main = threading.current_thread() is threading.main_thread()
        reads.append((main, name, len(cached(parted, "bibfile"))))
        return real(path, name, cache)

    monkeypatch.setattr(runner, "load_bibliography", logged)
    report = run_checks(load_book(parted), cache=cache_of(parted), jobs=2)
    assert reads == [(False, "references/book.bib", 0)]
    assert report.findings == check_book(load_book(parted), jobs=1)
