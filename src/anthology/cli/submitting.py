"""Submissions through git: who sent what (submissions), what it means for the workflow (sync),
what changed in the text (diff), and the pre-commit check (hooks install).

Commands of this group are registered in anthology.cli.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import click

from anthology.cli.common import echo, echo_json, format_option, state, today, use_colour
from anthology.core.terminal import safe_for_terminal

COMMANDS: list[click.Command] = []


def _book_code_note(changed: Sequence[str]) -> str:
    return f" [changed {', '.join(changed)}]" if changed else ""


def _words(added: int | None, removed: int | None) -> str:
    if added is None or removed is None:
        return "? words"
    return f"+{added:,} -{removed:,}"


@click.command("submissions")
@click.option("--since", "since_text", metavar="DATE",
              help="Only commits on or after DATE (YYYY-MM-DD).")
@format_option("text", "json", "csv")
def submissions_command(since_text: str | None, fmt: str) -> None:
    """List, chapter by chapter, the commits that touched its file, bibliography or images.

    For each commit: date, hash, author and e-mail, words of text added and removed, and
    whether the author is one of the chapter's authors (matched by any of their e-mails in
    contributors.yaml), an editor, or someone else; someone else is flagged with '!'.
    Renamed chapter files are followed.

    Example:

    \b
        anthology submissions --since 2026-09-01 --format json
    """
    from anthology.editorial.submissions.history import read_history
    from anthology.editorial.tracking.plan import parse_date

    since = parse_date(since_text) if since_text is not None else None
    book = state().book()
    history = read_history(book, since=since)
    items = history.all()
    if fmt == "json":
        echo_json([i.to_dict() for i in items])
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["chapter", "date", "commit", "author", "email", "contributor", "role",
                         "flagged", "words_added", "words_removed", "message", "files",
                         "book_code"])
        for i in items:
            writer.writerow([i.chapter, i.date.isoformat(), i.commit, i.author_name,
                             i.author_email, i.contributor or "", i.role.value,
                             "yes" if i.flagged else "", "" if i.added is None else i.added,
                             "" if i.removed is None else i.removed, i.message,
                             "; ".join(i.files), "; ".join(i.book_code)])
        echo(buffer.getvalue(), nl=False)
        return
    colour = use_colour()

    def flag(role: str) -> str:
        return click.style(role, fg="yellow", bold=True) if colour else role

    lines: list[str] = []
    for chapter in book.chapters:
        chapter_items = history.by_chapter.get(chapter.id, ())
        if not chapter_items and chapter.file is None:
            continue
        names = ", ".join(p.name for p in book.authors_of(chapter))
        lines.append(safe_for_terminal(f"{chapter.id}: {chapter.title}"
                                       + (f" ({names})" if names else "")))
        if not chapter_items:
            lines.append("  no commits" + (" since then" if since else " yet"))
        for i in chapter_items:
            role = f"{i.role.value} !" if i.flagged else i.role.value
            role = flag(f"{role:<8}") if i.flagged else f"{role:<8}"
            # Made safe here, not by echo: the role's colour must survive.
            lines.append(f"  {i.date.date().isoformat()}  {i.short}  {role}" + safe_for_terminal(
                f"  {_words(i.added, i.removed):>13}  {i.author_name} <{i.author_email}>"
                f": {i.message}" + _book_code_note(i.book_code)))
    if history.book_code:
        lines.append("The book's templates, styles and configuration (editors only):")
        for i in history.book_code:
            lines.append(f"  {i.date.date().isoformat()}  {i.short}  {flag('other ! ')}  "
                         + safe_for_terminal(f"{i.author_name} <{i.author_email}>: "
                                             f"{i.message}" + _book_code_note(i.book_code)))
    commits = {i.commit for i in items if i.chapter}
    chapters = {i.chapter for i in items if i.chapter}
    # Changes to the editors' files are counted in their own sentence below.
    flagged = sum(1 for i in items if i.chapter and i.role.value == "other")
    summary = (f"{len(commits)} commit{'' if len(commits) == 1 else 's'} to "
               f"{len(chapters)} chapter{'' if len(chapters) == 1 else 's'}")
    if flagged:
        summary += (f"; {flagged} flagged (!): from someone who is neither an author of the "
                    "chapter nor an editor. Add their e-mail to contributors.yaml if they are "
                    "one of the authors.")
    else:
        summary += "."
    if history.book_code:
        n = len(history.book_code)
        summary += (f" {n} commit{'' if n == 1 else 's'} by someone who is not an editor "
                    "changed the book's templates, styles or configuration: only the editors "
                    "should. Read the change (git show COMMIT) before the next build, and undo "
                    "it (git revert COMMIT) if it was not agreed.")
    if lines:
        lines.append("")
    lines.append(summary)
    echo("\n".join(lines), styled=True)


@click.command("sync")
@click.option("--dry-run", is_flag=True, help="Show what would be recorded; change nothing.")
def sync_command(dry_run: bool) -> None:
    """Record in chapters.yaml what the authors' commits mean for the workflow.

    A chapter waiting for its draft (agreed, abstract) or its revisions that has a commit from
    one of its authors moves to 'draft' or to the next review round, with the commit in its
    history. Commits from others, commits before the author agreed, and changes after 'final'
    are listed for you to look at; nothing is recorded for them.

    Example:

    \b
        anthology sync --dry-run
    """
    from anthology.editorial.submissions.sync import Kind, sync_book

    cli_state = state()
    book = cli_state.book()
    actions = sync_book(cli_state.root(), book, dry_run=dry_run)
    verb = "Would record" if dry_run else "Recorded"
    recorded = 0
    for action in actions:
        if action.kind is Kind.RECORD and action.state is not None:
            recorded += 1
            round_text = ""
            if action.state.value == "review":
                from anthology.editorial.tracking.workflow import review_round

                history = book.chapter(action.chapter).history
                round_text = f" (round {review_round(history, action.state)})"
            echo(f"{verb} '{action.state.value}'{round_text} for {action.chapter}, from "
                 f"{action.commit_words}.")
    for action in actions:
        if action.kind is Kind.FLAG:
            echo(f"Flagged: {action.message}")
    if not recorded:
        echo("Nothing to record: no chapter waiting for a draft or for revisions has a "
             "new commit from its authors.")
    elif dry_run:
        echo("Nothing was changed (dry run). Run `anthology sync` to record it.")


@click.command("diff")
@click.argument("chapter_id", metavar="CHAPTER")
@click.option("--since", "since_state", metavar="STATE",
              help="Compare with the version of the chapter's last event in STATE.")
@click.option("--round", "round_number", type=click.IntRange(min=1), metavar="N",
              help="Compare with the version sent to review round N.")
@click.option("--rev", metavar="REF", help="Compare with the version at a git commit, branch "
                                          "or tag.")
@format_option("text", "html")
def diff_command(chapter_id: str, since_state: str | None, round_number: int | None,
                 rev: str | None, fmt: str) -> None:
    """Show what changed in a chapter's text, word by word, with counts of words added and
    removed.

    The text is compared as readers see it, not its Markdown markup. Without an option, the
    chapter file now is compared with the version of its last review (else of its draft, else
    the one before its latest commit). With --format html, the page can be saved and sent to a
    reviewer: it needs nothing else to open.

    Example:

    \b
        anthology diff peer-support --round 1 --format html > peer-support-changes.html
    """
    from anthology.editorial.submissions.compare import diff_chapter, render_html, render_text
    from anthology.editorial.tracking.plan import find_chapter, parse_state

    book = state().book()
    chapter = find_chapter(book, chapter_id)
    since = parse_state(since_state) if since_state is not None else None
    result = diff_chapter(book, chapter, since=since, round_number=round_number, rev=rev)
    if fmt == "html":
        echo(render_html(result, book, today()), nl=False)
    else:
        echo(render_text(result, colour=use_colour()), styled=True)


@click.group("hooks")
def hooks_group() -> None:
    """Git hooks that check chapters before they are committed."""


@hooks_group.command("install")
@click.option("--force", is_flag=True,
              help="Replace a pre-commit hook anthology did not write (it is kept beside it).")
def hooks_install_command(force: bool) -> None:
    """Install a git pre-commit hook that checks the staged chapters before each commit.

    The hook checks the version of each chapter being committed (what `git add` staged, not
    what is in the folder) and stops the commit when there are errors, saying what to fix.
    `git commit --no-verify` skips it. The hook goes where git looks for hooks
    (core.hooksPath is respected).

    Example:

    \b
        anthology hooks install
    """
    from anthology.core.files import relative_name
    from anthology.editorial.submissions.hooks import install_hook

    root = state().root()
    done = install_hook(root, force=force)
    where = relative_name(root, done.path)
    echo(f"{done.action.capitalize()} the pre-commit hook {where}: each commit now "
         "checks the staged chapters first (skip it once with `git commit --no-verify`).")
    if done.backup is not None:
        echo(f"The hook that was there is kept as {relative_name(root, done.backup)}.")


COMMANDS += [submissions_command, sync_command, diff_command, hooks_group]
