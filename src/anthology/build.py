"""Build the book: every chapter prepared on its own, then the PDF and the EPUB.

A straight pipeline that gathers everything before writing: load (done by the caller), prepare
each chapter (pre-flight, parse, make safe, cite), stop on errors unless forced, then render.
Outputs are written to a temporary name and moved into place only when complete.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from anthology.cache import Cache
from anthology.errors import AnthologyError
from anthology.files import atomic_output, atomic_write_text, sweep_temp_files
from anthology.findings import Finding, error, has_errors, info, summary_line
from anthology.model import Book, Chapter
from anthology.render.chapter import ChapterText, prepare_chapter
from anthology.render.citations import resolve_csl

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
    the same commit twice gives the same EPUB and PDF bytes; else (no git) now.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    if root is not None:
        committed = last_commit_time(root)
        if committed is not None:
            return committed
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)


def last_commit_time(root: Path) -> dt.datetime | None:
    """When the book folder's last git commit was made, or None outside git."""
    try:
        done = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%ct", "--", "."],
                              capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    stamp = done.stdout.decode("ascii", "replace").strip()
    if done.returncode != 0 or not stamp.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(stamp), tz=dt.UTC)


def included_chapters(book: Book) -> tuple[list[Chapter], list[Chapter]]:
    """Chapters with a file (in the book, whatever their state) and those without one."""
    included, skipped = [], []
    for chapter in book.active_chapters:
        if chapter.file and (book.root / chapter.file).exists():
            included.append(chapter)
        else:
            skipped.append(chapter)
    return included, skipped


def prepare_chapters(book: Book, cache: Cache, progress: Progress) -> tuple[
        list[ChapterText], list[Chapter]]:
    """Prepare every chapter that has a file, numbered in book order."""
    csl = resolve_csl(book.root, book.config.csl)
    included, skipped = included_chapters(book)
    texts = []
    for number, chapter in enumerate(included, start=1):
        progress(f"[{number}/{len(included)}] {chapter.file}")
        texts.append(prepare_chapter(book, chapter, number, csl, cache))
    return texts, skipped


def _skip_notes(skipped: Sequence[Chapter]) -> list[Finding]:
    return [info("build.no-file", "chapters.yaml", c.line,
                 f"chapter '{c.id}' ({c.status}) has no file yet, so it is left out of the "
                 "book.", None, chapter=c.id) for c in skipped]


def build_book(book: Book, targets: Sequence[str] = TARGETS, *, force: bool = False,
               clean: bool = False, progress: Progress = lambda _: None) -> BuildResult:
    """Build the PDF and/or EPUB of `book` into build/; refuse on errors unless `force`."""
    out_dir = out_dir_of(book)
    out_dir.mkdir(parents=True, exist_ok=True)
    sweep_temp_files(out_dir)
    cache = Cache(out_dir / ".cache", enabled=not clean)
    from anthology.checks.runner import check_book

    checked = check_book(book, cache=cache)  # the same checks as `anthology check`
    if has_errors(checked) and not force:
        problems = [f for f in checked if f.severity != "info"]
        raise AnthologyError(f"The build stopped: {summary_line(problems)} Fix them (run "
                             "`anthology check` for the full list), or build anyway with "
                             "--force.", problems)
    texts, skipped = prepare_chapters(book, cache, progress)
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
        progress("Laying out the PDF")
        result.pages, result.refused = write_pdf(book, texts, out_dir / f"{slug}.pdf", work,
                                                 created)
        result.findings += refusal_findings(texts, result.refused)
        result.outputs.append(out_dir / f"{slug}.pdf")
    if "epub" in targets:
        progress("Writing the EPUB")
        from anthology.render.epub import write_epub

        with atomic_output(out_dir / f"{slug}.epub") as tmp:
            write_epub(book, texts, tmp, work, created)
        result.outputs.append(out_dir / f"{slug}.epub")
    shutil.rmtree(work, ignore_errors=True)
    return result


def write_pdf(book: Book, texts: Sequence[ChapterText], output: Path, work: Path,
              created: dt.datetime) -> tuple[int, list[str]]:
    """Lay out the whole book with WeasyPrint; return page count and refused URLs."""
    from anthology.render.html import FONTS_DIR, TEMPLATES_DIR, book_html
    from anthology.render.pdf import render_pdf

    css = TEMPLATES_DIR / "book" / "book.css"
    local_css = book.root / "styles" / "book.css"
    extra = book.config.build.css or ("styles/book.css" if local_css.is_file() else None)
    html = book_html(book, texts, created, css.as_uri(),
                     (book.root / extra).resolve().as_uri() if extra else None)
    html_path = work / "book.html"
    atomic_write_text(html_path, html)
    with atomic_output(output) as tmp:
        rendered = render_pdf(html_path, tmp, book.root, [book.root, TEMPLATES_DIR, FONTS_DIR],
                              variant=PDF_VARIANT, identifier=pdf_identifier(book))
    return int(rendered["pages"]), list(rendered["refused"])


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
