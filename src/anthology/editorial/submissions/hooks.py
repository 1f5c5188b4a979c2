"""Checks before a contributor commits: the git pre-commit hook, and which chapters a set of
changed files concerns (for `check --changed` and for the hook's check of staged files)."""

from __future__ import annotations

import contextlib
import shlex
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from anthology.core.config import BOOK_FILE, CHAPTERS_FILE, CONTRIBUTORS_FILE, load_book
from anthology.core.errors import AnthologyError
from anthology.core.files import atomic_write_text
from anthology.core.model import Book
from anthology.editorial.submissions.git import open_repository
from anthology.editorial.submissions.history import cache_for, chapter_paths

MARKER = "# anthology pre-commit hook"
HOOK_NAME = "pre-commit"
BACKUP_SUFFIX = ".before-anthology"


def hook_script(book_prefix: str, python: str) -> str:
    """The pre-commit hook: run `anthology check --staged` on the book, from the repository's
    top folder (where git runs hooks)."""
    book = shlex.quote(book_prefix.rstrip("/") or ".")
    return f"""#!/bin/sh
{MARKER}: checks the staged version of the chapters being committed.
# Written by `anthology hooks install` (run it again to update this file).
# To commit without the check, use `git commit --no-verify`.
BOOK={book}
PYTHON={shlex.quote(python)}
if [ -x "$PYTHON" ]; then
    exec "$PYTHON" -m anthology --book "$BOOK" check --staged
elif command -v anthology >/dev/null 2>&1; then
    exec anthology --book "$BOOK" check --staged
else
    echo "anthology is not installed here, so the chapters were not checked before this commit." >&2
    exit 0
fi
"""


@dataclass(frozen=True)
class HookInstall:
    """What `install_hook` did."""

    path: Path
    action: str                 # "installed", "updated" or "replaced"
    backup: Path | None = None


class ForeignHook(AnthologyError):
    """A pre-commit hook anthology did not write is in the way."""


def install_hook(book_root: Path, force: bool = False, python: str | None = None) -> HookInstall:
    """Write the pre-commit hook where git looks for hooks (core.hooksPath respected).

    Our own hook is updated in place; someone else's is kept unless `force`, and then saved
    beside it with the suffix `.before-anthology`.
    """
    repo = open_repository(book_root)
    folder = repo.hooks_dir()
    path = folder / HOOK_NAME
    script = hook_script(repo.prefix, python or sys.executable)
    action, backup = "installed", None
    if path.exists() or path.is_symlink():
        try:
            current = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            current = ""
        if MARKER in current:
            action = "updated"
        elif not force:
            raise ForeignHook(f"{path} already exists and was not written by anthology, so it "
                              "was left alone. Add --force to replace it (it is kept as "
                              f"{HOOK_NAME}{BACKUP_SUFFIX}), or call `anthology check --staged`"
                              " from it yourself.")
        else:
            backup = folder / f"{HOOK_NAME}{BACKUP_SUFFIX}"
            path.replace(backup)
            action = "replaced"
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, script)
    path.chmod(0o755)
    return HookInstall(path, action, backup)


BOOK_WIDE = (BOOK_FILE, CONTRIBUTORS_FILE, CHAPTERS_FILE)


def chapters_for_paths(book: Book, paths: Iterable[str], cache_book: Book | None = None
                       ) -> set[str] | None:
    """The ids of the chapters whose files are among `paths` (None: a book-wide file changed,
    so every chapter is concerned). `cache_book` lends its parse cache."""
    changed = set(paths)
    if not changed:
        return set()
    if changed & {*BOOK_WIDE, *book.config.bibliography}:
        return None
    cache = cache_for(cache_book or book)
    ids = set()
    for chapter in book.active_chapters:
        if chapter.file is None:
            continue
        if chapter.file in changed or changed & set(chapter_paths(book, chapter, cache)):
            ids.add(chapter.id)
    return ids


def changed_chapters(book: Book, base: str | None = None) -> tuple[set[str] | None, str]:
    """The chapters changed against `base` (default: the main branch), counted from the merge
    base, with uncommitted and new files included; and a description of what was compared."""
    repo = open_repository(book.root)
    if not repo.has_commits():
        return None, "the empty repository"
    name = base or repo.main_branch()
    point = repo.merge_base(name, "HEAD")
    short = repo.run(["rev-parse", "--short", point])
    return chapters_for_paths(book, repo.changed_files(point)), f"{name} ({short})"


@contextlib.contextmanager
def staged_book(book_root: Path) -> Iterator[tuple[Book, set[str] | None, Book]]:
    """A temporary copy of the book as it is staged for the next commit, the ids of the
    chapters the commit touches (None: all), and the book in the working folder."""
    repo = open_repository(book_root)
    staged = repo.staged_files()
    working = load_book(book_root)
    with tempfile.TemporaryDirectory(prefix="anthology-staged-") as tmp:
        copy_root = repo.export_index(Path(tmp))
        book = load_book(copy_root)
        yield book, chapters_for_paths(book, staged, working), working
