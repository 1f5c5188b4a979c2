"""What every output of a book agrees on: where it is written, the date stamped into it, the
chapters it holds, the PDF identifier and the print stylesheets."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

from anthology.core.findings import Finding
from anthology.core.model import Book, Chapter


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


def left_out_chapters(findings: Sequence[Finding]) -> set[str]:
    """The chapters a forced build leaves out: those too large to check and lay out."""
    return {f.chapter for f in findings if f.code == "manuscript.too-large" and f.chapter}


def pdf_identifier(book: Book) -> str:
    """A stable PDF /ID for the book (its print ISBN, else its slug), so rebuilds compare."""
    return (book.config.isbn_print or book.config.slug).replace("-", "")


def stylesheets(book: Book) -> tuple[str, str | None]:
    """The print CSS as URLs: anthology's book.css, and the book's own (book.yaml's
    build.css, else styles/book.css if there is one) or None."""
    from anthology.outputs.book.html import TEMPLATES_DIR

    css = TEMPLATES_DIR / "book" / "book.css"
    local_css = book.root / "styles" / "book.css"
    extra = book.config.build.css or ("styles/book.css" if local_css.is_file() else None)
    return css.as_uri(), (book.root / extra).resolve().as_uri() if extra else None
