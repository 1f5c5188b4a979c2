"""Suggestions for a name typed wrong: `Did you mean 'title'?`."""

from __future__ import annotations

from collections.abc import Iterable


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The closest choice to `word`, if one is close enough."""
    import difflib

    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`Did you mean 'x'?` or an empty string."""
    match = suggest(word, choices)
    return f"Did you mean '{match}'?" if match else ""
