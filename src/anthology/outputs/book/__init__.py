"""The book PDF: its one way in.

`start_renderers` starts the WeasyPrint processes a build lays its PDF out in (before the book
is checked, so that WeasyPrint loads meanwhile); then `write_everyday_pdf` (piece by piece and
merged, incremental, untagged) or `write_release_pdf` (one whole-book render, tagged, PDF/UA)
writes it. The modules: `html` (the book's HTML), `typeset` (house rules on a chapter's HTML),
`pieces` (the everyday PDF's pieces and keys), `assembly` (what starts when), `merge` (the
layouts on the workers, and the join), `write` (both kinds written), `index`, `onedocument`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from anthology.chapters.prepare import ChapterText
from anthology.core.cache import Cache
from anthology.core.findings import Finding, error
from anthology.core.model import Book

if TYPE_CHECKING:
    import subprocess

    from anthology.engines.weasyprint.workers import WorkerPool
    from anthology.outputs.book.onedocument import Reason

__all__ = ["Renderers", "print_style_key", "refusal_findings", "start_renderers",
           "write_everyday_pdf", "write_release_pdf"]


@dataclass
class Renderers:
    """The WeasyPrint processes one build's PDF is laid out in: long-lived workers for the
    everyday PDF laid out piece by piece, or one process for a whole-book render (the release,
    or an everyday PDF that must be one document: `one_document` says why)."""

    release: bool
    one_document: Reason | None = None
    pool: WorkerPool | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def note(self) -> str:
        """What kind of layout this is, for the progress line."""
        if self.release:
            return " (release: one tagged whole-book render)"
        if self.one_document is not None:
            why = self.one_document
            return f" (one whole-book render: {why.file}, line {why.line}, uses {why.what})"
        return ""

    def warm_up(self, changed: int) -> None:
        """Before `changed` chapters are checked: after an edit to a chapter or two, a worker
        loads WeasyPrint meanwhile. Not on a cold build: there the checks are long anyway, and
        the peak of memory is theirs. Not when no chapter changed: there may be nothing to lay
        out."""
        if self.pool is not None and 0 < changed <= 2:
            self.pool.prestart(1)


@contextlib.contextmanager
def start_renderers(book: Book, *, release: bool, jobs: int | None = None,
                    pool: WorkerPool | None = None) -> Iterator[Renderers]:
    """Start what the book PDF will be laid out in, and stop it when the build ends (a
    whole-book render's process is stopped if the build stops before it renders). `pool`,
    workers that outlive this build (`anthology watch`), is used instead of new ones."""
    from anthology.outputs.book.onedocument import reason

    # What a book's own CSS may ask that pieces laid out on their own cannot give (running
    # elements, targets in other chapters, counters through the book): then the book is
    # laid out as one document every time.
    renderers = Renderers(release, None if release else reason(book))
    with contextlib.ExitStack() as stack:
        if release or renderers.one_document is not None:
            from anthology.engines.weasyprint.render import start_render, stop_render

            renderers.process = start_render()
            stack.callback(stop_render, renderers.process)
        elif pool is not None:
            renderers.pool = pool
        else:
            from anthology.engines.weasyprint.workers import WorkerPool, default_jobs

            renderers.pool = stack.enter_context(WorkerPool(jobs or default_jobs(),
                                                            kept=False))
        yield renderers


def write_release_pdf(book: Book, texts: Sequence[ChapterText], output: Path, work: Path,
                      created: dt.datetime, cache: Cache | None = None, *,
                      renderers: Renderers | None = None) -> tuple[int, list[str]]:
    """The release PDF: the whole book in one WeasyPrint render, tagged (PDF/UA); return its
    page count and the URLs the fetcher refused."""
    from anthology.outputs.book.write import write_whole

    return write_whole(book, texts, output, work, created, cache, "release",
                       process=renderers.process if renderers is not None else None)


def write_everyday_pdf(book: Book, texts: Sequence[ChapterText], output: Path, work: Path,
                       created: dt.datetime, cache: Cache, renderers: Renderers, *,
                       progress: Callable[[str], None] = lambda _: None,
                       style: str | None = None
                       ) -> tuple[int, list[str]]:
    """The everyday PDF, incremental: laid out piece by piece and merged, or, for a book whose
    own CSS needs one document, one untagged whole-book render kept while nothing it is made
    of changes; return its page count and the URLs the fetcher refused. `style` is
    `print_style_key(book)`, if known already."""
    from anthology.outputs.book.write import write_pieced, write_whole

    if renderers.pool is None:
        return write_whole(book, texts, output, work, created, cache, "whole-book",
                           process=renderers.process)
    return write_pieced(book, texts, output, work, created, cache, renderers.pool, progress,
                        style)


def print_style_key(book: Book) -> str:
    """Everything that shapes the print layout besides the HTML (see pieces.print_style_key)."""
    from anthology.outputs.book.pieces import print_style_key as key

    return key(book)


def refusal_findings(texts: Sequence[ChapterText], refused: Sequence[str]) -> list[Finding]:
    """What WeasyPrint's fetcher refused, as errors naming the chapter and line that asked."""
    findings = []
    for url in refused:
        place: tuple[str, int | None, str | None] = ("build/.work/book.html", None, None)
        path = url.removeprefix("file://")
        for text in texts:
            m = text.manuscript
            index = next((m.body.find(n) for n in (url, path) if n and m.body.find(n) >= 0), -1)
            if index >= 0:
                place = (m.name, m.body_line + m.body.count("\n", 0, index), m.chapter)
                break
        findings.append(error("pdf.refused", place[0], place[1],
                              f"asks the PDF to read {url}, which is outside the book folder "
                              "or not a file; it was left out.",
                              "Use only images stored inside the book folder.",
                              chapter=place[2]))
    return findings
