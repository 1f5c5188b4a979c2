"""Reminders: one e-mail per contributor, covering every chapter that waits on them.

The texts are Jinja2 templates, one per situation (invitation, abstract, draft, revisions,
proofs) plus the frame of the message; a book overrides any of them by putting a file of the
same name in its `templates/mail/`. Messages are written as `.eml` files (RFC 5322, made with
the `email` package) for the editor to check and send. Nothing is ever sent from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from anthology.core.files import atomic_write_bytes
from anthology.core.model import Book, Chapter, Contributor, Status
from anthology.core.resources import TEMPLATES_DIR
from anthology.editorial.tracking import workflow

BUILTIN_TEMPLATES = TEMPLATES_DIR / "mail"

SITUATIONS: dict[Status, str] = {
    Status.INVITED: "invitation",
    Status.AGREED: "abstract",
    Status.ABSTRACT: "draft",
    Status.REVISIONS: "revisions",
    Status.PROOFS: "proofs",
}

WHAT_IS_DUE: dict[str, str] = {
    "invitation": "your reply to our invitation",
    "abstract": "your abstract",
    "draft": "your draft chapter",
    "revisions": "your revised chapter",
    "proofs": "your corrected proofs",
}


@dataclass(frozen=True)
class Waiting:
    """A chapter that waits on its authors."""

    chapter: Chapter
    number: int | None
    situation: str
    due: dt.date | None
    since: dt.date | None
    days_overdue: int


def long_date(value: dt.date | None) -> str:
    """`30 September 2026`."""
    return f"{value.day} {value:%B %Y}" if value else ""


def waiting_chapters(book: Book, today: dt.date, chapter_ids: Sequence[str] = (),
                     overdue_only: bool = False) -> list[Waiting]:
    """Chapters whose next move is their authors', in book order, filtered."""
    from anthology.editorial.tracking.plan import find_chapter

    wanted = {find_chapter(book, ident).id for ident in chapter_ids}
    out = []
    for chapter in book.chapters:
        if wanted and chapter.id not in wanted:
            continue
        situation = SITUATIONS.get(chapter.status)
        if situation is None:
            continue
        due = workflow.deadline(chapter, book.config.schedule)
        late = workflow.days_overdue(due, today)
        if overdue_only and not late:
            continue
        number = book.number(chapter.id) if chapter in book.active_chapters else None
        out.append(Waiting(chapter, number, situation, due, workflow.since(chapter), late))
    return out


def _environment(book: Book) -> Any:
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    from anthology.engines.jinja import BookTemplates

    loaders: list[FileSystemLoader] = []
    own = book.root / "templates" / "mail"
    if own.is_dir():
        loaders.append(BookTemplates(own))
    loaders.append(FileSystemLoader(BUILTIN_TEMPLATES))
    env = SandboxedEnvironment(loader=ChoiceLoader(loaders), autoescape=False,
                               undefined=StrictUndefined, trim_blocks=True,
                               lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["longdate"] = long_date
    return env


def _subject(book: Book, items: Sequence[Waiting]) -> str:
    if len(items) == 1:
        item = items[0]
        what = WHAT_IS_DUE[item.situation]
        when = f", due {long_date(item.due)}" if item.due else ""
        return f"{book.config.title}: {what}{when}"
    return f"{book.config.title}: {len(items)} chapters wait on you"


def compose(book: Book, person: Contributor, items: Sequence[Waiting], today: dt.date,
            env: Any = None) -> EmailMessage:
    """The reminder to one person about the chapters that wait on them."""
    env = env or _environment(book)
    editors = book.editors
    sections = []
    for item in items:
        coauthors = [book.contributor(a).name for a in item.chapter.authors if a != person.id]
        context = {"book": book.config, "person": person, "chapter": item.chapter,
                   "number": item.number, "due": item.due, "since": item.since,
                   "days_overdue": item.days_overdue, "coauthors": coauthors,
                   "editors": editors, "today": today, "what": WHAT_IS_DUE[item.situation]}
        sections.append(env.get_template(f"{item.situation}.txt.j2").render(context).strip())
    body = env.get_template("message.txt.j2").render(
        book=book.config, person=person, sections=sections, editors=editors, today=today,
        items=items)
    message = EmailMessage()
    if editors and editors[0].email:
        message["From"] = Address(editors[0].name, addr_spec=editors[0].email)
    message["To"] = Address(person.name, addr_spec=person.email or "")
    others = [e for e in editors[1:] if e.email and e.id != person.id]
    if others:
        message["Cc"] = [Address(e.name, addr_spec=e.email or "") for e in others]
    message["Subject"] = _subject(book, items)
    message["Date"] = format_datetime(dt.datetime.combine(today, dt.time(9, 0),
                                                          tzinfo=dt.UTC))
    message["Message-ID"] = f"<{today.isoformat()}.{person.id}.{book.config.slug}" \
                            "@anthology.invalid>"
    message["X-Anthology-Chapters"] = ", ".join(i.chapter.id for i in items)
    message.set_content(body, cte="8bit")
    return message


def write_reminders(book: Book, today: dt.date, out_dir: Path, chapter_ids: Sequence[str] = (),
                    overdue_only: bool = False) -> list[Path]:
    """Write one .eml per contributor with chapters waiting on them; return the files."""
    items = waiting_chapters(book, today, chapter_ids, overdue_only)
    by_person: dict[str, list[Waiting]] = {}
    for item in items:
        for author in item.chapter.authors:
            by_person.setdefault(author, []).append(item)
    from jinja2 import TemplateError

    from anthology.core.errors import AnthologyError
    from anthology.engines.jinja import template_error_message

    env = _environment(book)
    messages = []
    for ident, waiting in by_person.items():
        person = book.contributor(ident)
        if not person.email:
            continue
        try:
            messages.append((out_dir / f"{ident}.eml", compose(book, person, waiting, today,
                                                               env)))
        except TemplateError as exc:
            raise AnthologyError(template_error_message(book.root, "mail/message.txt.j2",
                                                        exc)) from None
    # Every reminder is made before any is written: a template that fails leaves nothing.
    for path, message in messages:
        atomic_write_bytes(path, message.as_bytes(policy=SMTP))
    return [path for path, _ in messages]
