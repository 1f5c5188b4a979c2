"""CLI tests for tracking: contributor, chapter, mark, history, status, report, remind."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from anthology.core.config import load_book
from tests.commandline import refusal, run

TODAY = "2026-10-20"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ANTHOLOGY_TODAY", TODAY)
    monkeypatch.delenv("NO_COLOR", raising=False)
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Git Editor\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def snapshot(book: Path) -> dict[str, str]:
    return {name: (book / name).read_text() for name in ("contributors.yaml", "chapters.yaml")}


# Contributors

def test_contributor_add_list_show(small_book: Path) -> None:
    result = run(small_book, "contributor", "add", "Chloé O'Neil", "--email", "c@example.org",
                 "--email", "chloe@example.net", "--affiliation", "Mind", "--orcid",
                 "https://orcid.org/0000-0002-1825-0097", "--role", "carer", "--bio", "Writes.")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "Added Chloé O'Neil as 'chloe-oneil'.\n"
    person = load_book(small_book).contributor("chloe-oneil")
    assert person.emails == ("c@example.org", "chloe@example.net")
    assert person.orcid == "0000-0002-1825-0097"
    listed = run(small_book, "contributor", "list")
    assert listed.stdout.splitlines()[0] == \
        "ada-editor   Ada Editor (editor), University of Leeds  [intro]"
    shown = run(small_book, "contributor", "show", "ben-writer")
    assert shown.stdout == (
        "Ben Writer (ben-writer)\n"
        "  E-mail:       ben@example.org, ben.writer@example.org\n"
        "  Affiliation:  Mind in Leeds\n"
        "  Roles:        lived experience\n"
        "  Bio:          Ben writes about peer support.\n"
        "  Chapters:     peer (invited)\n")
    listed_json = run(small_book, "contributor", "list", "--format", "json").stdout
    # cli.common.echo_json: indented by two, non-ASCII written as it is (not \u00e9).
    assert listed_json.startswith('[\n  {\n    "id": "ada-editor",\n')
    assert '"name": "Chloé O\'Neil",' in listed_json
    data = json.loads(listed_json)
    assert [p["id"] for p in data] == ["ada-editor", "ben-writer", "chloe-oneil"]


@pytest.mark.parametrize(("args", "message"), [
    (["contributor", "add", "Jo Bloggs", "--email", "jo@example.org", "--orcid",
      "0000-0002-1825-0096"],
     "Error: The ORCID iD 0000-0002-1825-0096 is not valid: its last character should be 7 by "
     "the ORCID checksum, so a digit is probably mistyped. Copy it again from the person's "
     "orcid.org page.\n"),
    (["contributor", "add", "Jo Bloggs", "--email", "jo@example.org", "--orcid", "1234"],
     "Error: The ORCID iD 1234 is not valid: an ORCID iD has the form 0000-0002-1825-0097 (16 "
     "digits in four groups; the last may be X). Copy it again from the person's orcid.org "
     "page.\n"),
    (["contributor", "add", "Jo Bloggs", "--email", "jo.example.org"],
     "Error: 'jo.example.org' does not look like an e-mail address. Write it as "
     "name@example.org.\n"),
    (["contributor", "add", "Ben Writer", "--email", "b@example.org"],
     "Error: There is already a contributor with the id 'ben-writer' (Ben Writer). Choose "
     "another with --id.\n"),
    (["contributor", "add", "Jo", "--id", "Jo B", "--email", "b@example.org"],
     "Error: The id 'Jo B' should be lowercase letters, digits and hyphens, for example "
     "'jo-b'.\n"),
    (["contributor", "show", "ben-writter"],
     "Error: There is no contributor 'ben-writter'. Did you mean 'ben-writer'?\n"),
    (["contributor", "edit", "zed"],
     "Error: There is no contributor 'zed'. Run `anthology contributor list` to see who is in "
     "the book.\n"),
    (["contributor", "edit", "ben-writer"],
     "Error: Nothing to change: give at least one option, such as --affiliation.\n"),
])
def test_contributor_bad_input(small_book: Path, args: list[str], message: str) -> None:
    before = snapshot(small_book)
    result = run(small_book, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == message
    assert snapshot(small_book) == before


def test_contributor_edit_keeps_other_fields(small_book: Path) -> None:
    result = run(small_book, "contributor", "edit", "ben-writer", "--affiliation", "Leeds Mind",
                 "--sort-name", "Writer, Ben")
    assert (result.exit_code, result.stdout) == (0, "Updated Ben Writer (ben-writer).\n")
    person = load_book(small_book).contributor("ben-writer")
    assert (person.affiliation, person.sort_name, person.bio) == (
        "Leeds Mind", "Writer, Ben", "Ben writes about peer support.")
    run(small_book, "contributor", "edit", "ben-writer", "--affiliation", "")
    assert load_book(small_book).contributor("ben-writer").affiliation is None


def test_contributor_remove(small_book: Path) -> None:
    before = snapshot(small_book)
    assert refusal(small_book, "contributor", "remove", "ben-writer") == (
        "Error: Cannot remove 'ben-writer': they are an author of the chapter 'peer'. Take them "
        "off with `anthology chapter edit CHAPTER --author ...` first, or remove the chapter.\n")
    assert snapshot(small_book) == before
    run(small_book, "chapter", "edit", "peer", "--author", "ada-editor")
    result = run(small_book, "contributor", "remove", "ben-writer")
    assert (result.exit_code, result.stdout) == (0, "Removed Ben Writer (ben-writer).\n")
    editor = run(small_book, "contributor", "remove", "ada-editor")
    assert editor.stderr.startswith("Error: Cannot remove 'ada-editor': they are an author")


# Chapters

def test_chapter_add_list_show(small_book: Path) -> None:
    result = run(small_book, "chapter", "add", "ethics", "--title", "Ethics", "--author",
                 "ben-writer", "--author", "ada-editor", "--part", "Part II")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "Added chapter 'ethics' (chapters/03-ethics.md), proposed.\n"
    chapter = load_book(small_book).chapter("ethics")
    assert chapter.status.value == "proposed"
    assert chapter.history[-1].by == "Git Editor"
    assert str(chapter.history[-1].date) == TODAY
    listed = run(small_book, "chapter", "list")
    assert listed.stdout == (
        " 1  intro   draft       Introduction (ada-editor)\n"
        " 2  peer    invited     Peer Support (ben-writer)\n"
        " 3  ethics  proposed    Ethics (ben-writer, ada-editor)\n")
    shown = run(small_book, "chapter", "show", "ethics")
    assert shown.stdout == (
        "Ethics (ethics)\n"
        "  Authors:      Ben Writer, Ada Editor\n"
        "  File:         chapters/03-ethics.md\n"
        "  Part:         Part II\n"
        "  State:        proposed\n"
        "  Next move:    editor: invite\n"
        "  Word limit:   500\n"
        "  History:\n"
        "    2026-10-20  proposed    by Git Editor\n")


@pytest.mark.parametrize(("args", "message"), [
    (["chapter", "add", "x", "--title", "X", "--author", "ben-writr"],
     "Error: There is no contributor 'ben-writr'. Did you mean 'ben-writer'?\n"),
    (["chapter", "add", "intro", "--title", "X", "--author", "ben-writer"],
     "Error: There is already a chapter with the id 'intro' (Introduction). Choose another "
     "id.\n"),
    (["chapter", "add", "x", "--title", "X", "--author", "ben-writer", "--file", "../x.md"],
     "Error: The file ../x.md is not inside the book folder. Give a path relative to the book, "
     "such as chapters/x.md.\n"),
    (["chapter", "add", "x", "--title", "X", "--author", "ben-writer", "--file",
      "chapters/01-intro.md"],
     "Error: The file chapters/01-intro.md is already the file of chapter 'intro'. Give another "
     "with --file.\n"),
    (["chapter", "show", "intr"], "Error: There is no chapter 'intr'. Did you mean 'intro'?\n"),
    (["chapter", "edit", "peer", "--due", "draft=2026-12-01"],
     "Error: 'draft' is not a deadline. Did you mean 'drafts'? The deadlines are: invitations, "
     "abstracts, drafts, reviews, revisions, copyedits, proofs, final, delivery.\n"),
    (["chapter", "edit", "peer", "--due", "drafts=1 Dec"],
     "Error: '1 Dec' is not a date. Write it as YYYY-MM-DD, for example 2026-05-01.\n"),
    (["chapter", "move", "peer"],
     "Error: Say where to move the chapter: give one of --before CHAPTER, --after CHAPTER or "
     "--to NUMBER.\n"),
    (["chapter", "move", "peer", "--to", "9"],
     "Error: --to should be a place between 1 and 2, not 9.\n"),
])
def test_chapter_bad_input(small_book: Path, args: list[str], message: str) -> None:
    before = snapshot(small_book)
    result = run(small_book, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert snapshot(small_book) == before


def test_chapter_edit_move_remove(small_book: Path) -> None:
    edited = run(small_book, "chapter", "edit", "peer", "--title", "Peer Support Now",
                 "--due", "drafts=2026-12-01", "--word-limit", "700")
    assert (edited.exit_code, edited.stdout) == (0, "Updated chapter 'peer'.\n")
    chapter = load_book(small_book).chapter("peer")
    assert (chapter.title, chapter.word_limit, str(chapter.due["drafts"])) == (
        "Peer Support Now", 700, "2026-12-01")
    moved = run(small_book, "chapter", "move", "peer", "--before", "intro")
    assert moved.stdout == "Moved 'peer' to place 1: peer, intro.\n"
    assert refusal(small_book, "chapter", "remove", "intro") == (
        "Error: Chapter 'intro' is 'draft': removing it would lose its history. Mark it "
        "withdrawn instead (`anthology mark intro withdrawn`), or add --force to remove it "
        "anyway.\n")
    removed = run(small_book, "chapter", "remove", "intro", "--force")
    assert removed.stdout == ("Removed chapter 'intro' from the plan. Its file "
                              "chapters/01-intro.md was kept.\n")
    assert [c.id for c in load_book(small_book).chapters] == ["peer"]


# The workflow

def test_mark_and_history(small_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(small_book, "mark", "intro", "review", "--note", "sent to two readers",
                 "--by", "Ada Editor")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "Chapter 'intro' is now review, 2026-10-20.\n"
    monkeypatch.setenv("ANTHOLOGY_TODAY", "2026-11-02")
    run(small_book, "mark", "intro", "revisions", "--date", "2026-10-25")
    again = run(small_book, "mark", "intro", "review", "--date", "2026-11-01")
    assert again.stdout == "Chapter 'intro' is now review (round 2), 2026-11-01.\n"
    history = run(small_book, "history", "intro")
    assert history.stdout == (
        "Introduction (intro): review\n"
        "  2026-01-10  invited     by Ada Editor\n"
        "  2026-01-12  agreed      by Ada Editor\n"
        "  2026-05-01  draft       by Ada Editor\n"
        "  2026-10-20  review     round 1  by Ada Editor  sent to two readers\n"
        "  2026-10-25  revisions  round 1  by Git Editor\n"
        "  2026-11-01  review     round 2  by Git Editor\n")
    events = json.loads(run(small_book, "history", "intro", "--format", "json").stdout)
    assert events[-1] == {"date": "2026-11-01", "state": "review", "by": "Git Editor",
                          "round": 2}


def test_mark_refused_then_forced(small_book: Path) -> None:
    before = snapshot(small_book)
    refused = run(small_book, "mark", "peer", "final")
    assert refused.exit_code == 1
    assert refused.stdout == ""
    assert refused.stderr == (
        "Error: Chapter 'peer' cannot go from 'invited' to 'final'. From 'invited' it can go to "
        "'agreed', 'declined' or 'withdrawn'. To record it anyway, add --force.\n")
    assert snapshot(small_book) == before
    forced = run(small_book, "mark", "peer", "withdrawn", "--force")
    assert forced.stdout == "Chapter 'peer' is now withdrawn, 2026-10-20.\n"
    forced = run(small_book, "mark", "peer", "invited", "--force", "--note", "back after all")
    assert forced.stdout == "Chapter 'peer' is now invited (forced), 2026-10-20.\n"
    assert "forced: true" in (small_book / "chapters.yaml").read_text()


THE_STATES = ("The states are: proposed, invited, declined, agreed, abstract, draft, review, "
              "revisions, accepted, copyedited, proofs, final, withdrawn.\n")


@pytest.mark.parametrize(("args", "message"), [
    (["mark", "pear", "agreed"], "Error: There is no chapter 'pear'. Did you mean 'peer'?\n"),
    (["mark", "peer", "agred"],
     "Error: 'agred' is not a workflow state. Did you mean 'agreed'? " + THE_STATES),
    (["mark", "peer", "done"],
     "Error: 'done' is not a workflow state. " + THE_STATES),
    (["mark", "peer", "agreed", "--date", "2026-02-30"],
     "Error: '2026-02-30' is not a date. Write it as YYYY-MM-DD, for example 2026-05-01.\n"),
    (["mark", "peer", "agreed", "--date", "20/10/2026"],
     "Error: '20/10/2026' is not a date. Write it as YYYY-MM-DD, for example 2026-05-01.\n"),
    (["history", "intra"], "Error: There is no chapter 'intra'. Did you mean 'intro'?\n"),
    (["status", "--state", "drafts"],
     "Error: 'drafts' is not a workflow state. Did you mean 'draft'? " + THE_STATES),
    (["status", "--author", "ben"],
     "Error: There is no contributor 'ben'. Run `anthology contributor list` to see who is in "
     "the book.\n"),
    (["remind", "pier"], "Error: There is no chapter 'pier'. Did you mean 'peer'?\n"),
])
def test_workflow_bad_input(small_book: Path, args: list[str], message: str) -> None:
    before = snapshot(small_book)
    result = run(small_book, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert snapshot(small_book) == before
    assert not (small_book / "build" / "mail").exists()


def test_busy_lock(small_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from anthology.editorial.tracking.store import book_lock

    monkeypatch.setenv("ANTHOLOGY_LOCK_TIMEOUT", "0.2")
    with book_lock(small_book):
        holder = (small_book / ".anthology.lock").read_text()
        result = run(small_book, "mark", "peer", "agreed")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: Another anthology command is changing this book: {holder}. Waited 0.2 seconds "
        "for it to finish; nothing was changed. Run the command again when it has finished.\n")


# Status

STATUS_BOOK = {"chapters/02-peer.md": "# Peer\n"}


def test_status_text(small_book: Path) -> None:
    result = run(small_book, "status")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "A Small Book: status on 20 Oct 2026\n"
        "\n"
        "#  Chapter       Authors  State    Whose move              Due  Late  Words\n"
        "1  Introduction  Editor   draft    editor: send to review             20/500\n"
        "2  Peer Support  Writer   invited  contributor: reply                 –\n"
        "\n"
        "2 chapters: 1 invited, 1 draft.\n"
        "Words: 20 in 1 chapter, against 2,000 in the contract (1,980 to spare).\n"
        "Nothing is overdue.\n"
        # Never checked: counted from pandoc's parse, citations as written.
        "Words of 1 chapter changed since the last check are estimated (citations as "
        "written); `anthology check` counts them as printed.\n")
    assert "\x1b[" not in result.stdout


def test_status_overdue_and_filters(make_book: Callable[..., Path]) -> None:
    book = make_book({"book.yaml": (Path(__file__).parent.parent / "conftest.py").read_text()
                      .split('BOOK_YAML = """\\\n')[1].split('"""')[0]
                      .replace("schedule:\n", "schedule:\n  invitations: 2026-02-01\n  "
                               "reviews: 2026-10-01\n")})
    result = run(book, "status", "--overdue")
    assert result.stdout.splitlines()[2:5] == [
        "#  Chapter       Authors  State    Whose move              Due         Late        Words",
        "1  Introduction  Editor   draft    editor: send to review  1 Oct 2026  19 d late   20/500",
        "2  Peer Support  Writer   invited  contributor: reply      1 Feb 2026  261 d late  –",
    ]
    assert "Overdue: intro 19 d (editor); peer 261 d (contributor).\n" in result.stdout
    only = run(book, "status", "--state", "invited", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(only.stdout)))
    assert [(r["id"], r["days_overdue"], r["whose_move"]) for r in rows] == [
        ("peer", "261", "contributor")]
    by_author = run(book, "status", "--author", "ada-editor", "--format", "markdown")
    assert by_author.stdout.splitlines()[4] == (
        "| 1 | Introduction | Editor | draft | editor: send to review | 1 Oct 2026 | "
        "**19 d late** | 20/500 | – |")


def test_status_json(small_book: Path) -> None:
    result = run(small_book, "status", "--format", "json")
    data = json.loads(result.stdout)
    assert [c["id"] for c in data["chapters"]] == ["intro", "peer"]
    assert data["chapters"][0] == {
        "number": 1, "id": "intro", "title": "Introduction", "authors": ["ada-editor"],
        "author_names": ["Ada Editor"], "state": "draft", "round": None,
        "whose_move": "editor", "next_move": "send to review", "since": "2026-05-01",
        "due": None, "days_overdue": 0, "words": 20, "word_limit": 500,
        "last_submission": None, "part": None, "reviews": []}
    assert data["summary"]["per_state"] == {"invited": 1, "draft": 1}


def test_status_colour_only_on_a_terminal(small_book: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from anthology.cli import tracking

    monkeypatch.setattr(tracking, "use_colour", lambda: True)
    assert "\x1b[1m#" in run(small_book, "status").stdout
    assert "\x1b[" not in run(small_book, "status", "--format", "markdown").stdout


def test_status_does_not_import_heavy_modules(small_book: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; from anthology.cli import main; sys.argv=['anthology','--book',"
            f"{str(small_book)!r},'status']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('weasyprint','pypandoc','jinja2')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.splitlines()[-1] == "[]"


# Report and reminders

def test_report(sample_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHOLOGY_TODAY", "2026-11-20")
    result = run(sample_book, "report")
    assert (result.exit_code, result.stdout) == (0, "Wrote build/status.html.\n")
    html = (sample_book / "build" / "status.html").read_text()
    assert "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    assert "<svg" in html and "<style>" in html
    assert html.count('class="overdue"') == 3  # values-consent, ward-rounds, safe-spaces
    assert "Doing Things Differently" in html


def test_remind(sample_book: Path) -> None:
    result = run(sample_book, "remind")
    assert result.exit_code == 0
    assert result.stdout == (
        "Wrote build/mail/chris-nolan.eml\n"
        "Wrote build/mail/ruth-callaghan.eml\n"
        "Wrote build/mail/leila-haddad.eml\n"
        "Wrote build/mail/owen-jenkins.eml\n"
        "Wrote build/mail/janet-wood.eml\n"
        "5 e-mails to check and send from your mail program; nothing was sent.\n")
    raw = (sample_book / "build" / "mail" / "leila-haddad.eml").read_bytes()
    assert b"\r\n" in raw
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "Leila Haddad <leila.haddad@example.ac.uk>"
    assert message["From"] == "Helen Marsh <helen.marsh@example.ac.uk>"
    assert message["Subject"] == \
        "Doing Things Differently: your draft chapter, due 15 December 2026"
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("Dear Leila,\n\nChapter 7, \"Re-imagining professionalism")
    assert "The full draft of the chapter is due on 15 December 2026." in body


def test_remind_overdue_and_override(sample_book: Path) -> None:
    none = run(sample_book, "remind", "--overdue")
    assert none.stdout == \
        "No chapter waits on a contributor past its deadline; no mail written.\n"
    own = sample_book / "templates" / "mail"
    own.mkdir(parents=True, exist_ok=True)
    (own / "invitation.txt.j2").write_text("Please reply about {{ chapter.title }}.\n")
    result = run(sample_book, "remind", "commissioning")
    assert result.stdout.splitlines()[0] == "Wrote build/mail/janet-wood.eml"
    message = email.message_from_bytes(
        (sample_book / "build" / "mail" / "janet-wood.eml").read_bytes(),
        policy=email.policy.default)
    assert "Please reply about Co-producing commissioning" in message.get_content()


# Names and dates from real books

@pytest.mark.parametrize(("name", "email", "ident"), [
    ("Zoë Łukasiewicz-Wójcik", "zoe@example.pl", "zoe-lukasiewicz-wojcik"),
    ("Björn Þórðarson", "bjorn@example.is", "bjorn-thordarson"),
    ("Νίκος Παπαδόπουλος", "nikos@example.gr", "nikos-papadopoulos"),
    ("李小龙", "xiaolong.li@example.cn", "xiaolong-li"),
])
def test_contributor_ids_from_names_in_any_script(small_book: Path, name: str, email: str,
                                                  ident: str) -> None:
    result = run(small_book, "contributor", "add", name, "--email", email)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"Added {name} as '{ident}'.\n"
    assert load_book(small_book).contributor(ident).name == name


def test_contributor_id_that_cannot_be_made_is_asked_for(small_book: Path) -> None:
    before = snapshot(small_book)
    result = run(small_book, "contributor", "add", "李小龙", "--email", "李@example.cn")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == ("Error: Cannot make an id from the name '李小龙'. Give one with "
                             "--id, for example --id li-xiaolong.\n")
    assert snapshot(small_book) == before


@pytest.mark.parametrize("by", ["", "   "])
def test_mark_with_an_empty_by_is_refused(small_book: Path, by: str) -> None:
    before = snapshot(small_book)
    result = run(small_book, "mark", "intro", "review", "--by", by)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == ('Error: --by is empty. Give the name of who did it, for example '
                             '--by "Jane Doe", or leave --by out to record yourself.\n')
    assert snapshot(small_book) == before


def test_mark_by_is_trimmed(small_book: Path) -> None:
    result = run(small_book, "mark", "intro", "review", "--by", "  Ada Editor ")
    assert (result.exit_code, result.stderr) == (0, "")
    assert load_book(small_book).chapter("intro").history[-1].by == "Ada Editor"


@pytest.mark.parametrize("args", [
    ["mark", "intro", "review", "--date", "2062-10-21"],
    ["chapter", "add", "later", "--title", "Later", "--author", "ben-writer", "--date",
     "2062-10-21"],
])
def test_a_date_in_the_future_is_refused(small_book: Path, args: list[str]) -> None:
    # A typo (2062 for 2026) would otherwise stop every later event: they must come after it.
    before = snapshot(small_book)
    result = run(small_book, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == ("Error: The date 2062-10-21 is in the future (today is "
                             "2026-10-20). Give the day it happened, as YYYY-MM-DD.\n")
    assert snapshot(small_book) == before


def test_status_names_authors_by_family_name(make_book: Callable[..., Path]) -> None:
    people = """\
        format: 1
        contributors:
          - {id: ada-editor, name: Ada Editor, emails: [ada@example.ac.uk]}
          - {id: siobhan, name: "Siobhán O'Brien-Ní Dhuibhir", emails: [s@example.ie]}
          - {id: dafydd, name: Dafydd ap Gwilym, sort_name: "ap Gwilym, Dafydd",
             emails: [d@example.cymru]}
          - {id: anne, name: Anne-Marie van der Berg, emails: [a@example.nl]}
          - {id: li, name: 李小龙, emails: [li@example.cn]}
          - {id: teuila, name: Teuila, emails: [t@example.ws]}
        """
    plan = """\
        format: 1
        chapters:
          - {id: one, title: One, authors: [siobhan], status: proposed}
          - {id: two, title: Two, authors: [dafydd, anne], status: proposed}
          - {id: three, title: Three, authors: [li, teuila], status: proposed}
        """
    book = make_book({"contributors.yaml": people, "chapters.yaml": plan})
    result = run(book, "status")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines()[2:6] == [
        "#  Chapter  Authors                   State     Whose move      Due  Late",
        "1  One      O'Brien-Ní Dhuibhir       proposed  editor: invite",
        "2  Two      ap Gwilym & van der Berg  proposed  editor: invite",
        "3  Three    李小龙 & Teuila           proposed  editor: invite",
    ]


def test_status_counts_one_chapter_in_the_singular(make_book: Callable[..., Path]) -> None:
    plan = """\
        format: 1
        chapters:
          - {id: one, title: One, authors: [ada-editor], status: proposed}
        """
    result = run(make_book({"chapters.yaml": plan}), "status")
    assert result.stdout.splitlines()[-3] == "1 chapter: 1 proposed."


def test_a_read_only_book_folder_is_a_message(small_book: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    def refuse(*args: object, dir: str | None = None, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", f"{dir}/.anthology-tmp-x.part")

    before = snapshot(small_book)
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = run(small_book, "mark", "intro", "review")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: Cannot write in the folder {small_book}: permission denied. Make the folder "
        "writable for your user (or work on a copy you own), then run the command again; "
        "nothing was changed.\n")
    assert snapshot(small_book) == before
