"""Word in, Word out: chapters that arrive by e-mail (Markdown or .docx) and Word imports.

Commands of this group are registered in anthology.cli. Each parses options, calls one core
function (anthology.editorial.submissions.submit, anthology.editorial.word.wordimport) and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from anthology.cli.common import echo, state

if TYPE_CHECKING:
    from anthology.core.model import Book
    from anthology.editorial.word.wordimport import ImportReport

COMMANDS: list[click.Command] = []

_SOURCE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _import_lines(book: Book, report: ImportReport) -> list[str]:
    """What an import wrote, what it accepted and what did not come through."""
    from anthology.core.files import relative_name

    lines = [f"Wrote {relative_name(book.root, p)}" for p in report.written[:3]]
    if len(report.written) > 3:
        lines.append(f"Wrote {len(report.written) - 3} more pictures.")
    lines.append(f"{report.citations} citation{'' if report.citations == 1 else 's'} of "
                 f"{report.works} work{'' if report.works == 1 else 's'} "
                 f"({report.new_works} added to the chapter's bibliography), "
                 f"{report.notes} note{'' if report.notes == 1 else 's'}, "
                 f"{report.pictures} picture{'' if report.pictures == 1 else 's'}.")
    if report.accepted:
        lines.append(f"Accepted {len(report.accepted)} tracked changes and left out the "
                     "comments:")
        lines += [f"  {change.line()}" for change in report.accepted]
    if report.unconverted:
        lines.append("Not converted (look at these in the Word file):")
        lines += [f"  {item.where}: {item.what}" for item in report.unconverted]
    return lines


def _check_lines(book: Book, chapter_id: str) -> list[str]:
    """`anthology check` of the chapter: its findings (the chapter is in place whatever they
    are, so they do not change the exit code)."""
    from anthology.core.config import load_book
    from anthology.core.findings import render_text, sort_findings
    from anthology.editorial.checks.runner import check_book

    findings = sort_findings(check_book(load_book(book.root), [chapter_id]))
    shown = [f for f in findings if f.severity != "info"]
    if not shown:
        return [f"Checked chapter '{chapter_id}': no problems."]
    return [render_text(shown)]


@click.command("import")
@click.argument("chapter_id", metavar="CHAPTER")
@click.argument("source", metavar="FILE.docx", type=_SOURCE)
@click.option("--accept-changes", is_flag=True,
              help="Accept every tracked change (and leave out the comments) instead of "
                   "refusing the file.")
def import_command(chapter_id: str, source: Path, accept_changes: bool) -> None:
    """Turn a Word file into the chapter's Markdown, bibliography and pictures.

    Zotero, Mendeley and EndNote citations become citations with readable keys (cahn2000),
    their works the chapter's own CSL JSON bibliography; footnotes, headings, lists, tables
    and pictures (with their descriptions) are kept. Tracked changes and comments are listed
    and the file refused unless --accept-changes. The result is checked; what could not be
    converted is listed with the first words of its paragraph. Nothing is committed: see
    `anthology submit` for that.

    Example:

    \b
        anthology import peer-support ~/Downloads/peer-support-v2.docx
    """
    from anthology.editorial.tracking.plan import find_chapter
    from anthology.editorial.word.wordimport import import_docx

    book = state().book()
    report = import_docx(book, find_chapter(book, chapter_id), source,
                         accept_changes=accept_changes)
    echo("\n".join(_import_lines(book, report)))
    echo("\n".join(_check_lines(book, chapter_id)))


@click.command("submit")
@click.argument("chapter_id", metavar="CHAPTER")
@click.argument("source", metavar="FILE", type=_SOURCE)
@click.option("--from", "sender", metavar="CONTRIBUTOR",
              help="Who sent it: id, name or e-mail (default: the chapter's first author).")
@click.option("--date", help="The day it arrived, YYYY-MM-DD (default today).")
@click.option("--note", help="A note for the history and the commit message.")
@click.option("--accept-changes", is_flag=True,
              help="For a Word file: accept its tracked changes instead of refusing it.")
@click.option("--force", is_flag=True,
              help="Take it from someone who is not an author, or for a closed chapter.")
def submit_command(chapter_id: str, source: Path, sender: str | None, date: str | None,
                   note: str | None, accept_changes: bool, force: bool) -> None:
    """Take a chapter that arrived by e-mail (Markdown or Word .docx) as a submission.

    The file goes where chapters.yaml puts the chapter (a .docx through `anthology import`),
    is committed with the contributor as its git author (you stay the committer), and the
    workflow moves on: to draft, or to the next review round after revisions, with the commit
    in the history. `submissions`, `sync` and `diff` then see it as any other commit.
    Refused, with nothing changed, outside git, when the chapter's file has uncommitted
    changes, or from someone who is not an author (unless --force).

    Example:

    \b
        anthology submit peer-support peer-support.docx --from ben-writer
    """
    from anthology.cli.tracking import _date_or_today
    from anthology.editorial.submissions.submit import submit_chapter

    root = state().root()
    result = submit_chapter(root, chapter_id, source, sender=sender,
                            date=_date_or_today(date), note=note, force=force,
                            accept_changes=accept_changes)
    book = state().book()
    if result.imported is not None:
        echo("\n".join(_import_lines(book, result.imported)))
    echo(f"Committed {', '.join(result.files)} as {result.short}, from "
               f"{result.author.name} <{result.author.emails[0]}>.")
    event = result.event
    if event is None:
        echo(f"Chapter '{result.chapter.id}' stays {result.chapter.status.value}.")
    else:
        round_text = f" (round {event.round})" if event.round and event.round > 1 else ""
        forced = " (forced)" if event.forced else ""
        echo(f"Chapter '{result.chapter.id}' is now {event.state.value}{round_text}"
                   f"{forced}, {event.date.isoformat()}.")
    echo("\n".join(_check_lines(book, chapter_id)))


COMMANDS.extend([import_command, submit_command])
