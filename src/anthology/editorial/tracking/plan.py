"""The plan of the book: add, edit, move and remove chapters, and mark their progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from anthology.core.config import did_you_mean, parse_status
from anthology.core.errors import AnthologyError, UsageError
from anthology.core.files import is_inside
from anthology.core.model import SCHEDULE_KEYS, TEXT_STATES, Book, Chapter, Event, Status
from anthology.editorial.tracking import workflow
from anthology.editorial.tracking.people import check_id, find_by_id, find_contributor
from anthology.editorial.tracking.store import editing, event_record

REMOVABLE = frozenset({Status.PROPOSED, Status.DECLINED, Status.WITHDRAWN})


def find_chapter(book: Book, ident: str) -> Chapter:
    """The chapter with this id, or a UsageError that suggests the closest one."""
    return find_by_id(book.chapter, ident, "chapter", (c.id for c in book.chapters),
                      "Run `anthology chapter list` to see the chapters.")


def parse_state(text: str) -> Status:
    """The workflow state named by `text`, or a UsageError listing the states."""
    status = parse_status(text)
    if status is None:
        states = [s.value for s in Status]
        hint = did_you_mean(text.strip().lower(), states)
        raise UsageError(f"'{text}' is not a workflow state. {hint + ' ' if hint else ''}"
                         f"The states are: {', '.join(states)}.")
    return status


def parse_date(text: str) -> dt.date:
    """A date written YYYY-MM-DD, or a UsageError showing the expected form."""
    try:
        if len(text.strip()) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"'{text}' is not a date. Write it as YYYY-MM-DD, for example "
                         "2026-05-01.") from None


def parse_due(items: Sequence[str]) -> dict[str, dt.date | None]:
    """`--due drafts=2026-12-15` options as a mapping; an empty date removes the override."""
    out: dict[str, dt.date | None] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep:
            raise UsageError(f"'{item}' should be a deadline and a date, for example "
                             "drafts=2026-12-15 (or drafts= to remove it).")
        if key not in SCHEDULE_KEYS:
            hint = did_you_mean(key, SCHEDULE_KEYS)
            raise UsageError(f"'{key}' is not a deadline. {hint + ' ' if hint else ''}"
                             f"The deadlines are: {', '.join(SCHEDULE_KEYS)}.")
        out[key] = parse_date(value) if value.strip() else None
    return out


def _check_authors(book: Book, authors: Sequence[str]) -> list[str]:
    if not authors:
        raise UsageError("A chapter needs at least one author: add --author CONTRIBUTOR_ID.")
    for author in authors:
        find_contributor(book, author)
    return list(authors)


def _check_file(book: Book, file: str, ident: str) -> str:
    file = file.strip()
    if not file or file.startswith(("/", "\\")) or ".." in Path(file).parts or \
            not is_inside(book.root, book.root / file):
        raise UsageError(f"The file {file} is not inside the book folder. Give a path relative "
                         f"to the book, such as chapters/{ident}.md.")
    for chapter in book.chapters:
        if chapter.file == file and chapter.id != ident:
            raise UsageError(f"The file {file} is already the file of chapter '{chapter.id}'. "
                             "Give another with --file.")
    return file


def default_file(position: int, ident: str) -> str:
    """`chapters/<nn>-<id>.md`, nn being the chapter's place in the plan."""
    return f"chapters/{position:02d}-{ident}.md"


def add_chapter(root: Path, ident: str, title: str, authors: Sequence[str], *,
                file: str | None = None, part: str | None = None, word_limit: int | None = None,
                date: dt.date, by: str | None = None, note: str | None = None) -> Chapter:
    """Add a chapter at the end of the plan, in state `proposed`."""
    check_id(ident)
    if not title.strip():
        raise UsageError("A chapter needs a title: add --title \"...\".")
    with editing(root) as edit:
        book = edit.book
        if ident in {c.id for c in book.chapters}:
            raise UsageError(f"There is already a chapter with the id '{ident}' "
                             f"({book.chapter(ident).title}). Choose another id.")
        record: dict[str, Any] = {"id": ident, "title": title.strip(),
                                  "authors": _check_authors(book, authors)}
        record["file"] = _check_file(book, file or default_file(len(book.chapters) + 1, ident),
                                     ident)
        if part:
            record["part"] = part.strip()
        record["status"] = Status.PROPOSED.value
        if word_limit is not None:
            record["word_limit"] = word_limit
        record["history"] = [event_record(Event(date, Status.PROPOSED, by or None,
                                                note or None))]
        edit.chapters.insert(len(edit.chapters), record)
    assert edit.result is not None
    return edit.result.chapter(ident)


def edit_chapter(root: Path, ident: str, *, title: str | None = None,
                 authors: Sequence[str] = (), file: str | None = None, part: str | None = None,
                 word_limit: int | None = None,
                 due: Mapping[str, dt.date | None] | None = None) -> Chapter:
    """Change a chapter's plan (not its state: that is `mark`). Empty text removes `part`."""
    with editing(root) as edit:
        book = edit.book
        find_chapter(book, ident)
        if title is None and not authors and file is None and part is None and \
                word_limit is None and not due:
            raise UsageError("Nothing to change: give at least one option, such as --title.")
        record = edit.chapters.get(ident)
        if title is not None:
            if not title.strip():
                raise UsageError("A chapter needs a title: --title cannot be empty.")
            record["title"] = title.strip()
        if authors:
            record["authors"] = _check_authors(book, authors)
        if file is not None:
            record["file"] = _check_file(book, file, ident)
        if part is not None:
            if part.strip():
                record["part"] = part.strip()
            else:
                record.pop("part", None)
        if word_limit is not None:
            if word_limit > 0:
                record["word_limit"] = word_limit
            else:
                record.pop("word_limit", None)
        if due:
            dates = dict(record.get("due") or {})
            for key, value in due.items():
                if value is None:
                    dates.pop(key, None)
                else:
                    dates[key] = value
            if dates:
                record["due"] = {k: dates[k] for k in SCHEDULE_KEYS if k in dates}
            else:
                record.pop("due", None)
        edit.chapters.put(ident, record)
    assert edit.result is not None
    return edit.result.chapter(ident)


def move_chapter(root: Path, ident: str, *, before: str | None = None,
                 after: str | None = None, to: int | None = None) -> Book:
    """Change the order of the book: put a chapter before or after another, or at a place."""
    if sum(x is not None for x in (before, after, to)) != 1:
        raise UsageError("Say where to move the chapter: give one of --before CHAPTER, "
                         "--after CHAPTER or --to NUMBER.")
    with editing(root) as edit:
        find_chapter(edit.book, ident)
        ids = [i for i in edit.chapters.ids() if i != ident]
        if to is not None:
            if not 1 <= to <= len(ids) + 1:
                raise UsageError(f"--to should be a place between 1 and {len(ids) + 1}, "
                                 f"not {to}.")
            position = to - 1
        else:
            other = before if before is not None else after
            assert other is not None
            if other == ident:
                raise UsageError(f"Chapter '{ident}' cannot be moved next to itself.")
            find_chapter(edit.book, other)
            position = ids.index(other) + (1 if after is not None else 0)
        edit.chapters.move(ident, position)
    assert edit.result is not None
    return edit.result


def remove_chapter(root: Path, ident: str, force: bool = False) -> Chapter:
    """Remove a chapter from the plan; one with work done needs `force` (its file is kept)."""
    with editing(root) as edit:
        chapter = find_chapter(edit.book, ident)
        if chapter.status not in REMOVABLE and not force:
            raise AnthologyError(f"Chapter '{ident}' is '{chapter.status.value}': removing it "
                                 "would lose its history. Mark it withdrawn instead (`anthology "
                                 f"mark {ident} withdrawn`), or add --force to remove it anyway.")
        edit.chapters.remove(ident)
    return chapter


def mark_chapter(root: Path, ident: str, state: str, *, date: dt.date, by: str | None = None,
                 note: str | None = None, force: bool = False,
                 commit: str | None = None) -> Chapter:
    """Record that a chapter moved to `state`: a new event in its history."""
    target = parse_state(state)
    with editing(root) as edit:
        chapter = find_chapter(edit.book, ident)
        changed = workflow.mark(chapter, target, date, by, note, force, commit)
        # A draft may arrive by e-mail before its file is in the book (`check` then reports
        # the file missing); later states are about the text in the book.
        if target in TEXT_STATES - {Status.DRAFT} and chapter.file and \
                not (root / chapter.file).exists():
            raise AnthologyError(f"Chapter '{ident}' has no file {chapter.file} yet, and from "
                                 f"'{target.value}' on the book keeps its text there. Save the "
                                 f"chapter as {chapter.file}, then mark it again.")
        record = edit.chapters.get(ident)
        record["status"] = changed.status.value
        record["history"] = [*(record.get("history") or []),
                             event_record(changed.history[-1])]
        edit.chapters.put(ident, record)
    assert edit.result is not None
    return edit.result.chapter(ident)
