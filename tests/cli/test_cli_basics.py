"""The CLI as a whole: help for every command, the README names every command, errors."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from anthology.cli import COMMAND_MODULES, cli
from tests.conftest import BOOK_YAML, REPO


def all_commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []

    def walk(prefix: str, group: click.Group) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, f"`anthology {prefix}{name}` cannot be loaded"
            found.append((f"{prefix}{name}", command))
            if isinstance(command, click.Group):
                walk(f"{prefix}{name} ", command)

    walk("", cli)
    return found


def test_each_command_is_loaded_from_the_module_that_defines_it() -> None:
    import importlib
    import pkgutil

    import anthology.cli

    defined = {}
    for module in pkgutil.iter_modules(anthology.cli.__path__):
        commands = getattr(importlib.import_module(f"anthology.cli.{module.name}"), "COMMANDS",
                           [])
        defined.update({command.name: module.name for command in commands})
    assert defined == COMMAND_MODULES


def test_only_the_command_run_is_loaded() -> None:
    code = ("import sys; from anthology.cli import main; sys.argv=['anthology','check','--help']"
            "\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('anthology.cli.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.splitlines()[-1] == "['anthology.cli.checking', 'anthology.cli.common']"


def test_an_unknown_command_suggests_the_closest() -> None:
    result = CliRunner().invoke(cli, ["stauts"])
    assert result.exit_code == 2
    assert "No such command 'stauts'." in result.stderr
    assert "Did you mean 'status'?" in result.stderr


@pytest.mark.parametrize(("name", "command"), all_commands(), ids=lambda x: str(x))
def test_every_command_has_help_with_an_example(name: str, command: click.Command) -> None:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert command.help and command.help.strip(), f"`anthology {name}` has no help text"
    if not isinstance(command, click.Group):
        assert "Example:" in command.help, f"`anthology {name}` has no Example: block"


@pytest.mark.parametrize(("name", "command"), all_commands(), ids=lambda x: str(x))
def test_help_examples_are_not_wrapped(name: str, command: click.Command) -> None:
    if isinstance(command, click.Group) and name:
        return
    example = (command.help or "").split("Example:", 1)[1].strip().strip("\b").strip()
    result = CliRunner().invoke(cli, [*name.split(), "--help"], terminal_width=40)
    assert f"      {example}\n" in result.output


def test_readme_names_every_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _ in all_commands()
               if not re.search(rf"`anthology {re.escape(name)}\b", readme)]
    assert missing == []


def test_readme_quick_start_is_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    assert re.findall(r"^    (make \w+)", quick, re.MULTILINE) == ["make book", "make test"]


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("anthology, version ")


def test_broken_book_yaml_exits_2_with_the_line(make_book: Callable[..., Path]) -> None:
    book = make_book({"book.yaml": BOOK_YAML.replace("year: 2027", "year: [2027")})
    result = CliRunner().invoke(cli, ["--book", str(book), "build"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("book.yaml:7: error: book.yaml is not valid YAML: the [ on "
                                    "this line is never closed.")
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith(
        "Error: The book's configuration has 1 problem; nothing was changed. Fix them and run "
        "the command again.\n")
    assert not (book / "build").exists()


def test_debug_shows_the_traceback(make_book: Callable[..., Path]) -> None:
    from anthology.core.errors import ConfigError

    book = make_book({"book.yaml": BOOK_YAML.replace("year: 2027", "year: [2027")})
    result = CliRunner().invoke(cli, ["--book", str(book), "--debug", "build"])
    assert result.exit_code == 1
    assert isinstance(result.exception, ConfigError)


def test_no_book_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANTHOLOGY_BOOK", raising=False)
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: No book found: neither {tmp_path.resolve()} nor any folder above it has a "
        "book.yaml. Run anthology inside a book folder, pass --book DIR, or start a new book "
        "with `anthology init DIR`.\n")


def test_init_refuses_an_existing_book(small_book: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(small_book)])
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {small_book} already holds a book (book.yaml exists). "
                             "Choose an empty folder, or work on that book.\n")


@pytest.mark.slow
def test_init_then_build(tmp_path: Path) -> None:
    folder = tmp_path / "new-book"
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(folder), "--title", "A New Book", "--editor",
                                 "Zoë Example", "--email", "zoe@example.org"])
    assert result.exit_code == 0, result.output
    assert (folder / "CONTRIBUTING.md").is_file()
    assert "zoe-example" in (folder / "contributors.yaml").read_text(encoding="utf-8")
    chapter = folder / "chapters" / "01-introduction.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nA snowman: ☃.\n",
                       encoding="utf-8")
    result = runner.invoke(cli, ["--book", str(folder), "build"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("Wrote build/a-new-book.pdf (")
    assert (folder / "build" / "a-new-book.epub").stat().st_size > 1000
    # Code (the example chapter has some) and characters Charis lacks use the bundled DejaVu.
    from anthology.outputs.delivery import pdf_report

    fonts = pdf_report(folder / "build" / "a-new-book.pdf").fonts
    families = sorted({name.split("+", 1)[1] for name, _, _ in fonts})
    assert families == ["Charis-SIL", "Charis-SIL-Bold", "Charis-SIL-Italic", "DejaVu-Sans",
                        "DejaVu-Sans-Mono"]
    assert all(embedded for _, _, embedded in fonts)


@pytest.mark.parametrize(("args", "message"), [
    (["--title", " "], "Error: The book needs a title: give one with --title, for example "
                       '--title "Co-production in Practice".\n'),
    (["--editor", " "], "Error: The editor needs a name: give one with --editor, for example "
                       '--editor "Jane Doe".\n'),
])
def test_init_refuses_an_empty_title_or_editor(tmp_path: Path, args: list[str],
                                               message: str) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "b"), *args])
    assert result.exit_code == 2
    assert result.stderr == message
    assert not (tmp_path / "b").exists()


def test_init_gives_an_editor_with_a_chinese_name_an_id_from_the_email(tmp_path: Path) -> None:
    from anthology.core.config import load_book

    folder = tmp_path / "b"
    result = CliRunner().invoke(cli, ["init", str(folder), "--editor", "王小明", "--email",
                                      "wang.xiaoming@example.cn"])
    assert result.exit_code == 0, result.stderr
    book = load_book(folder)
    assert [p.id for p in book.contributors] == ["wang-xiaoming"]
    assert book.editors[0].name == "王小明"


@pytest.fixture
def no_git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine where git knows nobody: no global or system configuration."""
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_init_starts_a_git_repository_without_a_git_identity(tmp_path: Path,
                                                              no_git_identity: None) -> None:
    from anthology.core.installation import running_command

    folder = tmp_path / "new-book"
    result = CliRunner().invoke(cli, ["init", str(folder), "--title", "A New Book", "--editor",
                                      "Zoë Example", "--email", "zoe@example.org"])
    assert result.exit_code == 0, result.stderr
    commit = _git(folder, "rev-parse", "HEAD")
    lines = result.stdout.splitlines()
    assert lines[-3:] == [
        f"Made {folder} a git repository, with the new book as its first commit ({commit[:7]}).",
        "Next, build it:",
        f"  cd {folder} && {running_command()} build"]
    assert _git(folder, "log", "--format=%an <%ae>|%s") == \
        "anthology init Zoë Example <zoe@example.org>|A new book: A New Book"
    assert _git(folder, "status", "--porcelain") == ""
    assert _git(folder, "branch", "--show-current") == "main"
    assert "chapters/01-introduction.md" in _git(folder, "ls-files").splitlines()


def test_init_commits_as_the_git_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Git Editor\n\temail = git.editor@example.org\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    folder = tmp_path / "b"
    assert CliRunner().invoke(cli, ["init", str(folder)]).exit_code == 0
    assert _git(folder, "log", "--format=%an <%ae>") == "Git Editor <git.editor@example.org>"


def test_init_no_git(tmp_path: Path, no_git_identity: None) -> None:
    folder = tmp_path / "b"
    result = CliRunner().invoke(cli, ["init", str(folder), "--no-git"])
    assert result.exit_code == 0, result.stderr
    assert not (folder / ".git").exists()
    assert "git repository" not in result.stdout


def test_init_inside_a_repository_leaves_the_commit_to_it(tmp_path: Path,
                                                          no_git_identity: None) -> None:
    _git(tmp_path, "init", "--quiet")
    folder = tmp_path / "books" / "b"
    result = CliRunner().invoke(cli, ["init", str(folder)])
    assert result.exit_code == 0, result.stderr
    assert not (folder / ".git").exists()
    assert (f"{folder} is inside a git repository already: commit the new book there (git add "
            "-A && git commit).\n") in result.stdout


def test_the_command_in_hints_is_the_one_that_ran(tmp_path: Path) -> None:
    from anthology.core.installation import running_command

    script = tmp_path / "my venv" / "bin" / "anthology"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    assert running_command(str(script)) == f"'{script}'"
    main = Path(__file__).resolve().parents[2] / "src" / "anthology" / "__main__.py"
    assert running_command(str(main)) == f"{sys.executable} -m anthology"
    assert running_command("/usr/bin/pytest", on_path="/opt/bin/anthology") == \
        "/opt/bin/anthology"
    assert running_command("/usr/bin/pytest", on_path="") == "anthology"


@pytest.mark.parametrize("args", [["status"], ["chapter", "list"], ["check", "intro"]])
def test_book_option_after_the_command(small_book: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       args: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANTHOLOGY_BOOK", raising=False)
    after = CliRunner().invoke(cli, [*args, "--book", str(small_book)])
    assert after.exit_code == 0, after.stderr
    before = CliRunner().invoke(cli, ["--book", str(small_book), *args])
    assert after.stdout == before.stdout
