"""Speed-ups to WeasyPrint and pydyf for anthology's renders, installed in the WeasyPrint
process before each job: each one gives the same PDF bytes as the code it replaces, and checks
that the code it replaces is the version it was written against (otherwise it does nothing)."""

from __future__ import annotations


def install() -> None:
    """Install every speed-up that applies to the WeasyPrint and pydyf found (idempotent)."""
