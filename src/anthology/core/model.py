"""The book as plain frozen dataclasses: no files, no clock, no terminal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

FORMAT_VERSION = 1


class Status(StrEnum):
    """Where a chapter is in the editorial workflow."""

    PROPOSED = "proposed"
    INVITED = "invited"
    DECLINED = "declined"
    AGREED = "agreed"
    ABSTRACT = "abstract"
    DRAFT = "draft"
    REVIEW = "review"
    REVISIONS = "revisions"
    ACCEPTED = "accepted"
    COPYEDITED = "copyedited"
    PROOFS = "proofs"
    FINAL = "final"
    WITHDRAWN = "withdrawn"


# States in which a chapter is expected to have its text in the book folder.
TEXT_STATES = frozenset({Status.DRAFT, Status.REVIEW, Status.REVISIONS, Status.ACCEPTED,
                         Status.COPYEDITED, Status.PROOFS, Status.FINAL})

SCHEDULE_KEYS = ("invitations", "abstracts", "drafts", "reviews", "revisions", "copyedits",
                 "proofs", "final", "delivery")

WORD_PARTS = ("body", "notes", "captions", "abstract", "references", "code")


@dataclass(frozen=True)
class Event:
    """One change in a chapter's history."""

    date: dt.date
    state: Status
    by: str | None = None
    note: str | None = None
    commit: str | None = None
    round: int | None = None
    forced: bool = False


# Peer review: how blind a review is, and what a reviewer may recommend.
BLIND_MODES = ("double", "single", "open")
RECOMMENDATIONS = ("accept", "minor", "major", "reject")


@dataclass(frozen=True)
class Review:
    """One reviewer's review of a chapter in one review round (chapters.yaml `reviews:`)."""

    reviewer: str
    round: int
    assigned: dt.date
    blind: str = "double"
    due: dt.date | None = None
    recommendation: str | None = None
    recorded: dt.date | None = None
    report: str | None = None
    forced: bool = False

    @property
    def outstanding(self) -> bool:
        """True while the reviewer's recommendation has not been recorded."""
        return self.recommendation is None


@dataclass(frozen=True)
class Contributor:
    """A person: author, editor, or both."""

    id: str
    name: str
    sort_name: str | None = None
    emails: tuple[str, ...] = ()
    affiliation: str | None = None
    orcid: str | None = None
    bio: str | None = None
    roles: tuple[str, ...] = ()
    line: int = 0

    @property
    def sort_key(self) -> str:
        """Surname first, for Notes on Contributors."""
        if self.sort_name:
            return self.sort_name.casefold()
        parts = self.name.split()
        return (" ".join(parts[-1:] + parts[:-1])).casefold()

    @property
    def email(self) -> str | None:
        """The address for mail: the first one listed."""
        return self.emails[0] if self.emails else None


@dataclass(frozen=True)
class Chapter:
    """A planned chapter: the plan and the workflow, from chapters.yaml."""

    id: str
    title: str
    authors: tuple[str, ...] = ()
    file: str | None = None
    status: Status = Status.PROPOSED
    history: tuple[Event, ...] = ()
    part: str | None = None
    word_limit: int | None = None
    due: Mapping[str, dt.date] = field(default_factory=dict)
    line: int = 0
    # The planned abstract, for the proposal before the chapter's file exists.
    abstract: str | None = None
    doi: str | None = None
    # The line of its `file:` key in chapters.yaml (0: unknown).
    file_line: int = 0
    reviews: tuple[Review, ...] = ()


def plan_of(chapter: Chapter, *, workflow: bool = False) -> str:
    """What a chapter's checks (`workflow`: with its state, limit and deadlines) or its
    rendering depend on in chapters.yaml, as text for a cache key: not its history, nor the
    line it is on, so recording a step (`anthology mark`) makes nothing again."""
    plan: tuple[object, ...] = (chapter.id, chapter.title, chapter.authors, chapter.file,
                                chapter.part, chapter.abstract, chapter.doi)
    if workflow:
        plan += (str(chapter.status), chapter.word_limit, sorted(chapter.due.items()))
    return repr(plan)


@dataclass(frozen=True)
class PageSetup:
    """Trim size and margins (CSS lengths)."""

    width: str = "156mm"
    height: str = "234mm"
    top: str = "20mm"
    bottom: str = "22mm"
    inner: str = "20mm"
    outer: str = "16mm"


@dataclass(frozen=True)
class WordRules:
    """Word limits from the contract, and which parts of a chapter count."""

    chapter_limit: int | None = None
    chapter_minimum: int | None = None
    book_limit: int | None = None
    count: tuple[str, ...] = ("body", "notes")


@dataclass(frozen=True)
class BuildOptions:
    """House choices for the built book."""

    abstracts: bool = True
    keywords: bool = True
    notes: str = "footnotes"
    list_of_figures: bool = False
    list_of_tables: bool = False
    index: bool = False  # an index at the end of the book, from the chapters' index marks
    raw_html: bool = False
    cover: str | None = None
    css: str | None = None


@dataclass(frozen=True)
class BookConfig:
    """book.yaml: metadata and house rules."""

    title: str
    slug: str
    subtitle: str | None = None
    editors: tuple[str, ...] = ()
    publisher: str | None = None
    place: str | None = None
    year: int | None = None
    edition: str | None = None
    language: str = "en-GB"
    isbn_print: str | None = None
    isbn_epub: str | None = None
    doi: str | None = None
    licence: str | None = None
    subject: str | None = None
    keywords: tuple[str, ...] = ()
    description: str | None = None
    csl: str = "chicago-author-date"
    bibliography: tuple[str, ...] = ()
    page: PageSetup = field(default_factory=PageSetup)
    words: WordRules = field(default_factory=WordRules)
    schedule: Mapping[str, dt.date] = field(default_factory=dict)
    build: BuildOptions = field(default_factory=BuildOptions)
    quotes: str | None = None  # typography.quotes: single, double, or None (by language)


@dataclass(frozen=True)
class Book:
    """Everything loaded and validated: the input to every command."""

    root: Path
    config: BookConfig
    contributors: tuple[Contributor, ...]
    chapters: tuple[Chapter, ...]

    def contributor(self, contributor_id: str) -> Contributor:
        """The contributor with this id (KeyError if none)."""
        for person in self.contributors:
            if person.id == contributor_id:
                return person
        raise KeyError(contributor_id)

    def chapter(self, chapter_id: str) -> Chapter:
        """The chapter with this id (KeyError if none)."""
        for chapter in self.chapters:
            if chapter.id == chapter_id:
                return chapter
        raise KeyError(chapter_id)

    def number(self, chapter_id: str) -> int:
        """The chapter's number in book order (1-based), counting chapters still in the plan."""
        ids = [c.id for c in self.active_chapters]
        return ids.index(chapter_id) + 1

    @property
    def active_chapters(self) -> tuple[Chapter, ...]:
        """Chapters still planned for the book (not declined or withdrawn)."""
        return tuple(c for c in self.chapters
                     if c.status not in (Status.DECLINED, Status.WITHDRAWN))

    @property
    def editors(self) -> tuple[Contributor, ...]:
        """The volume's editors, in the order book.yaml gives."""
        return tuple(self.contributor(i) for i in self.config.editors)

    def authors_of(self, chapter: Chapter) -> tuple[Contributor, ...]:
        """A chapter's authors as registry entries, in order."""
        return tuple(self.contributor(i) for i in chapter.authors)
