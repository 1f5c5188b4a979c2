"""Who sent what, and when: the commits that touched each chapter, attributed to people.

A chapter's files are its Markdown file, its own bibliographies and the images it shows; renames
are followed back through history. Each commit is attributed by its author's e-mail to a person
in contributors.yaml (any of their addresses counts), and classed as from one of the chapter's
authors, from an editor, or from someone else (flagged for the editor to look at).

The book's templates, styles and configuration are its code: a template decides what the build
renders, book.yaml and the registries decide who is an editor and who wrote what. A commit to
them by someone who is not an editor is flagged too, wherever it appears, and listed apart.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from enum import StrEnum

from anthology.core.cache import Cache
from anthology.core.errors import AnthologyError
from anthology.core.files import resolve_inside
from anthology.core.model import Book, Chapter
from anthology.editorial.submissions.git import Commit, Repository, open_repository
from anthology.editorial.submissions.worddiff import (
    UnreadableText,
    chapter_paragraphs,
    count_changes,
    decode_chapter,
    to_words,
)

# The editors' files: a commit to them by anyone else is flagged.
BOOK_CODE_FOLDERS = ("templates/", "styles/")
BOOK_CODE_FILES = ("book.yaml", "contributors.yaml", "chapters.yaml")


def is_book_code(path: str) -> bool:
    """True for the book's templates, styles, book.yaml and registries (editors' files)."""
    return path in BOOK_CODE_FILES or path.startswith(BOOK_CODE_FOLDERS)


class Role(StrEnum):
    """What the author of a commit is to the chapter it touched."""

    AUTHOR = "author"
    EDITOR = "editor"
    OTHER = "other"


@dataclass(frozen=True)
class Submission:
    """One commit that touched a chapter's files."""

    chapter: str
    commit: str
    short: str
    date: dt.datetime
    author_name: str
    author_email: str
    contributor: str | None
    role: Role
    message: str
    files: tuple[str, ...]
    path: str | None = None       # the chapter file at this commit, if the commit changed it
    old_path: str | None = None   # the chapter file before this commit, if it existed
    parent: str | None = None
    added: int | None = None      # words of text added and removed (None: not counted)
    removed: int | None = None
    book_code: tuple[str, ...] = ()  # editors' files it changed, though not by an editor

    @property
    def flagged(self) -> bool:
        """True when the commit came from someone who is neither an author nor an editor, or
        changed the book's templates, styles or configuration without being an editor."""
        return self.role is Role.OTHER or bool(self.book_code)

    @property
    def text_changed(self) -> bool:
        """True when the commit changed the chapter file itself."""
        return self.path is not None or self.old_path is not None

    def to_dict(self) -> dict[str, object]:
        """The stable JSON form."""
        return {
            "chapter": self.chapter or None, "commit": self.commit, "short": self.short,
            "date": self.date.isoformat(), "author": self.author_name,
            "email": self.author_email, "contributor": self.contributor,
            "role": self.role.value, "flagged": self.flagged, "message": self.message,
            "files": list(self.files), "words_added": self.added,
            "words_removed": self.removed, "book_code": list(self.book_code),
        }


def email_index(book: Book) -> dict[str, str]:
    """Every registered e-mail address (case-folded) -> contributor id."""
    index: dict[str, str] = {}
    for person in book.contributors:
        for email in person.emails:
            index.setdefault(email.strip().casefold(), person.id)
    return index


def attribute(book: Book, chapter: Chapter, email: str,
              emails: Mapping[str, str] | None = None) -> tuple[str | None, Role]:
    """The contributor an e-mail address belongs to, and their role for `chapter`."""
    index = email_index(book) if emails is None else emails
    person = index.get(email.strip().casefold())
    if person is not None and person in chapter.authors:
        return person, Role.AUTHOR
    if person is not None and person in book.config.editors:
        return person, Role.EDITOR
    return person, Role.OTHER


def cache_for(book: Book) -> Cache:
    """The book's cache of pandoc parses."""
    return Cache(book.root / "build" / ".cache")


def chapter_paths(book: Book, chapter: Chapter, cache: Cache | None = None,
                  images: bool = True) -> tuple[str, ...]:
    """The book paths that belong to a chapter now: its file, own bibliographies and (unless
    `images` is false, which saves reading the chapter with pandoc) the images it shows."""
    if chapter.file is None:
        return ()
    paths = [chapter.file]
    path = book.root / chapter.file
    if not path.is_file() or path.is_symlink():
        return tuple(paths)
    from anthology.chapters.manuscript import read_manuscript

    manuscript = read_manuscript(book.root, chapter.file, chapter.id)
    if not manuscript.readable:
        return tuple(paths)
    folder = path.parent
    found = [resolve_inside(book.root, folder, name)
             for name in manuscript.text_list("bibliography")]
    if images and manuscript.body.strip():
        from anthology.chapters.document import each
        from anthology.chapters.prepare import parse_markdown

        try:
            ast = parse_markdown(manuscript.body, chapter.file, cache or cache_for(book))
        except AnthologyError:
            ast = {}
        for image in each(ast.get("blocks") or [], "Image"):
            target = image["c"][2][0] if isinstance(image.get("c"), list) else ""
            if isinstance(target, str):
                found.append(resolve_inside(book.root, folder, target))
    root = book.root.resolve()
    for item in found:
        if item is not None:
            name = item.relative_to(root).as_posix()
            if name not in paths:
                paths.append(name)
    return tuple(paths)


def _chapter_submissions(book: Book, chapter: Chapter, commits: Sequence[Commit],
                         paths: Sequence[str], emails: Mapping[str, str],
                         boundary: frozenset[str] = frozenset()) -> list[Submission]:
    """Walk the history newest first, following renames of the chapter's files."""
    if not paths:
        return []
    text_names = {paths[0]}
    names = set(paths)
    found: list[Submission] = []
    for commit in commits:
        if commit.is_merge:
            continue
        touched: list[str] = []
        path = old_path = None
        for change in commit.changes:
            if change.path not in names:
                continue
            touched.append(change.path)
            if change.old is not None:
                names.add(change.old)
            if change.path in text_names:
                if change.old is not None:
                    text_names.add(change.old)
                path = change.path if change.status != "D" else None
                old_path = None if change.status == "A" else (change.old or change.path)
        if not touched:
            continue
        person, role = attribute(book, chapter, commit.author_email, emails)
        found.append(Submission(
            chapter.id, commit.hash, commit.short, commit.date, commit.author_name,
            commit.author_email, person, role, commit.message, tuple(touched), path,
            old_path, commit.parents[0] if commit.parents else None,
            book_code=() if commit.hash in boundary else
            _book_code_by_outsider(book, commit, person)))
    return found


def _book_code_by_outsider(book: Book, commit: Commit, person: str | None) -> tuple[str, ...]:
    """The editors' files `commit` changed, when its author is not an editor."""
    if person is not None and person in book.config.editors:
        return ()
    return tuple(dict.fromkeys(
        name for change in commit.changes for name in (change.path, change.old)
        if name is not None and is_book_code(name)))


def _book_code_submissions(book: Book, commits: Sequence[Commit], emails: Mapping[str, str],
                           boundary: frozenset[str] = frozenset()) -> list[Submission]:
    """Commits by someone who is not an editor to the book's templates, styles or
    configuration, newest first (chapter ''; role 'other': they are not the editors')."""
    found = []
    for commit in commits:
        if commit.is_merge or commit.hash in boundary:
            continue
        person = emails.get(commit.author_email.strip().casefold())
        changed = _book_code_by_outsider(book, commit, person)
        if changed:
            found.append(Submission(
                "", commit.hash, commit.short, commit.date, commit.author_name,
                commit.author_email, person, Role.OTHER, commit.message, changed,
                book_code=changed))
    return found


def _count_words(book: Book, repo: Repository, items: list[Submission]) -> list[Submission]:
    """Fill in words added and removed for the submissions that changed chapter text."""
    specs: list[tuple[str, str]] = []
    for item in items:
        if item.path is not None:
            specs.append((item.commit, item.path))
        if item.old_path is not None and item.parent is not None:
            specs.append((item.parent, item.old_path))
    blobs = repo.read_blobs(specs)
    cache = cache_for(book)
    unique = {data for data in blobs.values() if data is not None}

    def words_of(data: bytes) -> list[str] | None:
        try:
            text = decode_chapter(data, "a chapter")
            return to_words(chapter_paragraphs(text, "a chapter in git", cache))
        except (UnreadableText, AnthologyError):
            return None

    workers = min(8, os.cpu_count() or 1, max(1, len(unique)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parsed = dict(zip(unique, pool.map(words_of, unique), strict=True))

    def words_at(rev: str | None, path: str | None) -> list[str] | None:
        if rev is None or path is None:
            return []
        data = blobs.get((rev, path))
        return [] if data is None else parsed.get(data)

    out = []
    for item in items:
        if not item.text_changed:
            out.append(replace(item, added=0, removed=0))
            continue
        new = words_at(item.commit, item.path)
        old = words_at(item.parent, item.old_path)
        if new is None or old is None:
            out.append(item)
            continue
        added, removed = count_changes(old, new)
        out.append(replace(item, added=added, removed=removed))
    return out


@dataclass(frozen=True)
class History:
    """The submissions to every chapter, newest first per chapter."""

    by_chapter: Mapping[str, tuple[Submission, ...]]
    book_code: tuple[Submission, ...] = ()

    def all(self) -> list[Submission]:
        """Every submission, chapter by chapter in book order, then the changes to the book's
        templates, styles and configuration by someone who is not an editor."""
        return [item for items in self.by_chapter.values() for item in items] + \
            list(self.book_code)


def read_history(book: Book, *, since: dt.date | None = None, words: bool = True,
                 chapters: Iterable[Chapter] | None = None, images: bool = True,
                 allow_shallow: bool = False, repo: Repository | None = None) -> History:
    """The commits that touched each chapter's files (from `since` on), attributed to people.

    Raises NotARepository outside git, and ShallowHistory in a shallow clone (unless
    `allow_shallow`: the answer is then limited to the commits the clone has).
    """
    repo = repo or open_repository(book.root)
    if not allow_shallow:
        repo.require_full_history()
    commits = repo.log()
    # In a shallow clone the oldest commit there seems to add every file of the book: it says
    # nothing about who changed the editors' files.
    boundary = frozenset(c.hash for c in commits if not c.parents) \
        if allow_shallow and repo.is_shallow() else frozenset()
    emails = email_index(book)
    cache = cache_for(book)
    by_chapter: dict[str, tuple[Submission, ...]] = {}
    for chapter in chapters if chapters is not None else book.chapters:
        paths = chapter_paths(book, chapter, cache, images)
        items = _chapter_submissions(book, chapter, commits, paths, emails, boundary)
        if since is not None:
            items = [i for i in items if i.date.date() >= since]
        if words:
            items = _count_words(book, repo, items)
        by_chapter[chapter.id] = tuple(items)
    outsiders = _book_code_submissions(book, commits, emails, boundary)
    if since is not None:
        outsiders = [i for i in outsiders if i.date.date() >= since]
    return History(by_chapter, tuple(outsiders))


def last_submissions(book: Book) -> dict[str, Submission]:
    """The latest commit to each chapter by one of its authors, by chapter id.

    An editor's copyedits are not submissions (unless the editor is an author of that
    chapter), nor is a commit by someone who is neither (`submissions` flags those). Chapters
    without such a commit are left out. Outside git, or without any
    commit, the answer is empty, so `status` works in any book folder. Fast: one `git log`, and
    no pandoc (images are left out; the chapter file and its own bibliographies count).
    """
    from anthology.editorial.submissions.git import GitError

    try:
        history = read_history(book, words=False, images=False, allow_shallow=True)
    except GitError:
        return {}
    latest: dict[str, Submission] = {}
    for chapter_id, items in history.by_chapter.items():
        for item in items:
            # Only the chapter's authors submit it; a commit that also changed the editors'
            # files is flagged for the editors to look at, not taken for a submission.
            if item.role is Role.AUTHOR and not item.book_code:
                latest[chapter_id] = item
                break
    return latest

