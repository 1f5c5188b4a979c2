"""The work a build does ahead, while its checks run: it knows a build follows the check, and
the cores would otherwise wait on the last checks.

- Before the changed chapters are checked: a WeasyPrint worker starts loading (after an edit to
  a chapter or two), and a thread of its own prepares every unchanged chapter from the cache
  (each reads its file and front matter and hashes what its key covers) and, for a PDF laid
  out piece by piece, the print style's key (templates and fonts hashed, versions read). These
  run while the check waits on pandoc, which leaves the GIL free.
- As each chapter is checked (in the thread that checked it, its cited AST at hand): its HTML
  sections for the PDF and its EPUB file, cached where the build looks.
- While the chapters are checked, in the thread that waits for them: the EPUB's drawn cover.

Nothing here is trusted beyond what the build would do itself: a chapter not in the cache is
left to the build, and anything that fails here is met again, and reported, by the build's own
steps. With the cache not read (--clean) nothing is made ahead: the build would not find it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anthology.chapters.csl import resolve_csl
from anthology.chapters.prepare import ChapterText
from anthology.core.cache import Cache
from anthology.core.errors import AnthologyError
from anthology.core.model import Book, Chapter
from anthology.outputs.common import included_chapters

if TYPE_CHECKING:
    from anthology.outputs.book import Renderers

THREAD_NAME = "anthology-ahead"


class WorkAhead:
    """What a build does while its checks run (see the module's docstring); a FollowUp of
    the checks (editorial/checks/runner.py). Use it as a context manager: leaving the block
    stops the thread after the chapter in hand."""

    def __init__(self, book: Book, cache: Cache, targets: Sequence[str],
                 renderers: Renderers | None = None) -> None:
        self.book, self.cache, self.renderers = book, cache, renderers
        self.html = "pdf" in targets
        self.epub = "epub" in targets
        self.texts: dict[str, ChapterText] = {}  # chapters prepared from the cache, by id
        self.style: str | None = None  # print_style_key, for a PDF laid out piece by piece
        self._csl: Path | None = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._prepare_unchanged, name=THREAD_NAME,
                                        daemon=True)

    def __enter__(self) -> WorkAhead:
        return self

    def __exit__(self, *_: object) -> None:
        self._stopped.set()
        self.prepared()

    @property
    def csl(self) -> Path:
        """The book's citation style (resolved once)."""
        if self._csl is None:
            self._csl = resolve_csl(self.book.root, self.book.config.csl)
        return self._csl

    def starting(self, changed: int) -> None:
        """Told how many chapters are checked afresh, before they are."""
        if self.renderers is not None:
            self.renderers.warm_up(changed)
        # Some chapters changed, not all: the others are prepared while these are checked.
        if 0 < changed < len(self.book.active_chapters) and self.cache.enabled \
                and not self._thread.is_alive():
            self._thread.start()
        if changed and self.cache.enabled:
            # Imported once here rather than in every checking thread at once (import lock).
            if self.html:
                import anthology.outputs.book.html
            if self.epub:
                import anthology.outputs.epub.write  # noqa: F401

    def _prepare_unchanged(self) -> None:
        from anthology.chapters.prepare import prepared_chapter

        try:
            for number, chapter in enumerate(included_chapters(self.book)[0], start=1):
                if self._stopped.is_set():
                    return
                text = prepared_chapter(self.book, chapter, number, self.csl, self.cache)
                if text is not None:
                    self.texts[chapter.id] = text
            if self.renderers is not None and self.renderers.pool is not None \
                    and not self._stopped.is_set():
                from anthology.outputs.book import print_style_key

                self.style = print_style_key(self.book)
        except Exception:  # met again, and reported, by the build's own steps
            return

    def checked(self, chapter: Chapter, number: int, cited_ast: dict[str, Any]) -> None:
        """Make the chapter's HTML sections and EPUB file (cached) while its cited AST is at
        hand. A failure here changes nothing the check reports: the build makes them again
        and reports the failure there, after the findings."""
        if not self.cache.enabled or not (self.html or self.epub):
            return
        from anthology.chapters.prepare import prepare_chapter

        book = self.book
        with contextlib.suppress(AnthologyError, OSError):
            text = prepare_chapter(book, chapter, number, self.csl, self.cache)
            text.loaded = cited_ast  # what was just stored under text.key: not read back
            if self.html:
                from anthology.outputs.book.html import chapter_sections
                from anthology.outputs.book.typeset import html_key

                chapter_sections(book, text, self.cache, html_key(book, text.key))
            if self.epub:
                import tempfile

                from anthology.outputs.epub.write import chapter_file

                with tempfile.TemporaryDirectory(prefix="anthology-epub-") as folder:
                    chapter_file(book, text, Path(folder), self.cache)

    def meanwhile(self) -> None:
        """Draw the EPUB's cover (cached for the build's EPUB step, which reports a failure),
        unless the book has its own image."""
        if not self.epub or not self.cache.enabled or self.book.config.build.cover:
            return
        from anthology.outputs.epub.write import drawn_cover

        with contextlib.suppress(AnthologyError, OSError):
            drawn_cover(self.book, self.cache)

    def prepared(self) -> dict[str, ChapterText]:
        """Wait for the thread (if started) to end; the chapters it prepared, by id."""
        if self._thread.is_alive():
            self._thread.join()
        return self.texts
