"""sync: authors' commits move the workflow; everything else is flagged, never recorded."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from anthology.core.config import load_book
from anthology.core.model import Book, Chapter, Event, Status
from anthology.editorial.submissions.history import Role, Submission
from anthology.editorial.submissions.sync import Kind, plan_sync, sync_book
from tests.submissions.gitbook import BEN, ZED, commit, git

D = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def sub(role: Role, day: int = 1, commit_hash: str = "a" * 40, text: bool = True) -> Submission:
    return Submission("peer", commit_hash, commit_hash[:7], D.replace(day=day),
                      "Ben Writer" if role is Role.AUTHOR else "Zed Stranger",
                      "ben@example.org" if role is Role.AUTHOR else "zed@example.com",
                      "ben-writer" if role is Role.AUTHOR else None, role, "Draft",
                      ("chapters/02-peer.md",), "chapters/02-peer.md" if text else None)


def with_state(book: Book, status: Status, *events: Event) -> Book:
    chapters = tuple(replace(c, status=status, history=events) if c.id == "peer" else c
                     for c in book.chapters)
    return replace(book, chapters=chapters)


def peer(book: Book) -> Chapter:
    return book.chapter("peer")


@pytest.mark.parametrize(("status", "kinds"), [
    (Status.AGREED, [(Kind.RECORD, Status.DRAFT)]),
    (Status.ABSTRACT, [(Kind.RECORD, Status.DRAFT)]),
    (Status.REVISIONS, [(Kind.RECORD, Status.REVIEW)]),
    (Status.INVITED, [(Kind.FLAG, None)]),
    (Status.PROPOSED, [(Kind.FLAG, None)]),
    (Status.DRAFT, []),
    (Status.REVIEW, []),
    (Status.ACCEPTED, []),
    (Status.FINAL, [(Kind.FLAG, None)]),
])
def test_what_an_authors_commit_means(small_book: Path, status: Status,
                                      kinds: list[tuple[Kind, Status | None]]) -> None:
    book = with_state(load_book(small_book), status, Event(dt.date(2026, 2, 1), status))
    actions = plan_sync(book, {"peer": [sub(Role.AUTHOR, day=2)]})
    assert [(a.kind, a.state) for a in actions] == kinds


def test_commits_before_the_current_state_do_not_count(small_book: Path) -> None:
    book = with_state(load_book(small_book), Status.REVISIONS,
                      Event(dt.date(2026, 3, 5), Status.REVISIONS))
    assert plan_sync(book, {"peer": [sub(Role.AUTHOR, day=4)]}) == []
    assert len(plan_sync(book, {"peer": [sub(Role.AUTHOR, day=5)]})) == 1


def test_a_recorded_commit_is_not_recorded_again(small_book: Path) -> None:
    book = with_state(load_book(small_book), Status.REVISIONS,
                      Event(dt.date(2026, 2, 1), Status.REVISIONS, commit="a" * 12))
    assert plan_sync(book, {"peer": [sub(Role.AUTHOR, day=2)]}) == []


def test_only_changes_to_the_text_count(small_book: Path) -> None:
    book = with_state(load_book(small_book), Status.AGREED, Event(dt.date(2026, 2, 1),
                                                                  Status.AGREED))
    assert plan_sync(book, {"peer": [sub(Role.AUTHOR, day=2, text=False)]}) == []


def test_the_latest_author_commit_is_recorded_and_newer_strangers_flagged(
        small_book: Path) -> None:
    book = with_state(load_book(small_book), Status.AGREED, Event(dt.date(2026, 2, 1),
                                                                  Status.AGREED))
    items = [sub(Role.OTHER, 5, "c" * 40), sub(Role.EDITOR, 4, "e" * 40),
             sub(Role.AUTHOR, 3, "b" * 40), sub(Role.AUTHOR, 2, "a" * 40),
             sub(Role.OTHER, 2, "d" * 40)]
    actions = plan_sync(book, {"peer": items})
    assert [(a.kind, a.submission.commit[0]) for a in actions] == [(Kind.RECORD, "b"),
                                                                  (Kind.FLAG, "c")]
    assert actions[0].message == "Submitted through git (2 commits; latest: Draft)"
    assert actions[1].message == (
        "peer: commit ccccccc on 2026-03-05 is from Zed Stranger <zed@example.com>, who is not "
        "an author of the chapter, so it does not count as the authors' submission. If it is, "
        "add the address to the author's emails in contributors.yaml and run `anthology sync` "
        "again, or record it with `anthology mark peer draft`.")


def test_messages_for_invited_and_final(small_book: Path) -> None:
    book = with_state(load_book(small_book), Status.INVITED,
                      Event(dt.date(2026, 2, 1), Status.INVITED))
    [action] = plan_sync(book, {"peer": [sub(Role.AUTHOR, 2)]})
    assert action.message == (
        "peer: Ben Writer committed the chapter (commit aaaaaaa on 2026-03-02) while it is "
        "'invited'. Record that they agreed (`anthology mark peer agreed`), then run "
        "`anthology sync` again.")
    book = with_state(book, Status.FINAL, Event(dt.date(2026, 3, 2), Status.FINAL))
    assert plan_sync(book, {"peer": [sub(Role.AUTHOR, 2)]}) == []  # the final version itself
    [action] = plan_sync(book, {"peer": [sub(Role.OTHER, 3)]})
    assert action.message == (
        "peer: changed after 'final' (2026-03-02): commit aaaaaaa by Zed Stranger "
        "<zed@example.com> on 2026-03-03 (Draft). Check that the change was meant: the final "
        "text should not change.")


def test_sync_records_draft_then_review_round_with_the_commit(history_book: Path) -> None:
    book = load_book(history_book)
    assert [(a.kind, a.chapter, a.state) for a in sync_book(history_book, book, dry_run=True)
            ] == [(Kind.RECORD, "peer", Status.DRAFT)]
    assert load_book(history_book).chapter("peer").status is Status.AGREED  # dry run

    actions = sync_book(history_book, book)
    latest = git(history_book, "rev-parse", "HEAD~1")  # "Revise peer" (HEAD only adds a figure)
    assert actions[0].submission.commit == latest
    event = load_book(history_book).chapter("peer").history[-1]
    assert event == Event(dt.date(2026, 2, 6), Status.DRAFT, "Ben Writer",
                          "Submitted through git (2 commits; latest: Revise peer)", latest)
    assert f"commit: {latest}" in (history_book / "chapters.yaml").read_text(encoding="utf-8")
    assert sync_book(history_book, load_book(history_book)) == []

    # The editor sends it to review and asks for revisions; Ben's next commit is round 2.
    from anthology.editorial.tracking.plan import mark_chapter

    mark_chapter(history_book, "peer", "review", date=dt.date(2026, 2, 10))
    mark_chapter(history_book, "peer", "revisions", date=dt.date(2026, 2, 20))
    text = (history_book / "chapters/02-peer-support.md").read_text(encoding="utf-8")
    revised = commit(history_book, "Revisions", BEN, "2026-03-01",
                     {"chapters/02-peer-support.md": text + "\nA new paragraph.\n"})
    commit(history_book, "Stray edit", ZED, "2026-03-02",
           {"chapters/02-peer-support.md": text + "\nA newer paragraph.\n"})
    actions = sync_book(history_book, load_book(history_book))
    assert [(a.kind, a.state) for a in actions] == [(Kind.RECORD, Status.REVIEW),
                                                   (Kind.FLAG, None)]
    event = load_book(history_book).chapter("peer").history[-1]
    assert (event.state, event.round, event.commit, event.date) == (
        Status.REVIEW, 2, revised, dt.date(2026, 3, 1))
