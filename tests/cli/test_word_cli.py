"""Submissions without git, through the CLI: a book made with `anthology init`, a Markdown
chapter and a Zotero-cited Word chapter arriving by e-mail, then status, submissions, check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from anthology.cli import cli
from tests.commandline import refusal, run
from tests.submissions.gitbook import git, isolate_git
from tests.word.docxmaker import Docx, cahn, sample_docx, work

TODAY = "2026-12-07"


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A book from `anthology init` in git, with two contributors and their chapters."""
    isolate_git(monkeypatch, tmp_path / "home")
    monkeypatch.setenv("ANTHOLOGY_TODAY", TODAY)
    monkeypatch.setenv("ANTHOLOGY_LOCK_TIMEOUT", "5")
    root = tmp_path / "book"
    result = CliRunner().invoke(cli, ["init", str(root), "--title", "Care Together",
                                      "--editor", "Ada Editor", "--email", "ada@example.ac.uk"])
    assert result.exit_code == 0, result.output
    for args in (["contributor", "add", "Ben Writer", "--email", "ben@example.org"],
                 ["contributor", "add", "Cara Carer", "--email", "cara@example.net",
                  "--role", "carer"],
                 ["chapter", "add", "peer", "--title", "Peer Support", "--author",
                  "ben-writer"],
                 ["chapter", "add", "carers", "--title", "Caring Together", "--author",
                  "cara-carer"],
                 ["mark", "peer", "invited"], ["mark", "peer", "agreed"],
                 ["mark", "carers", "invited"]):
        result = run(root, *args)
        assert result.exit_code == 0, result.output
    # `anthology init` may or may not make the repository.
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Ada Editor")
    git(root, "config", "user.email", "ada@example.ac.uk")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Start the book")
    return root


@pytest.fixture
def mail(tmp_path: Path) -> Path:
    """The files as they arrived by e-mail."""
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "peer.md").write_text("Peer support is old [@knuth1984].\n\nIt works.\n",
                                    encoding="utf-8")
    sample_docx(folder / "carers.docx", tracked=False)
    return folder


def test_a_markdown_and_a_word_chapter_arrive_by_email(book: Path, mail: Path) -> None:
    result = run(book, "submit", "peer", str(mail / "peer.md"))
    assert (result.exit_code, result.stderr) == (0, "")
    peer_commit = git(book, "rev-parse", "--short=7", "HEAD")
    assert result.stdout == (
        f"Committed chapters/02-peer.md as {peer_commit}, from Ben Writer <ben@example.org>.\n"
        f"Chapter 'peer' is now draft, {TODAY}.\n"
        "Checked chapter 'peer': no problems.\n")
    assert (book / "chapters/02-peer.md").read_text(encoding="utf-8") == (
        "---\ntitle: Peer Support\nauthors:\n- ben-writer\n---\n\n"
        "Peer support is old [@knuth1984].\n\nIt works.\n")

    result = run(book, "submit", "carers", str(mail / "carers.docx"), "--note", "By e-mail")
    assert (result.exit_code, result.stderr) == (0, "")
    carers_commit = git(book, "rev-parse", "--short=7", "HEAD")
    assert result.stdout.splitlines() == [
        "Wrote chapters/03-carers.md",
        "Wrote chapters/03-carers.json",
        "Wrote chapters/images/carers/picture-1.png",
        "3 citations of 3 works (3 added to the chapter's bibliography), 2 notes, 1 picture.",
        "Committed chapters/03-carers.md, chapters/03-carers.json, chapters/images/carers as "
        f"{carers_commit}, from Cara Carer <cara@example.net>.",
        f"Chapter 'carers' is now draft (forced), {TODAY}.",
        "Checked chapter 'carers': no problems."]
    log = git(book, "log", "-2", "--format=%an <%ae>|%cn|%s")
    assert log.splitlines() == [
        "Cara Carer <cara@example.net>|Ada Editor|Submission of carers from Cara Carer "
        "(carers.docx)",
        "Ben Writer <ben@example.org>|Ada Editor|Submission of peer from Ben Writer (peer.md)"]
    assert git(book, "status", "--porcelain", "--", "chapters") == ""

    status = run(book, "status", "--format", "json")
    assert status.exit_code == 0, status.output
    rows = {row["id"]: row for row in json.loads(status.stdout)["chapters"]}
    assert (rows["peer"]["state"], rows["carers"]["state"]) == ("draft", "draft")
    assert rows["carers"]["last_submission"]["commit"] == carers_commit
    assert rows["peer"]["last_submission"]["by"] == "Ben Writer"

    history = json.loads(run(book, "history", "carers", "--format", "json").stdout)
    assert history[-1]["state"] == "draft" and history[-1]["forced"] is True
    assert history[-1]["commit"] == git(book, "rev-parse", "HEAD")
    assert history[-1]["note"] == "By e-mail" and history[-1]["by"] == "Cara Carer"

    submissions = run(book, "submissions", "--format", "json")
    found = {(s["chapter"], s["short"], s["contributor"], s["role"])
             for s in json.loads(submissions.stdout)}
    assert {("peer", peer_commit, "ben-writer", "author"),
            ("carers", carers_commit, "cara-carer", "author")} <= found

    # The submissions are recorded already: sync has nothing to add.
    assert run(book, "sync", "--dry-run").exit_code == 0
    assert "carers" not in run(book, "sync", "--dry-run").stdout

    check = run(book, "check", "peer", "carers")
    assert check.exit_code == 0, check.output
    assert "error" not in check.stdout


def test_revisions_go_back_to_review_in_the_next_round(book: Path, mail: Path) -> None:
    assert run(book, "submit", "peer", str(mail / "peer.md")).exit_code == 0
    draft = git(book, "rev-parse", "HEAD")
    for state in ("review", "revisions"):
        assert run(book, "mark", "peer", state).exit_code == 0
    git(book, "commit", "-q", "-am", "Review")
    (mail / "peer.md").write_text("Peer support is very old [@knuth1984].\n", encoding="utf-8")
    result = run(book, "submit", "peer", str(mail / "peer.md"), "--date", TODAY)
    assert result.exit_code == 0, result.output
    assert f"Chapter 'peer' is now review (round 2), {TODAY}." in result.stdout
    assert git(book, "log", "-1", "--format=%aI") == f"{TODAY}T12:00:00+00:00"
    # The revised text against the draft, as for any commit.
    diff = run(book, "diff", "peer", "--rev", draft)
    assert diff.exit_code == 0, diff.output
    assert "{+very+}" in diff.stdout


def test_a_date_before_the_last_event_is_refused(book: Path, mail: Path) -> None:
    result = run(book, "submit", "peer", str(mail / "peer.md"), "--date", "2026-01-01")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: The date 2026-01-01 is before the last event of chapter 'peer' ({TODAY}, "
        "agreed). Give the day the chapter arrived, on or after it.\n")
    assert git(book, "status", "--porcelain") == ""


def test_a_submission_in_draft_leaves_the_state_as_it_is(book: Path, mail: Path) -> None:
    assert run(book, "submit", "peer", str(mail / "peer.md")).exit_code == 0
    (mail / "peer.md").write_text("Peer support is older [@knuth1984].\n", encoding="utf-8")
    result = run(book, "submit", "peer", str(mail / "peer.md"))
    assert result.exit_code == 0, result.output
    assert "Chapter 'peer' stays draft.\n" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["carers", "MAIL/peer.md", "--from", "ben-writer"],
     "Ben Writer is not an author of chapter 'carers' (its authors: Cara Carer). Give --from "
     "with one of its authors, or add --force to record a submission from someone else. "
     "Nothing was changed."),
    (["peer", "MAIL/peer.pdf"],
     "peer.pdf is neither Markdown (.md) nor a Word document (.docx), so anthology cannot take "
     "it as a chapter. Nothing was changed."),
    (["peer", "MAIL/peer.doc"],
     "peer.doc is neither Markdown (.md) nor a Word document (.docx), so anthology cannot take "
     "it as a chapter. It is an old Word file: open it in Word and save it as .docx. Nothing "
     "was changed."),
    (["peer", "MAIL/peer.md", "--from", "bne-writer"],
     "There is no contributor 'bne-writer' in contributors.yaml. Did you mean 'ben-writer'? "
     "Give their id (see `anthology contributor list`), or add them first with `anthology "
     "contributor add`."),
])
def test_refusals_change_nothing(book: Path, mail: Path, args: list[str], message: str) -> None:
    for name in ("peer.pdf", "peer.doc"):
        (mail / name).write_bytes(b"%PDF")
    plan = (book / "chapters.yaml").read_bytes()
    result = run(book, "submit", *(a.replace("MAIL", str(mail)) for a in args))
    assert result.exit_code in (1, 2)
    assert result.stderr == f"Error: {message}\n"
    assert (book / "chapters.yaml").read_bytes() == plan
    assert git(book, "status", "--porcelain") == ""


def test_a_submission_from_someone_else_with_force(book: Path, mail: Path) -> None:
    result = run(book, "submit", "carers", str(mail / "peer.md"), "--from", "Ben Writer",
                 "--force")
    assert result.exit_code == 0, result.output
    assert git(book, "log", "-1", "--format=%an") == "Ben Writer"


def test_uncommitted_changes_to_the_chapter_are_refused(book: Path, mail: Path) -> None:
    (book / "chapters/02-peer.md").write_text("the editor's own start\n", encoding="utf-8")
    assert refusal(book, "submit", "peer", str(mail / "peer.md")) == (
        "Error: chapters/02-peer.md has changes not yet committed; the submission would mix "
        "them with the contributor's text. Commit them (git commit) or put them aside (git "
        "stash), then submit again. Nothing was changed.\n")
    assert (book / "chapters/02-peer.md").read_text(encoding="utf-8") == \
        "the editor's own start\n"


def test_outside_git_nothing_is_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        mail: Path) -> None:
    from tests.conftest import write_book

    isolate_git(monkeypatch, tmp_path / "home")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    root = write_book(tmp_path / "plain")
    assert refusal(root, "submit", "peer", str(mail / "peer.md")) == (
        f"Error: {root} is not a git repository, and a submission is recorded as a commit. "
        "Make it one first: git init && git add -A && git commit -m \"Start the book\". "
        "Nothing was changed.\n")
    assert not (root / "chapters/02-peer.md").exists()


def test_import_prints_what_it_did_and_the_check(book: Path, tmp_path: Path) -> None:
    d = Docx()
    d.paragraph("Carers know ", d.zotero([cahn(), work(7, "Ødegård", 2020)],
                                         "(Cahn 2000; Ødegård 2020)"), ".",
                d.textbox("Boxed words"))
    d.save(tmp_path / "c.docx")
    result = run(book, "import", "carers", str(tmp_path / "c.docx"))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "Wrote chapters/03-carers.md",
        "Wrote chapters/03-carers.json",
        "1 citation of 2 works (2 added to the chapter's bibliography), 0 notes, 0 pictures.",
        "Not converted (look at these in the Word file):",
        "  “Carers know (Cahn 2000; Ødegård 2020).”: a text box (Word keeps its text apart "
        "from the page's text)",
        "Checked chapter 'carers': no problems."]
    assert "Carers know [@cahn2000; @odegard2020]." in \
        (book / "chapters/03-carers.md").read_text(encoding="utf-8")


def test_the_check_after_a_submission_names_what_to_fix(book: Path, mail: Path) -> None:
    (mail / "peer.md").write_text("Peer support is old [@cahn2000].\n", encoding="utf-8")
    result = run(book, "submit", "peer", str(mail / "peer.md"))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-2:] == [
        "chapters/02-peer.md:7:22: error: cites @cahn2000, which is not in the bibliography. "
        "Add the entry to references/book.bib, or correct the key. [citation.missing]",
        "1 problem (1 error) in 1 file."]


def test_a_word_file_with_tracked_changes_is_refused_then_accepted(book: Path,
                                                                    tmp_path: Path) -> None:
    source = sample_docx(tmp_path / "tracked.docx")
    result = run(book, "submit", "carers", str(source))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: tracked.docx has 3 tracked changes or comments, "
                                    "which anthology does not accept silently:\n")
    assert git(book, "status", "--porcelain") == ""
    result = run(book, "submit", "carers", str(source), "--accept-changes")
    assert result.exit_code == 0, result.output
    assert "Accepted 3 tracked changes and left out the comments:\n" in result.stdout
    assert git(book, "log", "-1", "--format=%an") == "Cara Carer"


def test_a_book_in_a_folder_of_a_bigger_repository(tmp_path: Path, mail: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import write_book

    isolate_git(monkeypatch, tmp_path / "home")
    repo = tmp_path / "repo"
    root = write_book(repo / "books" / "care")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Ada Editor")
    git(repo, "config", "user.email", "ada@example.ac.uk")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Start")
    (root / "chapters/02-peer.md").write_text("uncommitted\n", encoding="utf-8")
    refused = run(root, "submit", "peer", str(mail / "peer.md"), "--date", "2026-12-01")
    assert refused.stderr.startswith("Error: chapters/02-peer.md has changes not yet "
                                     "committed;")
    (root / "chapters/02-peer.md").unlink()
    result = run(root, "submit", "peer", str(mail / "peer.md"), "--date", "2026-12-01")
    assert result.exit_code == 0, result.output
    assert git(repo, "show", "--name-only", "--format=%an", "HEAD").splitlines() == [
        "Ben Writer", "", "books/care/chapters/02-peer.md"]


def test_the_same_file_again_is_not_a_submission(book: Path, mail: Path) -> None:
    assert run(book, "submit", "peer", str(mail / "peer.md")).exit_code == 0
    head = git(book, "rev-parse", "HEAD")
    plan = (book / "chapters.yaml").read_bytes()
    result = run(book, "submit", "peer", str(mail / "peer.md"))
    assert result.exit_code == 1
    assert result.stderr == ("Error: The file is the same as chapters/02-peer.md in the last "
                             "commit: there is nothing new to submit, so nothing was "
                             "recorded.\n")
    assert git(book, "rev-parse", "HEAD") == head
    assert (book / "chapters.yaml").read_bytes() == plan
