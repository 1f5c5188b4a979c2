"""status shows what the word counter and git know: words against the limit, last submission."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from anthology.cli import cli


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "commit.gpgsign=false", *args], check=True,
                   capture_output=True)


def status(book: Path) -> dict[str, dict[str, object]]:
    result = CliRunner().invoke(cli, ["--book", str(book), "status", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return {c["id"]: c for c in json.loads(result.stdout)["chapters"]}


def test_status_shows_words_after_a_check_and_the_last_commit(
        small_book: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ANTHOLOGY_TODAY", "2026-11-26")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    before = status(small_book)
    assert before["intro"]["words"] == 20  # estimated: citations as written
    assert before["intro"]["last_submission"] is None

    assert CliRunner().invoke(cli, ["--book", str(small_book), "check"]).exit_code == 0
    git(small_book, "init", "-q", "-b", "main")
    git(small_book, "add", ".")
    git(small_book, "-c", "user.name=Ada Editor", "-c", "user.email=ada@example.ac.uk",
        "commit", "-q", "-m", "Draft of the introduction", "--date", "2026-05-01T10:00:00")
    after = status(small_book)
    assert after["intro"]["words"] == 21  # as `anthology wordcount` counts: body 16, notes 5
    assert after["intro"]["word_limit"] == 500
    submission = after["intro"]["last_submission"]
    assert isinstance(submission, dict)
    assert submission["by"] == "Ada Editor"
    assert submission["date"] == "2026-05-01"
    assert after["peer"]["last_submission"] is None
