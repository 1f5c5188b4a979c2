"""The command line: thin Click commands over the core.

Every command parses options, calls one core function and prints. Domain errors become messages
and exit codes here, in `AnthologyGroup.invoke`, and nowhere else; anything else is a bug and
keeps its traceback. Heavy modules (pandoc, WeasyPrint) are imported inside the commands that
need them so that `anthology status` starts fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from anthology import __version__
from anthology.cli.common import CliState, echo
from anthology.core.errors import AnthologyError, Interrupted, os_error_message
from anthology.core.findings import render_text

# The module that defines each command: a command's module is imported only when it runs (or
# when help lists every command), so that `anthology check` does not build all the others.
# tests/cli/test_cli_basics.py checks this against each module's COMMANDS.
COMMAND_MODULES = {
    "init": "building", "build": "building", "watch": "building",
    "check": "checking", "wordcount": "checking",
    "contributor": "tracking", "chapter": "tracking", "mark": "tracking",
    "history": "tracking", "status": "tracking", "report": "tracking", "remind": "tracking",
    "submissions": "submitting", "sync": "submitting", "diff": "submitting",
    "hooks": "submitting", "submit": "word", "import": "word",
    "package": "delivery", "review": "reviewing",
}


class AnthologyGroup(click.Group):
    """A Click group that loads its commands when they are asked for, and turns domain errors
    into plain messages with the right exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            # An unknown name loads them all: Click suggests the closest from self.commands.
            wanted = COMMAND_MODULES.get(cmd_name)
            for name in [wanted] if wanted else dict.fromkeys(COMMAND_MODULES.values()):
                self._load(name)
        return super().get_command(ctx, cmd_name)

    def _load(self, name: str) -> None:
        import importlib

        for command in importlib.import_module(f"anthology.cli.{name}").COMMANDS:
            if command.name not in self.commands:
                if command.name != "init":  # init's FOLDER is the book it makes
                    _accept_book_option(command)
                self.add_command(command)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AnthologyError as exc:
            state = ctx.find_object(CliState)
            if (state is not None and state.debug) or os.environ.get("ANTHOLOGY_DEBUG"):
                raise
            if exc.findings:
                echo(render_text(list(exc.findings)), err=True)
            echo(f"Error: {exc.message}", err=True)
            ctx.exit(exc.exit_code)
        except Interrupted as exc:
            # SIGINT or SIGTERM, after the command cleaned up: the shell's exit code, no trace.
            echo(f"Stopped: {exc.message}", err=True)
            ctx.exit(exc.exit_code)
        except OSError as exc:
            # A file or folder the system refuses (permissions, a read-only or full disk):
            # the user's to fix, so a message rather than a traceback.
            state = ctx.find_object(CliState)
            if (state is not None and state.debug) or os.environ.get("ANTHOLOGY_DEBUG"):
                raise
            echo(f"Error: {os_error_message(exc)}", err=True)
            ctx.exit(1)


BOOK_HELP = "The book folder (default: the nearest folder above with book.yaml, or " \
    "$ANTHOLOGY_BOOK)."


def _set_book(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        cli_state = ctx.ensure_object(CliState)
        cli_state.book_dir = value
        cli_state._book = None


def _accept_book_option(command: click.Command) -> None:
    """Let `--book DIR` follow the command's name too (`anthology status --book .`), as
    people type it, not only come before it."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _accept_book_option(sub)
        return
    if any(p.name == "book" for p in command.params):
        return
    command.params.append(click.Option(
        ["--book"], type=click.Path(file_okay=False, path_type=Path), expose_value=False,
        callback=_set_book, help=BOOK_HELP))


@click.group(cls=AnthologyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="anthology")
@click.option("--book", "book_dir", type=click.Path(file_okay=False, path_type=Path),
              help=BOOK_HELP)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors too.")
@click.pass_context
def cli(ctx: click.Context, book_dir: Path | None, debug: bool) -> None:
    """anthology: an edited academic book from invitations to print.

    Track contributors and chapters through the editorial workflow, check manuscripts,
    build the PDF and EPUB, and deliver them to the publisher.

    Example:

    \b
        anthology status
    """
    ctx.obj = CliState(book_dir=book_dir, debug=debug)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="anthology")


if __name__ == "__main__":  # pragma: no cover
    main()
