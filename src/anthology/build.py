"""Build the book: every chapter prepared on its own, then the PDF and the EPUB.

A straight pipeline that gathers everything before writing: load (done by the caller), prepare
each chapter (pre-flight, parse, make safe, cite), stop on errors unless forced, then render.
Outputs are written to a temporary name and moved into place only when complete.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import shutil
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anthology.chapters.csl import resolve_csl
from anthology.chapters.prepare import ChapterText, prepare_chapter
from anthology.core.cache import Cache, digest
from anthology.core.errors import AnthologyError, Interrupted
from anthology.core.files import atomic_output, atomic_write_text, sweep_temp_files
from anthology.core.findings import Finding, error, has_errors, info, summary_line, warning
from anthology.core.model import TEXT_STATES, Book, Chapter
from anthology.outputs.book.typeset import html_key, long_table

if TYPE_CHECKING:
    import subprocess
    from concurrent.futures import Executor, Future

    from anthology.engines.weasyprint.workers import WorkerPool
    from anthology.outputs.book.html import Sections
    from anthology.outputs.book.merge import Joiner, Layouts, Piece
    from anthology.outputs.book.onedocument import Reason

TARGETS = ("pdf", "epub")
# A tagged PDF (structure tree, /Lang, alt texts): what accessibility rules ask of publishers.
PDF_VARIANT = "pdf/ua-1"
Progress = Callable[[str], None]


@dataclass
class BuildResult:
    """What a build made and what it noticed."""

    outputs: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Chapter] = field(default_factory=list)
    pages: int | None = None
    refused: list[str] = field(default_factory=list)


def out_dir_of(book: Book) -> Path:
    """Where everything generated goes."""
    return book.root / "build"


def build_time(root: Path | None = None) -> dt.datetime:
    """The date stamped into the outputs, in UTC.

    SOURCE_DATE_EPOCH if set; else the time of the book's last git commit, so that building
    the same commit twice gives the same EPUB and PDF bytes; else (no git) the time of the
    newest input file, so that a rebuild with nothing changed reuses every laid-out page.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    if root is not None:
        committed = last_commit_time(root)
        if committed is not None:
            return committed
        newest = newest_input_time(root)
        if newest is not None:
            return newest
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)


def newest_input_time(root: Path) -> dt.datetime | None:
    """The modification time of the newest file the book is made from (build/ excluded)."""
    stamps = []
    for name in ("book.yaml", "contributors.yaml", "chapters.yaml"):
        path = root / name
        if path.is_file():
            stamps.append(path.stat().st_mtime)
    for folder in ("chapters", "references", "proposal", "templates", "styles"):
        if (root / folder).is_dir():
            stamps += [p.stat().st_mtime for p in (root / folder).rglob("*")
                       if p.is_file() and not p.is_symlink()]
    if not stamps:
        return None
    return dt.datetime.fromtimestamp(int(max(stamps)), tz=dt.UTC)


def last_commit_time(root: Path) -> dt.datetime | None:
    """When the book folder's last git commit was made, or None outside git."""
    from anthology.editorial.submissions.git import GitError, open_repository

    try:
        stamp = open_repository(root).run(["log", "-1", "--format=%ct", "--", "."])
    except GitError:
        return None
    return dt.datetime.fromtimestamp(int(stamp), tz=dt.UTC) if stamp.isdigit() else None


def included_chapters(book: Book) -> tuple[list[Chapter], list[Chapter]]:
    """Chapters with a file (in the book, whatever their state) and those without one."""
    included, skipped = [], []
    for chapter in book.active_chapters:
        if chapter.file and (book.root / chapter.file).exists():
            included.append(chapter)
        else:
            skipped.append(chapter)
    return included, skipped


def prepare_chapters(book: Book, cache: Cache, progress: Progress, jobs: int | None = None,
                     ready: dict[str, ChapterText] | None = None,
                     left_out: Collection[str] = ()) -> tuple[list[ChapterText],
                                                               list[Chapter]]:
    """Prepare every chapter that has a file, numbered in book order (in parallel threads:
    the work is mostly pandoc's, in its own processes); `ready` holds chapters prepared
    already, by id (see `Ahead`). The chapters `left_out` (by id: too large to build) are
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


class Ahead:
    """What a build can do before its checks end, done in a thread of its own while the
    changed chapters are checked: every unchanged chapter prepared from the cache (each reads
    its file and front matter and hashes what its key covers, about 7 ms a chapter) and, for a
    PDF, the print style's key (templates and fonts hashed, versions read). After an edit to
    one chapter these took 0.17 s between its check and its layout; here they run while the
    check waits on pandoc, which leaves the GIL free.

    Nothing here is trusted beyond what the build would do itself: a chapter not in the cache
    is left to `prepare_chapters`, and anything that fails here is met again, and reported, by
    the build's own steps.
    """

    def __init__(self, book: Book, cache: Cache, *, style: bool) -> None:
        import threading

        self.book, self.cache, self.want_style = book, cache, style
        self.texts: dict[str, ChapterText] = {}
        self.style: str | None = None
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="anthology-ahead", daemon=True)

    def start(self) -> None:
        """Begin (once)."""
        if self.cache.enabled and not self.thread.is_alive() and not self.stopped.is_set():
            self.thread.start()

    def _run(self) -> None:
        from anthology.chapters.prepare import prepared_chapter

        try:
            csl = resolve_csl(self.book.root, self.book.config.csl)
            for number, chapter in enumerate(included_chapters(self.book)[0], start=1):
                if self.stopped.is_set():
                    return
                text = prepared_chapter(self.book, chapter, number, csl, self.cache)
                if text is not None:
                    self.texts[chapter.id] = text
            if self.want_style and not self.stopped.is_set():
                self.style = print_style_key(self.book)
        except Exception:  # met again, and reported, by the build's own steps
            return

    def done(self) -> Ahead:
        """Wait for the work to end; return self."""
        if self.thread.is_alive():
            self.thread.join()
        return self

    def cancel(self) -> None:
        """Stop after the chapter in hand (the build stopped)."""
        self.stopped.set()
        self.done()


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


def left_out_chapters(findings: Sequence[Finding]) -> set[str]:
    """The chapters a forced build leaves out: those too large to check and lay out."""
    return {f.chapter for f in findings if f.code == "manuscript.too-large" and f.chapter}


def build_book(book: Book, targets: Sequence[str] = TARGETS, *, force: bool = False,
               clean: bool = False, release: bool = False, jobs: int | None = None,
               progress: Progress = lambda _: None,
               pool: WorkerPool | None = None) -> BuildResult:
    """Build the PDF and/or EPUB of `book` into build/; refuse on errors unless `force`.

    Every product is cached under build/.cache/ (`clean` ignores what is there). The PDF is
    laid out piece by piece and merged (incremental, untagged) unless `release`: then it is
    one whole-book render, tagged (PDF/UA), from the same cached pandoc products. `jobs` is
    the most chapters checked and pieces laid out at once (default: the cores); `pool`,
    workers that outlive this build (`anthology watch`), is used instead of starting new ones.
    """
    out_dir = out_dir_of(book)
    out_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_only_build(out_dir))
        sweep_temp_files(out_dir)
        # What a build killed with SIGKILL left; the lock says no other build uses it.
        shutil.rmtree(out_dir / ".work", ignore_errors=True)
        stack.enter_context(_work_removed_on_signal(out_dir / ".work"))
        cache = Cache(out_dir / ".cache", enabled=not clean)
        # What a book's own CSS may ask that pieces laid out apart cannot give (running
        # elements, targets in other chapters, counters through the book): then the book is
        # laid out as one document every time.
        whole = None
        if "pdf" in targets and not release:
            from anthology.outputs.book.onedocument import reason

            whole = reason(book)
        if pool is None and "pdf" in targets and not release and not whole:
            from anthology.engines.weasyprint.workers import WorkerPool, default_jobs

            pool = stack.enter_context(WorkerPool(jobs or default_jobs(), kept=False))
        render = None
        if (release or whole) and "pdf" in targets:
            # The whole-book render's WeasyPrint process loads while the book is checked and
            # its HTML made; it is stopped if the build stops first.
            from anthology.engines.weasyprint.render import start_render, stop_render

            render = start_render()
            stack.callback(stop_render, render)
        return _build(book, targets, cache, out_dir, pool, force=force, release=release,
                      jobs=jobs, progress=progress, render=render, whole=whole)


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


def _build(book: Book, targets: Sequence[str], cache: Cache, out_dir: Path,
           pool: WorkerPool | None, *, force: bool, release: bool, jobs: int | None,
           progress: Progress, render: subprocess.Popen[bytes] | None = None,
           whole: Reason | None = None) -> BuildResult:
    from anthology.editorial.checks.runner import check_book

    ahead = Ahead(book, cache, style=pool is not None)

    def starting(changed: int) -> None:
        # After an edit to a chapter or two, a worker loads WeasyPrint while they are checked.
        # Not on a cold build: there the checks are long anyway, and the peak of memory is
        # theirs. Not when no chapter changed: there may be nothing to lay out.
        if pool is not None and 0 < changed <= 2:
            pool.prestart(1)
        # Some chapters changed, not all: the others are prepared while these are checked.
        if 0 < changed < len(book.active_chapters):
            ahead.start()

    # The same checks as `anthology check`; each chapter's HTML (for a PDF) and EPUB file are
    # made as soon as the chapter is checked, in the same worker.
    try:
        checked = check_book(book, cache=cache, starting=starting, jobs=jobs,
                             epub="epub" in targets, html="pdf" in targets)
    except BaseException:
        ahead.cancel()
        raise
    if has_errors(checked) and not force:
        ahead.cancel()
        problems = [f for f in checked if f.severity != "info"]
        raise AnthologyError(f"The build stopped: {summary_line(problems)} Fix them (run "
                             "`anthology check` for the full list), or build anyway with "
                             "--force.", problems)
    left_out = left_out_chapters(checked)
    texts, skipped = prepare_chapters(book, cache, progress, jobs, ahead.done().texts, left_out)
    result = BuildResult(skipped=list(skipped))
    seen = {(f.code, f.file, f.line, f.message) for f in checked}
    result.findings = checked + [f for t in texts for f in t.findings if (
        f.code, f.file, f.line, f.message) not in seen] + _skip_notes(skipped, left_out)
    if not texts:
        raise AnthologyError("There is nothing to build yet: no chapter in chapters.yaml has a "
                             "file. Add a chapter with `anthology chapter add` and write it.")
    if has_errors(result.findings) and not force:
        problems = [f for f in result.findings if f.severity != "info"]
        raise AnthologyError(f"The build stopped: {summary_line(problems)} Fix them (run "
                             "`anthology check` for the full list), or build anyway with "
                             "--force.", problems)
    work = out_dir / ".work"
    work.mkdir(exist_ok=True)
    created = build_time(book.root)
    slug = book.config.slug
    if "pdf" in targets:
        progress("Laying out the PDF" + (
            " (release: one tagged whole-book render)" if release else
            f" (one whole-book render: {whole.file}, line {whole.line}, uses {whole.what})"
            if whole else ""))
        output = out_dir / f"{slug}.pdf"
        if release or whole:
            result.pages, result.refused = write_pdf(book, texts, output, work, created, cache,
                                                     jobs=jobs, process=render, tagged=release)
        else:
            assert pool is not None
            result.pages, result.refused = write_incremental_pdf(
                book, texts, output, work, created, cache, pool, progress, ahead.style)
        result.findings += refusal_findings(texts, result.refused)
        result.outputs.append(output)
    if "epub" in targets:
        from anthology.outputs.epub.front import conformance_note
        from anthology.outputs.epub.page_list import (
            missed_pages_note,
            page_list_note,
            print_edition,
        )
        from anthology.outputs.epub.write import write_epub

        pages, why_not = print_edition(book, out_dir / f"{slug}.pdf", built_now="pdf" in targets)
        progress("Writing the EPUB" if pages is not None else page_list_note(why_not))
        with atomic_output(out_dir / f"{slug}.epub") as tmp:
            _, package = write_epub(book, texts, tmp, work, created, cache, jobs, pages)
        if package.missed:
            progress(missed_pages_note(package.missed))
        if pages is not None and package.unmet:
            progress(conformance_note(package.unmet))
        result.outputs.append(out_dir / f"{slug}.epub")
    shutil.rmtree(work, ignore_errors=True)
    return result


def _stylesheets(book: Book) -> tuple[str, str | None]:
    from anthology.outputs.book.html import TEMPLATES_DIR

    css = TEMPLATES_DIR / "book" / "book.css"
    local_css = book.root / "styles" / "book.css"
    extra = book.config.build.css or ("styles/book.css" if local_css.is_file() else None)
    return css.as_uri(), (book.root / extra).resolve().as_uri() if extra else None


def _sections(book: Book, texts: Sequence[ChapterText], cache: Cache,
              jobs: int | None = None) -> dict[str, Any]:
    """Each chapter's HTML, from the cache or from pandoc; pandoc runs for several chapters at
    once (threads suffice: the work is in the pandoc processes)."""
    from concurrent.futures import ThreadPoolExecutor

    from anthology.outputs.book.html import chapter_sections

    with ThreadPoolExecutor(max_workers=max(1, jobs or os.cpu_count() or 1)) as pool:
        made = pool.map(lambda t: chapter_sections(book, t, cache, html_key(book, t.key)),
                        texts)
        return {t.chapter.id: sections for t, sections in zip(texts, made, strict=True)}


def _files_digest(*folders: Path) -> list[str | bytes]:
    parts: list[str | bytes] = []
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    parts += [str(path), path.read_bytes()]
    return parts


# What is added to a laid-out PDF (the merge, or the whole-book render's finishing): 2 since
# its pages are labelled (roman, then arabic).
MERGED_FORMAT = "2"
# What a piece's cached layout records: 2 since it holds the named strings the piece sets.
PIECES_FORMAT = "2"


def print_style_key(book: Book) -> str:
    """Everything that shapes the print layout besides the HTML: anthology's and the book's
    templates and CSS, the fonts, and the versions of anthology, WeasyPrint, the font
    subsetter and the HTML parser."""
    from anthology import __version__
    from anthology.engines.weasyprint import linebreak
    from anthology.engines.weasyprint.patches.htmltree import parser_version
    from anthology.engines.weasyprint.render import weasyprint_version
    from anthology.engines.weasyprint.subsetting import subsetter_version
    from anthology.outputs.book.html import FONTS_DIR, TEMPLATES_DIR

    extra = [book.root / name for name in (book.config.build.css,) if name]
    files = _files_digest(TEMPLATES_DIR / "book", FONTS_DIR, book.root / "templates",
                          book.root / "styles")
    # The line breaker's rules shape the pages as much as the CSS does.
    breaker = Path(linebreak.__file__).read_bytes()
    return digest("print-style", __version__, PIECES_FORMAT, weasyprint_version(),
                  subsetter_version(), parser_version(), breaker, *files,
                  *(p.read_bytes() if p.is_file() else b"-" for p in extra))


def write_pdf(book: Book, texts: Sequence[ChapterText], output: Path, work: Path,
              created: dt.datetime, cache: Cache | None = None, jobs: int | None = None,
              process: subprocess.Popen[bytes] | None = None,
              tagged: bool = True) -> tuple[int, list[str]]:
    """The release PDF: the whole book in one WeasyPrint render, tagged (PDF/UA); or, not
    `tagged`, the everyday PDF of a book that cannot be laid out piece by piece (see
    render/onedocument.py), kept while nothing it is made of changes.

    The chapters' pandoc products come from the cache; return page count and refused URLs.
    `jobs` is not used (the pages are drawn in the render's process). `process` is a
    WeasyPrint process started ahead (`pdf.start_render`), if any.
    """
    from anthology.engines.weasyprint.patches import htmltree
    from anthology.engines.weasyprint.render import render_pdf, start_render, stop_render
    from anthology.outputs.book.html import FONTS_DIR, TEMPLATES_DIR, book_html
    from anthology.outputs.book.index import has_marks, indexed_book
    from anthology.outputs.book.merge import (
        merged_is_current,
        merged_pages,
        output_marker,
        remember_merged,
    )

    css, extra = _stylesheets(book)
    sections = _sections(book, texts, cache) if cache is not None else None
    html = book_html(book, texts, created, css, extra, sections=sections,
                     build_kind="release" if tagged else "whole-book")
    key = ""
    if not tagged and cache is not None:
        # The HTML names the chapters' images but does not hold them: their keys do.
        key = digest("whole-pdf", MERGED_FORMAT, print_style_key(book), html,
                     *(t.key for t in texts))
        stored = cache.get_json("whole", key)
        if isinstance(stored, dict) and merged_is_current(cache, output, key):
            if process is not None:
                stop_render(process)
            return merged_pages(cache, output), list(stored.get("refused", []))
    roots = [book.root, TEMPLATES_DIR, FONTS_DIR]
    if book.config.build.index and has_marks(texts):
        def layout(first: str) -> dict[str, int]:
            atomic_write_text(work / "book-unindexed.html", first)
            return dict(render_pdf(work / "book-unindexed.html", None, book.root, roots,
                                   variant=PDF_VARIANT if tagged else None,
                                   fast_parse=htmltree.allowed(book), process=process,
                                   details=True)["anchors"])

        # The index's pages are known only once the book is laid out: a first layout (drawn
        # into no PDF) gives the marks' pages, then the book with its index is laid out.
        following = start_render()  # loads WeasyPrint for the second layout meanwhile
        try:
            html = indexed_book(html, texts, layout)
        except BaseException:
            stop_render(following)
            raise
        process = following
    html_path = work / "book.html"
    atomic_write_text(html_path, html)
    with atomic_output(output) as tmp:
        rendered = render_pdf(html_path, tmp, book.root, roots,
                              variant=PDF_VARIANT if tagged else None,
                              identifier=pdf_identifier(book),
                              fast_parse=htmltree.allowed(book), process=process,
                              page_labels=True)
    pages, refused = int(rendered["pages"]), list(rendered["refused"])
    if cache is not None:
        output_marker(cache, output).unlink(missing_ok=True)
        if key:
            cache.put_json("whole", key, {"refused": refused})
            remember_merged(cache, output, key, pages)
    return pages, refused


def write_incremental_pdf(book: Book, texts: Sequence[ChapterText], output: Path, work: Path,
                          created: dt.datetime, cache: Cache, pool: WorkerPool,
                          progress: Progress, style: str | None = None) -> tuple[int, list[str]]:
    """The everyday PDF: front matter, part titles and chapters laid out on their own by
    long-lived workers (each piece cached), then merged; return page count and refused URLs.
    `style` is `print_style_key(book)`, if known already.

    Each step starts as soon as what it needs is known (see Assembly): so after an edit, only
    the edited chapter's HTML is made, and what waits on its length runs beside its layout.
    """
    from concurrent.futures import ThreadPoolExecutor

    from anthology.engines.weasyprint.patches import htmltree
    from anthology.outputs.book import merge
    from anthology.outputs.book.html import FONTS_DIR, TEMPLATES_DIR
    from anthology.outputs.book.index import book_index_piece

    roots = [str(p) for p in (book.root, TEMPLATES_DIR, FONTS_DIR)]

    def job(piece: merge.Piece, target: Path) -> dict[str, Any]:
        html_path = target.with_suffix(".html")
        # A scratch file for the worker, removed with build/.work: no need to sync it to disk.
        html_path.write_text(piece.source(), encoding="utf-8")
        return {"html": str(html_path), "output": str(target), "base": str(book.root),
                "allowed_roots": roots, "identifier": pdf_identifier(book), "details": True,
                "fast_parse": htmltree.allowed(book),
                "ask_start": piece.ask_start, "opens_book": piece.opens_book}

    with contextlib.ExitStack() as stack:
        threads = stack.enter_context(ThreadPoolExecutor(max_workers=pool.size))
        pieces = PrintPieces(book, texts, created, cache, threads, style)
        # A chapter that looks set to change length needs its running heads and folios drawn
        # again, and the later chapters' too if they move: the other workers load WeasyPrint
        # while it is laid out, to draw them as soon as its length is known.
        pieces.moving = lambda: pool.prestart(pool.size)
        layouts = merge.Layouts(cache, pool, job, work, progress)
        assembly = Assembly(pieces, layouts, cache)
        stack.callback(assembly.close)
        layouts.run(assembly.step)
        index = book_index_piece(book, texts, pieces, assembly.body) if book.config.build.index \
            else None
        if index is not None:  # laid out last: it needs every mark's page
            layouts.add(index)
            layouts.run(lambda: False)
        pool.finish()
        body, front = assembly.body, assembly.front
        assert front is not None
        for number, (piece, start) in enumerate(zip(body, merge.starts_of(body), strict=True)):
            piece.start = start
            if pieces.apart:
                piece.path = assembly.final[number]
        refused = sorted({url for piece in [front, *body]
                          for url in piece.layout.get("refused", [])})
        merged_key = digest("merged", MERGED_FORMAT, book.config.language,
                            *(merge.part_key(piece) for piece in [front, *body]),
                            *([merge.part_key(index)] if index is not None else []))
        if merge.merged_is_current(cache, output, merged_key):
            return merge.merged_pages(cache, output), refused
        progress("Joining the pieces")
        joiner = assembly.joiner or stack.enter_context(merge.Joiner())
        for number in range(joiner.count, len(body)):
            joiner.add(body[number], last=number == len(body) - 1)
        if index is not None:
            joiner.add_after(index)
        with atomic_output(output) as tmp:
            count = joiner.finish(front, tmp, book.config.language)
    merge.remember_merged(cache, output, merged_key, count)
    return count, refused


def _canonical(value: Any) -> str:
    """A value of the book template's context as text, for a key (dataclasses by field)."""
    import dataclasses
    import json

    def plain(item: Any) -> Any:
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            return dataclasses.asdict(item)
        raise TypeError(f"no canonical form for {type(item).__name__}")

    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=plain)


# Where a body piece is in the book template: (chapter index, shows the part title, shows the
# chapter), as book_html's `body` takes it.
Place = tuple[int, bool, bool]


class PrintPieces:
    """The pieces of the incremental PDF: their keys, and their HTML only when it is needed.

    With anthology's own book template, a piece's key is made from what its HTML is made of:
    the print style; the document's head; the chapter's entry in the template (number, title,
    authors, part, lang, ...) and where the piece is; the chapter's key and the key of its HTML
    sections. So HTML is made only for a piece laid out again, and a chapter's HTML sections
    (pandoc's) are read or made only for it. A book's own template may show anything anywhere
    (another chapter's text, the contents): then every piece's HTML is made, and its key is a
    digest of it.
    """

    def __init__(self, book: Book, texts: Sequence[ChapterText], created: dt.datetime,
                 cache: Cache, threads: Executor, style: str | None = None) -> None:
        from anthology.outputs.book.html import Sections, toc_entries

        self.book, self.texts, self.created, self.cache = book, texts, created, cache
        self.css, self.extra = _stylesheets(book)
        self.own_template = (book.root / "templates" / "book").is_dir()
        # With anthology's own templates and CSS, running heads and folios come only from the
        # chapter's attributes and the page counter: each piece is laid out without them (its
        # layout does not depend on where it starts, so a chapter that grows does not make the
        # later ones be laid out again) and they are drawn on their own, cheaply, and laid over.
        # A book's own CSS or templates may set running strings from inside a chapter: then the
        # folios are drawn in place, and a piece is laid out again when its first page moves
        # or the named strings it enters with change (the last values the pieces before it
        # set: a page that sets none shows them, as in one document).
        # anthology's CSS sets one running string from inside a chapter: "Table 2.1
        # (continued)" at the head of a page a long table runs onto.
        self.apart = (self.extra is None and not self.own_template
                      and not any(long_table(cache, t) for t in texts))
        self.threads = threads
        self.moving: Callable[[], None] = lambda: None
        self.blank = Sections("", "", [])
        # pandoc starts now for the chapters whose HTML is not cached: they are laid out again.
        self.made: dict[str, Future[Sections]] = {
            t.chapter.id: threads.submit(self._sections, t) for t in texts
            if cache.path_of("html", html_key(book, t.key), ".json") is None}
        if len(self.made) > 2:
            # Many chapters' HTML to make (a cold build): make it before the workers start.
            # pandoc beside two WeasyPrint workers would set the build's peak of memory, for
            # little time saved: the layouts wait on the HTML anyway.
            for made in self.made.values():
                made.result()
        self.style = style or print_style_key(book)
        # (name, place, the id of its opening element) of every part title and chapter
        self.places: list[tuple[str, Place, str]] = []
        previous_part: str | None = None
        for index, text in enumerate(texts):
            part = text.chapter.part
            if part and part != previous_part:
                self.places.append((f"part {part}", (index, True, False), f"part-{text.number}"))
            previous_part = part
            self.places.append((f"chapter {text.number}", (index, False, True), text.anchor))
        self.skeleton = "" if self.own_template else self.render([])
        blank = {t.chapter.id: "" for t in texts}
        self.entries = [] if self.own_template else toc_entries(book, texts, blank, blank)
        self.sizes: dict[int, tuple[str, int]] = {}  # body piece -> (its frame, its HTML's size)
        self.foreseen: dict[int, int] = {}  # body piece being laid out -> its likely length
        self.frames: dict[Place, str] = {}

    def _sections(self, text: ChapterText) -> Sections:
        from anthology.outputs.book.html import chapter_sections

        return chapter_sections(self.book, text, self.cache, html_key(self.book, text.key))

    def sections(self, text: ChapterText) -> Sections:
        """The chapter's HTML sections (pandoc's), read or made once."""
        made = self.made.get(text.chapter.id)
        if made is None:
            made = self.made[text.chapter.id] = self.threads.submit(self._sections, text)
        return made.result()

    def render(self, body: Sequence[Place], shown: Sequence[int] = (), *,
               floats: bool = False, **options: Any) -> str:
        """The book's HTML with only the chapters at `shown` holding their own HTML sections
        (no piece shows another chapter's text); all of them with `floats` (the lists of
        figures and tables) or with a book's own template."""
        from anthology.outputs.book.html import book_html

        everything = floats or self.own_template
        sections = {t.chapter.id: self.sections(t) if everything or i in shown else self.blank
                    for i, t in enumerate(self.texts)}
        return book_html(self.book, self.texts, self.created, self.css, self.extra,
                         sections=sections, build_kind="incremental",
                         **{"include_front": False, "body": body, **options})

    def frame(self, place: Place) -> str:
        """A digest of everything in a piece's HTML but its chapter's own HTML sections (with
        a book's own template: of all its HTML)."""
        if place not in self.frames:
            index, show_part, show_chapter = place
            if self.own_template:
                made = digest("frame", self.style, self.render([place], [index]))
            else:
                made = digest("frame", self.style, self.skeleton,
                              _canonical(self.entries[index]), str(index), str(show_part),
                              str(show_chapter))
            self.frames[place] = made
        return self.frames[place]

    def body(self) -> list[Piece]:
        """The part titles and chapters, in book order, keyed, their HTML made on demand."""
        from anthology.outputs.book.merge import Piece

        pieces = []
        for number, (name, place, _) in enumerate(self.places):
            index, _, chapter = place
            text = self.texts[index]
            if self.own_template:  # the key of its HTML, as it is laid out
                html = self.render([place], [index])
                key = digest("piece", self.style, *([text.key] if chapter else []), html)
                pieces.append(Piece(name, html, key))
                continue
            # The chapter's key covers what its HTML does not show: its images.
            key = digest("piece", self.frame(place), str(self.apart),
                         *([text.key, html_key(self.book, text.key)] if chapter else []))
            # Laid out without its folios, a piece needs no other's length: the longest
            # chapters go first (by their text's length), so that the last layouts of a cold
            # build are short ones and no worker waits long for the other at the end.
            weight = len(text.manuscript.body) if chapter and self.apart else 0
            pieces.append(Piece(name, "", key, start=1 if self.apart else None,
                                weight=weight, make=functools.partial(self._content, number)))
        return pieces

    def _content(self, number: int) -> str:
        from anthology.outputs.book.merge import without_margins

        _, place, _ = self.places[number]
        html = self.render([place], [place[0]] if place[2] else [])
        frame = self.frame(place)
        self.sizes[number] = (frame, len(html))
        before = self.cache.get_json("hint", frame) if self.cache.enabled else None
        if self.apart and isinstance(before, dict):
            foreseen = max(1, round(int(before["pages"]) * len(html)
                                    / max(1, int(before["size"]))))
            self.foreseen[number] = foreseen
            if foreseen != int(before["pages"]):
                self.moving()
        return without_margins(html) if self.apart else html

    def remember_size(self, number: int, pages: int) -> None:
        """Keep a laid-out piece's length against its HTML's size: a hint, next time, of
        whether an edit will move the pieces after it."""
        if number in self.sizes:
            frame, size = self.sizes.pop(number)
            self.cache.put_json("hint", frame, {"size": size, "pages": pages})

    def margins(self, number: int, pages: int, start: int) -> Piece:
        """The running heads and folios of body piece `number`, for `pages` pages from
        `start`: its head and opening element over empty pages (its text is not needed)."""
        from anthology.outputs.book.merge import Piece, margins_only

        name, place, _ = self.places[number]
        return Piece(f"the running heads and folios of {name}", "",
                     digest("margins", self.frame(place), str(pages)), pages=pages,
                     start=start, rank=2,
                     make=lambda: margins_only(self.render([place]), pages))

    def front(self, pages: dict[str, int]) -> Piece:
        """The front matter, with the page numbers of the body."""
        from anthology.outputs.book.merge import LINK_SCHEME, Piece

        html = self.render([], include_front=True, pages=pages, link_prefix=LINK_SCHEME,
                           floats=self.lists)
        return Piece("the front matter", html, digest("piece", self.style, html), start=1,
                     ask_start=False, rank=1, opens_book=True)

    @property
    def lists(self) -> bool:
        """The front matter lists figures or tables."""
        return self.book.config.build.list_of_figures or self.book.config.build.list_of_tables


class Assembly:
    """What the incremental PDF waits for, each started as soon as its inputs are known (the
    `step` of merge.Layouts.run):

    - the body pieces' first pages, from the lengths of the pieces before them;
    - each piece's running heads and folios, once its length and first page are known (a
      worker says a piece's length before it writes its PDF), then laid over the piece here
      while the workers go on;
    - the front matter, once the first pages are known: the contents show only where each
      chapter and part title begins, and those pages are known before the chapters are
      laid out to the end. It is checked against every piece's anchors at the end, and laid
      out again if they show otherwise (never with anthology's template); with lists of
      figures or tables it waits for them.

    While a piece is laid out, the others may wait for its length: the running heads and
    folios of the pieces after it need their first pages. A changed chapter's length is
    foreseen from its last layout (pages in proportion to its HTML's size), and on the
    workers that would wait, the layers that length would need are laid out ahead, as
    optional pieces (`_guess`). Each is made for its own length and first page, so it is right
    for them whether or not the guess was: when the real ones are known, a layer for them is
    taken if there is one, and the wrong guesses are dropped (`_layer`).
    """

    def __init__(self, pieces: PrintPieces, layouts: Layouts, cache: Cache) -> None:
        self.pieces, self.layouts, self.cache = pieces, layouts, cache
        self.body = [layouts.add(piece) for piece in pieces.body()]
        self.layers: dict[int, Piece] = {}
        self.guesses: dict[int, Piece] = {}  # layers laid out ahead, for foreseen lengths
        self.final: dict[int, Path] = {}  # the pieces with their layers laid over
        self.front: Piece | None = None
        self.front_guess: Piece | None = None  # laid out ahead, for foreseen first pages
        self.front_checked = False
        self.joiner: Joiner | None = None  # joins the body pieces while the workers go on

    def step(self) -> bool:
        """Start what became possible, or lay one piece's layers over each other; return
        whether anything was done."""
        from anthology.outputs.book import merge

        done = False
        starts = merge.starts_of(self.body)
        entries = merge.entries_of(self.body)
        for number, (piece, start) in enumerate(zip(self.body, starts, strict=True)):
            if piece.done and piece.pages is not None:
                self.pieces.remember_size(number, piece.pages)
            if start is None or piece.pages is None:
                continue
            if not self.pieces.apart:
                if piece.start is None and entries[number] is not None:
                    piece.start, piece.entry, done = start, entries[number], True
            elif number not in self.layers:
                done = True
                self.layers[number] = layer = self._layer(number, piece.pages, start)
                composed = self.cache.path_of("part", self._composed(piece, layer), ".pdf")
                if composed is not None:
                    self.final[number] = composed
                    self.layouts.forget(layer)
        if None not in starts and not self.front_checked:
            done = self._front(starts) or done
        if self.pieces.apart and self.pieces.foreseen:
            done = self._guess() or done
        return done or self._compose_one() or self._join_one()

    def _layer(self, number: int, pages: int, start: int) -> Piece:
        """The running heads and folios of body piece `number`, now that its length and first
        page are known: the one laid out ahead for them if there is one, else a new one."""
        from anthology.outputs.book import merge

        layer = self.pieces.margins(number, pages, start)
        guess = self.guesses.pop(number, None)
        if guess is not None and merge.part_key(guess) == merge.part_key(layer):
            guess.optional = False
            return guess
        if guess is not None:
            self.layouts.forget(guess)
        return self.layouts.add(layer)

    def _guess(self) -> bool:
        """Lay out ahead the running heads and folios the body pieces will most likely need,
        from the foreseen lengths of those being laid out (see the class's docstring)."""
        from anthology.outputs.book import merge

        added = False
        foreseen = self.pieces.foreseen
        starts = merge.starts_of(self.body, foreseen)
        for number, (piece, start) in enumerate(zip(self.body, starts, strict=True)):
            pages = piece.pages if piece.pages is not None else foreseen.get(number)
            if start is None or pages is None or number in self.layers or number in self.guesses:
                continue
            layer = self.pieces.margins(number, pages, start)
            layer.optional = added = True
            self.guesses[number] = self.layouts.add(layer)
        if (self.front is None and self.front_guess is None and not self.pieces.lists
                and not self.pieces.own_template and None not in starts):
            # The contents, as those first pages would make them (it shows where each chapter
            # begins, not how long it is).
            self.front_guess = front = self._front_for(starts)
            front.optional = added = True
            self.layouts.add(front)
        return added

    def _front(self, starts: list[int | None]) -> bool:
        exact = all(p.layout for p in self.body)
        if not exact and (self.front is not None or self.pieces.lists
                          or self.pieces.own_template):
            return False
        self.front_checked = exact
        front = self._front_for(starts)
        if self.front is not None and front.key == self.front.key:
            return False
        for wrong in (self.front, self.front_guess):  # no longer needed, if not this one
            if wrong is not None and wrong.key != front.key:
                self.layouts.forget(wrong)
        if self.front_guess is not None and self.front_guess.key == front.key:
            front, front.optional = self.front_guess, False
        else:
            self.layouts.add(front)
        self.front, self.front_guess = front, None
        return True

    def _front_for(self, starts: Sequence[int | None]) -> Piece:
        """The front matter for the body pieces starting at `starts`."""
        from anthology.outputs.book import merge

        return self.pieces.front(merge.pages_of(self.body, starts, [
            opening for _, _, opening in self.pieces.places]))

    def _join_one(self) -> bool:
        """Copy the next body piece into the joined PDF if it is final, while a worker is on
        something else (with nothing left to lay out, joining is the next step anyway, if the
        PDF is not already the one these pieces make)."""
        from anthology.outputs.book.merge import Joiner

        number = self.joiner.count if self.joiner is not None else 0
        if number >= len(self.body) or not self.layouts.busy:
            return False
        piece = self.body[number]
        if self.pieces.apart:
            path = self.final.get(number)
        else:
            path = piece.path if piece.done and piece.start is not None else None
        if path is None:
            return False
        self.joiner = self.joiner or Joiner()
        self.joiner.add(piece, last=number == len(self.body) - 1, path=path)
        return True

    def close(self) -> None:
        """Let go of the joined pieces' files."""
        if self.joiner is not None:
            self.joiner.close()

    @staticmethod
    def _composed(piece: Piece, layer: Piece) -> str:
        from anthology.outputs.book import merge

        return digest("composed", merge.part_key(piece), merge.part_key(layer))

    def _compose_one(self) -> bool:
        from anthology.outputs.book import merge

        for number, layer in self.layers.items():
            piece = self.body[number]
            if number in self.final or not (piece.done and layer.done):
                continue
            assert piece.path is not None and layer.path is not None
            self.final[number] = self.cache.put_bytes(
                "part", self._composed(piece, layer),
                merge.compose(piece.path, layer.path, piece.name), ".pdf")
            return True
        return False


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


def pdf_identifier(book: Book) -> str:
    """A stable PDF /ID for the book (its print ISBN, else its slug), so rebuilds compare."""
    return (book.config.isbn_print or book.config.slug).replace("-", "")
