"""Reading git: real repositories with several people, branches, merges, renames, a shallow clone,
no repository, a detached HEAD."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from anthology.core.config import load_book
from anthology.editorial.submissions.git import (
    NotARepository,
    ShallowHistory,
    UnknownRevision,
    open_repository,
)
from anthology.editorial.submissions.history import Role, attribute, last_submissions, read_history
from tests.conftest import write_book
from tests.submissions.conftest import AGREED_PLAN
from tests.submissions.gitbook import ADA, BEN, chapter_text, commit, git, init_repo


def rows(book_root: Path, **options: object) -> list[tuple[object, ...]]:
    book = load_book(book_root)
    return [(s.chapter, s.date.date().isoformat(), s.author_name, s.contributor, s.role.value,
             s.added, s.removed, s.files, s.message)
            for s in read_history(book, **options).all()]  # type: ignore[arg-type]


def test_every_commit_attributed_renames_followed_merges_skipped(history_book: Path) -> None:
    assert rows(history_book) == [
        ("intro", "2026-02-02", "Ada Editor", "ada-editor", "author", 1, 0,
         ("chapters/01-intro.md",), "Tidy the introduction"),
        ("intro", "2026-01-05", "Ada Editor", "ada-editor", "author", 27, 0,
         ("chapters/01-intro.md",), "Start the book"),
        ("peer", "2026-02-07", "Ben Writer", "ben-writer", "author", 0, 0,
         ("chapters/images/cycle.png",), "Better figure"),
        ("peer", "2026-02-06", "Ben Writer", "ben-writer", "author", 9, 3,
         ("chapters/02-peer-support.md", "chapters/images/cycle.png", "chapters/refs-peer.bib"),
         "Revise peer"),
        ("peer", "2026-02-05", "Ada Editor", "ada-editor", "editor", 0, 0,
         ("chapters/02-peer-support.md",), "Rename the peer chapter"),
        ("peer", "2026-02-04", "Zed Stranger", None, "other", 1, 1,
         ("chapters/02-peer.md",), "Fix a typo in peer"),
        ("peer", "2026-02-01", "Ben Writer", "ben-writer", "author", 12, 0,
         ("chapters/02-peer.md",), "Draft of peer"),
    ]


def test_since_keeps_later_commits(history_book: Path) -> None:
    found = rows(history_book, since=dt.date(2026, 2, 5), words=False)
    assert [(r[0], r[1], r[8]) for r in found] == [
        ("peer", "2026-02-07", "Better figure"), ("peer", "2026-02-06", "Revise peer"),
        ("peer", "2026-02-05", "Rename the peer chapter")]
    assert {r[5] for r in found} == {None}


@pytest.mark.parametrize(("chapter", "email", "expected"), [
    ("peer", "ben@example.org", ("ben-writer", Role.AUTHOR)),
    ("peer", "BEN.WRITER@EXAMPLE.ORG", ("ben-writer", Role.AUTHOR)),
    ("peer", "ada@example.ac.uk", ("ada-editor", Role.EDITOR)),
    ("intro", "ada@example.ac.uk", ("ada-editor", Role.AUTHOR)),
    ("intro", "ben@example.org", ("ben-writer", Role.OTHER)),
    ("peer", "zed@example.com", (None, Role.OTHER)),
    ("peer", " Ben@Example.org ", ("ben-writer", Role.AUTHOR)),
])
def test_attribution(small_book: Path, chapter: str, email: str,
                     expected: tuple[str | None, Role]) -> None:
    book = load_book(small_book)
    assert attribute(book, book.chapter(chapter), email) == expected


def peer_ending(book_dir: Path, ending: str) -> dict[str, str]:
    """The peer chapter with its text's 'more.' changed to `ending`, as `commit` takes files."""
    path = "chapters/02-peer-support.md"
    return {path: (book_dir / path).read_text(encoding="utf-8").replace("more.", ending)}


def test_last_submissions_skip_editors_copyedits(history_book: Path) -> None:
    book = load_book(history_book)
    commit(history_book, "Copyedit peer", ADA, "2026-02-08", peer_ending(history_book, "more"))
    latest = last_submissions(book)
    assert {k: (v.date.date().isoformat(), v.author_name, v.message)
            for k, v in latest.items()} == {
        "intro": ("2026-02-02", "Ada Editor", "Tidy the introduction"),
        "peer": ("2026-02-06", "Ben Writer", "Revise peer")}  # images are not read for status


def test_last_submissions_skip_outsiders(history_book: Path) -> None:
    from tests.submissions.gitbook import ZED

    book = load_book(history_book)
    commit(history_book, "Improve peer", ZED, "2026-02-09", peer_ending(history_book, "more!"))
    latest = last_submissions(book)
    assert (latest["peer"].author_name, latest["peer"].message) == ("Ben Writer", "Revise peer")


def test_last_submissions_outside_git_is_empty(small_book: Path) -> None:
    assert last_submissions(load_book(small_book)) == {}


def test_not_a_repository(small_book: Path) -> None:
    with pytest.raises(NotARepository) as caught:
        read_history(load_book(small_book))
    assert caught.value.message == (
        f"{small_book} is not in a git repository, so anthology has no history to read. Run "
        "`git init` in the book folder and commit the book, or work in a clone of the book's "
        "repository.")


def test_shallow_clone_is_refused(history_book: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{history_book}", str(clone)],
                   check=True, capture_output=True)
    with pytest.raises(ShallowHistory) as caught:
        read_history(load_book(clone))
    assert caught.value.message == (
        "history is shallow; fetch with --unshallow (`git fetch --unshallow`). This clone of the "
        "book has only its latest commits, so earlier submissions cannot be read.")
    # last_submissions (for status) makes do with what the clone has: its one commit, Ben's,
    # which is a submission of his chapter but not of the introduction.
    assert set(last_submissions(load_book(clone))) == {"peer"}


def test_detached_head_reads_history_up_to_it(history_book: Path) -> None:
    git(history_book, "checkout", "-q", "--detach", "HEAD~2")
    repo = open_repository(history_book)
    assert repo.branch() is None
    book = load_book(history_book)
    messages = [s.message for s in read_history(book, words=False).by_chapter["peer"]]
    assert messages == ["Rename the peer chapter", "Fix a typo in peer", "Draft of peer"]


def test_empty_repository_has_no_submissions(small_book: Path) -> None:
    git(small_book, "init", "-q")
    history = read_history(load_book(small_book))
    assert history.all() == []
    assert open_repository(small_book).has_commits() is False


def test_book_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    top = tmp_path / "repo"
    book = write_book(top / "books" / "small", {"chapters.yaml": AGREED_PLAN})
    (top / "notes.md").write_text("not the book\n", encoding="utf-8")
    git(top, "init", "-q", "-b", "main")
    commit(top, "Start", ADA, "2026-01-05")
    commit(top, "Draft", BEN, "2026-02-01", {"books/small/chapters/02-peer.md": chapter_text(
        "Peer Support", "Words of the draft.")})
    repo = open_repository(book)
    assert repo.prefix == "books/small/"
    found = read_history(load_book(book)).by_chapter["peer"]
    assert [(s.files, s.added) for s in found] == [(("chapters/02-peer.md",), 6)]
    assert repo.show("HEAD", "chapters/02-peer.md") == chapter_text(
        "Peer Support", "Words of the draft.").encode()
    assert repo.show("HEAD", "chapters/none.md") is None


def test_unknown_revision_is_a_usage_error(history_book: Path) -> None:
    repo = open_repository(history_book)
    with pytest.raises(UnknownRevision) as caught:
        repo.resolve("no-such-branch")
    assert caught.value.exit_code == 2
    assert caught.value.message == ("There is no commit 'no-such-branch' in this repository. "
                                    "Give a commit hash, a branch or a tag (see `git log`).")
    with pytest.raises(UnknownRevision):
        repo.resolve("--output=/tmp/x")


def test_main_branch_and_merge_base(history_book: Path) -> None:
    repo = open_repository(history_book)
    assert repo.main_branch() == "main"
    git(history_book, "branch", "-m", "main", "master")
    assert repo.main_branch() == "master"
    git(history_book, "branch", "-m", "master", "trunk")
    with pytest.raises(Exception, match="Could not find the main branch"):
        repo.main_branch()


def test_unrelated_base_has_no_merge_base(history_book: Path) -> None:
    git(history_book, "checkout", "-q", "--orphan", "elsewhere")
    commit(history_book, "Unrelated", ADA, "2026-03-01")
    repo = open_repository(history_book)
    with pytest.raises(Exception) as caught:
        repo.merge_base("main")
    assert str(caught.value) == ("The current branch has no history in common with main. Give "
                                 "another --base.")


def test_hooks_dir_respects_core_hooks_path(history_book: Path) -> None:
    repo = open_repository(history_book)
    assert repo.hooks_dir().resolve() == (history_book / ".git" / "hooks").resolve()
    git(history_book, "config", "core.hooksPath", ".githooks")
    assert repo.hooks_dir().resolve() == (history_book / ".githooks").resolve()


def test_paths_with_spaces_and_unicode(make_book: Callable[..., Path]) -> None:
    plan = AGREED_PLAN.replace("chapters/02-peer.md", "chapters/02 pär støtte.md")
    book = make_book({"chapters.yaml": plan})
    init_repo(book)
    commit(book, "Draft", BEN, "2026-02-01",
           {"chapters/02 pär støtte.md": chapter_text("Peer", "Ein Text.")})
    found = read_history(load_book(book)).by_chapter["peer"]
    assert [(s.files, s.added) for s in found] == [(("chapters/02 pär støtte.md",), 3)]
