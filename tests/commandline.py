"""Running anthology's command line on a book in tests, as a contributor would type it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from anthology.cli import cli


def run(book: Path, *args: str) -> Result:
    """`anthology --book BOOK ARGS...`, its exit code, stdout and stderr kept apart."""
    return CliRunner().invoke(cli, ["--book", str(book), *args])


def refusal(book: Path, *args: str) -> str:
    """What `anthology --book BOOK ARGS...` says on stderr as it refuses (exit code 1)."""
    result = run(book, *args)
    assert result.exit_code == 1, result.output
    return result.stderr
