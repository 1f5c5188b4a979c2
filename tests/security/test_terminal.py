"""Text from git, YAML files and chapters reaches the terminal with every control character
shown visibly: no escape sequence (title, hyperlink, clipboard, CSI) is obeyed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from anthology.core.terminal import safe_for_terminal
from tests.commandline import run
from tests.submissions.gitbook import chapter_text, commit, init_repo, isolate_git

SEQUENCES = {
    "title": "\x1b]0;pwned\x07",                       # OSC, BEL-terminated
    "hyperlink": "\x1b]8;;https://evil.example/\x1b\\x\x1b]8;;\x1b\\",  # OSC 8, ST-terminated
    "clipboard": "\x1b]52;c;aWQgPiAvdG1wL3g=\x07",     # OSC 52: write to the clipboard
    "csi": "\x1b[2J\x1b[31m",                          # clear the screen, red
    "dcs": "\x1bPq#0;2;0;0;0\x1b\\",                   # DCS (sixel)
    "apc": "\x1b_Gf=100;AAAA\x1b\\",                   # APC (kitty graphics)
    "pm-sos": "\x1b^privacy\x1b\\\x1bXstring\x1b\\",   # PM and SOS
    "c1": "\x9b2J\x9d0;eight-bit\x9c",                 # 8-bit CSI, OSC, ST
    "c0": "\x07\x08\r\x7f",                            # BEL, backspace, CR, DEL
}
ESCAPE_OR_C1 = [chr(c) for c in [*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0)]]


@pytest.mark.parametrize(("text", "shown"), [
    ("plain: tab\tand\nnewline", "plain: tab\tand\nnewline"),
    ("\x1b]0;pwned\x07", "\\u001b]0;pwned\\u0007"),
    ("a\x1b[2Jb", "a\\u001b[2Jb"),
    ("\x9b2J", "\\u009b2J"),
    ("Zoë – “quoted”", "Zoë – “quoted”"),
])
def test_safe_for_terminal(text: str, shown: str) -> None:
    assert safe_for_terminal(text) == shown


def no_controls(text: str) -> bool:
    return not any(c in text for c in ESCAPE_OR_C1)


@pytest.fixture
def hostile_book(make_book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One commit per sequence, each from an author whose name holds it; a chapter title and
    a contributor's name hold one too."""
    isolate_git(monkeypatch, tmp_path / "home")
    book = make_book()
    plan = (book / "chapters.yaml").read_text(encoding="utf-8")
    (book / "chapters.yaml").write_text(
        plan.replace("title: Introduction", 'title: "Intro\\e]0;title\\a"'), encoding="utf-8")
    people = (book / "contributors.yaml").read_text(encoding="utf-8")
    (book / "contributors.yaml").write_text(
        people.replace("name: Ben Writer", 'name: "Ben\\e]52;c;eA==\\aWriter"'),
        encoding="utf-8")
    init_repo(book)
    for day, (kind, sequence) in enumerate(SEQUENCES.items(), start=10):
        text = chapter_text("Introduction", f"Text {kind}.", "[ada-editor]")
        commit(book, f"Message {kind} {sequence}", (f"Eve {sequence} {kind}", "eve@example.com"),
               f"2026-02-{day}", {"chapters/01-intro.md": text})
    return book


def test_git_authors_reach_the_terminal_visibly(hostile_book: Path) -> None:
    result = run(hostile_book, "submissions")
    assert (result.exit_code, result.stderr) == (0, "")
    assert no_controls(result.stdout)
    assert "Eve \\u001b]0;pwned\\u0007 title <eve@example.com>" in result.stdout
    assert "Eve \\u001b]52;c;aWQgPiAvdG1wL3g=\\u0007 clipboard" in result.stdout
    assert ("Eve \\u001b]8;;https://evil.example/\\u001b\\x\\u001b]8;;\\u001b\\ hyperlink"
            in result.stdout)
    assert "Eve \\u009b2J\\u009d0;eight-bit\\u009c c1" in result.stdout
    assert "Intro\\u001b]0;title\\u0007" in result.stdout


def test_csv_is_visible_and_json_is_exact(hostile_book: Path) -> None:
    text = run(hostile_book, "submissions", "--format", "csv").stdout
    assert no_controls(text.replace("\n", ""))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["author"] for r in rows} >= {"Eve \\u001b[2J\\u001b[31m csi",
                                           "Eve \\u001bPq#0;2;0;0;0\\u001b\\ dcs"}
    result = run(hostile_book, "submissions", "--format", "json")
    assert no_controls(result.stdout.replace("\n", ""))
    authors = {i["author"] for i in json.loads(result.stdout)}
    # git keeps the sequences inside a name (it trims only the ends): JSON gives them exactly.
    assert {f"Eve {s} {k}" for k, s in SEQUENCES.items() if k not in ("c0",)} <= authors


@pytest.mark.parametrize("args", [
    ("status",), ("status", "--format", "csv"), ("status", "--format", "markdown"),
    ("chapter", "list"), ("chapter", "show", "intro"), ("history", "intro"),
    ("contributor", "list"), ("contributor", "show", "ben-writer"), ("check", "-q"),
])
def test_yaml_text_reaches_the_terminal_visibly(hostile_book: Path, args: tuple[str, ...]) -> None:
    result = run(hostile_book, *args)
    assert no_controls(result.stdout.replace("\n", "").replace("\t", ""))
    assert no_controls(result.stderr.replace("\n", ""))
    if args[0] in ("status", "chapter", "history"):
        assert "Intro\\u001b]0;title\\u0007" in result.stdout
    if args[0] == "contributor":
        assert "Ben\\u001b]52;c;eA==\\u0007Writer" in result.stdout


def test_errors_reach_the_terminal_visibly(hostile_book: Path) -> None:
    result = run(hostile_book, "chapter", "show", "no\x1b]0;x\x07where")
    assert result.exit_code == 2
    assert no_controls(result.stderr.replace("\n", ""))
    assert "no\\u001b]0;x\\u0007where" in result.stderr
