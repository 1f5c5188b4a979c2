"""A book's own templates are its code: rendered in Jinja2's sandbox, checked by `check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from anthology.cli import cli
from anthology.core.errors import AnthologyError
from anthology.outputs.book.html import render

ATTACK = ("<p>{{ book.title }}</p>\n"
          "{% set x = cycler.__init__.__globals__.os.system('id > {marker}') %}\n")


def template(root: Path, text: str, name: str = "book/book.html.j2") -> Path:
    path = root / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_attack_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    template(tmp_path, ATTACK.replace("{marker}", str(marker)))
    with pytest.raises(AnthologyError) as caught:
        render(tmp_path, "book/book.html.j2", book={"title": "T"})
    assert caught.value.message == (
        "templates/book/book.html.j2:2: the template tried something templates may not do "
        "(access to attribute '__init__' of 'type' object is unsafe). Templates may only use "
        "the values anthology passes them; remove the construct, or delete the book's copy of "
        "the template to use the built-in one.")
    assert not marker.exists()


def test_a_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    template(tmp_path, "<p>\n{{ book.title }\n</p>\n")
    with pytest.raises(AnthologyError) as caught:
        render(tmp_path, "book/book.html.j2", book={"title": "T"})
    assert caught.value.message == (
        "templates/book/book.html.j2:2: the template is not valid Jinja2: unexpected '}'. "
        "Correct the template.")


def test_an_undefined_name_names_file_and_line(tmp_path: Path) -> None:
    template(tmp_path, "<p>\n{{ nothing.here }}</p>\n")
    with pytest.raises(AnthologyError) as caught:
        render(tmp_path, "book/book.html.j2")
    assert caught.value.message == (
        "templates/book/book.html.j2:2: the template failed: 'nothing' is undefined. Correct "
        "the template, or delete the book's copy to use the built-in one.")


def test_a_template_linking_outside_the_book_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret", encoding="utf-8")
    (tmp_path / "book" / "templates" / "book").mkdir(parents=True)
    (tmp_path / "book" / "templates" / "book" / "book.html.j2").symlink_to(secret)
    with pytest.raises(AnthologyError) as caught:
        render(tmp_path / "book", "book/book.html.j2")
    assert caught.value.message == (
        "templates/book/book.html.j2: the template tried something templates may not do (it is "
        "a link to a file outside the book's templates folder). Templates may only use the "
        "values anthology passes them; remove the construct, or delete the book's copy of the "
        "template to use the built-in one.")


def test_the_built_in_templates_still_render(small_book: Path) -> None:
    import datetime as dt

    from anthology.core.config import load_book
    from anthology.outputs.book.html import book_html

    book = load_book(small_book)
    html = book_html(book, [], dt.datetime(2027, 1, 1), "book.css", None)
    assert "A Small Book" in html


def check(book: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--book", str(book), "check", "-q"])
    return result.exit_code, result.stdout, result.stderr


def test_check_reports_the_attack_at_its_line(small_book: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    template(small_book, ATTACK.replace("{marker}", str(marker)))
    code, out, _ = check(small_book)
    assert code == 1
    assert out == (
        "templates/book/book.html.j2:2: error: uses '__globals__', which templates may not "
        "use: the build refuses it. Templates may only use the values anthology passes them; "
        "remove it. [template.unsafe]\n"
        "templates/book/book.html.j2:2: error: uses '__init__', which templates may not use: "
        "the build refuses it. Templates may only use the values anthology passes them; "
        "remove it. [template.unsafe]\n"
        "2 problems (2 errors) in 1 file.\n")
    assert not marker.exists()


def test_check_reports_a_template_that_does_not_compile(small_book: Path) -> None:
    template(small_book, "{% if book.title %}\n<p>x</p>\n", "mail/draft.txt.j2")
    template(small_book, "{{ x|attr('__class__') }}\n", "report/status.html.j2")
    code, out, _ = check(small_book)
    assert code == 1
    assert out == (
        "templates/mail/draft.txt.j2:1: error: is not valid Jinja2: Unexpected end of "
        "template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The "
        "innermost block that needs to be closed is 'if'. Correct the template, or delete it "
        "to use the built-in one. [template.invalid]\n"
        "templates/report/status.html.j2:1: error: uses '__class__', which templates may not "
        "use: the build refuses it. Templates may only use the values anthology passes them; "
        "remove it. [template.unsafe]\n"
        "2 problems (2 errors) in 2 files.\n")


def test_check_accepts_a_valid_template(small_book: Path) -> None:
    template(small_book, "{% extends 'book/base.html.j2' %}{{ book.title|e }}\n")
    assert check(small_book)[0] == 0


@pytest.mark.parametrize(("name", "args"), [
    ("report/status.html.j2", ("report",)),
    ("mail/message.txt.j2", ("remind",)),
])
def test_report_and_reminder_templates_are_sandboxed_too(small_book: Path, tmp_path: Path,
                                                         name: str, args: tuple[str, ...]
                                                         ) -> None:
    marker = tmp_path / "ran"
    template(small_book, ATTACK.replace("{marker}", str(marker)), name)
    result = CliRunner().invoke(cli, ["--book", str(small_book), *args],
                                env={"ANTHOLOGY_TODAY": "2026-12-01"})
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: templates/{name}:2: the template tried something templates may not do "
        "(access to attribute '__init__' of 'type' object is unsafe). Templates may only use "
        "the values anthology passes them; remove the construct, or delete the book's copy of "
        "the template to use the built-in one.\n")
    assert not marker.exists()
    assert not list((small_book / "build").rglob("*.eml"))


def test_build_stops_on_the_attack_even_with_force(small_book: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    template(small_book, ATTACK.replace("{marker}", str(marker)))
    plain = CliRunner().invoke(cli, ["--book", str(small_book), "build", "pdf", "-q"])
    assert plain.exit_code == 1
    assert "[template.unsafe]" in plain.stderr
    forced = CliRunner().invoke(cli, ["--book", str(small_book), "build", "pdf", "-q",
                                      "--force"])
    assert forced.exit_code == 1
    assert forced.stderr.splitlines()[-1] == (
        "Error: templates/book/book.html.j2:2: the template tried something templates may not "
        "do (access to attribute '__init__' of 'type' object is unsafe). Templates may only "
        "use the values anthology passes them; remove the construct, or delete the book's copy "
        "of the template to use the built-in one.")
    assert "Traceback" not in forced.stderr
    assert not marker.exists()
    assert not (small_book / "build" / "a-small-book.pdf").exists()
