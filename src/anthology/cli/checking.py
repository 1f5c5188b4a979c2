"""Commands that check manuscripts: check and wordcount."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import click

from anthology.cli.common import echo, echo_json, format_option, quiet_option, state

if TYPE_CHECKING:
    from anthology.core.cache import Cache
    from anthology.core.model import Book

COMMANDS: list[click.Command] = []


def check_chapters(chapter_ids: Collection[str] | None, fmt: str, strict: bool,
                   quiet: bool, book: Book | None = None, cache: Cache | None = None) -> int:
    """Check the chapters (all when `chapter_ids` is None), print the findings, return the exit
    code. Other commands (such as `check --changed`) pass their own set of ids, and the
    pre-commit check its own copy of the book (as staged) and the working book's cache."""
    from anthology.core.findings import Severity, render
    from anthology.editorial.checks.runner import check_book

    book = book or state().book(caching=True)

    def progress(line: str) -> None:
        if not quiet and fmt == "text":
            echo(line, err=True)

    findings = check_book(book, chapter_ids, cache, progress=progress)
    if fmt != "text" or findings or not quiet:
        output = render(findings, fmt)
        if output:
            echo(output)
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return 1 if any(f.severity in failing for f in findings) else 0


def check_changed(named: set[str] | None, base: str | None, fmt: str, strict: bool,
                  quiet: bool) -> int:
    """`check --changed [--base REF]`: check the chapters changed against the main branch."""
    from anthology.editorial.submissions.hooks import changed_chapters

    book = state().book()
    ids, against = changed_chapters(book, base)
    if ids is not None and named is not None:
        ids &= named
    elif ids is None:
        ids = named
    if ids is not None and not ids:
        if fmt == "json":
            echo("[]")
        elif fmt == "text" and not quiet:
            echo(f"No chapter has changed since {against}; nothing to check.")
        return 0
    if fmt == "text" and not quiet:
        what = "every chapter (a file the whole book depends on changed)" if ids is None \
            else ", ".join(sorted(ids))
        echo(f"Checking what changed since {against}: {what}.", err=True)
    return check_chapters(ids, fmt, strict, quiet)


def check_staged(fmt: str, strict: bool, quiet: bool) -> int:
    """`check --staged` (the pre-commit hook): check the chapters as they are staged."""
    from anthology.editorial.submissions.history import cache_for
    from anthology.editorial.submissions.hooks import staged_book

    with staged_book(state().root()) as (book, ids, working):
        if ids is not None and not ids:
            return 0
        code = check_chapters(ids, fmt, strict, True, book=book, cache=cache_for(working))
    if code:
        echo("The commit was stopped: the chapters being committed have problems (listed "
             "above, each with its file and line). Fix them, stage the files again with "
             "`git add`, and commit again. To commit anyway, use "
             "`git commit --no-verify`.", err=True)
    return code


@click.command("check")
@click.argument("chapters", nargs=-1)
@format_option("text", "json", "github")
@click.option("--strict", is_flag=True, help="Fail on warnings too, not only on errors.")
@click.option("--changed", is_flag=True,
              help="Check only the chapters changed against the main branch (or --base).")
@click.option("--base", metavar="REF",
              help="With --changed: compare with REF (default: the main branch).")
@click.option("--staged", is_flag=True, hidden=True,
              help="Check the staged version of the chapters being committed (for the hook).")
@quiet_option
def check_command(chapters: tuple[str, ...], fmt: str, strict: bool, changed: bool,
                  base: str | None, staged: bool, quiet: bool) -> None:
    """Check the chapters (or only the CHAPTERS named, by id) before they are submitted.

    Reports citations missing from the bibliography or written wrongly, problems in the
    bibliographies (unused, duplicate or conflicting entries, syntax, missing fields),
    cross-references, word limits, front matter, images and links, each with its file and line.
    Exits 1 when there are errors (or warnings, with --strict), 0 otherwise. With --changed,
    only the chapters changed against the main branch (or --base REF) are checked.

    Example:

    \b
        anthology check peer-support --format github
    """
    if staged or changed or base:
        code = check_staged(fmt, strict, quiet) if staged else \
            check_changed(set(chapters) if chapters else None, base, fmt, strict, quiet)
    else:
        code = check_chapters(set(chapters) if chapters else None, fmt, strict, quiet)
    if code:
        click.get_current_context().exit(code)


COMMANDS.append(check_command)


@click.command("wordcount")
@click.argument("chapters", nargs=-1)
@format_option("table", "json", "csv", default="table")
def wordcount_command(chapters: tuple[str, ...], fmt: str) -> None:
    """Count the words of each chapter by part: body, notes, captions, abstract, references,
    code.

    The 'counted' column adds up the parts book.yaml's words.count names (by default body and
    notes), which is what the limits apply to. Code (code blocks and raw blocks) is not prose
    and counts only if words.count names it.

    Example:

    \b
        anthology wordcount --format csv
    """
    from anthology.core.model import WORD_PARTS
    from anthology.editorial.checks.runner import run_checks
    from anthology.editorial.checks.words import counted

    book = state().book(caching=True)
    report = run_checks(book, set(chapters) if chapters else None)
    rules = book.config.words
    rows: list[dict[str, Any]] = []
    for result in report.chapters:
        words = result.words or dict.fromkeys(WORD_PARTS, 0)
        chapter = book.chapter(result.chapter)
        limit = chapter.word_limit if chapter.word_limit is not None else rules.chapter_limit
        rows.append({"chapter": result.chapter, "file": result.file, **words,
                     "counted": counted(words, rules), "limit": limit,
                     "readable": result.words is not None})
    totals = {part: sum(int(r[part]) for r in rows) for part in (*WORD_PARTS, "counted")}
    if fmt == "json":
        echo_json({"count": list(rules.count), "chapters": rows,
                   "total": {**totals, "limit": rules.book_limit}})
        return
    columns = ["chapter", *WORD_PARTS, "counted", "limit"]
    if fmt == "csv":
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row[c] is None else row[c] for c in columns])
        writer.writerow(["total", *(totals[p] for p in (*WORD_PARTS, "counted")),
                         rules.book_limit or ""])
        echo(out.getvalue(), nl=False)
        return
    numbers = (*WORD_PARTS, "counted")
    table: list[list[str]] = [columns]
    for item in rows:
        table.append([str(item["chapter"]), *(f"{item[c]:,}" for c in numbers),
                      f"{item['limit']:,}" if item["limit"] else "-"])
    table.append(["total", *(f"{totals[p]:,}" for p in (*WORD_PARTS, "counted")),
                  f"{rules.book_limit:,}" if rules.book_limit else "-"])
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for index, line in enumerate(table):
        cells = [line[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in
                                             zip(line[1:], widths[1:], strict=True)]
        echo("  ".join(cells).rstrip())
        if index == 0 or index == len(table) - 2:
            echo("  ".join("-" * w for w in widths))
    echo(f"Counted: {', '.join(rules.count)} (set words.count in book.yaml).")


COMMANDS.append(wordcount_command)
