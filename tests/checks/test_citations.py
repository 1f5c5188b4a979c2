"""Citations: every form pandoc accepts, malformed ones, and `@` that is not a citation."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from anthology.chapters.prepare import parse_markdown
from anthology.chapters.rawtext import mask_code
from anthology.core.cache import Cache
from anthology.core.findings import Finding
from anthology.editorial.checks.citations import CitationPlaces, find_citations
from tests.checks.conftest import FIXTURES, texts

Check = Callable[..., list[Finding]]
PEER = "---\ntitle: Peer Support\nauthors: [ben-writer]\n---\n\n"
PNG = "<svg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/>"


def forms_book() -> dict[str, str]:
    return {"chapters/02-peer.md": (FIXTURES / "citation-forms.md").read_text(),
            "chapters/forms.bib": (FIXTURES / "forms.bib").read_text(),
            "chapters/images/none.png": PNG}


def test_every_citation_form_is_found_and_nothing_else(tmp_path, check: Check) -> None:
    findings = check(forms_book())
    assert texts(findings, "citation", "crossref") == [
        "chapters/02-peer.md:9:29: error: refers to @tbl-none, but this chapter has no table "
        "with the id 'tbl-none'. Give the table that id, for example {#tbl-none} after it. "
        "[crossref.missing]"]
    ast = parse_markdown((FIXTURES / "citation-forms.md").read_text().split("---\n", 2)[2],
                         "forms", Cache(tmp_path / "cache"))
    assert [(c.key, c.mode) for c in find_citations(ast)] == [
        ("smith2000", "NormalCitation"), ("jones:2001", "NormalCitation"),
        ("weiß.2002", "AuthorInText"), ("smith2000", "SuppressAuthor"),
        ("k/ey.1", "NormalCitation")]


def test_forms_bib_entries_are_all_used(check: Check) -> None:
    assert texts(check(forms_book()), "bibliography") == []


@pytest.mark.parametrize(("line", "expected"), [
    ("Both [@cahn2000,@goffman1961] here.",
     "chapters/02-peer.md:6:7: error: separates the works in [@cahn2000,@goffman1961] with a "
     "comma, so the citation is printed wrongly. Use semicolons between works: "
     "[@cahn2000; @goffman1961]. [citation.malformed]"),
    ("So [compare @cahn2000 with @goffman1961].",
     "chapters/02-peer.md:6:13: error: has @goffman1961 inside the citation of @cahn2000, where "
     "it is not cited properly. Separate the works with a semicolon, as in "
     "[@cahn2000; @goffman1961], or move @goffman1961 out of the brackets. [citation.malformed]"),
    ("Open [@cahn2000; @goffman1961 and on.",
     "chapters/02-peer.md:6:7: error: opens a bracket before @cahn2000 that is never closed, so "
     "the citation is printed as running text. Close the bracket, as in [@cahn2000]. "
     "[citation.malformed]"),
    ("Close @cahn2000] here.",
     "chapters/02-peer.md:6:7: error: closes a bracket after @cahn2000 that was never opened, so "
     "the citation is printed as running text. Open the bracket too, as in [@cahn2000]. "
     "[citation.malformed]"),
])
def test_malformed_citations(check: Check, line: str, expected: str) -> None:
    findings = check({"chapters/02-peer.md": PEER + line + "\n"})
    assert texts(findings, "citation")[:1] == [expected]


def test_missing_citation_names_the_closest_key_with_line_and_column(check: Check) -> None:
    findings = check({"chapters/02-peer.md": PEER + "First line.\n\nAs shown [see @cahn200, "
                      "p. 2] and @nobody.\n"})
    assert texts(findings, "citation") == [
        "chapters/02-peer.md:8:15: error: cites @cahn200, which is not in the bibliography. "
        "Did you mean @cahn2000? [citation.missing]",
        "chapters/02-peer.md:8:35: error: cites @nobody, which is not in the bibliography. "
        "Add the entry to references/book.bib, or correct the key. [citation.missing]"]


def test_citation_is_located_after_code_and_email_mentions(check: Check) -> None:
    body = ("Mail ghost@missing.org and `@missing` first.\n\n```\n@missing\n```\n\n"
            "Then [@missing].\n")
    findings = check({"chapters/02-peer.md": PEER + body})
    assert [(f.line, f.column) for f in findings if f.code == "citation.missing"] == [(12, 7)]


def test_mask_code_keeps_lines_and_length() -> None:
    text = "a `@x` b\n```\n@y\n```\n<!-- @z -->\n"
    masked = mask_code(text)
    assert len(masked) == len(text) and masked.count("\n") == text.count("\n")
    assert "@" not in masked


def test_places_skip_longer_keys_and_email() -> None:
    places = CitationPlaces("x@smith @smith2000a @smith.2000 [@smith]", 10)
    assert places.next_place("smith") == (10, 34)

