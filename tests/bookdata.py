"""The text of chapters.yaml and contributors.yaml entries, written in one place for every test
that needs a small book with other chapters or people than tests/conftest.py's."""

from __future__ import annotations

# The one event most tests' chapters have: a draft that came in on 1 May 2026.
DRAFTED = "{date: 2026-05-01, state: draft}"


def chapters_yaml(*entries: str) -> str:
    """A whole chapters.yaml listing these `chapter(...)` entries in order."""
    return "format: 1\nchapters:\n" + "".join(entries)


def chapter(cid: str, title: str, authors: str, status: str, *history: str,
            file: str | None = None, more: str = "") -> str:
    """One chapter's entry: `history` events as YAML flow mappings, `more` as lines to add."""
    lines = [f"  - id: {cid}", f"    title: {title}", f"    authors: [{authors}]"]
    if file is not None:
        lines.append(f"    file: {file}")
    lines.append(f"    status: {status}")
    if history:
        lines.append("    history:")
        lines.extend(f"      - {event}" for event in history)
    return "\n".join(lines) + "\n" + more


def intro(status: str, *history: str, more: str = "") -> str:
    """The small book's first chapter, by Ada Editor, in chapters/01-intro.md."""
    return chapter("intro", "Introduction", "ada-editor", status, *history,
                   file="chapters/01-intro.md", more=more)


def peer(status: str, *history: str, authors: str = "ben-writer", more: str = "") -> str:
    """The small book's second chapter, by Ben Writer, in chapters/02-peer.md."""
    return chapter("peer", "Peer Support", authors, status, *history,
                   file="chapters/02-peer.md", more=more)


def contributor(cid: str, name: str, email: str, roles: str) -> str:
    """One person's entry in contributors.yaml, with one e-mail address and no affiliation."""
    return (f"  - id: {cid}\n    name: {name}\n    emails: [{email}]\n"
            f"    roles: [{roles}]\n")


RITA_REVIEWER = contributor("rita-reviewer", "Rita Reviewer", "rita@example.org", "reviewer")
