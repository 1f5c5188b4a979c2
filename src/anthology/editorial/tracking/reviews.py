"""Peer review as pure rules: who may review a chapter, which round a review belongs to, what
is outstanding, and what a decision does to the chapter.

No files, no clock: the book and `today` are passed in. A reviewer is a contributor with the
role `reviewer`. Nobody reviews a chapter they wrote, nor one written by someone they wrote
another chapter with (`--force` records such an assignment anyway, marked forced).

Reviews are assigned for the round a chapter is in (`review`) or is about to start (`draft`,
`revisions`); the editor's decision ends the round:

    accept -> accepted,  revise -> revisions,  reject -> withdrawn (with the note)

The workflow has no `rejected` state: a rejected chapter leaves the book, which is what
`withdrawn` means, and its history says it was rejected and after which round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from anthology.core.errors import AnthologyError, UsageError
from anthology.core.model import BLIND_MODES, RECOMMENDATIONS, Book, Chapter, Review, Status
from anthology.editorial.tracking import workflow

REVIEWER_ROLE = "reviewer"
DECISIONS: dict[str, Status] = {"accept": Status.ACCEPTED, "revise": Status.REVISIONS,
                                "reject": Status.WITHDRAWN}
# States in which reviews may be assigned (for the round under way or about to start).
ASSIGNABLE = (Status.DRAFT, Status.REVIEW, Status.REVISIONS)
RECOMMENDATION_WORDS = {"accept": "accept as it is", "minor": "minor revisions",
                        "major": "major revisions", "reject": "reject"}


class ReviewRefused(AnthologyError):
    """A review action the rules do not allow."""


def review_round_of(chapter: Chapter) -> int:
    """The round a review assigned now belongs to: the one under way, else the next."""
    current = workflow.current_round(chapter) or 0
    return current if chapter.status is Status.REVIEW else current + 1


def reviews_in(chapter: Chapter, number: int) -> tuple[Review, ...]:
    """The chapter's reviews of round `number`."""
    return tuple(r for r in chapter.reviews if r.round == number)


def current_reviews(chapter: Chapter) -> tuple[Review, ...]:
    """The reviews of the round under way (or about to start), else of the last round."""
    now = reviews_in(chapter, review_round_of(chapter))
    if now or not chapter.reviews:
        return now
    return reviews_in(chapter, max(r.round for r in chapter.reviews))


def coauthors(book: Book, person: str) -> set[str]:
    """Everyone who wrote a chapter with `person`."""
    return {a for c in book.chapters if person in c.authors for a in c.authors} - {person}


def conflict(book: Book, chapter: Chapter, reviewer: str) -> str | None:
    """Why `reviewer` may not review `chapter` (own chapter, or a co-author's), or None."""
    if reviewer in chapter.authors:
        return f"'{reviewer}' is an author of chapter '{chapter.id}' and cannot review it."
    shared = sorted(coauthors(book, reviewer) & set(chapter.authors))
    if shared:
        together = [c.id for c in book.chapters
                    if reviewer in c.authors and shared[0] in c.authors]
        return (f"'{reviewer}' wrote chapter '{together[0]}' with '{shared[0]}', an author of "
                f"chapter '{chapter.id}', and cannot review it.")
    return None


def assign(book: Book, chapter: Chapter, reviewer: str, today: dt.date, *,
           due: dt.date | None = None, blind: str = "double", force: bool = False) -> Review:
    """A new review of `chapter` by `reviewer` for its current round, or ReviewRefused."""
    if blind not in BLIND_MODES:  # pragma: no cover - Click's choices stop it earlier
        raise UsageError(f"'{blind}' is not a kind of review: use {', '.join(BLIND_MODES)}.")
    person = book.contributor(reviewer)
    if REVIEWER_ROLE not in person.roles:
        raise ReviewRefused(f"'{reviewer}' ({person.name}) is not a reviewer. Give them the "
                            f"role with `anthology contributor edit {reviewer} --role "
                            f"{REVIEWER_ROLE}` (keep their other roles too), then assign again.")
    if chapter.status not in ASSIGNABLE:
        raise ReviewRefused(f"Chapter '{chapter.id}' is '{chapter.status.value}': reviews are "
                            "assigned to chapters in draft, review or revisions.")
    number = review_round_of(chapter)
    if any(r.reviewer == reviewer for r in reviews_in(chapter, number)):
        raise ReviewRefused(f"'{reviewer}' already reviews round {number} of chapter "
                            f"'{chapter.id}'.")
    why = conflict(book, chapter, reviewer)
    if why is not None and not force:
        raise ReviewRefused(f"{why} Choose another reviewer, or add --force to assign them "
                            "anyway (recorded as forced).")
    if due is not None and due < today:
        raise UsageError(f"The due date {due.isoformat()} is before today "
                         f"({today.isoformat()}). Give a day still to come, as YYYY-MM-DD.")
    due = due or chapter.due.get("reviews") or book.config.schedule.get("reviews")
    return Review(reviewer, number, today, blind, due, forced=why is not None)


def record(chapter: Chapter, reviewer: str, recommendation: str, today: dt.date,
           report: str | None) -> Review:
    """The review of `reviewer` in the chapter's current round with its recommendation."""
    if recommendation not in RECOMMENDATIONS:  # pragma: no cover - Click's choices
        raise UsageError(f"'{recommendation}' is not a recommendation.")
    review = find_review(chapter, reviewer)
    if not review.outstanding:
        assert review.recorded is not None
        raise ReviewRefused(f"The review of '{reviewer}' for round {review.round} of chapter "
                            f"'{chapter.id}' was recorded on {review.recorded.isoformat()} "
                            f"({review.recommendation}). To change it, edit its line under "
                            "'reviews:' in chapters.yaml.")
    return replace(review, recommendation=recommendation, recorded=today,
                   report=report or review.report)


def find_review(chapter: Chapter, reviewer: str) -> Review:
    """The review of `reviewer` in the chapter's current round, or ReviewRefused."""
    number = review_round_of(chapter)
    for review in reviews_in(chapter, number):
        if review.reviewer == reviewer:
            return review
    assigned = sorted({r.reviewer for r in reviews_in(chapter, number)})
    who = f" Assigned: {', '.join(assigned)}." if assigned else " Nobody is assigned yet."
    raise ReviewRefused(f"'{reviewer}' is not assigned to round {number} of chapter "
                        f"'{chapter.id}'.{who} Assign them first with `anthology review "
                        f"assign {chapter.id} {reviewer}`.")


@dataclass(frozen=True)
class Decision:
    """The editor's decision at the end of a review round."""

    chapter: Chapter  # as it is after the decision
    decision: str
    round: int
    reviews: tuple[Review, ...]
    note: str | None


def decide(chapter: Chapter, decision: str, today: dt.date, *, by: str | None = None,
           note: str | None = None, force: bool = False) -> Decision:
    """The chapter after the editor's decision on its review round."""
    if chapter.status is not Status.REVIEW:
        raise ReviewRefused(f"Chapter '{chapter.id}' is '{chapter.status.value}', not in "
                            f"review: there is no round to decide. Send it to review first "
                            f"with `anthology mark {chapter.id} review`.")
    number = review_round_of(chapter)
    reviews = reviews_in(chapter, number)
    outstanding = [r.reviewer for r in reviews if r.outstanding]
    if not force and (outstanding or not reviews):
        what = f"the reviews of {', '.join(outstanding)} are outstanding" if outstanding \
            else "no review has been assigned"
        raise ReviewRefused(f"Round {number} of chapter '{chapter.id}' is not complete: "
                            f"{what}. Record them with `anthology review record`, or add "
                            "--force to decide without them.")
    words = {"accept": "Accepted", "revise": "Revisions requested", "reject": "Rejected"}
    text = f"{words[decision]} after review round {number}" + (f": {note}" if note else ".")
    changed = workflow.mark(chapter, DECISIONS[decision], today, by, text)
    return Decision(changed, decision, number, reviews, note)


def review_label(reviews: Sequence[Review], review: Review, names: dict[str, str]) -> str:
    """How the letter to the authors names a review: 'Reviewer 2', or the reviewer's name
    for an open review."""
    if review.blind == "open":
        return names.get(review.reviewer, review.reviewer)
    return f"Reviewer {list(reviews).index(review) + 1}"


def summary(reviews: Sequence[Review]) -> str:
    """'2 reviews, 1 outstanding' (empty when there are none)."""
    if not reviews:
        return ""
    n = len(reviews)
    waiting = sum(1 for r in reviews if r.outstanding)
    text = f"{n} review{'' if n == 1 else 's'}"
    return text + (f", {waiting} outstanding" if waiting else ", all in")


def late_reviews(chapter: Chapter, today: dt.date) -> list[tuple[Review, int]]:
    """Outstanding reviews of the current round past their due date, with days late."""
    if chapter.status in workflow.CLOSED or chapter.status not in ASSIGNABLE:
        return []
    return [(r, (today - r.due).days) for r in current_reviews(chapter)
            if r.outstanding and r.due is not None and r.due < today]
