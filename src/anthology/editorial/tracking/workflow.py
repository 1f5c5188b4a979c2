"""The editorial workflow as pure rules: which state may follow which, whose move it is, and
which deadline applies.

No files, no clock: `today` and the schedule are passed in.

    proposed -> invited -> agreed -> abstract -> draft -> review -> revisions -> review ...
             -> accepted -> copyedited -> proofs -> final

A chapter may skip the abstract (agreed -> draft). An invited author may decline; a declined
chapter may be invited again. Any chapter that is not final may be withdrawn; final and withdrawn
are the end of the road (`--force` records an exception anyway). Review rounds are numbered:
the first review is round 1, and each review after revisions starts the next round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from enum import StrEnum

from anthology.core.errors import AnthologyError, UsageError
from anthology.core.model import Chapter, Event, Status

S = Status


class Mover(StrEnum):
    """Whose move it is."""

    CONTRIBUTOR = "contributor"
    EDITOR = "editor"
    NOBODY = "nobody"


TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    S.PROPOSED: (S.INVITED, S.WITHDRAWN),
    S.INVITED: (S.AGREED, S.DECLINED, S.WITHDRAWN),
    S.DECLINED: (S.INVITED,),
    S.AGREED: (S.ABSTRACT, S.DRAFT, S.WITHDRAWN),
    S.ABSTRACT: (S.DRAFT, S.WITHDRAWN),
    S.DRAFT: (S.REVIEW, S.WITHDRAWN),
    S.REVIEW: (S.REVISIONS, S.ACCEPTED, S.WITHDRAWN),
    S.REVISIONS: (S.REVIEW, S.WITHDRAWN),
    S.ACCEPTED: (S.COPYEDITED, S.WITHDRAWN),
    S.COPYEDITED: (S.PROOFS, S.WITHDRAWN),
    S.PROOFS: (S.FINAL, S.WITHDRAWN),
    S.FINAL: (),
    S.WITHDRAWN: (),
}

MOVER: dict[Status, Mover] = {
    S.PROPOSED: Mover.EDITOR,        # invite someone
    S.INVITED: Mover.CONTRIBUTOR,    # reply to the invitation
    S.DECLINED: Mover.NOBODY,
    S.AGREED: Mover.CONTRIBUTOR,     # send the abstract
    S.ABSTRACT: Mover.CONTRIBUTOR,   # send the draft
    S.DRAFT: Mover.EDITOR,           # send it to review
    S.REVIEW: Mover.EDITOR,          # decide: revisions or accepted
    S.REVISIONS: Mover.CONTRIBUTOR,  # send the revised chapter
    S.ACCEPTED: Mover.EDITOR,        # copyedit
    S.COPYEDITED: Mover.EDITOR,      # send proofs
    S.PROOFS: Mover.CONTRIBUTOR,     # return corrected proofs
    S.FINAL: Mover.NOBODY,
    S.WITHDRAWN: Mover.NOBODY,
}

# The schedule keys (book.yaml `schedule:`, or a chapter's `due:`) that set the deadline of the
# next move, tried in order: later stages fall back to the final deadline.
DEADLINE_KEYS: dict[Status, tuple[str, ...]] = {
    S.PROPOSED: ("invitations",),
    S.INVITED: ("invitations",),
    S.DECLINED: (),
    S.AGREED: ("abstracts",),
    S.ABSTRACT: ("drafts",),
    S.DRAFT: ("reviews",),
    S.REVIEW: ("reviews",),
    S.REVISIONS: ("revisions",),
    S.ACCEPTED: ("copyedits", "proofs", "final"),
    S.COPYEDITED: ("proofs", "final"),
    S.PROOFS: ("proofs", "final"),
    S.FINAL: (),
    S.WITHDRAWN: (),
}

# What the next move is, in the words of the status table.
NEXT_MOVE: dict[Status, str] = {
    S.PROPOSED: "invite",
    S.INVITED: "reply",
    S.DECLINED: "",
    S.AGREED: "abstract",
    S.ABSTRACT: "draft",
    S.DRAFT: "send to review",
    S.REVIEW: "decide",
    S.REVISIONS: "revise",
    S.ACCEPTED: "copyedit",
    S.COPYEDITED: "send proofs",
    S.PROOFS: "return proofs",
    S.FINAL: "",
    S.WITHDRAWN: "",
}

# The order of the workflow, for boards and tables (declined and withdrawn stand aside).
PIPELINE: tuple[Status, ...] = (S.PROPOSED, S.INVITED, S.AGREED, S.ABSTRACT, S.DRAFT, S.REVIEW,
                                S.REVISIONS, S.ACCEPTED, S.COPYEDITED, S.PROOFS, S.FINAL)

CLOSED = frozenset({S.FINAL, S.DECLINED, S.WITHDRAWN})


class TransitionRefused(AnthologyError):
    """A workflow change that the rules do not allow (use --force to record it anyway)."""


def allowed_next(state: Status) -> tuple[Status, ...]:
    """The states a chapter in `state` may move to."""
    return TRANSITIONS[state]


def whose_move(state: Status) -> Mover:
    """Who has to act next on a chapter in `state`."""
    return MOVER[state]


def deadline(chapter: Chapter, schedule: Mapping[str, dt.date]) -> dt.date | None:
    """The date by which the next move on `chapter` is due: its own `due:` first, then the book's
    schedule, trying later deadlines when a stage has none of its own."""
    for key in DEADLINE_KEYS[chapter.status]:
        if key in chapter.due:
            return chapter.due[key]
        if key in schedule:
            return schedule[key]
    return None


def days_overdue(due: dt.date | None, today: dt.date) -> int:
    """How many days past `due` today is (0 when not overdue or no deadline)."""
    if due is None:
        return 0
    return max(0, (today - due).days)


def review_round(history: Sequence[Event], state: Status) -> int | None:
    """The review round an event entering `state` belongs to (review and revisions only)."""
    reviews = sum(1 for event in history if event.state is S.REVIEW)
    if state is S.REVIEW:
        return reviews + 1
    if state is S.REVISIONS:
        return max(reviews, 1)
    return None


def current_round(chapter: Chapter) -> int | None:
    """The review round a chapter is in, once it has been reviewed."""
    reviews = sum(1 for event in chapter.history if event.state is S.REVIEW)
    return reviews or None


def since(chapter: Chapter) -> dt.date | None:
    """When the chapter entered its current state."""
    return chapter.history[-1].date if chapter.history else None


def _states_list(states: Sequence[Status]) -> str:
    names = [f"'{s.value}'" for s in states]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


def refusal(chapter: Chapter, target: Status) -> str | None:
    """Why `chapter` may not move to `target`, in plain words, or None when it may."""
    allowed = allowed_next(chapter.status)
    if target in allowed:
        return None
    if target is chapter.status:
        what = f"Chapter '{chapter.id}' is already '{target.value}'."
    else:
        what = f"Chapter '{chapter.id}' cannot go from '{chapter.status.value}' to " \
               f"'{target.value}'."
    if allowed:
        how = f" From '{chapter.status.value}' it can go to {_states_list(allowed)}."
    else:
        how = f" '{chapter.status.value}' is the end of the workflow."
    return f"{what}{how} To record it anyway, add --force."


def mark(chapter: Chapter, target: Status, date: dt.date, by: str | None = None,
         note: str | None = None, force: bool = False, commit: str | None = None) -> Chapter:
    """The chapter after recording a move to `target`: a new event, and the new status.

    Raises TransitionRefused for a move the workflow does not allow (unless `force`, which
    records the event as forced), and UsageError for a date before the last event.
    """
    why = refusal(chapter, target)
    if why is not None and not force:
        raise TransitionRefused(why)
    if chapter.history and date < chapter.history[-1].date:
        last = chapter.history[-1]
        raise UsageError(f"The date {date.isoformat()} is before the last event of chapter "
                         f"'{chapter.id}' ({last.date.isoformat()}, {last.state.value}). "
                         "Events are kept in order: give a date on or after it.")
    event = Event(date=date, state=target, by=by or None, note=note or None,
                  commit=commit or None, round=review_round(chapter.history, target),
                  forced=why is not None)
    return replace(chapter, status=target, history=(*chapter.history, event))
