"""The submissions commands through the CLI: stdout, stderr and exit codes asserted apart."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest

from tests.commandline import run
from tests.submissions import conftest as git_fixtures
from tests.submissions.gitbook import BEN, chapter_text, commit, git

# The real repositories of tests/submissions, with git isolated from the user's configuration.
history_book = git_fixtures.history_book
isolated_git = git_fixtures.isolated_git


def short(book: Path, rev: str) -> str:
    return git(book, "rev-parse", "--short", rev)


def test_submissions_text(history_book: Path) -> None:
    result = run(history_book, "submissions")
    assert (result.exit_code, result.stderr) == (0, "")
    s = {n: short(history_book, f"HEAD~{n}") for n in (0, 1, 2, 3)}
    draft = short(history_book, "ben/draft")
    tidy, start = short(history_book, "main~5"), short(history_book, "main~6")
    assert result.stdout == "\n".join([
        "intro: Introduction (Ada Editor)",
        f"  2026-02-02  {tidy}  author            +1 -0  Ada Editor <ada@example.ac.uk>: "
        "Tidy the introduction",
        f"  2026-01-05  {start}  author           +27 -0  Ada Editor <ada@example.ac.uk>: "
        "Start the book",
        "peer: Peer Support (Ben Writer)",
        f"  2026-02-07  {s[0]}  author            +0 -0  Ben Writer <BEN.WRITER@example.org>: "
        "Better figure",
        f"  2026-02-06  {s[1]}  author            +9 -3  Ben Writer <ben@example.org>: "
        "Revise peer",
        f"  2026-02-05  {s[2]}  editor            +0 -0  Ada Editor <ada@example.ac.uk>: "
        "Rename the peer chapter",
        f"  2026-02-04  {s[3]}  other !           +1 -1  Zed Stranger <zed@example.com>: "
        "Fix a typo in peer",
        f"  2026-02-01  {draft}  author           +12 -0  Ben Writer <BEN.WRITER@example.org>: "
        "Draft of peer",
        "",
        "7 commits to 2 chapters; 1 flagged (!): from someone who is neither an author of the "
        "chapter nor an editor. Add their e-mail to contributors.yaml if they are one of the "
        "authors.",
        ""])


def test_submissions_json_and_csv(history_book: Path) -> None:
    result = run(history_book, "submissions", "--since", "2026-02-04", "--format", "json")
    assert (result.exit_code, result.stderr) == (0, "")
    items = json.loads(result.stdout)
    assert [(i["chapter"], i["short"], i["email"], i["contributor"], i["role"], i["flagged"])
            for i in items] == [
        ("peer", short(history_book, "HEAD"), "BEN.WRITER@example.org", "ben-writer", "author",
         False),
        ("peer", short(history_book, "HEAD~1"), "ben@example.org", "ben-writer", "author",
         False),
        ("peer", short(history_book, "HEAD~2"), "ada@example.ac.uk", "ada-editor", "editor",
         False),
        ("peer", short(history_book, "HEAD~3"), "zed@example.com", None, "other", True)]
    assert items[1]["commit"] == git(history_book, "rev-parse", "HEAD~1")
    assert set(items[1]) == {"chapter", "commit", "short", "date", "author", "email",
                             "contributor", "role", "flagged", "message", "files",
                             "words_added", "words_removed", "book_code"}
    assert (items[1]["date"], items[1]["words_added"], items[1]["words_removed"]) == (
        "2026-02-06T12:00:00+00:00", 9, 3)

    result = run(history_book, "submissions", "--since", "2026-02-07", "--format", "csv")
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table == [
        ["chapter", "date", "commit", "author", "email", "contributor", "role", "flagged",
         "words_added", "words_removed", "message", "files", "book_code"],
        ["peer", "2026-02-07T12:00:00+00:00", git(history_book, "rev-parse", "HEAD"),
         "Ben Writer", "BEN.WRITER@example.org", "ben-writer", "author", "", "0", "0",
         "Better figure", "chapters/images/cycle.png", ""]]


def test_submissions_since_a_bad_date(history_book: Path) -> None:
    result = run(history_book, "submissions", "--since", "yesterday")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("Error: 'yesterday' is not a date. Write it as YYYY-MM-DD, for "
                             "example 2026-05-01.\n")


def test_no_repository(small_book: Path) -> None:
    for args in (["submissions"], ["sync"], ["diff", "intro"], ["hooks", "install"],
                 ["check", "--changed"]):
        result = run(small_book, *args)
        assert (result.exit_code, result.stdout) == (1, ""), args
        assert result.stderr == (
            f"Error: {small_book} is not in a git repository, so anthology has no history "
            "to read. Run `git init` in the book folder and commit the book, or work in a clone of "
            "the book's repository.\n"), args


def test_shallow_clone(history_book: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{history_book}", str(clone)],
                   check=True, capture_output=True)
    result = run(clone, "submissions")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: history is shallow; fetch with --unshallow (`git fetch --unshallow`). This clone "
        "of the book has only its latest commits, so earlier submissions cannot be read.\n")
    result = run(clone, "check", "--changed", "--base", "origin/ben/draft")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: There is no commit 'origin/ben/draft' (the base) in this repository. The clone "
        "is shallow: history is shallow; fetch with --unshallow. Give a commit hash, a branch "
        "or a tag (see `git log`).\n")
    every = tmp_path / "every-branch"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-single-branch",
                    f"file://{history_book}", str(every)], check=True, capture_output=True)
    result = run(every, "check", "--changed", "--base", "origin/ben/draft")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: history is shallow; fetch with --unshallow (`git fetch --unshallow`): the "
        "commits shared with origin/ben/draft are missing from this clone.\n")


def test_sync_dry_run_then_sync(history_book: Path) -> None:
    revise = short(history_book, "HEAD~1")
    result = run(history_book, "sync", "--dry-run")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        f"Would record 'draft' for peer, from commit {revise} by Ben Writer on 2026-02-06.\n"
        "Nothing was changed (dry run). Run `anthology sync` to record it.\n")
    before = (history_book / "chapters.yaml").read_text(encoding="utf-8")
    assert run(history_book, "sync", "--dry-run").stdout == result.stdout
    assert (history_book / "chapters.yaml").read_text(encoding="utf-8") == before

    result = run(history_book, "sync")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        f"Recorded 'draft' for peer, from commit {revise} by Ben Writer on 2026-02-06.\n")
    history = run(history_book, "history", "peer", "--format", "json")
    assert json.loads(history.stdout)[-1]["commit"] == git(
        history_book, "rev-parse", "HEAD~1")

    result = run(history_book, "sync")
    assert result.stdout == ("Nothing to record: no chapter waiting for a draft or for revisions "
                             "has a new commit from its authors.\n")


def test_sync_flags_changes_after_final(history_book: Path) -> None:
    import datetime as dt

    from anthology.editorial.tracking.plan import mark_chapter

    for state, day in (("draft", 8), ("review", 9), ("accepted", 10), ("copyedited", 11),
                       ("proofs", 12), ("final", 13)):
        mark_chapter(history_book, "peer", state, date=dt.date(2026, 2, day))
    text = (history_book / "chapters/02-peer-support.md").read_text(encoding="utf-8")
    late = commit(history_book, "One more thought", BEN, "2026-02-20",
                  {"chapters/02-peer-support.md": text + "\nOne more thought.\n"})
    result = run(history_book, "sync")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        f"Flagged: peer: changed after 'final' (2026-02-13): commit {late[:7]} by Ben Writer "
        "<BEN.WRITER@example.org> on 2026-02-20 (One more thought). Check that the change was "
        "meant: the final text should not change.\n"
        "Nothing to record: no chapter waiting for a draft or for revisions has a new commit "
        "from its authors.\n")


def test_diff_text_html_and_errors(history_book: Path) -> None:
    base = short(history_book, "HEAD~3")
    result = run(history_book, "diff", "peer", "--rev", "HEAD~3")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines()[:3] == [
        "peer: Peer Support",
        f"Changes to chapters/02-peer-support.md since HEAD~3 (commit {base}), to the file as "
        "it is now.",
        "9 words added, 3 removed (12 words before, 18 now)."]
    page = run(history_book, "diff", "peer", "--rev", "HEAD~3", "--format", "html")
    assert page.exit_code == 0 and page.stdout.startswith("<!DOCTYPE html>")
    assert "<ins>very</ins>" in page.stdout and "<script" not in page.stdout

    same = run(history_book, "diff", "peer", "--rev", "HEAD")
    assert same.stdout.endswith("0 words added, 0 removed (18 words before, 18 now).\n\n"
                                "No changes to the text.\n")

    for args, code, message in [
        (["diff", "pear"], 2, "There is no chapter 'pear'. Did you mean 'peer'?"),
        (["diff", "peer", "--rev", "nope"], 2,
         "There is no commit 'nope' in this repository. Give a commit hash, a branch or a tag "
         "(see `git log`)."),
        (["diff", "peer", "--since", "drafted"], 2,
         "'drafted' is not a workflow state. Did you mean 'draft'? The states are: proposed, "
         "invited, declined, agreed, abstract, draft, review, revisions, accepted, copyedited, "
         "proofs, final, withdrawn."),
        (["diff", "peer", "--since", "review"], 2,
         "Chapter 'peer' has never been 'review'. Its history has: agreed, invited."),
        (["diff", "peer", "--round", "1"], 2,
         "Chapter 'peer' has not been sent to review yet, so there is no round 1."),
        (["diff", "peer", "--round", "1", "--rev", "HEAD"], 2,
         "Give only one of --since, --round and --rev."),
    ]:
        result = run(history_book, *args)
        assert (result.exit_code, result.stdout, result.stderr) == (
            code, "", f"Error: {message}\n"), args


def test_hooks_install_messages(history_book: Path) -> None:
    result = run(history_book, "hooks", "install")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "Installed the pre-commit hook .git/hooks/pre-commit: each commit now checks the staged "
        "chapters first (skip it once with `git commit --no-verify`).\n")
    assert run(history_book, "hooks", "install").stdout.startswith("Updated the pre-commit hook")
    hook = history_book / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    result = run(history_book, "hooks", "install")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: {hook} already exists and was not written by anthology, so it was left alone. "
        "Add --force to replace it (it is kept as pre-commit.before-anthology), or call "
        "`anthology check --staged` from it yourself.\n")
    result = run(history_book, "hooks", "install", "--force")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "Replaced the pre-commit hook .git/hooks/pre-commit: each commit now checks the staged "
        "chapters first (skip it once with `git commit --no-verify`).",
        "The hook that was there is kept as .git/hooks/pre-commit.before-anthology."]


@pytest.mark.slow
def test_check_changed(history_book: Path) -> None:
    git(history_book, "checkout", "-q", "-b", "ben/more")
    commit(history_book, "Break peer", BEN, "2026-03-01", {
        "chapters/02-peer-support.md": chapter_text("Peer Support", "See [@cahn2001].")})
    result = run(history_book, "check", "--changed", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout == (
        "::error file=chapters/02-peer-support.md,line=6,col=6,title=citation.missing::cites "
        "@cahn2001, which is not in the bibliography. Did you mean @cahn2000?\n")

    main = short(history_book, "main")
    result = run(history_book, "check", "--changed", "--base", "HEAD")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (f"No chapter has changed since HEAD ({short(history_book, 'HEAD')})"
                             "; nothing to check.\n")
    assert run(history_book, "check", "--changed", "--base", "HEAD", "--format",
               "json").stdout == "[]\n"

    result = run(history_book, "check", "--changed", "--quiet")
    assert result.exit_code == 1 and result.stderr == ""
    assert result.stdout.startswith("chapters/02-peer-support.md:6:6: error: cites @cahn2001")
    result = run(history_book, "check", "--changed")
    assert result.stderr.startswith(f"Checking what changed since main ({main}): peer.\n")

    result = run(history_book, "check", "--changed", "--base", "nope")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("Error: There is no commit 'nope' (the base) in this repository. "
                             "Give a commit hash, a branch or a tag (see `git log`).\n")
