"""A grown chapter: the later chapters keep their pages, only their running heads and folios
are drawn again, laid out ahead, while the chapter is laid out, for the length foreseen for it
(Assembly.margins_ahead): a right guess is used and nothing is laid out twice; a wrong one never
reaches the PDF."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from anthology.core.cache import Cache
from anthology.engines.weasyprint.workers import WorkerPool
from anthology.outputs.book import merge
from anthology.outputs.book.assembly import Assembly
from anthology.outputs.book.pieces import PrintPieces
from tests.books import Snapshot
from tests.builds.common import (
    laid_out_names,
    names_laid_out,
    pages,
    pdf_build,
    root_copy,
    same_pages,
)

pytestmark = pytest.mark.slow

CHAPTER = "chapters/02-power-sharing.md"
PDF = "build/doing-things-differently.pdf"


def grow(root: Path) -> None:
    chapter = root / CHAPTER
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n" + "\n\n".join(
        f"Paragraph {n} added in proof, long enough to need its own lines." for n in range(60))
        + "\n", encoding="utf-8")


def spy(monkeypatch: pytest.MonkeyPatch, forced: dict[str, int]) -> dict[str, Any]:
    """Record what is laid out ahead (after each step of the assembly) and the lengths laid
    out; with forced["delta"], the likely length of the changed chapter is its real one
    (forced["real"]) plus that."""
    seen: dict[str, Any] = {"guesses": [], "real": {}, "unknown_when_guessed": True}
    likely, step, remember = (PrintPieces.likely_length, Assembly.step,
                              PrintPieces.remember_length)

    def forced_length(self: PrintPieces, last_pages: int, last_size: int, size: int) -> int:
        if "delta" in forced:
            return forced["real"] + forced["delta"]
        return likely(self, last_pages, last_size, size)

    def recorded_step(self: Assembly) -> bool:
        before = dict(self.margins_ahead)
        front = self.front.ahead or self.front.chosen
        done = step(self)
        for number in set(self.margins_ahead) - set(before):
            margins = self.margins_ahead[number]
            seen["guesses"].append((number, margins.pages, margins.start))
            changed = list(self.pieces.likely_pages)
            seen["unknown_when_guessed"] &= all(self.body[n].pages is None for n in changed)
        if front is None and self.front.ahead is not None:
            seen["guesses"].append(("front", None, None))
        return done

    def recorded_remember(self: PrintPieces, number: int, pages: int) -> None:
        if number in self.html_sizes:  # laid out in this build
            seen["real"][number] = pages
        remember(self, number, pages)

    monkeypatch.setattr(PrintPieces, "likely_length", forced_length)
    monkeypatch.setattr(Assembly, "step", recorded_step)
    monkeypatch.setattr(PrintPieces, "remember_length", recorded_remember)
    return seen


def test_a_grown_chapter_moves_later_folios_and_a_wrong_guess_never_reaches_the_pdf(
        sample_pdf_built: Snapshot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Running heads and folios are drawn apart and laid over: the later chapters' pages are
    reused, only their margins are drawn again for their new first pages. Those for the
    grown chapter's foreseen length are laid out ahead: a right guess is used and nothing is
    laid out twice; a wrong one is dropped. Whatever the guess, the bytes are the same, and
    the pages are those of the release (one whole-book render)."""
    first = names_laid_out(sample_pdf_built.lines)  # the cold build's
    assert "chapter 6" in first and "the running heads and folios of chapter 6" in first
    sample = sample_pdf_built.fresh()
    before = len(pages(sample / PDF))
    shutil.copytree(sample / "build", tmp_path / "before")
    grow(sample)

    forced: dict[str, int] = {}
    seen = spy(monkeypatch, forced)  # records; the guess is the build's own
    again = laid_out_names(sample, monkeypatch)
    grown = root_copy(sample / PDF)
    assert [name for name in again if name.startswith(("chapter", "part"))] == ["chapter 2"]
    assert again.count("the front matter") == 1  # laid out early, and right
    assert "the running heads and folios of chapter 6" in again
    (number, real), = seen["real"].items()  # the grown chapter: the only piece laid out
    chapter_pages = real

    for delta in (0, 4):  # the guess made right, then wrong by four pages
        shutil.rmtree(sample / "build")
        shutil.copytree(tmp_path / "before", sample / "build")
        forced.update(real=chapter_pages, delta=delta)
        seen.update(guesses=[], real={}, unknown_when_guessed=True)
        names = laid_out_names(sample, monkeypatch)
        assert (sample / PDF).read_bytes() == grown.read_bytes(), f"guessed {delta} pages off"
        guessed = seen["guesses"]
        assert ("front", None, None) in guessed
        # Made while the chapter's length was still unknown: its layer for the foreseen
        # length and those of all the chapters after it.
        assert seen["unknown_when_guessed"]
        assert (number, chapter_pages + delta) in [(n, p) for n, p, _ in guessed]
        assert {n for n, _, _ in guessed if n != "front"} >= set(range(number, number + 4))
        layers = [name for name in names if name.startswith("the running heads")]
        if delta == 0:
            assert len(layers) == len(set(layers))  # nothing laid out twice
            assert names.count("the front matter") == 1
    monkeypatch.undo()  # the release as it is
    assert len(same_pages(grown, pdf_build(sample, monkeypatch, release=True))) > before


def layouts_on(pool: WorkerPool, folder: Path) -> merge.Layouts:
    """Layouts of one-page documents on `pool`, cached in `folder`."""

    def job(piece: merge.Piece, target: Path) -> dict[str, Any]:
        source = target.with_suffix(".html")
        source.write_text(piece.source(), encoding="utf-8")
        return {"html": str(source), "output": str(target), "base": str(folder),
                "allowed_roots": [str(folder)], "details": True, "ask_start": False}

    return merge.Layouts(Cache(folder / "cache"), pool, job, folder, lambda _: None)


def page(name: str, key: str, **options: Any) -> merge.Piece:
    """A one-page document's piece, its first page given by the caller."""
    return merge.Piece(name, f"<html><body><p>{name}</p></body></html>", key,
                       ask_start=False, **options)


def test_an_optional_piece_is_not_laid_out_once_nothing_needed_is_left(tmp_path: Path) -> None:
    with WorkerPool(1) as pool:  # one worker: the needed piece goes first, then nothing
        layouts = layouts_on(pool, tmp_path)
        guess = layouts.add(page("a guess", "g", start=1, optional=True))
        needed = layouts.add(page("needed", "n", start=1, rank=2))
        layouts.run(lambda: False)
        assert needed.done and needed.pages == 1
        assert not guess.done and not guess.running
        # While a needed piece waits (its first page unknown), an optional one is laid out.
        waiting = layouts.add(page("waiting", "w", pages=1))
        ahead = layouts.add(page("ahead", "a", start=1, optional=True))

        def step() -> bool:
            if ahead.done and waiting.start is None:
                waiting.start = 1
                return True
            return False

        layouts.run(step)
        assert ahead.done and waiting.done


def test_a_forgotten_piece_is_never_started(tmp_path: Path) -> None:
    with WorkerPool(2) as pool:  # a worker free for the guess while the needed piece runs
        layouts = layouts_on(pool, tmp_path)
        wrong = layouts.add(page("a wrong guess", "g", start=1, optional=True))
        needed = layouts.add(page("needed", "n", start=1))
        layouts.forget(wrong)
        layouts.run(lambda: False)
        assert needed.done
        assert not wrong.done and not wrong.running
