"""Peer review: the rules (conflicts, rounds, decisions) and `reviews:` in chapters.yaml."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from anthology.core.config import load_book
from anthology.core.errors import ConfigError
from anthology.core.model import Review, Status
from anthology.editorial.tracking import reviews
from anthology.editorial.tracking.reviewing import assign_review, record_review
from tests.bookdata import (
    DRAFTED,
    RITA_REVIEWER,
    chapter,
    chapters_yaml,
    contributor,
    intro,
    peer,
)
from tests.conftest import CONTRIBUTORS_YAML, write_book

TODAY = dt.date(2026, 6, 1)

REVIEWERS = CONTRIBUTORS_YAML + RITA_REVIEWER + contributor(
    "cora-author", "Cora Author", "cora@example.org", "academic, reviewer")

# Cora wrote 'peer' with Ben; Ben and Ada are reviewers too (for the conflict rules).
CHAPTERS = chapters_yaml(
    intro("draft", DRAFTED),
    peer("draft", DRAFTED, authors="ben-writer, cora-author"),
    chapter("third", "A Third Chapter", "ben-writer", "draft", DRAFTED),
)


@pytest.fixture
def book_dir(tmp_path: Path) -> Path:
    return write_book(tmp_path / "book", {"contributors.yaml": REVIEWERS,
                                          "chapters.yaml": CHAPTERS})


@pytest.mark.parametrize(("chapter", "reviewer", "message"), [
    pytest.param(
        "peer", "cora-author",
        "'cora-author' is an author of chapter 'peer' and cannot review it. Choose another "
        "reviewer, or add --force to assign them anyway (recorded as forced).",
        id="their-own-chapter"),
    pytest.param(
        "third", "cora-author",
        "'cora-author' wrote chapter 'peer' with 'ben-writer', an author of chapter 'third', "
        "and cannot review it. Choose another reviewer, or add --force to assign them anyway "
        "(recorded as forced).",
        id="a-coauthors-chapter"),
    pytest.param(
        "peer", "ada-editor",
        "'ada-editor' (Ada Editor) is not a reviewer. Give them the role with `anthology "
        "contributor edit ada-editor --role reviewer` (keep their other roles too), then assign "
        "again.",
        id="only-reviewers-are-assigned"),
])
def test_an_assignment_is_refused(book_dir: Path, chapter: str, reviewer: str,
                                  message: str) -> None:
    book = load_book(book_dir)
    with pytest.raises(reviews.ReviewRefused) as caught:
        reviews.assign(book, book.chapter(chapter), reviewer, TODAY)
    assert caught.value.message == message


def test_forced_assignment_is_recorded_as_forced(book_dir: Path) -> None:
    review = assign_review(book_dir, "third", "cora-author", TODAY, force=True)
    assert review == Review("cora-author", 1, TODAY, "double", None, forced=True)
    assert "  reviews:\n      - {reviewer: cora-author, round: 1, blind: double, assigned: " \
           "2026-06-01, forced: true}\n" in (book_dir / "chapters.yaml").read_text()
    assert load_book(book_dir).chapter("third").reviews == (review,)


def test_rounds_follow_the_workflow() -> None:
    from anthology.core.model import Chapter, Event

    draft = Chapter("c", "C", status=Status.DRAFT,
                    history=(Event(TODAY, Status.DRAFT),))
    assert reviews.review_round_of(draft) == 1
    review = Chapter("c", "C", status=Status.REVIEW,
                     history=(Event(TODAY, Status.DRAFT), Event(TODAY, Status.REVIEW, round=1)))
    assert reviews.review_round_of(review) == 1
    revisions = Chapter("c", "C", status=Status.REVISIONS, history=(
        *review.history, Event(TODAY, Status.REVISIONS, round=1)))
    assert reviews.review_round_of(revisions) == 2


def test_a_decision_needs_every_review(book_dir: Path) -> None:
    assign_review(book_dir, "intro", "rita-reviewer", TODAY)
    from anthology.editorial.tracking.plan import mark_chapter

    chapter = mark_chapter(book_dir, "intro", "review", date=TODAY)
    with pytest.raises(reviews.ReviewRefused) as caught:
        reviews.decide(chapter, "accept", TODAY)
    assert caught.value.message == (
        "Round 1 of chapter 'intro' is not complete: the reviews of rita-reviewer are "
        "outstanding. Record them with `anthology review record`, or add --force to decide "
        "without them.")
    forced = reviews.decide(chapter, "reject", TODAY, note="Out of scope.", force=True)
    assert forced.chapter.status is Status.WITHDRAWN
    assert forced.chapter.history[-1].note == "Rejected after review round 1: Out of scope."


@pytest.mark.parametrize(("recorded_first", "reviewer", "recommendation", "message"), [
    pytest.param(
        True, "rita-reviewer", "major",
        "The review of 'rita-reviewer' for round 1 of chapter 'intro' was recorded on "
        "2026-06-01 (minor). To change it, edit its line under 'reviews:' in chapters.yaml.",
        id="recording-twice"),
    pytest.param(
        False, "ben-writer", "minor",
        "'ben-writer' is not assigned to round 1 of chapter 'intro'. Assigned: rita-reviewer. "
        "Assign them first with `anthology review assign intro ben-writer`.",
        id="an-unassigned-reviewer"),
])
def test_a_recording_is_refused(book_dir: Path, recorded_first: bool, reviewer: str,
                                recommendation: str, message: str) -> None:
    assign_review(book_dir, "intro", "rita-reviewer", TODAY)
    if recorded_first:
        record_review(book_dir, "intro", "rita-reviewer", "minor", TODAY)
    with pytest.raises(reviews.ReviewRefused) as caught:
        record_review(book_dir, "intro", reviewer, recommendation, TODAY)
    assert caught.value.message == message


def test_hand_edits_survive_an_assignment(book_dir: Path) -> None:
    path = book_dir / "chapters.yaml"
    path.write_text(path.read_text().replace(
        "  - id: peer\n", "  # the long one\n  - id: peer\n").replace(
        "    title: Peer Support\n", "    title: 'Peer Support'  # working title\n"))
    assign_review(book_dir, "peer", "rita-reviewer", TODAY, due=dt.date(2026, 7, 1),
                  blind="single")
    text = path.read_text()
    assert "  # the long one\n" in text
    assert "    title: 'Peer Support'  # working title\n" in text
    assert "    reviews:\n      - {reviewer: rita-reviewer, round: 1, blind: single, " \
           "assigned: 2026-06-01, due: 2026-07-01}\n" in text


@pytest.mark.parametrize(("review", "message"), [
    ("{reviewer: nobody, round: 1, assigned: 2026-06-01}",
     "the reviewer 'nobody' is not in contributors.yaml."),
    ("{reviewer: rita-reviewer, round: one, assigned: 2026-06-01}",
     "'reviews.round' should be a whole number, not the text 'one'."),
    ("{reviewer: rita-reviewer, round: 1, assigned: 2026-13-01}",
     "'reviews.assigned' is '2026-13-01', which is not a real date."),
    ("{reviewer: rita-reviewer, round: 1, assigned: 2026-06-01, blind: tripple}",
     "'reviews.blind' is 'tripple', which is not one of: double, "
     "single, open."),
    ("{reviewer: rita-reviewer, round: 1, assigned: 2026-06-01, recommendation: minor}",
     "a review with a recommendation needs the date it was recorded."),
    ("{reviewer: rita-reviewer, round: 1, assigned: 2026-06-01, report: ../r.md}",
     "the report ../r.md is not a file in the book's reviews/ folder."),
    ("{reviewer: rita-reviewer, round: 1, assigned: 2026-06-01, report: contributors.yaml}",
     "the report contributors.yaml is not a file in the book's reviews/ folder."),
    ("{reviewer: rita-reviewer, round: 1, assigned: 2026-06-01, mood: grumpy}",
     "unknown key 'reviews.mood'."),
])
def test_reviews_are_validated_on_load(tmp_path: Path, review: str, message: str) -> None:
    chapters = CHAPTERS.replace(
        "      - {date: 2026-05-01, state: draft}\n  - id: peer",
        f"      - {{date: 2026-05-01, state: draft}}\n    reviews:\n      - {review}\n"
        "  - id: peer", 1)
    root = write_book(tmp_path / "book", {"contributors.yaml": REVIEWERS,
                                          "chapters.yaml": chapters})
    with pytest.raises(ConfigError) as caught:
        load_book(root)
    assert [(f.file, f.line, f.message) for f in caught.value.findings] == [
        ("chapters.yaml", 11, message)]


def test_a_reviewer_with_reviews_is_not_removed(book_dir: Path) -> None:
    from anthology.core.errors import AnthologyError
    from anthology.editorial.tracking.people import remove_contributor

    assign_review(book_dir, "intro", "rita-reviewer", TODAY)
    with pytest.raises(AnthologyError) as caught:
        remove_contributor(book_dir, "rita-reviewer")
    assert caught.value.message == (
        "Cannot remove 'rita-reviewer': they review the chapter 'intro'. Take their reviews "
        "out of 'reviews:' in chapters.yaml first.")
