"""Tracking the book: contributors, chapters, the workflow, status, report and reminders.

The contributor commands are in anthology.cli.contributors, registered here with the others.
Commands of this group are registered in anthology.cli. Each parses options, calls one function
of `anthology.editorial.tracking` and prints; domain errors are turned into messages by the group.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Sequence
from pathlib import Path

import click

from anthology.cli.common import (
    echo,
    echo_json,
    format_option,
    known_submissions,
    known_words,
    state,
    today,
    use_colour,
)
from anthology.cli.contributors import contributor_group
from anthology.core.errors import UsageError
from anthology.core.model import TEXT_STATES, Book, Chapter, Event, Status

COMMANDS: list[click.Command] = []


def _who(root: Path) -> str:
    """`git config user.name` in the book, else the name of the user running the command."""
    from anthology.editorial.submissions.git import config_value

    name = config_value("user.name", root)
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user name in this environment
        return "editor"


def _date_or_today(value: str | None) -> dt.date:
    """`--date` as a date, today when it is not given; a day still to come is refused, since
    the history records what has happened (and a later event could not be dated before it)."""
    from anthology.editorial.tracking.plan import parse_date

    if value is None:
        return today()
    date = parse_date(value)
    if date > today():
        raise UsageError(f"The date {date.isoformat()} is in the future (today is "
                         f"{today().isoformat()}). Give the day it happened, as YYYY-MM-DD.")
    return date


def _by_or_me(root: Path, value: str | None) -> str:
    """`--by` as given (trimmed), else the person running the command; empty is refused."""
    if value is None:
        return _who(root)
    if not value.strip():
        raise UsageError("--by is empty. Give the name of who did it, for example "
                         "--by \"Jane Doe\", or leave --by out to record yourself.")
    return value.strip()


# Chapters

@click.group("chapter")
def chapter_group() -> None:
    """Add, list, show, edit, move and remove the chapters of the plan (chapters.yaml).

    Example:

    \b
        anthology chapter add peer-support --title "Peer support" --author jane-doe
    """


@chapter_group.command("add")
@click.argument("chapter_id")
@click.option("--title", required=True, help="The chapter's title.")
@click.option("--author", "authors", multiple=True, required=True,
              help="Contributor id of an author; repeat in the order of the byline.")
@click.option("--file", help="Markdown file (default chapters/<nn>-<id>.md).")
@click.option("--part", help='The part of the book, e.g. "Part I: Power".')
@click.option("--word-limit", type=click.IntRange(min=1), help="This chapter's word limit.")
@click.option("--note", help="A note for the history.")
@click.option("--date", help="Date of the proposal, YYYY-MM-DD (default today).")
@click.option("--by", help="Who proposed it (default: git config user.name).")
def chapter_add_command(chapter_id: str, title: str, authors: tuple[str, ...],
                        file: str | None, part: str | None, word_limit: int | None,
                        note: str | None, date: str | None, by: str | None) -> None:
    """Add a chapter at the end of the plan; it starts as 'proposed'.

    Example:

    \b
        anthology chapter add peer-support --title "Peer support" --author jane-doe
    """
    from anthology.editorial.tracking.plan import add_chapter

    root = state().root()
    chapter = add_chapter(root, chapter_id, title, authors, file=file, part=part,
                          word_limit=word_limit, date=_date_or_today(date),
                          by=_by_or_me(root, by), note=note)
    echo(f"Added chapter '{chapter.id}' ({chapter.file}), proposed.")


@chapter_group.command("list")
@format_option("text", "json")
def chapter_list_command(fmt: str) -> None:
    """List the chapters in book order.

    Example:

    \b
        anthology chapter list
    """
    book = state().book()
    if fmt == "json":
        echo_json([_chapter_dict(book, c) for c in book.chapters])
        return
    if not book.chapters:
        echo("No chapters yet. Add one with `anthology chapter add`.")
        return
    width = max(len(c.id) for c in book.chapters)
    for chapter in book.chapters:
        number = book.number(chapter.id) if chapter in book.active_chapters else None
        echo(f"{number or '-':>2}  {chapter.id:<{width}}  {chapter.status.value:<10}  "
             f"{chapter.title} ({', '.join(chapter.authors)})")


def _chapter_dict(book: Book, chapter: Chapter) -> dict[str, object]:
    return {"id": chapter.id, "title": chapter.title, "authors": list(chapter.authors),
            "file": chapter.file, "part": chapter.part, "status": chapter.status.value,
            "word_limit": chapter.word_limit,
            "due": {k: v.isoformat() for k, v in chapter.due.items()},
            "history": [_event_dict(e) for e in chapter.history]}


def _event_dict(event: Event) -> dict[str, object]:
    from anthology.editorial.tracking.store import event_record

    record = event_record(event)
    record["date"] = record["date"].isoformat()
    return record


@chapter_group.command("show")
@click.argument("chapter_id")
def chapter_show_command(chapter_id: str) -> None:
    """Show a chapter's plan, deadline and history.

    Example:

    \b
        anthology chapter show peer-support
    """
    from anthology.editorial.tracking import workflow
    from anthology.editorial.tracking.plan import find_chapter

    book = state().book()
    chapter = find_chapter(book, chapter_id)
    names = [book.contributor(a).name for a in chapter.authors]
    due = workflow.deadline(chapter, book.config.schedule)
    move = workflow.whose_move(chapter.status)
    lines = [f"{chapter.title} ({chapter.id})", f"  Authors:      {', '.join(names)}",
             f"  File:         {chapter.file or '-'}"
             + (" (not in the book yet)" if chapter.file and chapter.status in TEXT_STATES
                and not (book.root / chapter.file).exists() else "")]
    if chapter.part:
        lines.append(f"  Part:         {chapter.part}")
    lines.append(f"  State:        {chapter.status.value}")
    if move is not workflow.Mover.NOBODY:
        lines.append(f"  Next move:    {move.value}: {workflow.NEXT_MOVE[chapter.status]}"
                     + (f", due {due.isoformat()}" if due else ""))
    limit = chapter.word_limit or book.config.words.chapter_limit
    if limit:
        lines.append(f"  Word limit:   {limit:,}")
    if chapter.due:
        lines.append("  Deadlines:    " + ", ".join(f"{k} {v.isoformat()}"
                                                    for k, v in chapter.due.items()))
    lines.append("  History:")
    lines.extend("    " + line for line in _history_lines(chapter))
    echo("\n".join(lines))


@chapter_group.command("edit")
@click.argument("chapter_id")
@click.option("--title", help="New title.")
@click.option("--author", "authors", multiple=True,
              help="Contributor id of an author; repeatable. Replaces the list.")
@click.option("--file", help="Markdown file of the chapter.")
@click.option("--part", help='The part of the book ("" removes it).')
@click.option("--word-limit", type=click.IntRange(min=0),
              help="This chapter's word limit (0 removes it).")
@click.option("--due", "due", multiple=True, metavar="KEY=DATE",
              help="Deadline override, e.g. drafts=2026-12-15 (drafts= removes it); "
                   "repeatable.")
def chapter_edit_command(chapter_id: str, title: str | None, authors: tuple[str, ...],
                         file: str | None, part: str | None, word_limit: int | None,
                         due: tuple[str, ...]) -> None:
    """Change a chapter's title, authors, file, part, word limit or deadlines.

    Example:

    \b
        anthology chapter edit peer-support --due drafts=2026-12-15
    """
    from anthology.editorial.tracking.plan import edit_chapter, parse_due

    chapter = edit_chapter(state().root(), chapter_id, title=title, authors=authors, file=file,
                           part=part, word_limit=word_limit, due=parse_due(due))
    echo(f"Updated chapter '{chapter.id}'.")


@chapter_group.command("move")
@click.argument("chapter_id")
@click.option("--before", help="Put it before this chapter.")
@click.option("--after", help="Put it after this chapter.")
@click.option("--to", type=int, help="Put it at this place (1 is first).")
def chapter_move_command(chapter_id: str, before: str | None, after: str | None,
                         to: int | None) -> None:
    """Change the order of the book (file names are not changed).

    Example:

    \b
        anthology chapter move peer-support --after introduction
    """
    from anthology.editorial.tracking.plan import move_chapter

    book = move_chapter(state().root(), chapter_id, before=before, after=after, to=to)
    order = [c.id for c in book.chapters]
    echo(f"Moved '{chapter_id}' to place {order.index(chapter_id) + 1}: "
         f"{', '.join(order)}.")


@chapter_group.command("remove")
@click.argument("chapter_id")
@click.option("--force", is_flag=True, help="Remove it even though work on it has started.")
def chapter_remove_command(chapter_id: str, force: bool) -> None:
    """Remove a chapter from the plan (its file is kept).

    Example:

    \b
        anthology chapter remove peer-support
    """
    from anthology.editorial.tracking.plan import remove_chapter

    chapter = remove_chapter(state().root(), chapter_id, force)
    kept = f" Its file {chapter.file} was kept." if chapter.file and (
        state().root() / chapter.file).exists() else ""
    echo(f"Removed chapter '{chapter.id}' from the plan.{kept}")


# The workflow

@click.command("mark")
@click.argument("chapter_id", metavar="CHAPTER")
@click.argument("new_state", metavar="STATE")
@click.option("--note", help="What happened, for the history.")
@click.option("--date", help="When, YYYY-MM-DD (default today).")
@click.option("--by", help="Who (default: git config user.name).")
@click.option("--commit", help="The commit the change came from.")
@click.option("--force", is_flag=True, help="Record a move the workflow does not allow.")
def mark_command(chapter_id: str, new_state: str, note: str | None, date: str | None,
                 by: str | None, commit: str | None, force: bool) -> None:
    """Record that a chapter has moved on in the workflow.

    States: proposed, invited, declined, agreed, abstract, draft, review, revisions,
    accepted, copyedited, proofs, final, withdrawn.

    Example:

    \b
        anthology mark ch04 draft --note "arrived by email"
    """
    from anthology.editorial.tracking.plan import mark_chapter

    root = state().root()
    chapter = mark_chapter(root, chapter_id, new_state, date=_date_or_today(date),
                           by=_by_or_me(root, by), note=note, force=force, commit=commit)
    event = chapter.history[-1]
    round_text = f" (round {event.round})" if event.round and event.round > 1 else ""
    forced = " (forced)" if event.forced else ""
    echo(f"Chapter '{chapter.id}' is now {event.state.value}{round_text}{forced}, "
         f"{event.date.isoformat()}.")
    if event.state is Status.DRAFT and chapter.file and not (root / chapter.file).exists():
        echo(f"Note: its file {chapter.file} is not in the book yet: save the draft there "
             f"(or point 'file:' at it with `anthology chapter edit {chapter.id} --file "
             "PATH`) before `anthology check` or `anthology build`.")


def _history_lines(chapter: Chapter) -> list[str]:
    lines = []
    for event in chapter.history:
        text = f"{event.date.isoformat()}  {event.state.value:<10}"
        if event.round:
            text += f" round {event.round}"
        if event.by:
            text += f"  by {event.by}"
        if event.forced:
            text += "  (forced)"
        if event.commit:
            text += f"  [{event.commit[:10]}]"
        if event.note:
            text += f"  {event.note}"
        lines.append(text.rstrip())
    return lines or ["(no events recorded)"]


@click.command("history")
@click.argument("chapter_id", metavar="CHAPTER")
@format_option("text", "json")
def history_command(chapter_id: str, fmt: str) -> None:
    """Print the events of a chapter, oldest first.

    Example:

    \b
        anthology history ch04
    """
    from anthology.editorial.tracking.plan import find_chapter

    chapter = find_chapter(state().book(), chapter_id)
    if fmt == "json":
        echo_json([_event_dict(e) for e in chapter.history])
        return
    echo(f"{chapter.title} ({chapter.id}): {chapter.status.value}")
    echo("\n".join("  " + line for line in _history_lines(chapter)))


# Seeing where the book stands

@click.command("status")
@click.option("--overdue", is_flag=True, help="Only chapters past their deadline.")
@click.option("--state", "state_name", metavar="STATE", help="Only chapters in this state.")
@click.option("--author", metavar="ID", help="Only chapters by this contributor.")
@format_option("text", "json", "csv", "markdown")
def status_command(overdue: bool, state_name: str | None, author: str | None,
                   fmt: str) -> None:
    """Show where every chapter stands: state, whose move, deadline, words; then a summary.

    Example:

    \b
        anthology status --overdue
    """
    from anthology.editorial.tracking.people import find_contributor
    from anthology.editorial.tracking.plan import parse_state
    from anthology.editorial.tracking.status import build_status, render

    book = state().book()
    wanted = parse_state(state_name) if state_name else None
    if author:
        find_contributor(book, author)
    words, estimated = known_words(book)
    report = build_status(book, today(), words=words, submissions=known_submissions(book),
                          overdue_only=overdue, state=wanted, author=author)
    colour = fmt == "text" and use_colour()
    # The text table is made safe for the terminal by its renderer, before it adds colour.
    echo(render(report, fmt, colour=colour), styled=fmt == "text")
    if estimated and fmt == "text":
        n = len(estimated)
        echo(f"Words of {n} chapter{'' if n == 1 else 's'} changed since the last check "
             "are estimated (citations as written); `anthology check` counts them as printed.")


@click.command("report")
def report_command() -> None:
    """Write build/status.html: a one-page board of the book's progress.

    Example:

    \b
        anthology report
    """
    from anthology.core.files import atomic_write_text, relative_name
    from anthology.editorial.tracking.report import render_report
    from anthology.editorial.tracking.status import build_status

    book = state().book()
    report = build_status(book, today(), words=known_words(book)[0],
                          submissions=known_submissions(book))
    out_dir = book.root / "build"
    path = out_dir / "status.html"
    atomic_write_text(path, render_report(book, report))
    echo(f"Wrote {relative_name(book.root, path)}.")


@click.command("remind")
@click.argument("chapter_ids", nargs=-1, metavar="[CHAPTER]...")
@click.option("--overdue", is_flag=True, help="Only chapters past their deadline.")
def remind_command(chapter_ids: Sequence[str], overdue: bool) -> None:
    """Write reminder e-mails (.eml) to build/mail/, one per contributor; nothing is sent.

    Each covers all of that person's chapters that wait on them; reviewers get one
    (review-ID.eml) for the reviews they owe.

    Example:

    \b
        anthology remind --overdue
    """
    from anthology.core.files import relative_name
    from anthology.editorial.tracking.reminders import write_reminders
    from anthology.editorial.tracking.reviewing import write_review_reminders

    book = state().book()
    written = write_reminders(book, today(), book.root / "build" / "mail",
                              chapter_ids=chapter_ids, overdue_only=overdue)
    written += write_review_reminders(book, today(), book.root / "build" / "mail",
                                      chapter_ids=chapter_ids, overdue_only=overdue)
    if not written:
        echo("No chapter waits on a contributor" + (" past its deadline" if overdue
                                                          else "") + "; no mail written.")
        return
    for path in written:
        echo(f"Wrote {relative_name(book.root, path)}")
    echo(f"{len(written)} e-mail{'' if len(written) == 1 else 's'} to check and send "
         "from your mail program; nothing was sent.")


COMMANDS.extend([contributor_group, chapter_group, mark_command, history_command,
                 status_command, report_command, remind_command])
