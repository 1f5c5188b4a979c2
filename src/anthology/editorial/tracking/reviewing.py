"""Peer review on disk: assignments, reports and decisions written to chapters.yaml (under the
book's lock, hand edits kept: tracking/store.py), reports copied under `reviews/`, and the
letters to authors and reminders to reviewers written as `.eml` files to build/mail/.

The rules live in tracking/reviews.py; the texts of the letters are the mail templates
`decision.txt.j2` and `review-reminder.txt.j2`, which a book overrides in its
`templates/mail/`. Reports are for the editors: `reviews/` is kept out of git by the
.gitignore that `anthology init` writes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from anthology.core.errors import AnthologyError, UsageError
from anthology.core.files import atomic_write_bytes, atomic_write_text, resolve_inside
from anthology.core.findings import Finding, warning
from anthology.core.model import Book, Chapter, Contributor, Review
from anthology.editorial.tracking import reviews as rules
from anthology.editorial.tracking.plan import find_chapter
from anthology.editorial.tracking.store import editing, event_record, with_fields

REVIEWS_DIR = "reviews"
REPORT_SUFFIXES = (".md", ".txt")
REPORT_MAX_BYTES = 1_000_000


def review_record(review: Review) -> dict[str, Any]:
    """A review as it is written in chapters.yaml (empty fields left out)."""
    return with_fields({"reviewer": review.reviewer, "round": review.round,
                        "blind": review.blind, "assigned": review.assigned}, review,
                       ("due", "recommendation", "recorded", "report"))


def assign_review(root: Path, chapter_id: str, reviewer: str, today: dt.date, *,
                  due: dt.date | None = None, blind: str = "double",
                  force: bool = False) -> Review:
    """Assign `reviewer` to the chapter's current round; return the review as recorded."""
    from anthology.editorial.tracking.people import find_contributor

    with editing(root) as edit:
        chapter = find_chapter(edit.book, chapter_id)
        find_contributor(edit.book, reviewer)
        review = rules.assign(edit.book, chapter, reviewer, today, due=due, blind=blind,
                              force=force)
        record = edit.chapters.get(chapter.id)
        record["reviews"] = [*(record.get("reviews") or []), review_record(review)]
        edit.chapters.put(chapter.id, record)
    return review


def _read_report(source: Path) -> str:
    """The text of a report to copy, or a UsageError saying why it cannot be used."""
    if source.suffix.lower() not in REPORT_SUFFIXES:
        raise UsageError(f"{source}: a report is kept as text (.md or .txt), so that the "
                         "letter to the authors can quote it. Save it as plain text or "
                         "Markdown, then record it again.")
    if not source.is_file():
        raise UsageError(f"{source}: no such file. Give the path of the reviewer's report.")
    if source.stat().st_size > REPORT_MAX_BYTES:
        raise UsageError(f"{source}: the report is larger than 1 MB; a review is text. "
                         "Check that this is the right file.")
    try:
        return source.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{source}: not UTF-8 text (byte {exc.start}). Save it as UTF-8 "
                         "text, then record it again.") from None


def report_path(chapter: Chapter, number: int, reviewer: str, suffix: str) -> str:
    """Where a report is kept in the book: reviews/<chapter>/round-<n>-<reviewer>.md."""
    return f"{REVIEWS_DIR}/{chapter.id}/round-{number}-{reviewer}{suffix}"


def record_review(root: Path, chapter_id: str, reviewer: str, recommendation: str,
                  today: dt.date, report: Path | None = None) -> Review:
    """Record a reviewer's recommendation (and copy their report under reviews/)."""
    text = _read_report(report) if report is not None else None
    with editing(root) as edit:
        chapter = find_chapter(edit.book, chapter_id)
        review = rules.find_review(chapter, reviewer)
        name = report_path(chapter, review.round, reviewer, report.suffix.lower()) \
            if report is not None else None
        done = rules.record(chapter, reviewer, recommendation, today, name)
        if text is not None and name is not None:
            atomic_write_text(root / name, text)
        record = edit.chapters.get(chapter.id)
        records = list(record.get("reviews") or [])
        for index, item in enumerate(records):
            if isinstance(item, dict) and item.get("reviewer") == reviewer and \
                    item.get("round") == done.round:
                records[index] = {**item, **review_record(done)}
        record["reviews"] = records
        edit.chapters.put(chapter.id, record)
    return done


@dataclass
class DecisionResult:
    """What `decide_review` recorded and wrote."""

    decision: rules.Decision
    letter: Path | None
    findings: list[Finding] = field(default_factory=list)


def decide_review(root: Path, chapter_id: str, decision: str, today: dt.date, *,
                  by: str | None = None, note: str | None = None,
                  force: bool = False) -> DecisionResult:
    """Record the editor's decision on the round under review and write the letter to the
    authors with the reports (build/mail/<chapter>-decision-round-<n>.eml)."""
    with editing(root) as edit:
        chapter = find_chapter(edit.book, chapter_id)
        made = rules.decide(chapter, decision, today, by=by, note=note, force=force)
        # The letter is made before anything is written: a template that fails changes nothing.
        message, findings = compose_decision(edit.book, made, today)
        record = edit.chapters.get(chapter.id)
        record["status"] = made.chapter.status.value
        record["history"] = [*(record.get("history") or []),
                             event_record(made.chapter.history[-1])]
        edit.chapters.put(chapter.id, record)
    letter = None
    if message is not None:
        letter = root / "build" / "mail" / f"{chapter.id}-decision-round-{made.round}.eml"
        atomic_write_bytes(letter, message.as_bytes(policy=SMTP))
    return DecisionResult(made, letter, findings)


def _report_text(book: Book, review: Review) -> str:
    if review.report is None:
        return ""
    path = resolve_inside(book.root, book.root, review.report)
    if path is None:
        raise AnthologyError(f"The report {review.report} of '{review.reviewer}' (chapter "
                             "reviews in chapters.yaml) is missing. Put it back, or record "
                             "the review again with --report FILE.")
    return path.read_text(encoding="utf-8", errors="replace").strip()


def _signed(book: Book, review: Review, text: str) -> list[Finding]:
    """Where a blind review's report names its reviewer: the letter would identify them."""
    person = book.contributor(review.reviewer)
    words = {person.name, *person.name.split()[-1:]} if person.name.split() else set()
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        if any(re.search(rf"\b{re.escape(w)}\b", line) for w in words):
            found.append(warning(
                "review.signed", review.report or "", number,
                f"the report of '{review.reviewer}' names its reviewer ({person.name}); the "
                "letter to the authors quotes it.",
                "Remove the name from the letter before sending it (and from the report, if "
                "the review is to stay anonymous)."))
    return found


def compose_decision(book: Book, made: rules.Decision, today: dt.date
                     ) -> tuple[EmailMessage | None, list[Finding]]:
    """The decision letter to the chapter's authors, with the reports (reviewers named only in
    open review), and warnings about reports that name their reviewers."""
    from anthology.editorial.tracking import workflow
    from anthology.editorial.tracking.reminders import _environment

    chapter = made.chapter
    authors = [book.contributor(a) for a in chapter.authors]
    names = {p.id: p.name for p in book.contributors}
    findings: list[Finding] = []
    reports = []
    for review in made.reviews:
        text = _report_text(book, review)
        if review.blind != "open":
            findings.extend(_signed(book, review, text))
        reports.append({"label": rules.review_label(made.reviews, review, names),
                        "recommendation": review.recommendation,
                        "recommendation_words": rules.RECOMMENDATION_WORDS.get(
                            review.recommendation or "", "no recommendation"),
                        "text": text})
    editors = book.editors
    env = _environment(book)
    context = {"book": book.config, "chapter": chapter, "authors": authors,
               "first_names": [a.name.split()[0] for a in authors if a.name.split()],
               "decision": made.decision, "round": made.round, "note": made.note,
               "reviews": reports, "editors": editors, "today": today,
               "due": workflow.deadline(chapter, book.config.schedule)}
    body = _render(book, env, "decision.txt.j2", context)
    addressed = [a for a in authors if a.email]
    if not addressed:
        return None, findings
    message = EmailMessage()
    if editors and editors[0].email:
        message["From"] = Address(editors[0].name, addr_spec=editors[0].email)
    message["To"] = [Address(a.name, addr_spec=a.email or "") for a in addressed]
    words = {"accept": "accepted", "revise": "revisions requested", "reject": "not accepted"}
    message["Subject"] = f"{book.config.title}: \"{chapter.title}\", {words[made.decision]} " \
                         f"(review round {made.round})"
    message["Date"] = format_datetime(dt.datetime.combine(today, dt.time(9, 0), tzinfo=dt.UTC))
    message["Message-ID"] = f"<{today.isoformat()}.{chapter.id}.decision-{made.round}." \
                            f"{book.config.slug}@anthology.invalid>"
    message["X-Anthology-Chapters"] = chapter.id
    message.set_content(body, cte="8bit")
    return message, findings


def _render(book: Book, env: Any, name: str, context: dict[str, Any]) -> str:
    from jinja2 import TemplateError

    from anthology.engines.jinja import template_error_message

    try:
        return str(env.get_template(name).render(context))
    except TemplateError as exc:
        raise AnthologyError(template_error_message(book.root, f"mail/{name}", exc)) from None


@dataclass(frozen=True)
class Assignment:
    """An outstanding review, for a reminder to its reviewer."""

    chapter: Chapter
    review: Review
    days_overdue: int


def outstanding_reviews(book: Book, today: dt.date, chapter_ids: Sequence[str] = (),
                        overdue_only: bool = False) -> list[Assignment]:
    """The outstanding reviews of each chapter's current round, in book order, filtered."""
    wanted = {find_chapter(book, ident).id for ident in chapter_ids}
    out = []
    for chapter in book.chapters:
        if (wanted and chapter.id not in wanted) or chapter.status not in rules.ASSIGNABLE:
            continue
        for review in rules.current_reviews(chapter):
            late = max(0, (today - review.due).days) if review.due else 0
            if review.outstanding and (late or not overdue_only):
                out.append(Assignment(chapter, review, late))
    return out


def compose_review_reminder(book: Book, person: Contributor, items: Sequence[Assignment],
                            today: dt.date, env: Any) -> EmailMessage:
    """The reminder to one reviewer about the reviews they owe."""
    editors = book.editors
    body = _render(book, env, "review-reminder.txt.j2",
                   {"book": book.config, "person": person, "items": items,
                    "editors": editors, "today": today})
    message = EmailMessage()
    if editors and editors[0].email:
        message["From"] = Address(editors[0].name, addr_spec=editors[0].email)
    message["To"] = Address(person.name, addr_spec=person.email or "")
    n = len(items)
    message["Subject"] = f"{book.config.title}: your review" + (
        f" of \"{items[0].chapter.title}\"" if n == 1 else f"s of {n} chapters")
    message["Date"] = format_datetime(dt.datetime.combine(today, dt.time(9, 0), tzinfo=dt.UTC))
    message["Message-ID"] = f"<{today.isoformat()}.review-{person.id}.{book.config.slug}" \
                            "@anthology.invalid>"
    message["X-Anthology-Chapters"] = ", ".join(i.chapter.id for i in items)
    message.set_content(body, cte="8bit")
    return message


def write_review_reminders(book: Book, today: dt.date, out_dir: Path,
                           chapter_ids: Sequence[str] = (),
                           overdue_only: bool = False) -> list[Path]:
    """Write one .eml per reviewer with reviews outstanding (review-<id>.eml)."""
    from anthology.editorial.tracking.reminders import _environment

    by_person: dict[str, list[Assignment]] = {}
    for item in outstanding_reviews(book, today, chapter_ids, overdue_only):
        by_person.setdefault(item.review.reviewer, []).append(item)
    env = _environment(book)
    messages = []
    for ident, items in by_person.items():
        person = book.contributor(ident)
        if person.email:
            messages.append((out_dir / f"review-{ident}.eml",
                             compose_review_reminder(book, person, items, today, env)))
    for path, message in messages:
        atomic_write_bytes(path, message.as_bytes(policy=SMTP))
    return [path for path, _ in messages]
