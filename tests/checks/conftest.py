"""Helpers for the check tests: a small book with one extra chapter file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from anthology.core.config import load_book
from anthology.core.findings import Finding
from anthology.editorial.checks.runner import check_book

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "checks"


@pytest.fixture
def check(make_book: Callable[..., Path]) -> Callable[..., list[Finding]]:
    """check({"chapters/02-peer.md": "..."}) -> the findings for that book, sorted."""
    def run(files: dict[str, str] | None = None, chapters: set[str] | None = None
            ) -> list[Finding]:
        root = make_book(files)
        from anthology.core.findings import sort_findings

        return sort_findings(check_book(load_book(root), chapters))
    return run


def texts(findings: list[Finding], *codes: str) -> list[str]:
    """`to_text()` of the findings with these code prefixes."""
    return [f.to_text() for f in findings if f.code.startswith(codes)]
