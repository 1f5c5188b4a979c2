"""Errors a user can cause. The CLI turns these into messages and exit codes, in one place."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anthology.core.findings import Finding


class AnthologyError(Exception):
    """A problem the user can fix: printed without a traceback, exit code 1."""

    exit_code = 1

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.findings = tuple(findings)


class ConfigError(AnthologyError):
    """The book's configuration is wrong: nothing was written, exit code 2."""

    exit_code = 2


class UsageError(AnthologyError):
    """The command was asked for something impossible (unknown id, bad date): exit code 2."""

    exit_code = 2


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM stopped a command that cleaned up after itself: exit 128 + signal.

    A KeyboardInterrupt, so that what cleans up after Ctrl-C cleans up after this too.
    """

    def __init__(self, signum: int, message: str) -> None:
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum
        self.message = message


class ToolError(AnthologyError):
    """An outside program (pandoc, WeasyPrint, git) failed on something we gave it: exit code 1."""


class CapError(ToolError):
    """An outside program was stopped at its memory or time cap: the input was too much for it
    (`reason` says which cap, in plain words)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def os_error_message(exc: OSError) -> str:
    """What the system refused, in plain words, naming the file or folder concerned."""
    from anthology.core.files import TEMP_PREFIX

    name = exc.filename if isinstance(exc.filename, str) else None
    why = "permission denied" if isinstance(exc, PermissionError) else \
        (exc.strerror or str(exc)).lower()
    if name is None:
        return f"The system refused: {why}. Nothing in the book's files refers to it; run " \
            "the command again with --debug to see where."
    path = Path(name)
    if path.name.startswith(TEMP_PREFIX) or path.name == ".anthology.lock":
        # The temporary file (or lock) anthology writes beside the real one: name the folder.
        return f"Cannot write in the folder {path.parent}: {why}. Make the folder writable " \
            "for your user (or work on a copy you own), then run the command again; nothing " \
            "was changed."
    return f"Cannot use {name}: {why}. Check the file's permissions (ls -l) and the disk, " \
        "then run the command again."
