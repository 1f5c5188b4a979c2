"""The print HTML and its helpers, without WeasyPrint: contents pages from the pipeline, notes on
contributors, page setup, lists of figures and tables, CSL styles, EPUB metadata helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from anthology.chapters.crossrefs import number_crossrefs
from anthology.chapters.csl import resolve_csl
from anthology.chapters.document import Locator, list_floats, name_floats
from anthology.chapters.prepare import prepare_chapter
from anthology.core.cache import Cache
from anthology.core.config import load_book
from anthology.core.errors import ConfigError
from anthology.core.model import Contributor
from anthology.outputs.book.html import book_html, contributor_note, page_css, with_header_scope
from anthology.outputs.cover import cover_alt
from anthology.outputs.epub.write import accessibility_metadata

CREATED = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


def small_html(root: Path, pages: dict[str, int] | None = None) -> str:
    book = load_book(root)
    chapter = book.chapter("intro")
    text = prepare_chapter(book, chapter, 1, resolve_csl(root, book.config.csl),
                           Cache(root / "build" / ".cache"))
    return book_html(book, [text], CREATED, "book.css", None, pages=pages)


def test_contents_asks_weasyprint_for_pages_unless_the_pipeline_knows_them(
        small_book: Path) -> None:
    html = small_html(small_book)
    assert '<span class="toc-page" data-target="#chapter-1"></span>' in html
    known = small_html(small_book, {"chapter-1": 7, "notes-on-contributors": 5})
    assert '<span class="toc-page">7</span>' in known
    assert '<span class="toc-page toc-page-roman">5</span>' in known
    assert 'data-target="#chapter-1"' not in known


def test_chapter_opening_carries_running_heads_and_authors(small_book: Path) -> None:
    html = small_html(small_book)
    assert ('<article class="chapter body-start" id="chapter-1"\n         '
            'data-authors="Ada Editor" data-short-title="Introduction" '
            'data-bookmark="1. Introduction">') in html
    assert ('<li><span class="author-name">Ada Editor</span><span class="author-affiliation">'
            'University of Leeds</span></li>') in html
    assert '<p class="edited-by">Edited by</p>' in html
    assert "Keywords:</span> testing" in html


def test_bundled_fonts_are_declared_unescaped(small_book: Path) -> None:
    html = small_html(small_book)
    assert '@font-face { font-family: "Charis SIL"; src: url("file://' in html


@pytest.mark.parametrize(("bio", "expected"), [
    ("Ada Editor edits books.", ("Ada Editor", " edits books.")),
    ("Edits books.", ("Ada Editor", " Edits books.")),
    ("Dr Ada Editor edits books.", ("Dr Ada Editor", " edits books.")),
    (None, ("Ada Editor", ", University of Leeds.")),
])
def test_contributor_note_does_not_repeat_the_name(bio: str | None,
                                                   expected: tuple[str, str]) -> None:
    person = Contributor("ada", "Ada Editor", affiliation="University of Leeds", bio=bio)
    assert contributor_note(person) == expected


def test_page_css_mirrors_margins_from_book_yaml(make_book: Callable[..., Path]) -> None:
    from tests.conftest import BOOK_YAML

    root = make_book({"book.yaml": BOOK_YAML + "page:\n  size: [138mm, 216mm]\n  margins: "
                      "{top: 18mm, bottom: 20mm, inner: 22mm, outer: 15mm}\n"})
    assert page_css(load_book(root)) == (
        "@page { size: 138mm 216mm; margin-top: 18mm; margin-bottom: 20mm; }\n"
        "@page :left { margin-left: 15mm; margin-right: 22mm; }\n"
        "@page :right { margin-left: 22mm; margin-right: 15mm; }")


def test_lists_of_figures_and_tables_name_and_label_every_float() -> None:
    caption = [None, [{"t": "Plain", "c": [{"t": "Str", "c": "A"}, {"t": "Space"},
                                           {"t": "Str", "c": "cycle"}]}]]
    figure = {"t": "Figure", "c": [["", [], []], caption, []]}
    ast = {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": [figure]}
    numbered, _ = number_crossrefs(ast, "4", Locator("chapters/x.md", ""))
    floats = list_floats(name_floats(numbered))
    assert [(f.kind, f.identifier, f.label, f.caption) for f in floats] == [
        ("figure", "float-1", "Figure 4.1", "A cycle")]


def test_list_of_figures_when_the_book_asks(make_book: Callable[..., Path]) -> None:
    from tests.conftest import BOOK_YAML, INTRO_MD

    root = make_book({"book.yaml": BOOK_YAML + "build:\n  list_of_figures: true\n"
                      "  list_of_tables: true\n",
                      "chapters/01-intro.md": INTRO_MD + "\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                      ": Counts {#tbl-counts}\n"})
    html = small_html(root)
    assert '<h2 class="front-heading">List of tables</h2>' in html
    assert ('<a href="#c1-tbl-counts"><span class="toc-label">Table 1.1</span>'
            '<span class="toc-title">Counts</span>') in html
    assert "List of figures" not in html  # the book has no figures


@pytest.mark.parametrize("name", ["apa", "harvard-cite-them-right", "chicago-author-date"])
def test_csl_style_by_name(name: str, small_book: Path) -> None:
    path = resolve_csl(small_book, name)
    assert path.name == f"{name}.csl" and path.is_file()


def test_csl_style_by_path_and_unknown_name(small_book: Path) -> None:
    style = resolve_csl(small_book, "apa").read_text(encoding="utf-8")
    (small_book / "styles").mkdir()
    (small_book / "styles" / "house.csl").write_text(style, encoding="utf-8")
    assert resolve_csl(small_book, "styles/house.csl") == (small_book / "styles" /
                                                           "house.csl").resolve()
    assert resolve_csl(small_book, "house") == (small_book / "styles" / "house.csl").resolve()
    with pytest.raises(ConfigError) as caught:
        resolve_csl(small_book, "harvard-cite-them-rigth")
    assert caught.value.findings[0].hint == "Did you mean 'harvard-cite-them-right'?"
    with pytest.raises(ConfigError):
        resolve_csl(small_book, "../outside.csl")


def test_accessibility_metadata_follows_the_content() -> None:
    plain = dict(accessibility_metadata(has_images=False, has_math=False))
    assert plain["schema:accessMode"] == "textual"
    assert plain["schema:accessibilityHazard"] == "none"
    with_images = accessibility_metadata(has_images=True, has_math=True)
    assert ("schema:accessMode", "visual") in with_images
    assert ("schema:accessibilityFeature", "alternativeText") in with_images
    assert ("schema:accessibilityFeature", "MathML") in with_images


def test_cover_alt_text(small_book: Path) -> None:
    assert cover_alt(load_book(small_book), "Ada Editor") == (
        "Cover of A Small Book: For Tests, edited by Ada Editor, published by Test University "
        "Press.")


@pytest.mark.slow
def test_build_prints_a_line_per_chapter_and_nothing_when_quiet(small_book: Path) -> None:
    from anthology.cli import cli

    loud = CliRunner().invoke(cli, ["--book", str(small_book), "build", "epub", "--force"])
    assert loud.exit_code == 0, loud.output
    assert "[1/1] chapters/01-intro.md" in loud.stderr
    assert loud.stdout == "Wrote build/a-small-book.epub\n"
    quiet = CliRunner().invoke(cli, ["--book", str(small_book), "build", "epub", "--quiet"])
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
    assert quiet.stdout == ""  # nothing on success


@pytest.mark.parametrize(("html", "expected"), [
    ("<table>\n<thead>\n<tr>\n<th>A</th>\n<th style=\"text-align: right;\">B</th>\n</tr>\n"
     "</thead>\n<tbody>\n<tr>\n<th>Row</th>\n<td>1</td>\n</tr>\n</tbody>\n</table>",
     "<table>\n<thead>\n<tr>\n<th scope=\"col\">A</th>\n<th scope=\"col\" style=\"text-align: "
     "right;\">B</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<th scope=\"row\">Row</th>\n<td>1</td>\n"
     "</tr>\n</tbody>\n</table>"),
    ('<thead><tr><th scope="colgroup">A</th></tr></thead>',
     '<thead><tr><th scope="colgroup">A</th></tr></thead>'),
    ("<p>the <thead> of a <th>eory</p>", "<p>the <thead> of a <th>eory</p>"),
])
def test_table_header_cells_get_their_scope(html: str, expected: str) -> None:
    assert with_header_scope(html) == expected

