"""Word counts for `anthology status` between checks: from the cached check results, and
estimated from pandoc's cached parse where a chapter has not been checked since it changed."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from anthology.core.cache import Cache
from anthology.core.errors import AnthologyError
from anthology.core.findings import has_errors
from anthology.core.model import Book, Chapter
from anthology.editorial.checks.runner import CheckSession, checkable_chapters, default_cache


def estimated_word_counts(book: Book, ids: Collection[str]) -> dict[str, int]:
    """Words of the chapters named, counted from pandoc's parse of each (cached by content)
    without citeproc: citations count as written, not as printed. For `status` between
    checks; a chapter that cannot be read is left out."""
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from anthology.chapters.manuscript import read_manuscript
    from anthology.chapters.prepare import parse_markdown
    from anthology.editorial.checks.words import count_words, counted

    cache = default_cache(book)
    scratch = None
    if not cache.folder.is_dir():  # status makes no build folder: parses are not kept then
        scratch = tempfile.TemporaryDirectory(prefix="anthology-words-")
        cache = Cache(Path(scratch.name))

    def count(chapter: Chapter) -> int | None:
        assert chapter.file is not None
        manuscript = read_manuscript(book.root, chapter.file, chapter.id)
        if not manuscript.readable or has_errors(manuscript.findings):
            return None
        what = f"{manuscript.name} (chapter '{chapter.id}')"
        try:
            body = parse_markdown(manuscript.body, what, cache) if manuscript.body.strip() \
                else {"blocks": []}
            abstract = manuscript.text("abstract")
            blocks = parse_markdown(abstract, what, cache)["blocks"] if abstract else []
        except AnthologyError:  # pandoc refused it: `check` will say why
            return None
        return counted(count_words(body, blocks), book.config.words)

    chapters = [c for c in checkable_chapters(book) if c.id in ids]
    try:
        with ThreadPoolExecutor(max_workers=min(4, len(chapters) or 1)) as pool:
            found = dict(zip((c.id for c in chapters), pool.map(count, chapters), strict=True))
    finally:
        if scratch is not None:
            scratch.cleanup()
    return {ident: words for ident, words in found.items() if words is not None}


def cached_word_counts(book: Book) -> dict[str, int]:
    """Counted words per chapter id, from cached check results only (never runs pandoc).

    A chapter whose file changed since the last check (or that was never checked) is missing
    from the result.
    """
    cache = default_cache(book)
    session = CheckSession(book, cache)
    out: dict[str, int] = {}
    from anthology.editorial.checks.words import counted

    for number, chapter in enumerate(checkable_chapters(book), start=1):
        assert chapter.file is not None
        try:
            data = (book.root / chapter.file).read_bytes()
            found = session.cached(session.chapter_key(chapter, number, data))
        except Exception:  # a status display must never fail on the cache
            found = None
        if found is not None and found.words is not None:
            out[chapter.id] = counted(found.words, book.config.words)
    return out
