"""Typography: smart punctuation outside pandoc (checked against pandoc's own), quotation
styles, and no-break spaces in what citeproc writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from anthology.chapters.csl import resolve_csl
from anthology.chapters.document import each, stringify
from anthology.core.model import BookConfig
from anthology.core.typography import (
    apply_typography,
    quote_style,
    quoted,
    smarten,
    typeset_chapter,
)
from anthology.engines import pandoc

NBSP = "\u00a0"
# Plain text as it comes from the registries, and what pandoc's `smart` makes of it.
CASES = [
    ("King's College London", "King’s College London"),
    ("O'Brien's Mind's", "O’Brien’s Mind’s"),
    ("Carers' Council", "Carers’ Council"),
    ("the '60s and '70s", "the ’60s and ’70s"),
    ("'Twas and 'tis", "’Twas and ’tis"),
    ("d'Alembert", "d’Alembert"),
    ("He said, 'Don't.'", "He said, ‘Don’t.’"),
    ('"a \'b\' c"', "“a ‘b’ c”"),
    ("'a \"b\" c'", "‘a “b” c’"),
    ('"It\'s the \'Mind\'s\' way", she said.', "“It’s the ‘Mind’s’ way”, she said."),
    ("it's 'quoted \"deep 'deeper' x\" y' z", "it’s ‘quoted “deep ‘deeper’ x” y’ z"),
    ("rock 'n' roll", "rock ‘n’ roll"),
    ('("q")', "(“q”)"),
    ('say "hi', "say “hi"),
    ('a"b" c', "a”b” c"),
    ("A 'B", "A ’B"),
    ("x -- y --- z ... w", "x – y — z … w"),
    ("1990--2000", "1990–2000"),
    ("Wait.... What", "Wait…. What"),
    ("co-production", "co-production"),
    ("Mr. Smith and Dr. Who", f"Mr.{NBSP}Smith and Dr.{NBSP}Who"),
    ("e.g. this, p. 4", f"e.g.{NBSP}this, p.{NBSP}4"),
    ("St. John's", f"St.{NBSP}John’s"),
    ("Health and Social Care, University of Northgate",
     "Health and Social Care, University of Northgate"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_smarten(text: str, expected: str) -> None:
    assert smarten(text) == expected


def test_smarten_agrees_with_pandoc() -> None:
    """Every case as pandoc's Markdown reader with `smart` reads it (one pandoc run)."""
    markdown = "\n\n".join(text for text, _ in CASES)
    ast = pandoc.markdown_to_ast(markdown, "test")
    assert [text_of(block["c"]) for block in ast["blocks"]] == [smarten(t) for t, _ in CASES]


@pytest.mark.parametrize(("text", "quotes", "expected"), [
    ('"a \'b\' c"', "single", "‘a “b” c’"),
    ('"a \'b\' c"', "double", "“a ‘b’ c”"),
    ("King's 'College'", "single", "King’s “College”"),
    ("-- no quotes at all", "single", "– no quotes at all"),
    ("", "single", ""),
])
def test_smarten_in_a_quotation_style(text: str, quotes: str, expected: str) -> None:
    assert smarten(text, quotes) == expected


def test_smarten_is_idempotent() -> None:
    for text, expected in CASES:
        assert smarten(expected, "single") == expected, text


@pytest.mark.parametrize(("language", "setting", "expected"), [
    ("en-GB", None, "single"), ("en", None, "single"), ("en-AU", None, "single"),
    ("en-US", None, "double"), ("en-GB", "double", "double"), ("en-US", "single", "single"),
    ("de-DE", None, None), ("fr", "single", "single"),
])
def test_quote_style(language: str, setting: str | None, expected: str | None) -> None:
    assert quote_style(language, setting) == expected


def test_quoted() -> None:
    assert quoted("Title", "single") == "‘Title’"
    assert quoted("Title", "double") == "“Title”"


def text_of(node: Any) -> str:
    """The text of inlines or blocks, no-break spaces kept (blocks on lines of their own)."""
    if isinstance(node, list):
        return "".join(text_of(child) for child in node)
    if not isinstance(node, dict) or "t" not in node:
        return ""
    kind, content = node["t"], node.get("c")
    if kind == "Str":
        return str(content)
    if kind in ("Space", "SoftBreak"):
        return " "
    if kind == "Quoted":
        marks = "“”" if content[0]["t"] == "DoubleQuote" else "‘’"
        return marks[0] + text_of(content[1]) + marks[1]
    if kind in ("Para", "Plain"):
        return text_of(content) + "\n"
    if kind == "Cite":
        return text_of(content[1])
    return text_of(content) if isinstance(content, list) else ""


def _quotes(ast: dict[str, Any]) -> list[tuple[str, str]]:
    return [(node["c"][0]["t"], stringify(node["c"][1])) for node in each(ast["blocks"],
                                                                           "Quoted")]


def test_quoted_nodes_swap_for_single_quotes() -> None:
    ast = pandoc.markdown_to_ast("He said \"it's 'nested' here\".\n", "test")
    assert _quotes(ast) == [("DoubleQuote", "it’s ‘nested’ here"), ("SingleQuote", "nested")]
    single = apply_typography(ast, "single", "en-GB")
    assert stringify(single["blocks"]) == "He said ‘it’s “nested” here’."
    assert stringify(apply_typography(ast, "double", "en-GB")["blocks"]) == \
        "He said “it’s ‘nested’ here”."
    assert stringify(apply_typography(ast, None, "de")["blocks"]) == \
        "He said “it’s ‘nested’ here”."
    assert _quotes(ast)[0][0] == "DoubleQuote"  # the tree given is left as it was


BIB = [
    {"id": "sackett1996", "type": "article-journal", "title": "What it is and what it isn't",
     "author": [{"family": "Sackett", "given": "David"}, {"family": "Rosenberg", "given": "W"},
                {"family": "Gray", "given": "J"}, {"family": "Haynes", "given": "R"}],
     "container-title": "BMJ", "volume": "312", "page": "71-72",
     "issued": {"date-parts": [[1996]]}},
]


def _cited(tmp_path: Path, lang: str) -> dict[str, Any]:
    bib = tmp_path / "bib.json"
    bib.write_text(json.dumps(BIB))
    ast = pandoc.markdown_to_ast("As @sackett1996 [pp. 71-72] found [@sackett1996, p. 4].\n",
                                 "test")
    cited, _ = pandoc.run_citeproc(ast, [bib], resolve_csl(tmp_path, "harvard-cite-them-right"),
                                   "test", lang)
    return cited


@pytest.mark.parametrize(("lang", "style", "title"), [
    ("en-GB", "single", "‘What it is and what it isn’t’"),
    ("en-GB", "double", "“What it is and what it isn’t”"),
    ("en-US", "double", "“What it is and what it isn’t,”"),
    ("en-US", "single", "‘What it is and what it isn’t,’"),
])
def test_citeproc_output_in_the_style_and_unbreakable(tmp_path: Path, lang: str, style: str,
                                                      title: str) -> None:
    cited = apply_typography(_cited(tmp_path, lang), style, lang)
    body, refs = cited["blocks"]
    assert text_of(body) == (f"As Sackett et{NBSP}al. (1996, pp.{NBSP}71–72) found (Sackett "
                             f"et{NBSP}al., 1996, p.{NBSP}4).\n")
    assert text_of(refs).startswith(f"Sackett, D. et{NBSP}al. (1996) {title}")
    assert f"pp.{NBSP}71–72" in text_of(refs)


def test_no_break_spaces_only_in_citations_and_references(tmp_path: Path) -> None:
    ast = pandoc.markdown_to_ast("Bread et al. and see p. 4 [@x].\n", "test")
    plain = apply_typography(ast, "single", "en-GB")
    # The text's own "p. 4" and "al. and" have pandoc's no-break spaces; "et al." is the
    # author's to write.
    assert text_of(plain["blocks"]) == f"Bread et al.{NBSP}and see p.{NBSP}4 [@x].\n"


def test_typeset_chapter_follows_book_yaml() -> None:
    ast = pandoc.markdown_to_ast('"Quoted".\n', "test")
    config = BookConfig(title="T", slug="t", language="en-US")
    assert stringify(typeset_chapter(ast, config)["blocks"]) == "“Quoted”."
    assert stringify(typeset_chapter(ast, BookConfig(title="T", slug="t"))["blocks"]) == \
        "‘Quoted’."
    config = BookConfig(title="T", slug="t", language="en-US", quotes="single")
    assert stringify(typeset_chapter(ast, config)["blocks"]) == "‘Quoted’."


@pytest.mark.parametrize(("word", "markdown"), [
    ("It’s ‘co-produced’ work.", "It’s “co-produced” work."),
    ("‘She said “no” to it’, they wrote.", "“She said ‘no’ to it”, they wrote."),
    ("The carers’ forum met.", "The carers’ forum met."),
    ("’Tis ‘the season’.", "’Tis “the season”."),
])
def test_words_quotation_marks_come_back_as_the_books_markdown_writes_them(
        word: str, markdown: str) -> None:
    from anthology.core.config import BookConfig
    from anthology.core.typography import as_markdown_quotes

    ast = {"pandoc-api-version": [1, 23, 1], "meta": {},
           "blocks": [{"t": "Para", "c": [{"t": "Str", "c": word}]}]}
    config = BookConfig.__new__(BookConfig)
    object.__setattr__(config, "language", "en-GB")
    object.__setattr__(config, "typography", None)
    result = as_markdown_quotes(ast, config)
    assert result["blocks"][0]["c"][0]["c"] == markdown
