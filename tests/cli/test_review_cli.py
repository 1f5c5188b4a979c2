"""CLI tests for peer review: a whole round, refusals, reminders, status."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest

from anthology.core.config import load_book
from tests.bookdata import RITA_REVIEWER, contributor
from tests.commandline import refusal, run
from tests.conftest import CONTRIBUTORS_YAML

TODAY = "2026-06-01"

REVIEWERS = CONTRIBUTORS_YAML + RITA_REVIEWER + contributor(
    "sam-second", "Sam Second", "sam@example.org", "reviewer, academic")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ANTHOLOGY_TODAY", TODAY)
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Git Editor\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def book(make_book) -> Path:  # type: ignore[no-untyped-def]
    return make_book({"contributors.yaml": REVIEWERS})  # type: ignore[no-any-return]


def test_a_whole_review_round(book: Path, tmp_path: Path) -> None:
    assigned = run(book, "review", "assign", "intro", "rita-reviewer", "--due", "2026-07-01")
    assert (assigned.exit_code, assigned.stderr) == (0, "")
    assert assigned.stdout == "Assigned 'rita-reviewer' to review round 1 of chapter 'intro' " \
                              "(double blind, due 2026-07-01).\n"
    assert run(book, "review", "assign", "intro", "sam-second").exit_code == 0
    assert run(book, "mark", "intro", "review").exit_code == 0
    first = tmp_path / "first.md"
    first.write_text("The argument is clear.\n\nShorten section 2.\n")
    second = tmp_path / "second.txt"
    second.write_text("Please engage with the literature on co-production.\n")
    recorded = run(book, "review", "record", "intro", "rita-reviewer", "--recommendation",
                   "minor", "--report", str(first))
    assert (recorded.exit_code, recorded.stderr) == (0, "")
    assert recorded.stdout == (
        "Recorded the review of 'rita-reviewer' for round 1 of chapter 'intro': minor; "
        "report kept as reviews/intro/round-1-rita-reviewer.md.\n")
    assert (book / "reviews/intro/round-1-rita-reviewer.md").read_text() == first.read_text()
    assert run(book, "review", "record", "intro", "sam-second", "--recommendation", "major",
               "--report", str(second)).exit_code == 0

    listed = run(book, "review", "list")
    assert listed.stdout == (
        "intro  round 1  rita-reviewer  double blind  minor, 2026-06-01\n"
        "intro  round 1  sam-second  double blind  major, 2026-06-01\n")

    decided = run(book, "review", "decide", "intro", "revise", "--note",
                  "Both reviewers ask for a shorter second section.")
    assert (decided.exit_code, decided.stderr) == (0, "")
    assert decided.stdout == (
        "Chapter 'intro' is now revisions after review round 1.\n"
        "Wrote build/mail/intro-decision-round-1.eml: check it and send it from your mail "
        "program; nothing was sent.\n")
    chapter = load_book(book).chapter("intro")
    assert chapter.status.value == "revisions"
    assert chapter.history[-1].note == ("Revisions requested after review round 1: Both "
                                        "reviewers ask for a shorter second section.")
    letter = email.message_from_bytes(
        (book / "build/mail/intro-decision-round-1.eml").read_bytes(),
        policy=email.policy.default)
    assert letter["To"] == "Ada Editor <ada@example.ac.uk>"
    assert letter["Subject"] == 'A Small Book: "Introduction", revisions requested ' \
                                "(review round 1)"
    body = letter.get_content().replace("\r\n", "\n")  # type: ignore[attr-defined]
    assert "---- Reviewer 1: minor revisions ----\n\nThe argument is clear.\n\nShorten " \
           "section 2.\n" in body
    assert "---- Reviewer 2: major revisions ----\n\nPlease engage with the literature on " \
           "co-production.\n" in body
    assert "Please send the revised chapter by 31 January 2027" in body
    for name in ("Rita", "Reviewer, Rita", "rita", "Sam", "Second", "sam-second"):
        assert name not in body
    # The next assignment belongs to round 2.
    again = run(book, "review", "assign", "intro", "sam-second")
    assert again.stdout == "Assigned 'sam-second' to review round 2 of chapter 'intro' " \
                           "(double blind).\n"


def test_an_open_review_names_its_reviewer(book: Path) -> None:
    run(book, "review", "assign", "intro", "rita-reviewer", "--blind", "open")
    run(book, "mark", "intro", "review")
    run(book, "review", "record", "intro", "rita-reviewer", "--recommendation", "accept")
    assert run(book, "review", "decide", "intro", "accept").exit_code == 0
    body = (book / "build/mail/intro-decision-round-1.eml").read_text()
    assert "---- Rita Reviewer: accept as it is ----\n\n(No written report.)\n" in body
    assert load_book(book).chapter("intro").status.value == "accepted"


def test_a_signed_report_is_reported(book: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.md"
    report.write_text("Good work.\n\nBest wishes, Rita Reviewer\n")
    run(book, "review", "assign", "intro", "rita-reviewer")
    run(book, "mark", "intro", "review")
    run(book, "review", "record", "intro", "rita-reviewer", "--recommendation", "minor",
        "--report", str(report))
    decided = run(book, "review", "decide", "intro", "revise")
    assert decided.exit_code == 0
    assert decided.stderr == (
        "reviews/intro/round-1-rita-reviewer.md:3: warning: the report of 'rita-reviewer' "
        "names its reviewer (Rita Reviewer); the letter to the authors quotes it. Remove the "
        "name from the letter before sending it (and from the report, if the review is to "
        "stay anonymous). [review.signed]\n1 problem (1 warning) in 1 file.\n")


def test_assigning_an_author_is_refused_then_forced(book: Path) -> None:
    path = book / "contributors.yaml"
    path.write_text(path.read_text().replace("roles: [academic, editor]",
                                             "roles: [academic, editor, reviewer]"))
    assert refusal(book, "review", "assign", "intro", "ada-editor") == (
        "Error: 'ada-editor' is an author of chapter 'intro' and cannot review it. Choose "
        "another reviewer, or add --force to assign them anyway (recorded as forced).\n")
    forced = run(book, "review", "assign", "intro", "ada-editor", "--force")
    assert forced.stdout == "Assigned 'ada-editor' to review round 1 of chapter 'intro' " \
                            "(double blind) (forced).\n"
    listed = json.loads(run(book, "review", "list", "--format", "json").stdout)
    assert listed == [{"chapter": "intro", "reviewer": "ada-editor", "round": 1,
                       "blind": "double", "assigned": TODAY, "forced": True,
                       "outstanding": True}]


def test_a_report_must_be_text(book: Path, tmp_path: Path) -> None:
    run(book, "review", "assign", "intro", "rita-reviewer")
    report = tmp_path / "report.docx"
    report.write_bytes(b"PK")
    result = run(book, "review", "record", "intro", "rita-reviewer", "--recommendation",
                 "minor", "--report", str(report))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {report}: a report is kept as text (.md or .txt), so that the letter to the "
        "authors can quote it. Save it as plain text or Markdown, then record it again.\n")


def test_decide_needs_a_chapter_in_review(book: Path) -> None:
    assert refusal(book, "review", "decide", "intro", "accept") == (
        "Error: Chapter 'intro' is 'draft', not in review: there is no round to decide. Send "
        "it to review first with `anthology mark intro review`.\n")


def test_status_and_remind_know_about_reviews(book: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    run(book, "review", "assign", "intro", "rita-reviewer", "--due", "2026-06-10")
    run(book, "review", "assign", "intro", "sam-second", "--due", "2026-06-30")
    run(book, "mark", "intro", "review")
    run(book, "review", "record", "intro", "sam-second", "--recommendation", "accept")
    monkeypatch.setenv("ANTHOLOGY_TODAY", "2026-06-15")
    status = run(book, "status")
    lines = status.stdout.splitlines()
    assert lines[2].endswith("Reviews")
    assert lines[3].endswith("round 1: 2 reviews, 1 outstanding, due 10 Jun 2026")
    assert "Reviews overdue: intro by rita-reviewer 5 d." in lines
    data = json.loads(run(book, "status", "--format", "json").stdout)
    assert data["chapters"][0]["reviews"][0] == {
        "reviewer": "rita-reviewer", "round": 1, "blind": "double", "due": "2026-06-10",
        "recommendation": None, "outstanding": True}
    assert data["summary"]["reviews_overdue"] == [
        {"id": "intro", "reviewer": "rita-reviewer", "days": 5}]
    reminded = run(book, "remind", "--overdue")
    assert reminded.stdout == ("Wrote build/mail/review-rita-reviewer.eml\n"
                               "1 e-mail to check and send from your mail program; nothing "
                               "was sent.\n")
    mail = (book / "build/mail/review-rita-reviewer.eml").read_text()
    assert "Subject: A Small Book: your review of \"Introduction\"" in mail
    assert '"Introduction" (review round 1): your report is due on 10 June 2026.\n' \
           "That date has passed (5 days ago): please send it as soon as you can." in mail
    assert run(book, "report").exit_code == 0
    assert "round 1: 2 reviews, 1 outstanding, due 10 Jun 2026" in \
        (book / "build/status.html").read_text()


def test_init_keeps_reviews_out_of_git(tmp_path: Path) -> None:
    import datetime as dt

    from anthology.editorial.init import init_book

    init_book(tmp_path / "new", "A Book", "Jane Doe", "jane@example.org", dt.date(2026, 6, 1))
    assert "/reviews/\n" in (tmp_path / "new/.gitignore").read_text()
    assert "kept in the `reviews/` folder, which is not\ncommitted" in \
        (tmp_path / "new/CONTRIBUTING.md").read_text()
