"""The book's templates, styles, book.yaml and registries are the editors' files: a commit to
them by anyone else is flagged by `anthology submissions` (text, CSV, JSON) and is not taken
for a chapter's submission by `anthology status`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.commandline import run
from tests.submissions.gitbook import (
    ADA,
    BEN,
    ZED,
    chapter_text,
    commit,
    git,
    init_repo,
    isolate_git,
)

TEMPLATE = "{% set x = cycler.__init__.__globals__.os.system('id') %}\n"


@pytest.fixture
def book(make_book: Callable[..., Path], tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Path:
    """Zed (no one) changes a template; Ben (an author) sends his chapter with a stylesheet;
    Ada (the editor) changes book.yaml."""
    isolate_git(monkeypatch, tmp_path / "home")
    root = make_book()
    init_repo(root)
    commit(root, "Nicer title page", ZED, "2026-02-01",
           {"templates/book/book.html.j2": TEMPLATE})
    commit(root, "Draft of peer", BEN, "2026-02-02",
           {"chapters/02-peer.md": chapter_text("Peer Support", "Peers help."),
            "styles/book.css": "body { color: red }\n"})
    book_yaml = (root / "book.yaml").read_text(encoding="utf-8")
    commit(root, "Subtitle", ADA, "2026-02-03",
           {"book.yaml": book_yaml.replace("For Tests", "For Tests Only")})
    return root


def test_text_flags_outsiders_changing_the_editors_files(book: Path) -> None:
    result = run(book, "submissions")
    assert (result.exit_code, result.stderr) == (0, "")
    ben, zed = git(book, "rev-parse", "--short", "HEAD~1"), git(book, "rev-parse", "--short",
                                                                   "HEAD~2")
    assert result.stdout.splitlines()[-6:] == [
        f"  2026-02-02  {ben}  author !          +4 -0  Ben Writer <BEN.WRITER@example.org>: "
        "Draft of peer [changed styles/book.css]",
        "The book's templates, styles and configuration (editors only):",
        f"  2026-02-02  {ben}  other !   Ben Writer <BEN.WRITER@example.org>: Draft of peer "
        "[changed styles/book.css]",
        f"  2026-02-01  {zed}  other !   Zed Stranger <zed@example.com>: Nicer title page "
        "[changed templates/book/book.html.j2]",
        "",
        "2 commits to 2 chapters. 2 commits by someone who is not an editor changed the book's "
        "templates, styles or configuration: only the editors should. Read the change (git show "
        "COMMIT) before the next build, and undo it (git revert COMMIT) if it was not agreed."]


def test_csv_and_json_name_the_files(book: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(run(book, "submissions", "--format", "csv").stdout)))
    assert [(r["chapter"], r["author"], r["flagged"], r["book_code"]) for r in rows] == [
        ("intro", "Ada Editor", "", ""),
        ("peer", "Ben Writer", "yes", "styles/book.css"),
        ("", "Ben Writer", "yes", "styles/book.css"),
        ("", "Zed Stranger", "yes", "templates/book/book.html.j2")]
    items = json.loads(run(book, "submissions", "--format", "json").stdout)
    assert [(i["chapter"], i["contributor"], i["role"], i["flagged"], i["book_code"])
            for i in items] == [
        ("intro", "ada-editor", "author", False, []),
        ("peer", "ben-writer", "author", True, ["styles/book.css"]),
        (None, "ben-writer", "other", True, ["styles/book.css"]),
        (None, None, "other", True, ["templates/book/book.html.j2"])]


def test_status_does_not_take_the_flagged_commit_for_the_submission(book: Path) -> None:
    from anthology.core.config import load_book
    from anthology.editorial.submissions.history import last_submissions

    assert "peer" not in last_submissions(load_book(book))
    commit(book, "Revise peer", BEN, "2026-02-04",
           {"chapters/02-peer.md": chapter_text("Peer Support", "Peers help a lot.")})
    assert last_submissions(load_book(book))["peer"].message == "Revise peer"
