"""What in a book's own CSS makes its everyday PDF one document (outputs/book/onedocument.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from anthology.core.config import load_book
from anthology.outputs.book.onedocument import Reason, reason
from tests.conftest import write_book


def with_css(root: Path, css: str, name: str = "styles/book.css") -> Reason | None:
    write_book(root)
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(css, encoding="utf-8")
    return reason(load_book(root))


def test_a_book_without_its_own_css_is_laid_out_in_pieces(tmp_path: Path) -> None:
    write_book(tmp_path)
    assert reason(load_book(tmp_path)) is None


@pytest.mark.parametrize("css", [
    "h2 { string-set: head content(text); }\n@page { @top-left { content: string(head); } }",
    # Counters each chapter starts again: the chapter's own element resets them.
    ".chapter { counter-reset: fig; }\nfigure { counter-increment: fig; }",
    "section.level1 { counter-reset: sub 0 note; }\nh3 { counter-increment: sub; }",
    # The page counters are the pipeline's.
    "@page { counter-increment: page; }\n.x { counter-increment: page 2; }",
    "@page { @bottom-center { content: counter(page, lower-roman); } }",
    ".x { counter-increment: none; }",
    "@page :first { margin-top: 40mm; }\n@page chapter:nth(1 of chapter) { margin: 1in; }",
    ".chapter { break-before: right; }\nh2 { break-after: avoid; page-break-inside: avoid; }",
    "/* position: running(x) in a comment\n is not CSS */ p { color: red; }",
])
def test_what_pieces_can_give(tmp_path: Path, css: str) -> None:
    assert with_css(tmp_path, css) is None


@pytest.mark.parametrize(("css", "line", "what"), [
    ("p { color: red }\n.t {\n  position: running(title);\n}", 3, "running elements"),
    ("/* a\ncomment */\n.t { position: running(title); }", 3, "running elements"),
    ("a.xref::after {\n content: ' p. ' target-counter(attr(href), page); }", 2,
     "target-counter() or target-text()"),
    ("a::after { content: Target-Text(attr(href)); }", 1,
     "target-counter() or target-text()"),
    ("@page {\n  @bottom-left { content: counter(page) ' of ' counter( pages); }\n}", 2,
     "counter(pages), the book's page count"),
    ("body { counter-reset: fig; }\n\nfigure { counter-increment: fig; }", 3,
     "the counter 'fig', which runs through the whole book"),
    ("p { color: red; }\n@page :nth(2n+1) { margin: 1in; }", 2,
     "@page :nth() counted from the book's first page"),
    (".chapter {\n  break-before: page;\n}", 2,
     "break-before: page, which may change the page a chapter begins on"),
    (".part-title { page-break-after: always }", 1,
     "page-break-after: always, which may change the page a chapter begins on"),
    (".chapter { break-before: auto }", 1,
     "break-before: auto, which may change the page a chapter begins on"),
    ("p { color: red; }\n.where::after { content: ' (page ' counter( page ) ')'; }", 2,
     "counter(page) outside a margin box, which a chapter laid out on its own counts from 1"),
    (".x::before { content: counters(page, '.'); }", 1,
     "counter(page) outside a margin box, which a chapter laid out on its own counts from 1"),
    ("h3 { counter-set: sub 4; }", 1,
     "the counter 'sub', which runs through the whole book"),
    (":root { counter-reset: a b; }\nh2 { counter-increment: a; }\nh3 { counter-increment: b; }",
     2, "the counter 'a', which runs through the whole book"),
])
def test_what_needs_one_document(tmp_path: Path, css: str, line: int, what: str) -> None:
    assert with_css(tmp_path, css) == Reason("styles/book.css", line, what)


def test_the_css_named_in_book_yaml_is_read(tmp_path: Path) -> None:
    write_book(tmp_path)
    yaml = tmp_path / "book.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "build:\n  css: print/mine.css\n",
                    encoding="utf-8")
    (tmp_path / "print").mkdir()
    (tmp_path / "print" / "mine.css").write_text("figure { counter-increment: fig; }",
                                                 encoding="utf-8")
    assert reason(load_book(tmp_path)) == Reason(
        "print/mine.css", 1, "the counter 'fig', which runs through the whole book")


def test_running_elements_are_found_in_a_books_own_templates(tmp_path: Path) -> None:
    write_book(tmp_path)
    folder = tmp_path / "templates" / "book"
    folder.mkdir(parents=True)
    (folder / "book.html.j2").write_text(
        "<html>\n<style>\n.t { POSITION : Running(title) }\n</style>\n</html>\n",
        encoding="utf-8")
    assert reason(load_book(tmp_path)) == Reason("templates/book/book.html.j2", 3,
                                                 "running elements")


def test_a_templates_images_and_fonts_are_not_read(tmp_path: Path) -> None:
    write_book(tmp_path)
    folder = tmp_path / "templates" / "book"
    folder.mkdir(parents=True)
    (folder / "logo.png").write_bytes(b"\x89PNG position: running(title)")
    assert reason(load_book(tmp_path)) is None


def test_anthologys_own_templates_copied_into_a_book_need_no_one_document(
        tmp_path: Path) -> None:
    """A book that starts its own templates from anthology's keeps its pieces."""
    import shutil

    from anthology.outputs.book.html import TEMPLATES_DIR

    write_book(tmp_path)
    shutil.copytree(TEMPLATES_DIR / "book", tmp_path / "templates" / "book")
    assert reason(load_book(tmp_path)) is None
