"""Build the book: every chapter prepared on its own, then the PDF and the EPUB.

A straight pipeline that gathers everything before writing: load (done by the caller), prepare
each chapter (pre-flight, parse, make safe, cite), stop on errors unless forced, then render.
Outputs are written to a temporary name and moved into place only when complete.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anthology.cache import Cache, digest
from anthology.errors import AnthologyError
from anthology.files import atomic_output, atomic_write_text, sweep_temp_files
from anthology.findings import Finding, error, has_errors, info, summary_line
from anthology.model import Book, Chapter
from anthology.render.chapter import ChapterText, prepare_chapter
from anthology.render.citations import resolve_csl

if TYPE_CHECKING:
    from anthology.render.merge import Piece
    from anthology.render.workers import WorkerPool

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
    from anthology.submissions.git import GitError, open_repository

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


def prepare_chapters(book: Book, cache: Cache, progress: Progress,
                     jobs: int | None = None) -> tuple[list[ChapterText], list[Chapter]]:
    """Prepare every chapter that has a file, numbered in book order (in parallel threads:
    the work is mostly pandoc's, in its own processes)."""
    from concurrent.futures import ThreadPoolExecutor

    from anthology.render.workers import default_jobs

    csl = resolve_csl(book.root, book.config.csl)
    included, skipped = included_chapters(book)

    def one(item: tuple[int, Chapter]) -> ChapterText:
        number, chapter = item
        progress(f"[{number}/{len(included)}] {chapter.file}")
        return prepare_chapter(book, chapter, number, csl, cache)

    with ThreadPoolExecutor(max_workers=max(1, jobs or default_jobs())) as threads:
        texts = list(threads.map(one, enumerate(included, start=1)))
    return texts, skipped


def _skip_notes(skipped: Sequence[Chapter]) -> list[Finding]:
    return [info("build.no-file", "chapters.yaml", c.line,
                 f"chapter '{c.id}' ({c.status}) has no file yet, so it is left out of the "
                 "book.", None, chapter=c.id) for c in skipped]


def build_book(book: Book, targets: Sequence[str] = TARGETS, *, force: bool = False,
               clean: bool = False, release: bool = False, jobs: int | None = None,
               progress: Progress = lambda _: None,
               pool: WorkerPool | None = None) -> BuildResult:
    """Build the PDF and/or EPUB of `book` into build/; refuse on errors unless `force`.

    Every product is cached under build/.cache/ (`clean` ignores what is there). The PDF is
    laid out piece by piece and merged (incremental, untagged) unless `release`: then it is
    one whole-book render, tagged (PDF/UA), from the same cached pandoc products. `jobs` is
    the number of worker processes (default: the cores); `pool`, workers that outlive this
    build (`anthology watch`), is used instead of starting new ones.
    """
    out_dir = out_dir_of(book)
    out_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_only_build(out_dir))
        sweep_temp_files(out_dir)
        cache = Cache(out_dir / ".cache", enabled=not clean)
        if pool is None and "pdf" in targets and not release:
            from anthology.render.workers import WorkerPool, default_jobs

            pool = stack.enter_context(WorkerPool(jobs or default_jobs(), kept=False))
        return _build(book, targets, cache, out_dir, pool, force=force, release=release,
                      jobs=jobs, progress=progress)


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
           progress: Progress) -> BuildResult:
    from anthology.checks.runner import check_book

    def starting(changed: int) -> None:
        # After an edit to a chapter or two, a worker loads WeasyPrint while they are checked.
        # Not on a cold build: there the checks are long anyway, and the peak of memory is
        # theirs. Not when no chapter changed: there may be nothing to lay out.
        if pool is not None and 0 < changed <= 2:
            pool.prestart(1)

    # The same checks as `anthology check`; for an EPUB, each chapter's file is made as soon as
    # the chapter is checked, in the same worker.
    checked = check_book(book, cache=cache, starting=starting, jobs=jobs,
                         epub="epub" in targets)
    if has_errors(checked) and not force:
        problems = [f for f in checked if f.severity != "info"]
        raise AnthologyError(f"The build stopped: {summary_line(problems)} Fix them (run "
                             "`anthology check` for the full list), or build anyway with "
                             "--force.", problems)
    texts, skipped = prepare_chapters(book, cache, progress, jobs)
    result = BuildResult(skipped=list(skipped))
    seen = {(f.code, f.file, f.line, f.message) for f in checked}
    result.findings = checked + [f for t in texts for f in t.findings if (
        f.code, f.file, f.line, f.message) not in seen] + _skip_notes(skipped)
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
        progress("Laying out the PDF" + (" (release: one tagged whole-book render)"
                                         if release else ""))
        output = out_dir / f"{slug}.pdf"
        if release:
            result.pages, result.refused = write_pdf(book, texts, output, work, created, cache)
        else:
            assert pool is not None
            result.pages, result.refused = write_incremental_pdf(
                book, texts, output, work, created, cache, pool, progress)
        result.findings += refusal_findings(texts, result.refused)
        result.outputs.append(output)
    if "epub" in targets:
        progress("Writing the EPUB")
        from anthology.render.epub import write_epub

        with atomic_output(out_dir / f"{slug}.epub") as tmp:
            write_epub(book, texts, tmp, work, created, cache, jobs)
        result.outputs.append(out_dir / f"{slug}.epub")
    shutil.rmtree(work, ignore_errors=True)
    return result


def _stylesheets(book: Book) -> tuple[str, str | None]:
    from anthology.render.html import TEMPLATES_DIR

    css = TEMPLATES_DIR / "book" / "book.css"
    local_css = book.root / "styles" / "book.css"
    extra = book.config.build.css or ("styles/book.css" if local_css.is_file() else None)
    return css.as_uri(), (book.root / extra).resolve().as_uri() if extra else None


def _sections(book: Book, texts: Sequence[ChapterText], cache: Cache,
              jobs: int | None = None) -> dict[str, Any]:
    """Each chapter's HTML, from the cache or from pandoc; pandoc runs for several chapters at
    once (threads suffice: the work is in the pandoc processes)."""
    from concurrent.futures import ThreadPoolExecutor

    from anthology.render.html import chapter_sections

    with ThreadPoolExecutor(max_workers=max(1, jobs or os.cpu_count() or 1)) as pool:
        made = pool.map(lambda t: chapter_sections(book, t, cache, digest("html", t.key)),
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


def print_style_key(book: Book) -> str:
    """Everything that shapes the print layout besides the HTML: anthology's and the book's
    templates and CSS, the fonts, and the versions of anthology and WeasyPrint."""
    from anthology import __version__
    from anthology.render.html import FONTS_DIR, TEMPLATES_DIR
    from anthology.render.pdf import weasyprint_version

    extra = [book.root / name for name in (book.config.build.css,) if name]
    return digest("print-style", __version__, weasyprint_version(), *_files_digest(
        TEMPLATES_DIR / "book", FONTS_DIR, book.root / "templates", book.root / "styles"),
        *(p.read_bytes() if p.is_file() else b"-" for p in extra))


def write_pdf(book: Book, texts: Sequence[ChapterText], output: Path, work: Path,
              created: dt.datetime, cache: Cache | None = None) -> tuple[int, list[str]]:
    """The release PDF: the whole book in one WeasyPrint render, tagged (PDF/UA).

    The chapters' pandoc products come from the cache; return page count and refused URLs.
    """
    from anthology.render.html import FONTS_DIR, TEMPLATES_DIR, book_html
    from anthology.render.pdf import render_pdf

    css, extra = _stylesheets(book)
    sections = _sections(book, texts, cache) if cache is not None else None
    html = book_html(book, texts, created, css, extra, sections=sections, build_kind="release")
    html_path = work / "book.html"
    atomic_write_text(html_path, html)
    with atomic_output(output) as tmp:
        rendered = render_pdf(html_path, tmp, book.root, [book.root, TEMPLATES_DIR, FONTS_DIR],
                              variant=PDF_VARIANT, identifier=pdf_identifier(book))
    if cache is not None:
        from anthology.render.merge import output_marker

        output_marker(cache, output).unlink(missing_ok=True)
    return int(rendered["pages"]), list(rendered["refused"])


def write_incremental_pdf(book: Book, texts: Sequence[ChapterText], output: Path, work: Path,
                          created: dt.datetime, cache: Cache, pool: WorkerPool,
                          progress: Progress) -> tuple[int, list[str]]:
    """The everyday PDF: front matter, part titles and chapters laid out on their own by
    long-lived workers (each piece cached), then merged; return page count and refused URLs."""
    from anthology.render import merge
    from anthology.render.html import FONTS_DIR, TEMPLATES_DIR, book_html

    css, extra = _stylesheets(book)
    sections = _sections(book, texts, cache, pool.size)
    style = print_style_key(book)

    def html_of(**options: Any) -> str:
        return book_html(book, texts, created, css, extra, sections=sections,
                         build_kind="incremental", **options)

    # With anthology's own templates and CSS, running heads and folios come only from the
    # chapter's attributes and the page counter: each piece is laid out without them (its
    # layout does not depend on where it starts, so a chapter that grows does not make the
    # later ones be laid out again) and they are drawn on their own, cheaply, and laid over.
    # A book's own CSS or templates may set running strings from inside a chapter: then the
    # folios are drawn in place, and a piece is laid out again when its first page moves.
    apart = extra is None and not (book.root / "templates" / "book").is_dir()
    full: list[str] = []
    body: list[merge.Piece] = []
    previous_part: str | None = None
    for index, text in enumerate(texts):
        part = text.chapter.part
        if part and part != previous_part:
            full.append(html_of(include_front=False, body=[(index, True, False)]))
            html = merge.without_margins(full[-1]) if apart else full[-1]
            body.append(merge.Piece(f"part {part}", html, digest("piece", style, html),
                                    ask_start=not apart))
        previous_part = part
        full.append(html_of(include_front=False, body=[(index, False, True)]))
        html = merge.without_margins(full[-1]) if apart else full[-1]
        body.append(merge.Piece(f"chapter {text.number}", html,
                                digest("piece", style, text.key, html), ask_start=not apart))
    roots = [str(p) for p in (book.root, TEMPLATES_DIR, FONTS_DIR)]

    def job(piece: merge.Piece, target: Path) -> dict[str, Any]:
        html_path = target.with_suffix(".html")
        atomic_write_text(html_path, piece.html)
        return {"html": str(html_path), "output": str(target), "base": str(book.root),
                "allowed_roots": roots, "identifier": pdf_identifier(book), "details": True,
                "ask_start": piece.ask_start}

    front = merge.Piece("the front matter", "", "", ask_start=False)
    merge.render_pieces(body, not apart, cache, pool, job, work, progress)
    if apart:
        for piece in body:
            piece.start = None
        merge.assign_starts(body)
        _lay_margins_over(body, full, style, cache, pool, job, work, progress)
    pages = merge.pages_of((), body)
    front.html = html_of(pages=pages, body=[], link_prefix=merge.LINK_SCHEME)
    front.key = digest("piece", style, front.html)
    merge.render_pieces([front], False, cache, pool, job, work, progress)
    refused = sorted({url for piece in [front, *body] for url in piece.layout.get("refused", [])})
    merged_key = digest("merged", book.config.language,
                        *(merge.part_key(piece) for piece in [front, *body]))
    if merge.merged_is_current(cache, output, merged_key):
        return merge.merged_pages(cache, output), refused
    progress("Joining the pieces")
    with atomic_output(output) as tmp:
        count = merge.merge_pieces(front, body, tmp, book.config.language)
    merge.remember_merged(cache, output, merged_key, count)
    return count, refused


def _lay_margins_over(body: Sequence[Piece], full: Sequence[str], style: str, cache: Cache,
                      pool: WorkerPool, job: Callable[[Piece, Path], dict[str, Any]],
                      work: Path, progress: Progress) -> None:
    """Draw each body piece's running heads and folios for its first page, and lay them over
    its pages (each step cached: a piece that moves costs only its margins)."""
    from anthology.render import merge

    margins = []
    for piece, html in zip(body, full, strict=True):
        assert piece.pages is not None
        drawn = merge.margins_only(html, piece.pages)
        margins.append(merge.Piece(f"the running heads and folios of {piece.name}", drawn,
                                   digest("margins", style, drawn), start=piece.start))
    merge.render_pieces(margins, False, cache, pool, job, work, progress)
    for piece, layer in zip(body, margins, strict=True):
        assert piece.path is not None and layer.path is not None
        key = digest("composed", merge.part_key(piece), merge.part_key(layer))
        path = cache.path_of("part", key, ".pdf")
        if path is None:
            path = cache.put_bytes("part", key, merge.compose(piece.path, layer.path,
                                                              piece.name), ".pdf")
        piece.path = path


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
