"""The book PDF written: as one whole-book render (the release, tagged; or the everyday PDF of
a book that cannot be laid out piece by piece), or piece by piece by long-lived workers and
merged (the everyday PDF)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from anthology.chapters.prepare import ChapterText
from anthology.core.cache import Cache, digest
from anthology.core.files import atomic_output, atomic_write_text
from anthology.core.model import Book
from anthology.core.terminal import Progress
from anthology.outputs.book.typeset import html_key
from anthology.outputs.common import pdf_identifier, stylesheets

if TYPE_CHECKING:
    import subprocess

    from anthology.engines.weasyprint.workers import WorkerPool
    from anthology.outputs.book.html import Sections

# A tagged PDF (structure tree, /Lang, alt texts): what accessibility rules ask of publishers.
PDF_VARIANT = "pdf/ua-1"
# What is added to a laid-out PDF (the merge, or the whole-book render's finishing): 2 since
# its pages are labelled (roman, then arabic).
MERGED_FORMAT = "2"
# "release": tagged, for the publisher; "whole-book": the everyday PDF of a book whose own
# CSS needs one document (onedocument.py), untagged, kept while nothing it is made of changes.
WholeKind = Literal["release", "whole-book"]


def chapters_html(book: Book, texts: Sequence[ChapterText], cache: Cache,
                  jobs: int | None = None) -> dict[str, Sections]:
    """Each chapter's HTML, from the cache or from pandoc; pandoc runs for several chapters at
    once (threads suffice: the work is in the pandoc processes)."""
    from concurrent.futures import ThreadPoolExecutor

    from anthology.outputs.book.html import chapter_sections

    with ThreadPoolExecutor(max_workers=max(1, jobs or os.cpu_count() or 1)) as pool:
        made = pool.map(lambda t: chapter_sections(book, t, cache, html_key(book, t.key)),
                        texts)
        return {t.chapter.id: sections for t, sections in zip(texts, made, strict=True)}


def write_whole(book: Book, texts: Sequence[ChapterText], output: Path, work: Path,
                created: dt.datetime, cache: Cache | None, kind: WholeKind, *,
                process: subprocess.Popen[bytes] | None = None) -> tuple[int, list[str]]:
    """The whole book in one WeasyPrint render; return page count and refused URLs.

    The chapters' pandoc products come from the cache. `process` is a WeasyPrint process
    started ahead, if any.
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

    tagged = kind == "release"
    css, extra = stylesheets(book)
    sections = chapters_html(book, texts, cache) if cache is not None else None
    html = book_html(book, texts, created, css, extra, sections=sections, build_kind=kind)
    key = ""
    if not tagged and cache is not None:
        # The HTML names the chapters' images but does not hold them: their keys do.
        from anthology.outputs.book.pieces import print_style_key

        key = digest("whole-pdf", MERGED_FORMAT, print_style_key(book), html,
                     *(t.key for t in texts))
        stored = cache.get_json("whole", key)
        if isinstance(stored, dict) and merged_is_current(cache, output, key):
            if process is not None:
                stop_render(process)
            return merged_pages(cache, output), list(stored.get("refused", []))
    roots = [book.root, TEMPLATES_DIR, FONTS_DIR]
    variant = PDF_VARIANT if tagged else None
    if book.config.build.index and has_marks(texts):
        def layout(first: str) -> dict[str, int]:
            atomic_write_text(work / "book-unindexed.html", first)
            return dict(render_pdf(work / "book-unindexed.html", None, book.root, roots,
                                   variant=variant, fast_parse=htmltree.allowed(book),
                                   process=process, details=True)["anchors"])

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
        rendered = render_pdf(html_path, tmp, book.root, roots, variant=variant,
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


def write_pieced(book: Book, texts: Sequence[ChapterText], output: Path, work: Path,
                 created: dt.datetime, cache: Cache, pool: WorkerPool, progress: Progress,
                 style: str | None = None) -> tuple[int, list[str]]:
    """The everyday PDF: front matter, part titles and chapters laid out on their own by
    long-lived workers (each piece cached), then merged; return page count and refused URLs.
    `style` is `print_style_key(book)`, if known already.

    Each step starts as soon as what it needs is known (see Assembly): so after an edit, only
    the edited chapter's HTML is made, and what waits on its length runs beside its layout.
    """
    from concurrent.futures import ThreadPoolExecutor

    from anthology.engines.weasyprint.patches import htmltree
    from anthology.outputs.book import merge
    from anthology.outputs.book.assembly import Assembly
    from anthology.outputs.book.html import FONTS_DIR, TEMPLATES_DIR
    from anthology.outputs.book.index import book_index_piece
    from anthology.outputs.book.pieces import PrintPieces

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
        # A chapter that looks set to change length needs its running heads and folios drawn
        # again, and the later chapters' too if they move: the other workers load WeasyPrint
        # while it is laid out, to draw them as soon as its length is known.
        pieces = PrintPieces(book, texts, created, cache, threads, style,
                             on_length_change=lambda: pool.prestart(pool.size))
        layouts = merge.Layouts(cache, pool, job, work, progress)
        assembly = Assembly(pieces, layouts, cache)
        stack.callback(assembly.close)
        layouts.run(assembly.step)
        index = book_index_piece(book, texts, pieces, assembly.body) \
            if book.config.build.index else None
        if index is not None:  # laid out last: it needs every mark's page
            layouts.add(index)
            layouts.run(lambda: False)
        pool.finish()
        body, front = assembly.final_body(), assembly.front.chosen
        assert front is not None
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
