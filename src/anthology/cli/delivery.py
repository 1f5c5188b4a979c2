"""Commands that hand the book over: package."""

from __future__ import annotations

import click

from anthology.cli.common import echo, quiet_option, state

COMMANDS: list[click.Command] = []


@click.command("package")
@click.option("--allow-dirty", is_flag=True,
              help="Package even though the book has uncommitted changes (or no git).")
@click.option("--force", is_flag=True,
              help="Package even though `check` finds errors or EPUBCheck fails.")
@click.option("--draft", is_flag=True,
              help="Package a book that is not ready (chapters not final, no ISBN, publisher "
                   "or year) as a draft: every name has -draft in it, every PDF says DRAFT.")
@quiet_option
def package_command(allow_dirty: bool, force: bool, draft: bool, quiet: bool) -> None:
    """Assemble the publisher's delivery: build/delivery/SLUG-VERSION/ and its .zip.

    The folder holds the book PDF and EPUB, the offprints, the cover, metadata.json,
    validation.txt (EPUBCheck, the PDF's fonts, page size and pages, the check summary),
    provenance.json and checksums.sha256 (check with `sha256sum -c checksums.sha256`).
    VERSION is `git describe --tags --always`. Refuses, listing every reason, when a chapter
    is not final or book.yaml has no ISBN, publisher or year (unless --draft), when the book
    has uncommitted changes, `check` finds errors or EPUBCheck fails.

    Example:

    \b
        anthology package
    """
    from anthology.core.findings import Severity, render_text
    from anthology.packaging import package_book

    book = state().book()

    def progress(line: str) -> None:
        if not quiet:
            echo(line, err=True)

    result = package_book(book, allow_dirty=allow_dirty, force=force, draft=draft,
                          progress=progress)
    shown = [f for f in result.findings if f.severity is not Severity.INFO]
    if shown and not quiet:
        echo(render_text(shown), err=True)
    folder = result.folder.relative_to(book.root)
    echo(f"Wrote {folder}/ ({len(result.files)} files, {result.pages} pages in the PDF)")
    size = result.zip.stat().st_size
    echo(f"Wrote {result.zip.relative_to(book.root)} ({size / 1_000_000:.1f} MB)")


COMMANDS += [package_command]
