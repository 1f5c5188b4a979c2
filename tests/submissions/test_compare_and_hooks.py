"""diff against states, rounds and revisions; the pre-commit hook with real `git commit`."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
from pathlib import Path

import pytest

from anthology.core.config import load_book
from anthology.core.errors import UsageError
from anthology.core.model import Status
from anthology.editorial.submissions.compare import diff_chapter, render_html, render_text
from anthology.editorial.submissions.hooks import (
    MARKER,
    ForeignHook,
    chapters_for_paths,
    install_hook,
)
from anthology.editorial.tracking.plan import mark_chapter
from tests.submissions.conftest import PEER_V2
from tests.submissions.gitbook import BEN, chapter_text, commit, git, init_repo

PY = os.environ.get("PYTHON_FOR_HOOK")


def test_diff_since_a_revision_follows_the_rename(history_book: Path) -> None:
    book = load_book(history_book)
    result = diff_chapter(book, book.chapter("peer"), rev="HEAD~3")  # Zed's typo fix
    assert (result.base.path, result.diff.added, result.diff.removed) == (
        "chapters/02-peer.md", 9, 3)
    assert render_text(result) == "\n".join([
        "peer: Peer Support",
        f"Changes to chapters/02-peer-support.md since HEAD~3 (commit {result.base.short}), to "
        "the file as it is now.",
        "9 words added, 3 removed (12 words before, 18 now).",
        "",
        "Peer support is {+very+} old. It [-works well.-] {+works.+}",
        "",
        "Second paragraph [-here!-] {+here, and more.+}",
        "",
        "{+A cycle of co-production.+}"])


def test_diff_since_a_state_uses_its_commit_or_its_date(history_book: Path) -> None:
    mark_chapter(history_book, "peer", "draft", date=dt.date(2026, 2, 1))
    book = load_book(history_book)
    # No commit recorded: the last commit on or before the event's date (Ben's draft).
    result = diff_chapter(book, book.chapter("peer"), since=Status.DRAFT)
    assert result.base.label == "since 'draft' on 2026-02-01"
    assert (result.diff.added, result.diff.removed) == (9, 3)
    # With the default (no review yet), the draft is the base too.
    assert diff_chapter(book, book.chapter("peer")).base == result.base


def test_diff_by_round_and_the_file_now(history_book: Path) -> None:
    head = git(history_book, "rev-parse", "HEAD")
    mark_chapter(history_book, "peer", "draft", date=dt.date(2026, 2, 6))
    mark_chapter(history_book, "peer", "review", date=dt.date(2026, 2, 8), commit=head)
    (history_book / "chapters/02-peer-support.md").write_text(
        PEER_V2.replace("Second paragraph", "The second paragraph"), encoding="utf-8")
    book = load_book(history_book)
    result = diff_chapter(book, book.chapter("peer"), round_number=1)
    assert result.base.label == "since 'review' (round 1) on 2026-02-08"
    assert (result.base.commit, result.diff.added, result.diff.removed) == (head, 2, 1)
    assert diff_chapter(book, book.chapter("peer")).base == result.base
    with pytest.raises(UsageError) as caught:
        diff_chapter(book, book.chapter("peer"), round_number=2)
    assert caught.value.message == "Chapter 'peer' has no review round 2; its rounds are 1."
    with pytest.raises(UsageError) as caught:
        diff_chapter(book, book.chapter("peer"), since=Status.ACCEPTED)
    assert caught.value.message == ("Chapter 'peer' has never been 'accepted'. Its history has: "
                                    "agreed, draft, invited, review.")


def test_diff_without_history_compares_with_the_version_before_the_latest_commit(
        history_book: Path) -> None:
    book = load_book(history_book)
    result = diff_chapter(book, book.chapter("peer"))
    revise = git(history_book, "rev-parse", "--short", "HEAD~1")
    assert result.base.label == f"since the version before its latest commit ({revise}, " \
                                "2026-02-06)"
    assert (result.base.path, result.diff.added, result.diff.removed) == (
        "chapters/02-peer-support.md", 9, 3)


def test_html_is_self_contained_and_escaped(history_book: Path) -> None:
    (history_book / "chapters/02-peer-support.md").write_text(
        PEER_V2 + "\nA <script>alert(1)</script> & more.\n", encoding="utf-8")
    book = load_book(history_book)
    result = diff_chapter(book, book.chapter("peer"), rev="HEAD")
    page = render_html(result, book, dt.date(2026, 3, 1))
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "src=" not in page and "<link" not in page
    assert "http://" not in page and "https://" not in page
    # Raw HTML is not text readers see (the build leaves it out): only the words count.
    assert "alert" not in page and "&lt;script" not in page
    assert '<p class="changed"><ins>&amp; more.</ins></p>' in page
    assert '<p class="unchanged">Second paragraph here, and more.</p>' in page
    assert f"<p class=\"meta\">{result.description}</p>" in page


def test_diff_errors(history_book: Path) -> None:
    book = load_book(history_book)
    with pytest.raises(UsageError) as caught:
        diff_chapter(book, book.chapter("peer"), since=Status.DRAFT, rev="HEAD")
    assert caught.value.message == "Give only one of --since, --round and --rev."
    (history_book / "chapters/02-peer-support.md").unlink()
    with pytest.raises(UsageError) as caught:
        diff_chapter(book, book.chapter("peer"))
    assert caught.value.message == ("Chapter 'peer' has no file chapters/02-peer-support.md in "
                                    "the book folder yet, so there is no text to compare.")


# The pre-commit hook

def run_commit(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(root), "-c", f"user.name={BEN[0]}", "-c",
                           f"user.email={BEN[1]}", "-c", "commit.gpgsign=false", "commit", "-q",
                           "-m", "Draft", *extra], capture_output=True, text=True, check=False)


def test_install_update_and_foreign_hooks(history_book: Path) -> None:
    done = install_hook(history_book, python="/usr/bin/python3")
    hook = history_book / ".git" / "hooks" / "pre-commit"
    assert (done.path.resolve(), done.action, done.backup) == (hook.resolve(), "installed", None)
    assert MARKER in hook.read_text() and hook.stat().st_mode & stat.S_IXUSR
    assert "exec \"$PYTHON\" -m anthology --book \"$BOOK\" check --staged" in hook.read_text()
    assert install_hook(history_book).action == "updated"

    hook.write_text("#!/bin/sh\necho mine\n")
    with pytest.raises(ForeignHook) as caught:
        install_hook(history_book)
    assert caught.value.message == (
        f"{done.path} already exists and was not written by anthology, so it was left alone. "
        "Add --force to replace it (it is kept as pre-commit.before-anthology), or call "
        "`anthology check --staged` from it yourself.")
    assert hook.read_text() == "#!/bin/sh\necho mine\n"
    forced = install_hook(history_book, force=True)
    assert forced.action == "replaced"
    assert forced.backup is not None and forced.backup.read_text() == "#!/bin/sh\necho mine\n"


def test_hook_goes_to_core_hooks_path(history_book: Path) -> None:
    git(history_book, "config", "core.hooksPath", "hooks-here")
    done = install_hook(history_book)
    assert done.path.resolve() == (history_book / "hooks-here" / "pre-commit").resolve()


@pytest.mark.slow
def test_the_hook_checks_the_staged_version(history_book: Path) -> None:
    install_hook(history_book)
    chapter = history_book / "chapters/02-peer-support.md"
    bad = PEER_V2.replace("Second paragraph", "Second paragraph [@cahn2001]")
    chapter.write_text(bad, encoding="utf-8")
    git(history_book, "add", "chapters/02-peer-support.md")
    chapter.write_text(PEER_V2, encoding="utf-8")  # fixed in the folder, not staged
    done = run_commit(history_book)
    assert done.returncode == 1
    # git shows a hook's output on stderr.
    assert "chapters/02-peer-support.md:9:19: error: " in done.stderr
    assert "cites @cahn2001, which is not in the bibliography. Did you mean @cahn2000?" in \
        done.stderr
    assert done.stderr.endswith(
        "The commit was stopped: the chapters being committed have problems (listed above, each "
        "with its file and line). Fix them, stage the files again with `git add`, and commit "
        "again. To commit anyway, use `git commit --no-verify`.\n")
    assert run_commit(history_book, "--no-verify").returncode == 0

    # A staged fix passes; a commit that touches no chapter is not checked at all.
    git(history_book, "add", "chapters/02-peer-support.md")
    done = run_commit(history_book)
    assert done.returncode == 0, done.stderr
    (history_book / "notes.txt").write_text("notes\n", encoding="utf-8")
    git(history_book, "add", "notes.txt")
    done = run_commit(history_book)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_which_chapters_files_concern(history_book: Path) -> None:
    book = load_book(history_book)
    assert chapters_for_paths(book, []) == set()
    assert chapters_for_paths(book, ["chapters/02-peer-support.md"]) == {"peer"}
    assert chapters_for_paths(book, ["chapters/refs-peer.bib"]) == {"peer"}
    assert chapters_for_paths(book, ["chapters/images/cycle.png", "README.md"]) == {"peer"}
    assert chapters_for_paths(book, ["references/book.bib"]) is None
    assert chapters_for_paths(book, ["chapters.yaml"]) is None


def test_a_new_book_gets_a_workflow(tmp_path: Path) -> None:
    import yaml

    from anthology.core.installation import Installation
    from anthology.editorial.init import init_book

    init_book(tmp_path / "b", "T", "Jane Doe", "jane@example.org", dt.date(2026, 1, 1),
              Installation("anthology-press==0.1.0"))
    data = yaml.safe_load((tmp_path / "b/.github/workflows/anthology.yml").read_text())
    assert data[True] == {"pull_request": None, "push": {"branches": ["main"]}}
    check = [s.get("run") for s in data["jobs"]["check"]["steps"]]
    assert check[-1] == ('anthology check --changed --base "origin/${{ github.base_ref }}" '
                         "--format github")
    assert data["jobs"]["check"]["steps"][0]["with"] == {"fetch-depth": 0}
    build = data["jobs"]["build"]["steps"]
    assert [s.get("run") for s in build][-2] == "anthology build pdf epub"
    assert build[-1]["uses"] == "actions/upload-artifact@v4"
    assert data["env"]["ANTHOLOGY"] == "anthology-press==0.1.0"
    text = (tmp_path / "b/CONTRIBUTING.md").read_text()
    assert "`anthology hooks install`" in text and "## What happens after you send it" in text


def test_init_repo_and_chapter_text_helpers(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    first = init_repo(root)
    second = commit(root, "c", BEN, "2026-02-01", {"a.md": chapter_text("A", "b")})
    assert git(root, "rev-list", "--count", "HEAD") == "2" and first != second
