"""What changed in a chapter's text since a point in its history: a state, a review round, or a
git revision, compared with the chapter file in the book folder now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jinja2

from anthology.core.errors import UsageError
from anthology.core.model import Book, Chapter, Event, Status
from anthology.core.resources import TEMPLATES_DIR
from anthology.core.terminal import safe_for_terminal
from anthology.editorial.submissions.git import Repository, open_repository
from anthology.editorial.submissions.history import cache_for, read_history
from anthology.editorial.submissions.worddiff import (
    WordDiff,
    chapter_paragraphs,
    decode_chapter,
    diff_words,
    plural,
    to_words,
)

TEMPLATES = TEMPLATES_DIR / "submissions"


@dataclass(frozen=True)
class Base:
    """The older version a diff starts from."""

    label: str                 # in words: "since 'review' (round 2) on 2026-11-09"
    commit: str | None         # the commit holding that version (None: before the chapter existed)
    short: str | None
    path: str | None           # the chapter file's name at that commit


@dataclass(frozen=True)
class ChapterDiff:
    """A chapter's text compared with an older version of it."""

    chapter: Chapter
    file: str
    base: Base
    diff: WordDiff

    @property
    def description(self) -> str:
        """`Changes to FILE since ... (commit abc1234) to the working copy.`"""
        where = f" (commit {self.base.short})" if self.base.short else ""
        before = "" if self.base.commit else " The chapter had no commit then, so all of its " \
                                              "text counts as added."
        return f"Changes to {self.file} {self.base.label}{where}, to the file as it is now." \
               f"{before}"

    @property
    def counts(self) -> str:
        """`5 words added, 3 removed (11 words before, 13 now).`"""
        d = self.diff
        return f"{plural(d.added, 'word')} added, {d.removed:,} removed " \
               f"({plural(d.old_words, 'word')} before, {d.new_words:,} now)."


def _event_by_state(chapter: Chapter, state: Status) -> Event:
    for event in reversed(chapter.history):
        if event.state is state:
            return event
    states = sorted({e.state.value for e in chapter.history})
    known = f" Its history has: {', '.join(states)}." if states else " It has no history yet."
    raise UsageError(f"Chapter '{chapter.id}' has never been '{state.value}'.{known}")


def _event_by_round(chapter: Chapter, number: int) -> Event:
    reviews = [e for e in chapter.history if e.state is Status.REVIEW]
    for index, event in enumerate(reviews, start=1):
        if (event.round or index) == number:
            return event
    if not reviews:
        raise UsageError(f"Chapter '{chapter.id}' has not been sent to review yet, so there is "
                         f"no round {number}.")
    rounds = [str(e.round or i) for i, e in enumerate(reviews, start=1)]
    return_words = rounds[0] if len(rounds) == 1 else ", ".join(rounds[:-1]) + " and " + \
        rounds[-1]
    raise UsageError(f"Chapter '{chapter.id}' has no review round {number}; its rounds are "
                     f"{return_words}.")


def _names(book: Book, repo: Repository, chapter: Chapter) -> list[str]:
    """Every name the chapter file has had, newest first."""
    assert chapter.file is not None
    names = [chapter.file]
    history = read_history(book, words=False, chapters=[chapter], allow_shallow=True, repo=repo)
    for item in history.by_chapter.get(chapter.id, ()):
        for name in (item.path, item.old_path):
            if name and name not in names:
                names.append(name)
    return names


def _at_commit(book: Book, repo: Repository, chapter: Chapter, commit: str, label: str) -> Base:
    names = _names(book, repo, chapter)
    blobs = repo.read_blobs([(commit, name) for name in names])
    short = repo.run(["rev-parse", "--short", commit])
    for name in names:
        if blobs.get((commit, name)) is not None:
            return Base(label, commit, short, name)
    return Base(label, None, short, None)


def _at_date(book: Book, repo: Repository, chapter: Chapter, date: dt.date, label: str) -> Base:
    """The chapter's last commit on or before `date` (the version the event was about)."""
    history = read_history(book, words=False, chapters=[chapter], allow_shallow=True, repo=repo)
    for item in history.by_chapter.get(chapter.id, ()):
        if item.text_changed and item.date.date() <= date:
            if item.path is None:  # the file was deleted then
                return Base(label, None, None, None)
            return Base(label, item.commit, item.short, item.path)
    return Base(label, None, None, None)


def _from_event(book: Book, repo: Repository, chapter: Chapter, event: Event,
                label: str) -> Base:
    if event.commit:
        commit = repo.resolve(event.commit, f"recorded in the history of '{chapter.id}'")
        return _at_commit(book, repo, chapter, commit, label)
    return _at_date(book, repo, chapter, event.date, label)


def _event_label(event: Event) -> str:
    round_text = f" (round {event.round})" if event.round else ""
    return f"since '{event.state.value}'{round_text} on {event.date.isoformat()}"


def find_base(book: Book, repo: Repository, chapter: Chapter, *, since: Status | None = None,
              round_number: int | None = None, rev: str | None = None) -> Base:
    """The older version to compare with; by default the last review, else the draft, else the
    version before the chapter's latest commit."""
    if sum(x is not None for x in (since, round_number, rev)) > 1:
        raise UsageError("Give only one of --since, --round and --rev.")
    if rev is not None:
        commit = repo.resolve(rev)
        return _at_commit(book, repo, chapter, commit, f"since {rev}")
    if round_number is not None:
        event = _event_by_round(chapter, round_number)
        return _from_event(book, repo, chapter, event, _event_label(event))
    if since is not None:
        event = _event_by_state(chapter, since)
        return _from_event(book, repo, chapter, event, _event_label(event))
    for state in (Status.REVIEW, Status.DRAFT):
        if any(e.state is state for e in chapter.history):
            event = _event_by_state(chapter, state)
            return _from_event(book, repo, chapter, event, _event_label(event))
    history = read_history(book, words=False, chapters=[chapter], allow_shallow=True, repo=repo)
    commits = [i for i in history.by_chapter.get(chapter.id, ()) if i.text_changed]
    if not commits:
        raise UsageError(f"Chapter '{chapter.id}' has no commits yet, so there is nothing to "
                         "compare with. Commit the chapter first, or give --rev REF.")
    latest = commits[0]
    label = f"since the version before its latest commit ({latest.short}, " \
            f"{latest.date.date().isoformat()})"
    if latest.parent is None or latest.old_path is None:
        return Base(label, None, None, None)
    short = repo.run(["rev-parse", "--short", latest.parent])
    return Base(label, latest.parent, short, latest.old_path)


def diff_chapter(book: Book, chapter: Chapter, *, since: Status | None = None,
                 round_number: int | None = None, rev: str | None = None) -> ChapterDiff:
    """Compare the chapter file as it is now with an older version of its text."""
    if chapter.file is None:
        raise UsageError(f"Chapter '{chapter.id}' has no file in chapters.yaml, so there is no "
                         "text to compare.")
    path = book.root / chapter.file
    if not path.is_file():
        raise UsageError(f"Chapter '{chapter.id}' has no file {chapter.file} in the book folder "
                         "yet, so there is no text to compare.")
    repo = open_repository(book.root)
    base = find_base(book, repo, chapter, since=since, round_number=round_number, rev=rev)
    cache = cache_for(book)
    old: list[str] = []
    if base.commit is not None and base.path is not None:
        data = repo.show(base.commit, base.path) or b""
        what = f"{base.path} at {base.short}"
        old = to_words(chapter_paragraphs(decode_chapter(data, what), what, cache))
    new_text = decode_chapter(path.read_bytes(), chapter.file)
    new = to_words(chapter_paragraphs(new_text, chapter.file, cache))
    return ChapterDiff(chapter, chapter.file, base, diff_words(old, new))


def render_text(result: ChapterDiff, colour: bool = False) -> str:
    """The diff for a terminal: changed paragraphs only, `[-removed-]` and `{+added+}`."""
    import click

    def mark(kind: str, text: str) -> str:
        # Made safe before colour is added: the CLI prints this as it is.
        text = safe_for_terminal(text)
        if kind == "del":
            marked = f"[-{text}-]"
            return click.style(marked, fg="red") if colour else marked
        if kind == "add":
            marked = f"{{+{text}+}}"
            return click.style(marked, fg="green") if colour else marked
        return text

    lines = [safe_for_terminal(t) for t in (f"{result.chapter.id}: {result.chapter.title}",
                                            result.description, result.counts)]
    if not result.diff.changed:
        lines += ["", "No changes to the text."]
        return "\n".join(lines)
    previous = -2
    for index, paragraph in enumerate(result.diff.paragraphs):
        if all(segment.kind == "same" for segment in paragraph):
            continue
        lines.append("")
        if previous >= 0 and index != previous + 1:
            lines += ["…", ""]
        lines.append(" ".join(mark(s.kind, s.text) for s in paragraph))
        previous = index
    return "\n".join(lines)


def render_html(result: ChapterDiff, book: Book, created: dt.date) -> str:
    """A self-contained page (inline CSS, no scripts, nothing fetched) to send to a reviewer."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    authors = [book.contributor(a).name for a in result.chapter.authors
               if a in {p.id for p in book.contributors}]
    return env.get_template("diff.html.j2").render(
        book=book.config, result=result, authors=authors, created=created.isoformat(),
        language=book.config.language)
