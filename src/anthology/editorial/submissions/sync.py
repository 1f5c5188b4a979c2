"""Git events move the workflow: a chapter waiting for its draft or its revisions that receives
a commit from one of its authors moves on (`draft`, or the next `review` round), with the commit
in its history. Changes after `final` are flagged, never recorded.

`plan_sync` is pure (the book and its submissions in, actions out); `sync_book` records the
actions through the tracking store, which locks the book and writes chapters.yaml atomically.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from anthology.core.model import Book, Chapter, Status
from anthology.editorial.submissions.history import Role, Submission, read_history

# What a commit from an author means in each state that waits for the author's text.
NEXT_STATE: dict[Status, Status] = {
    Status.AGREED: Status.DRAFT,
    Status.ABSTRACT: Status.DRAFT,
    Status.REVISIONS: Status.REVIEW,
}
BEFORE_AGREEMENT = frozenset({Status.PROPOSED, Status.INVITED})


class Kind(StrEnum):
    """What sync does about a chapter."""

    RECORD = "record"  # a new event in the chapter's history
    FLAG = "flag"      # something the editor should look at; nothing recorded


@dataclass(frozen=True)
class Action:
    """One thing sync did (or would do) about a chapter."""

    kind: Kind
    chapter: str
    submission: Submission
    state: Status | None = None
    message: str = ""

    @property
    def commit_words(self) -> str:
        """`commit 1a2b3c4 by Ben Writer on 2026-06-01`."""
        s = self.submission
        return f"commit {s.short} by {s.author_name} on {s.date.date().isoformat()}"


def _recorded(chapter: Chapter, commit: str) -> bool:
    return any(e.commit and (commit.startswith(e.commit) or e.commit.startswith(commit))
               for e in chapter.history)


def _by(book: Book, item: Submission) -> str:
    if item.contributor is not None:
        try:
            return book.contributor(item.contributor).name
        except KeyError:
            pass
    return item.author_name


def _plan_chapter(book: Book, chapter: Chapter, items: Sequence[Submission]) -> list[Action]:
    last = chapter.history[-1] if chapter.history else None
    texts = [i for i in items if i.text_changed and i.path is not None
             and not _recorded(chapter, i.commit)]
    if last is not None:
        if chapter.status is Status.FINAL and not last.commit:
            texts = [i for i in texts if i.date.date() > last.date]
        else:
            texts = [i for i in texts if i.date.date() >= last.date]
    if not texts:
        return []
    if chapter.status is Status.FINAL:
        assert last is not None
        return [Action(Kind.FLAG, chapter.id, item, None,
                       f"{chapter.id}: changed after 'final' ({last.date.isoformat()}): "
                       f"commit {item.short} by {item.author_name} <{item.author_email}> on "
                       f"{item.date.date().isoformat()} ({item.message}). Check that the "
                       "change was meant: the final text should not change.")
                for item in texts]
    authored = [i for i in texts if i.role is Role.AUTHOR]
    actions: list[Action] = []
    if chapter.status in NEXT_STATE and authored:
        latest = authored[0]
        target = NEXT_STATE[chapter.status]
        count = len(authored)
        commits = f"{count} commits" if count > 1 else "commit"
        actions.append(Action(Kind.RECORD, chapter.id, latest, target,
                              f"Submitted through git ({commits}; latest: {latest.message})"))
    elif chapter.status in BEFORE_AGREEMENT and authored:
        latest = authored[0]
        actions.append(Action(
            Kind.FLAG, chapter.id, latest, None,
            f"{chapter.id}: {latest.author_name} committed the chapter (commit {latest.short} "
            f"on {latest.date.date().isoformat()}) while it is '{chapter.status.value}'. Record "
            f"that they agreed (`anthology mark {chapter.id} agreed`), then run "
            "`anthology sync` again."))
    if chapter.status in NEXT_STATE:
        # Editors' own commits are their business; someone else's may be the submission sent
        # from an address the registry does not know (older ones were superseded by the
        # authors' latest commit).
        newer = texts[:texts.index(authored[0])] if authored else texts
        for item in newer:
            if item.role is not Role.OTHER:
                continue
            actions.append(Action(
                Kind.FLAG, chapter.id, item, None,
                f"{chapter.id}: commit {item.short} on {item.date.date().isoformat()} is from "
                f"{item.author_name} <{item.author_email}>, who is not an author of the "
                "chapter, so it does not count as the authors' submission. If it is, add the "
                "address to the author's emails in contributors.yaml and run `anthology sync` "
                f"again, or record it with `anthology mark {chapter.id} "
                f"{NEXT_STATE[chapter.status].value}`."))
    return actions


def plan_sync(book: Book, submissions: Mapping[str, Sequence[Submission]]) -> list[Action]:
    """What the commits mean for each chapter's workflow, in book order (pure)."""
    actions: list[Action] = []
    for chapter in book.active_chapters:
        actions += _plan_chapter(book, chapter, submissions.get(chapter.id, ()))
    return actions


def sync_book(root: Path, book: Book, dry_run: bool = False) -> list[Action]:
    """Read the history, plan, and (unless `dry_run`) record each RECORD action."""
    history = read_history(book, words=False)
    actions = plan_sync(book, history.by_chapter)
    if dry_run:
        return actions
    from anthology.editorial.tracking.plan import mark_chapter

    for action in actions:
        if action.kind is Kind.RECORD and action.state is not None:
            item = action.submission
            mark_chapter(root, action.chapter, action.state.value, date=item.date.date(),
                         by=_by(book, item), note=action.message, commit=item.commit)
    return actions
