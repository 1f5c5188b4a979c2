"""Commands that make things: init and build."""

from __future__ import annotations

from pathlib import Path

import click

from anthology.cli.common import quiet_option, state, today

COMMANDS: list[click.Command] = []


def _git_config(key: str) -> str | None:
    import subprocess

    try:
        done = subprocess.run(["git", "config", "--get", key], capture_output=True, text=True,
                              timeout=10, check=False)
    except OSError:
        return None
    return done.stdout.strip() or None


@click.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="Untitled Edited Collection", show_default=True,
              help="The book's title.")
@click.option("--editor", help="The editor's name (default: git config user.name).")
@click.option("--email", help="The editor's e-mail (default: git config user.email).")
def init_command(folder: Path, title: str, editor: str | None, email: str | None) -> None:
    """Start a new book in FOLDER: book.yaml, registries, an example chapter, a bibliography.

    The new book builds as it is; edit book.yaml next.

    Example:

        anthology init my-book --title "Co-production in Practice" --editor "Jane Doe"
    """
    from anthology.init import init_book

    editor = editor or _git_config("user.name") or "Your Name"
    email = email or _git_config("user.email") or "editor@example.org"
    written = init_book(folder, title, editor, email, today())
    for path in written:
        click.echo(f"Wrote {path}")
    click.echo(f"Next: cd {folder} && anthology build")


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


COMMANDS += [init_command, build_command]
