"""Commands that make things: init and build."""

from __future__ import annotations

import click

from anthology.cli.common import quiet_option, state

COMMANDS: list[click.Command] = []


@click.command("build")
@click.argument("targets", nargs=-1, type=click.Choice(["pdf", "epub"]))
@click.option("--force", is_flag=True, help="Build even when the checks find errors.")
@click.option("--clean", is_flag=True, help="Ignore the cache and redo everything.")
@quiet_option
def build_command(targets: tuple[str, ...], force: bool, clean: bool, quiet: bool) -> None:
    """Build the book's PDF and EPUB into build/ (or only the TARGETS named).

    Chapters with no file yet are left out, with a note.

    Example:

        anthology build pdf
    """
    from anthology.build import TARGETS, build_book
    from anthology.findings import render_text

    book = state().book()

    def progress(line: str) -> None:
        if not quiet:
            click.echo(line, err=True)

    result = build_book(book, targets or TARGETS, force=force, clean=clean, progress=progress)
    if result.findings and not quiet:
        click.echo(render_text(result.findings), err=True)
    for url in result.refused:
        click.echo(f"Refused to read {url}: only files inside the book folder are used.",
                   err=True)
    for path in result.outputs:
        extra = f" ({result.pages} pages)" if path.suffix == ".pdf" and result.pages else ""
        click.echo(f"Wrote {path.relative_to(book.root)}{extra}")


COMMANDS.append(build_command)
