"""Submissions without git: a chapter that arrived by e-mail, committed as its contributor's.

`submit_chapter` puts the file where chapters.yaml says (a Word file through the import), commits
it with the contributor as git author (the committer stays the editor), so `submissions`,
`sync` and `diff` see it as any other commit, and records the move in the workflow with the
commit in the event. Everything that could refuse is checked before anything is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from anthology.chapters.manuscript import MAX_CHAPTER_BYTES, split_front_matter
from anthology.core.errors import AnthologyError, UsageError
from anthology.core.model import Book, Chapter, Contributor, Event, Status
from anthology.editorial.submissions.git import NotARepository, Repository, open_repository
from anthology.editorial.word.wordimport import ImportReport

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
# What a submission moves on: the text a chapter waits for (the draft, or the revised text).
NEXT_STATE: dict[Status, Status] = {
    Status.PROPOSED: Status.DRAFT, Status.INVITED: Status.DRAFT, Status.DECLINED: Status.DRAFT,
    Status.AGREED: Status.DRAFT, Status.ABSTRACT: Status.DRAFT, Status.REVISIONS: Status.REVIEW,
}
CLOSED = frozenset({Status.FINAL, Status.WITHDRAWN})


class SubmissionRefused(AnthologyError):
    """The submission cannot be recorded as asked; nothing was changed."""


@dataclass(frozen=True)
class SubmitResult:
    """What a submission did: the commit, the event recorded (if any) and the import."""

    chapter: Chapter
    commit: str
    short: str
    author: Contributor
    files: tuple[str, ...]
    event: Event | None
    imported: ImportReport | None = None


def _contributor(book: Book, chapter: Chapter, wanted: str | None,
                 force: bool) -> Contributor:
    """The contributor the submission is from: by id, name or e-mail; the first author when
    not given. Someone who is not an author of the chapter only with `force`."""
    if wanted is None:
        if not chapter.authors:
            raise UsageError(f"Chapter '{chapter.id}' has no authors in chapters.yaml. Say who "
                             "sent it with --from CONTRIBUTOR.")
        wanted = chapter.authors[0]
    needle = wanted.strip().casefold()
    found = next((p for p in book.contributors
                  if needle in (p.id.casefold(), p.name.casefold())
                  or needle in (e.casefold() for e in p.emails)), None)
    if found is None:
        from anthology.core.config import suggest

        close = suggest(wanted, [p.id for p in book.contributors])
        hint = f" Did you mean '{close}'?" if close else ""
        raise UsageError(f"There is no contributor '{wanted}' in contributors.yaml.{hint} "
                         "Give their id (see `anthology contributor list`), or add them "
                         "first with `anthology contributor add`.")
    person = found
    if person.id not in chapter.authors and not force:
        names = ", ".join(book.contributor(a).name for a in chapter.authors) or "none"
        raise SubmissionRefused(
            f"{person.name} is not an author of chapter '{chapter.id}' (its authors: {names}). "
            "Give --from with one of its authors, or add --force to record a submission from "
            "someone else. Nothing was changed.")
    if not person.emails:
        raise SubmissionRefused(
            f"{person.name} has no e-mail address in contributors.yaml, and git needs one for "
            f"the author of the commit. Add it: anthology contributor edit {person.id} "
            "--email ADDRESS. Nothing was changed.")
    return person


def _kind(source: Path) -> str:
    suffix = source.suffix.lower()
    if suffix == ".docx":
        return "docx"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    old = " It is an old Word file: open it in Word and save it as .docx." \
        if suffix in (".doc", ".rtf", ".odt") else ""
    raise SubmissionRefused(f"{source.name} is neither Markdown (.md) nor a Word document "
                            f"(.docx), so anthology cannot take it as a chapter.{old} Nothing "
                            "was changed.")


def _markdown_text(book: Book, chapter: Chapter, source: Path) -> str:
    """The Markdown as sent, checked as a chapter is; front matter from the plan if it has
    none."""
    data = source.read_bytes()
    if len(data) > MAX_CHAPTER_BYTES:
        raise SubmissionRefused(f"{source.name} is {len(data) / 1e6:.1f} MB, more than a chapter "
                                f"can be ({MAX_CHAPTER_BYTES / 1e6:.0f} MB). Nothing was changed.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SubmissionRefused(f"{source.name}:{line}: is not UTF-8 text. Save it as UTF-8 "
                                "(in most editors: Save As, Encoding: UTF-8), then submit "
                                "again. Nothing was changed.") from None
    front, _, _ = split_front_matter(text)
    if front is None:
        from anthology.core.yamlio import dump_yaml

        meta = {"title": chapter.title, "authors": list(chapter.authors)}
        text = f"---\n{dump_yaml(meta)}---\n\n{text.lstrip()}"
    return text.replace("\r\n", "\n")


def _paths_of(chapter: Chapter, kind: str) -> list[str]:
    assert chapter.file is not None
    paths = [chapter.file]
    if kind == "docx":
        stem = Path(chapter.file)
        paths += [stem.with_suffix(".json").as_posix(),
                  (stem.parent / "images" / chapter.id).as_posix()]
    return paths


def _require_clean(repo: Repository, paths: list[str]) -> None:
    status = repo.run(["status", "--porcelain", "--untracked-files=all", "--",
                       *paths], what="looking for changes")
    # Porcelain paths are the repository's: say them as paths in the book.
    changed = sorted({repo.to_book(line[3:]) or line[3:] for line in status.splitlines()
                      if line.strip()})
    if changed:
        listed = ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "")
        raise SubmissionRefused(
            f"{listed} {'has' if len(changed) == 1 else 'have'} changes not yet committed; the "
            "submission would mix them with the contributor's text. Commit them (git commit) "
            "or put them aside (git stash), then submit again. Nothing was changed.")


def _target(chapter: Chapter, force: bool) -> tuple[Status | None, bool]:
    """The state the submission moves the chapter to (None: it stays), and whether that move
    is an exception the workflow does not allow."""
    from anthology.editorial.tracking.workflow import allowed_next

    if chapter.status in CLOSED and not force:
        raise SubmissionRefused(
            f"Chapter '{chapter.id}' is '{chapter.status.value}': its text is closed. Add "
            "--force to commit a new text all the same. Nothing was changed.")
    target = NEXT_STATE.get(chapter.status)
    if target is None:
        return None, False
    return target, target not in allowed_next(chapter.status)


def _commit(repo: Repository, paths: list[str], written: list[str], message: str,
            person: Contributor, date: dt.date) -> str:
    """Commit the written files (only them) as `person`'s; on failure put the chapter's files
    back as they were (they had no uncommitted changes) and say so."""
    from anthology.editorial.submissions.git import GitError

    # Pathspecs are read from the book folder (git -C), so book paths serve as they are.
    names = list(written)
    try:
        repo.run(["add", "--", *names], what="staging the submission")
        if repo.succeeds(["diff", "--cached", "--quiet", "--", *names]):
            raise SubmissionRefused(
                f"The file is the same as {written[0]} in the last commit: there is nothing "
                "new to submit, so nothing was recorded.")
        repo.run(["commit", "--quiet", "--no-verify", "--only", "-m", message,
                  f"--author={person.name} <{person.emails[0]}>",
                  f"--date={date.isoformat()}T12:00:00", "--", *names],
                 what="committing the submission")
    except (GitError, SubmissionRefused) as exc:
        every = list(paths)
        repo.succeeds(["reset", "-q", "--", *every])
        tracked = repo.run(["ls-files", "--", *every]).splitlines()
        if tracked:
            repo.succeeds(["checkout", "-q", "HEAD", "--", *tracked])
        repo.succeeds(["clean", "-fdq", "--", *every])
        if isinstance(exc, SubmissionRefused):
            raise
        raise SubmissionRefused(f"{exc.message} The chapter's files were put back as they "
                                "were; nothing was recorded.") from None
    return repo.run(["rev-parse", "HEAD"])


def submit_chapter(root: Path, chapter_id: str, source: Path, *, sender: str | None = None,
                   date: dt.date, note: str | None = None, force: bool = False,
                   accept_changes: bool = False) -> SubmitResult:
    """Commit `source` as chapter `chapter_id`'s text from its contributor, and record the
    move in the workflow (draft, or the next review round after revisions)."""
    from anthology.core.config import load_book
    from anthology.editorial.tracking.plan import find_chapter, mark_chapter

    book = load_book(root)
    chapter = find_chapter(book, chapter_id)
    if not chapter.file:
        raise UsageError(f"Chapter '{chapter.id}' has no file in chapters.yaml, so there is "
                         "nowhere to put its text. Give it one: anthology chapter edit "
                         f"{chapter.id} --file chapters/{chapter.id}.md")
    kind = _kind(source)
    person = _contributor(book, chapter, sender, force)
    try:
        repo = open_repository(root)
    except NotARepository:
        raise SubmissionRefused(
            f"{root} is not a git repository, and a submission is recorded as a commit. Make "
            "it one first: git init && git add -A && git commit -m \"Start the book\". Nothing "
            "was changed.") from None
    if not repo.succeeds(["var", "GIT_COMMITTER_IDENT"]):
        raise SubmissionRefused(
            "git does not know who you are, and you commit the submission (the contributor is "
            "its author). Tell it once: git config user.name \"Your Name\" and git config "
            "user.email you@example.org. Nothing was changed.")
    paths = _paths_of(chapter, kind)
    _require_clean(repo, paths)
    target, forced = _target(chapter, force)
    if chapter.history and date < chapter.history[-1].date:
        last = chapter.history[-1]
        raise UsageError(f"The date {date.isoformat()} is before the last event of chapter "
                         f"'{chapter.id}' ({last.date.isoformat()}, {last.state.value}). Give "
                         "the day the chapter arrived, on or after it.")
    imported = None
    if kind == "docx":
        from anthology.editorial.word.wordimport import import_docx

        imported = import_docx(book, chapter, source, accept_changes=accept_changes)
    else:
        from anthology.core.files import atomic_write_text

        atomic_write_text(root / chapter.file, _markdown_text(book, chapter, source))
    written = [p for p in paths if (root / p).exists()]
    message = f"Submission of {chapter.id} from {person.name} ({source.name})"
    if note:
        message += f"\n\n{note}"
    full = _commit(repo, paths, written, message, person, date)
    event = None
    if target is not None:
        changed = mark_chapter(root, chapter.id, target.value, date=date, by=person.name,
                               note=note or f"submitted by e-mail ({source.name})",
                               force=forced, commit=full)
        event = changed.history[-1]
        chapter = changed
    return SubmitResult(chapter, full, full[:7], person, tuple(written), event, imported)
