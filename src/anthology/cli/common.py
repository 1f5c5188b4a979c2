"""What every command shares: the book it works on, and option decorators defined once."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from anthology.core.model import Book
from anthology.core.terminal import safe_for_terminal

if TYPE_CHECKING:
    from anthology.editorial.tracking.status import LastSubmission

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CliState:
    """Options of the `anthology` group, and the book once loaded."""

    book_dir: Path | None = None
    debug: bool = False
    _book: Book | None = field(default=None, repr=False)

    def root(self) -> Path:
        """The book folder, found as git finds a repository."""
        from anthology.core.config import find_book_root

        return find_book_root(Path.cwd(), self.book_dir)

    def book(self, *, caching: bool = False) -> Book:
        """Load and validate the book (once per command); `caching` for a command that fills
        build/.cache, which then keeps the parsed YAML files there too."""
        if self._book is None:
            from anthology.core.config import load_book

            self._book = load_book(self.root(), keep_parsed=caching)
        return self._book


def state() -> CliState:
    """The CliState of the running command."""
    return click.get_current_context().ensure_object(CliState)


def today() -> dt.date:
    """Today's date, or the one in ANTHOLOGY_TODAY (for tests and reproducible reports)."""
    fixed = os.environ.get("ANTHOLOGY_TODAY")
    if fixed:
        return dt.date.fromisoformat(fixed)
    return dt.date.today()


def format_option(*choices: str, default: str = "text") -> Callable[[F], F]:
    """`--format` with the given choices."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=default,
                        show_default=True, help="Output format.")


def quiet_option(func: F) -> F:
    """`--quiet`: no progress lines."""
    return click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")(func)


def use_colour(stream: Any = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def echo(message: str = "", *, err: bool = False, nl: bool = True, styled: bool = False) -> None:
    """Print for people: every control character from the book's files, git or chapters shown
    visibly (`\\u001b`), never obeyed by the terminal. `styled` text was made safe by its
    renderer, which then added colours of its own: it is printed as it is."""
    click.echo(message if styled else safe_for_terminal(message), err=err, nl=nl,
               color=True if styled else None)


def echo_json(data: Any) -> None:
    """Print `data` for scripts (`--format json`): indented JSON, non-ASCII text as it is."""
    echo(json.dumps(data, indent=2, ensure_ascii=False))


def known_words(book: Book) -> tuple[dict[str, int] | None, list[str]]:
    """Words counted against the limit per chapter id, and the ids whose count is estimated.

    Counts cached by `anthology check` or a build are exact; a chapter changed since (or never
    checked) is counted from pandoc's parse, without citeproc, which is quick.
    """
    from anthology.editorial.checks.runner import checkable_chapters
    from anthology.editorial.checks.wordcounts import cached_word_counts, estimated_word_counts

    words = cached_word_counts(book)
    missing = [c.id for c in checkable_chapters(book) if c.id not in words]
    estimated = estimated_word_counts(book, missing) if missing else {}
    words.update(estimated)
    return words or None, [c for c in missing if c in estimated]


def known_submissions(book: Book) -> Mapping[str, LastSubmission] | None:
    """The last submission per chapter id (one `git log`); outside a repository, or with no
    commits yet, None and status shows "–"."""
    from anthology.editorial.submissions.history import last_submissions
    from anthology.editorial.tracking.status import LastSubmission

    found = last_submissions(book)
    return {cid: LastSubmission(s.date.date(), s.author_name, s.short)
            for cid, s in found.items()} or None
