"""Build the book: every chapter prepared on its own, then the PDF and the EPUB.

A straight pipeline that gathers everything before writing: load (done by the caller), start
what lays the PDF out (WeasyPrint loads while the book is checked), check every chapter (with
work done ahead meanwhile: workahead.py), stop on errors unless forced, prepare each chapter
(pre-flight, parse, make safe, cite), then write the PDF and the EPUB. Outputs are written to a
temporary name and moved into place only when complete.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from anthology.chapters.csl import resolve_csl
from anthology.chapters.prepare import ChapterText, prepare_chapter
from anthology.core.cache import Cache
from anthology.core.errors import AnthologyError, Interrupted
from anthology.core.files import atomic_output, sweep_temp_files
from anthology.core.findings import Finding, has_errors, info, summary_line, warning
from anthology.core.model import TEXT_STATES, Book, Chapter
from anthology.core.terminal import Progress
from anthology.outputs.common import (
    build_time,
    included_chapters,
    left_out_chapters,
    out_dir_of,
)
from anthology.workahead import WorkAhead

if TYPE_CHECKING:
    from anthology.engines.weasyprint.workers import WorkerPool
    from anthology.outputs.book import Renderers
    from anthology.outputs.offprints.write import Offprint

TARGETS = ("pdf", "epub")


@dataclass(frozen=True)
class BuildOptions:
    """What to build and how.

    `force` builds despite errors; `clean` ignores the cache under build/.cache/; `release`
    makes the PDF one whole-book render, tagged (PDF/UA), rather than laying it out piece by
    piece and merging it (incremental, untagged); `jobs` is the most chapters checked and
    pieces laid out at once (default: the cores).
    """

    targets: tuple[str, ...] = TARGETS
    force: bool = False
    clean: bool = False
    release: bool = False
    jobs: int | None = None


@dataclass
class BuildResult:
    """What a build made and what it noticed."""

    outputs: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Chapter] = field(default_factory=list)
    pages: int | None = None
    refused: list[str] = field(default_factory=list)
    # The chapters (by id) prepared while the checks ran, from the cache (workahead.py), and
    # those the build prepared itself after them.
    prepared_while_checking: list[str] = field(default_factory=list)
    prepared_after_checks: list[str] = field(default_factory=list)


def build_book(book: Book, options: BuildOptions = BuildOptions(), *,
               progress: Progress = lambda _: None,
               pool: WorkerPool | None = None) -> BuildResult:
    """Build the PDF and/or EPUB of `book` into build/; refuse on errors unless forced.

    `pool`, workers that outlive this build (`anthology watch`), is used instead of starting
    new ones.
    """
    from anthology.editorial.checks.runner import check_book
    from anthology.outputs.book import start_renderers

    out_dir = out_dir_of(book)
    with contextlib.ExitStack() as stack:
        work = stack.enter_context(_build_folder(out_dir))
        cache = Cache(out_dir / ".cache", enabled=not options.clean)
        renderers = stack.enter_context(start_renderers(
            book, release=options.release, jobs=options.jobs, pool=pool)) \
            if "pdf" in options.targets else None
        ahead = stack.enter_context(WorkAhead(book, cache, options.targets, renderers))
        # The same checks as `anthology check`.
        checked = check_book(book, cache=cache, starting=ahead.starting, jobs=options.jobs,
                             follow_up=ahead if cache.enabled else None)
        _stop_on_errors(checked, options.force)
        texts, result = _prepare(book, cache, checked, ahead.prepared(), options.jobs,
                                 progress)
        _stop_on_errors(result.findings, options.force)
        work.mkdir(exist_ok=True)
        written = Written(book, texts, cache, work, build_time(book.root), options, progress)
        if renderers is not None:
            _write_pdf(written, result, renderers, ahead.style)
        if "epub" in options.targets:
            _write_epub(written, result)
        shutil.rmtree(work, ignore_errors=True)
        return result


def _stop_on_errors(findings: list[Finding], force: bool) -> None:
    if has_errors(findings) and not force:
        problems = [f for f in findings if f.severity != "info"]
        raise AnthologyError(f"The build stopped: {summary_line(problems)} Fix them (run "
                             "`anthology check` for the full list), or build anyway with "
                             "--force.", problems)


def _prepare(book: Book, cache: Cache, checked: list[Finding],
             ready: dict[str, ChapterText], jobs: int | None,
             progress: Progress) -> tuple[list[ChapterText], BuildResult]:
    """Every chapter prepared, and every finding: the checks', the preparation's, and a note
    for each chapter left out."""
    left_out = left_out_chapters(checked)
    result = BuildResult()
    texts, result.skipped = prepare_chapters(book, cache, progress, jobs, ready, left_out)
    result.prepared_while_checking = [t.chapter.id for t in texts if ready.get(t.chapter.id)
                                      is t]
    result.prepared_after_checks = [t.chapter.id for t in texts if ready.get(t.chapter.id)
                                    is not t]
    seen = {(f.code, f.file, f.line, f.message) for f in checked}
    result.findings = checked + [f for t in texts for f in t.findings if (
        f.code, f.file, f.line, f.message) not in seen] + _skip_notes(result.skipped, left_out)
    if not texts:
        raise AnthologyError("There is nothing to build yet: no chapter in chapters.yaml has a "
                             "file. Add a chapter with `anthology chapter add` and write it.")
    return texts, result


def prepare_chapters(book: Book, cache: Cache, progress: Progress, jobs: int | None = None,
                     ready: dict[str, ChapterText] | None = None,
                     left_out: Collection[str] = ()) -> tuple[list[ChapterText],
                                                               list[Chapter]]:
    """Prepare every chapter that has a file, numbered in book order (in parallel threads:
    the work is mostly pandoc's, in its own processes); `ready` holds chapters prepared
    already, by id (see WorkAhead). The chapters `left_out` (by id: too large to build) are
    skipped, and the others keep their numbers, the ones `anthology check` gave them."""
    from concurrent.futures import ThreadPoolExecutor

    from anthology.engines.weasyprint.workers import default_jobs

    csl = resolve_csl(book.root, book.config.csl)
    included, skipped = included_chapters(book)
    numbered = [(n, c) for n, c in enumerate(included, start=1) if c.id not in left_out]
    skipped += [c for c in included if c.id in left_out]
    ready = ready or {}

    def one(item: tuple[int, Chapter]) -> ChapterText:
        number, chapter = item
        progress(f"[{number}/{len(included)}] {chapter.file}")
        text = ready.get(chapter.id)
        if text is not None and text.number == number:
            return text
        return prepare_chapter(book, chapter, number, csl, cache)

    with ThreadPoolExecutor(max_workers=max(1, jobs or default_jobs())) as threads:
        texts = list(threads.map(one, numbered))
    return texts, skipped


def _skip_notes(skipped: Sequence[Chapter], left_out: Collection[str] = ()) -> list[Finding]:
    # A chapter whose state says its text is in the book gets here only with --force.
    return [warning("build.left-out", c.file, None,
                    f"chapter '{c.id}' is left out of this build: it is too large to check and "
                    "lay out (see the error on this file). The chapters after it keep their "
                    "numbers.", "Fix that error; the next build includes the chapter again.",
                    chapter=c.id) if c.id in left_out else
            info("build.no-file", "chapters.yaml", c.line,
                 f"chapter '{c.id}' ({c.status}) has no file {c.file}, so it was left out of "
                 "the book (--force)." if c.status in TEXT_STATES else
                 f"chapter '{c.id}' ({c.status}) has no file yet, so it is left out of the "
                 "book.", None, chapter=c.id) for c in skipped]


@dataclass(frozen=True)
class Written:
    """What the outputs of one build are written from."""

    book: Book
    texts: list[ChapterText]
    cache: Cache
    work: Path  # the scratch folder, build/.work
    created: dt.datetime  # the date stamped into them
    options: BuildOptions
    progress: Progress


def _write_pdf(w: Written, result: BuildResult, renderers: Renderers,
               style: str | None) -> None:
    from anthology.outputs.book import refusal_findings, write_everyday_pdf, write_release_pdf

    w.progress("Laying out the PDF" + renderers.note)
    output = out_dir_of(w.book) / f"{w.book.config.slug}.pdf"
    if w.options.release:
        result.pages, result.refused = write_release_pdf(
            w.book, w.texts, output, w.work, w.created, w.cache, renderers=renderers)
    else:
        result.pages, result.refused = write_everyday_pdf(
            w.book, w.texts, output, w.work, w.created, w.cache, renderers,
            progress=w.progress, style=style)
    result.findings += refusal_findings(w.texts, result.refused)
    result.outputs.append(output)


def _write_epub(w: Written, result: BuildResult) -> None:
    from anthology.outputs.epub.front import conformance_note
    from anthology.outputs.epub.page_list import missed_pages_note, page_list_note, print_edition
    from anthology.outputs.epub.write import write_epub

    out_dir, slug = out_dir_of(w.book), w.book.config.slug
    pages, why_not = print_edition(w.book, out_dir / f"{slug}.pdf",
                                   built_now="pdf" in w.options.targets)
    w.progress("Writing the EPUB" if pages is not None else page_list_note(why_not))
    with atomic_output(out_dir / f"{slug}.epub") as tmp:
        _, package = write_epub(w.book, w.texts, tmp, w.work, w.created, w.cache,
                                w.options.jobs, pages)
    if package.missed:
        w.progress(missed_pages_note(package.missed))
    if pages is not None and package.unmet:
        w.progress(conformance_note(package.unmet))
    result.outputs.append(out_dir / f"{slug}.epub")


@contextlib.contextmanager
def _build_folder(out_dir: Path) -> Iterator[Path]:
    """build/, held by this build alone, its leftovers swept; yields build/.work, the scratch
    folder, removed if the build is stopped by a signal."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with _only_build(out_dir):
        sweep_temp_files(out_dir)
        # What a build killed with SIGKILL left; the lock says no other build uses it.
        shutil.rmtree(out_dir / ".work", ignore_errors=True)
        with _work_removed_on_signal(out_dir / ".work"):
            yield out_dir / ".work"


@contextlib.contextmanager
def _work_removed_on_signal(work: Path) -> Iterator[None]:
    """While the build runs, SIGINT and SIGTERM stop it cleanly: the with-blocks unwind (worker
    processes stopped, the lock released), build/.work is removed, and the command exits with
    128 + the signal's number (130, 143) and a message, not a traceback."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (`anthology watch` builds in it)
        return
    names: dict[int, str] = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM"}

    def stop(signum: int, frame: object) -> None:
        # Once is enough: a second Ctrl-C must not interrupt the cleaning up.
        for number in names:
            signal.signal(number, signal.SIG_IGN)
        raise Interrupted(signum, f"The build was stopped by {names[signum]}; its scratch "
                          "folder build/.work was removed. Each output is either complete or "
                          "as the last build left it.")

    previous = {number: signal.signal(number, stop) for number in names}
    try:
        yield
    except Interrupted:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def _only_build(out_dir: Path) -> Iterator[None]:
    """Hold build/.build.lock: two builds of one book at once would share build/.work."""
    from filelock import FileLock, Timeout

    lock = FileLock(out_dir / ".build.lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise AnthologyError("Another build of this book is running (an `anthology build`, or "
                             "`anthology watch` in another window). Wait for it to finish, or "
                             "stop it, then build again.") from None
    try:
        yield
    finally:
        lock.release()


def build_offprints(book: Book, chapter_ids: Sequence[str] = (), *,
                    book_pdf: Path | None = None, force: bool = False,
                    progress: Progress = lambda _: None) -> list[Offprint]:
    """Write build/offprints/<nn>-<id>.pdf for the chapters named (all when none), cut from
    the book PDF: built first unless `book_pdf` (built already from the same sources) is
    given, so that the pages and page numbers are those of the book as it stands."""
    from anthology.outputs.offprints.write import select_offprints, write_offprints

    chosen = select_offprints(book, chapter_ids)
    if book_pdf is None:
        result = build_book(book, BuildOptions(("pdf",), force=force), progress=progress)
        book_pdf = result.outputs[0]
        too_large = left_out_chapters(result.findings)
        left_out = [c.id for _, c in chosen if c.id in too_large]
        if left_out:
            names = ", ".join(f"'{ident}'" for ident in left_out)
            raise AnthologyError(f"The book was built without chapter {names}, which is too "
                                 "large to check and lay out, so there is no offprint of it. "
                                 "Fix the error above, then build the offprints again.",
                                 [f for f in result.findings if f.severity != "info"])
    return write_offprints(book, book_pdf, chapter_ids, progress=progress)
