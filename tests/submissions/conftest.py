"""Fixtures: git isolated from the user's configuration, and a book with a real history."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CHAPTERS_YAML, png
from tests.submissions.gitbook import ADA, BEN, ZED, chapter_text, commit, git, init_repo

# 'peer' waits for its draft (agreed) in this plan.
_INVITED = "      - {date: 2026-01-10, state: invited, by: Ada Editor}\n"
AGREED_PLAN = CHAPTERS_YAML.replace(
    f"    status: invited\n    history:\n{_INVITED}",
    f"    status: agreed\n    history:\n{_INVITED}"
    "      - {date: 2026-01-12, state: agreed, by: Ada Editor}\n")

PEER_V1 = chapter_text("Peer Support", "Peer support is old. It works well.\n\n"
                       "Second paragraph here.")
PEER_V2 = chapter_text("Peer Support", "Peer support is *very* old. It works.\n\n"
                       "Second paragraph here, and more.\n\n"
                       "![A cycle of co-production.](images/cycle.png)",
                       "[ben-writer]\nbibliography: [refs-peer.bib]")
PEER_BIB = "@book{peer2020, author = {Peer, Pat}, title = {Peers}, year = {2020}}\n"


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git configuration leaks into the tests."""
    from tests.submissions.gitbook import isolate_git

    isolate_git(monkeypatch, tmp_path / "home")
    monkeypatch.setenv("ANTHOLOGY_LOCK_TIMEOUT", "5")


@pytest.fixture
def history_book(make_book: Callable[..., Path]) -> Path:
    """A book with a history: a draft on a branch merged into main, a stranger's commit, a
    rename, a revision from the author's second address, a figure and an own bibliography.

        2026-01-05  Ada    Start the book (intro)
        2026-02-01  Ben    Draft of peer                      (branch ben/draft)
        2026-02-02  Ada    Tidy the introduction              (main)
        2026-02-03  Ada    Merge ben/draft
        2026-02-04  Zed    Fix a typo in peer                 (flagged)
        2026-02-05  Ada    Rename the peer chapter
        2026-02-06  Ben    Revise peer, figure, bibliography  (second address)
        2026-02-07  Ben    Better figure                      (image only)
    """
    book = make_book({"chapters.yaml": AGREED_PLAN})
    init_repo(book)
    git(book, "checkout", "-q", "-b", "ben/draft")
    commit(book, "Draft of peer", BEN, "2026-02-01", {"chapters/02-peer.md": PEER_V1})
    git(book, "checkout", "-q", "main")
    intro = (book / "chapters/01-intro.md").read_text(encoding="utf-8")
    commit(book, "Tidy the introduction", ADA, "2026-02-02",
           {"chapters/01-intro.md": intro.replace("This book began", "This small book began")})
    git(book, "merge", "-q", "--no-ff", "-m", "Merge ben/draft", "ben/draft", date="2026-02-03")
    commit(book, "Fix a typo in peer", ZED, "2026-02-04",
           {"chapters/02-peer.md": PEER_V1.replace("here.", "here!")})
    plan = (book / "chapters.yaml").read_text(encoding="utf-8")
    git(book, "mv", "chapters/02-peer.md", "chapters/02-peer-support.md")
    commit(book, "Rename the peer chapter", ADA, "2026-02-05",
           {"chapters.yaml": plan.replace("chapters/02-peer.md", "chapters/02-peer-support.md")})
    commit(book, "Revise peer", ("Ben Writer", "ben@example.org"), "2026-02-06",
           {"chapters/02-peer-support.md": PEER_V2, "chapters/refs-peer.bib": PEER_BIB,
            "chapters/images/cycle.png": png(200)})
    commit(book, "Better figure", BEN, "2026-02-07",
           {"chapters/images/cycle.png": png(10)})
    return book
