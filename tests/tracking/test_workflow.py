"""The workflow rules as tables: transitions, whose move, deadlines, rounds."""

from __future__ import annotations

import datetime as dt

import pytest

from anthology.core.errors import UsageError
from anthology.core.model import Chapter, Event, Status
from anthology.editorial.tracking import workflow
from anthology.editorial.tracking.workflow import Mover, TransitionRefused

S = Status
D = dt.date(2026, 5, 1)


@pytest.mark.parametrize(("state", "allowed"), [
    (S.PROPOSED, {S.INVITED, S.WITHDRAWN}),
    (S.INVITED, {S.AGREED, S.DECLINED, S.WITHDRAWN}),
    (S.DECLINED, {S.INVITED}),
    (S.AGREED, {S.ABSTRACT, S.DRAFT, S.WITHDRAWN}),
    (S.ABSTRACT, {S.DRAFT, S.WITHDRAWN}),
    (S.DRAFT, {S.REVIEW, S.WITHDRAWN}),
    (S.REVIEW, {S.REVISIONS, S.ACCEPTED, S.WITHDRAWN}),
    (S.REVISIONS, {S.REVIEW, S.WITHDRAWN}),
    (S.ACCEPTED, {S.COPYEDITED, S.WITHDRAWN}),
    (S.COPYEDITED, {S.PROOFS, S.WITHDRAWN}),
    (S.PROOFS, {S.FINAL, S.WITHDRAWN}),
    (S.FINAL, set()),
    (S.WITHDRAWN, set()),
])
def test_allowed_next(state: Status, allowed: set[Status]) -> None:
    assert set(workflow.allowed_next(state)) == allowed


def test_every_state_has_rules() -> None:
    for table in (workflow.TRANSITIONS, workflow.MOVER, workflow.DEADLINE_KEYS,
                  workflow.NEXT_MOVE):
        assert set(table) == set(Status)


@pytest.mark.parametrize(("state", "mover"), [
    (S.PROPOSED, Mover.EDITOR), (S.INVITED, Mover.CONTRIBUTOR), (S.DECLINED, Mover.NOBODY),
    (S.AGREED, Mover.CONTRIBUTOR), (S.ABSTRACT, Mover.CONTRIBUTOR), (S.DRAFT, Mover.EDITOR),
    (S.REVIEW, Mover.EDITOR), (S.REVISIONS, Mover.CONTRIBUTOR), (S.ACCEPTED, Mover.EDITOR),
    (S.COPYEDITED, Mover.EDITOR), (S.PROOFS, Mover.CONTRIBUTOR), (S.FINAL, Mover.NOBODY),
    (S.WITHDRAWN, Mover.NOBODY),
])
def test_whose_move(state: Status, mover: Mover) -> None:
    assert workflow.whose_move(state) is mover


SCHEDULE = {"invitations": dt.date(2026, 1, 31), "abstracts": dt.date(2026, 3, 31),
            "drafts": dt.date(2026, 9, 30), "reviews": dt.date(2026, 11, 15),
            "revisions": dt.date(2027, 1, 31), "final": dt.date(2027, 3, 31)}


@pytest.mark.parametrize(("state", "due"), [
    (S.PROPOSED, dt.date(2026, 1, 31)), (S.INVITED, dt.date(2026, 1, 31)),
    (S.AGREED, dt.date(2026, 3, 31)), (S.ABSTRACT, dt.date(2026, 9, 30)),
    (S.DRAFT, dt.date(2026, 11, 15)), (S.REVIEW, dt.date(2026, 11, 15)),
    (S.REVISIONS, dt.date(2027, 1, 31)),
    (S.ACCEPTED, dt.date(2027, 3, 31)),  # no copyedits or proofs date: falls back to final
    (S.COPYEDITED, dt.date(2027, 3, 31)), (S.PROOFS, dt.date(2027, 3, 31)),
    (S.FINAL, None), (S.DECLINED, None), (S.WITHDRAWN, None),
])
def test_deadline_from_the_book_schedule(state: Status, due: dt.date | None) -> None:
    assert workflow.deadline(Chapter("c", "C", status=state), SCHEDULE) == due


def test_chapter_override_wins() -> None:
    chapter = Chapter("c", "C", status=S.ABSTRACT, due={"drafts": dt.date(2026, 12, 15)})
    assert workflow.deadline(chapter, SCHEDULE) == dt.date(2026, 12, 15)


def test_proofs_before_final() -> None:
    schedule = {**SCHEDULE, "proofs": dt.date(2027, 2, 28)}
    assert workflow.deadline(Chapter("c", "C", status=S.PROOFS), schedule) == \
        dt.date(2027, 2, 28)


@pytest.mark.parametrize(("due", "today", "late"), [
    (None, D, 0), (D, D, 0), (D, D + dt.timedelta(days=3), 3), (D, D - dt.timedelta(days=3), 0),
])
def test_days_overdue(due: dt.date | None, today: dt.date, late: int) -> None:
    assert workflow.days_overdue(due, today) == late


def _walk(*states: Status) -> Chapter:
    chapter = Chapter("ch", "Ch")
    for state in states:
        chapter = workflow.mark(chapter, state, D)
    return chapter


def test_review_rounds_are_numbered() -> None:
    chapter = _walk(S.INVITED, S.AGREED, S.DRAFT, S.REVIEW, S.REVISIONS, S.REVIEW, S.REVISIONS,
                    S.REVIEW)
    rounds = [(e.state, e.round) for e in chapter.history if e.round]
    assert rounds == [(S.REVIEW, 1), (S.REVISIONS, 1), (S.REVIEW, 2), (S.REVISIONS, 2),
                      (S.REVIEW, 3)]
    assert workflow.current_round(chapter) == 3


def test_mark_appends_an_event() -> None:
    chapter = workflow.mark(Chapter("ch", "Ch"), S.INVITED, D, by="Ada", note="at the seminar")
    assert chapter.status is S.INVITED
    assert chapter.history == (Event(D, S.INVITED, "Ada", "at the seminar"),)


@pytest.mark.parametrize(("start", "target", "message"), [
    (S.DRAFT, S.FINAL, "Chapter 'ch' cannot go from 'draft' to 'final'. From 'draft' it can go "
                       "to 'review' or 'withdrawn'. To record it anyway, add --force."),
    (S.INVITED, S.DRAFT, "Chapter 'ch' cannot go from 'invited' to 'draft'. From 'invited' it "
                         "can go to 'agreed', 'declined' or 'withdrawn'. To record it anyway, "
                         "add --force."),
    (S.DRAFT, S.DRAFT, "Chapter 'ch' is already 'draft'. From 'draft' it can go to 'review' or "
                       "'withdrawn'. To record it anyway, add --force."),
    (S.FINAL, S.WITHDRAWN, "Chapter 'ch' cannot go from 'final' to 'withdrawn'. 'final' is the "
                           "end of the workflow. To record it anyway, add --force."),
    (S.DECLINED, S.AGREED, "Chapter 'ch' cannot go from 'declined' to 'agreed'. From "
                           "'declined' it can go to 'invited'. To record it anyway, add "
                           "--force."),
])
def test_refused_transitions_list_the_allowed(start: Status, target: Status,
                                              message: str) -> None:
    chapter = Chapter("ch", "Ch", status=start)
    with pytest.raises(TransitionRefused) as caught:
        workflow.mark(chapter, target, D)
    assert caught.value.message == message


def test_force_records_the_exception() -> None:
    chapter = workflow.mark(Chapter("ch", "Ch", status=S.DRAFT), S.FINAL, D, force=True)
    assert chapter.status is S.FINAL
    assert chapter.history[-1].forced is True


def test_force_on_an_allowed_move_is_not_forced() -> None:
    chapter = workflow.mark(Chapter("ch", "Ch", status=S.DRAFT), S.REVIEW, D, force=True)
    assert chapter.history[-1].forced is False


def test_dates_stay_in_order() -> None:
    chapter = workflow.mark(Chapter("ch", "Ch"), S.INVITED, D)
    with pytest.raises(UsageError) as caught:
        workflow.mark(chapter, S.AGREED, dt.date(2026, 4, 1))
    assert caught.value.message == (
        "The date 2026-04-01 is before the last event of chapter 'ch' (2026-05-01, invited). "
        "Events are kept in order: give a date on or after it.")
