"""Typography in what is printed: the registries' text as curly as the chapters', one
quotation style throughout, "et al." and page numbers unbroken, a law case printed as one."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from anthology.chapters.csl import resolve_csl
from anthology.chapters.document import each, stringify
from anthology.chapters.prepare import prepare_chapter
from anthology.core.cache import Cache
from anthology.core.config import load_book
from anthology.outputs.proposal import build_proposal
from tests.conftest import BOOK_YAML, CONTRIBUTORS_YAML, INTRO_MD
from tests.render.conftest import EPOCH, Built

NBSP = "\u00a0"
QUOTED_INTRO = INTRO_MD.replace("This book began in a seminar",
                                "This book began in a \"seminar on 'power'\"")
KINGS = CONTRIBUTORS_YAML.replace("affiliation: University of Leeds",
                                  "affiliation: King's College London -- Leeds")


def _prepared(root: Path, cache: Cache) -> list[tuple[str, str]]:
    book = load_book(root)
    chapter = book.chapter("intro")
    text = prepare_chapter(book, chapter, 1, resolve_csl(root, book.config.csl), cache)
    return [(node["c"][0]["t"], stringify(node["c"][1])) for node in each(text.ast["blocks"],
                                                                           "Quoted")]


def test_the_quotation_style_is_in_the_chapters_cache_key(make_book: Callable[..., Path]
                                                           ) -> None:
    root = make_book({"chapters/01-intro.md": QUOTED_INTRO})
    cache = Cache(root / "build" / ".cache")
    # en-GB: single outside, double inside.
    assert _prepared(root, cache) == [("SingleQuote", "seminar on “power”"),
                                      ("DoubleQuote", "power")]
    (root / "book.yaml").write_text(BOOK_YAML + "typography:\n  quotes: double\n")
    assert _prepared(root, cache) == [("DoubleQuote", "seminar on ‘power’"),
                                      ("SingleQuote", "power")]


def test_the_registries_text_is_smartened_for_the_chapter(make_book: Callable[..., Path]
                                                          ) -> None:
    root = make_book({"contributors.yaml": KINGS, "chapters/01-intro.md": INTRO_MD.replace(
        "title: Introduction", "title: \"Mind's 'own' words -- a start\"")})
    book = load_book(root)
    text = prepare_chapter(book, book.chapter("intro"), 1, resolve_csl(root, book.config.csl),
                           Cache(root / "build" / ".cache"))
    assert text.title == "Mind’s “own” words – a start"
    assert text.authors[0].affiliation == "King’s College London – Leeds"
    assert book.contributor("ada-editor").affiliation == "King's College London -- Leeds"


def _pdf_lines(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
                         capture_output=True, check=True).stdout.decode("utf-8")
    return out.splitlines()


@pytest.mark.slow
def test_sample_pdf_typography(built_sample: Built) -> None:
    lines = _pdf_lines(built_sample.pdf)
    text = "\n".join(lines)
    # Notes on contributors, and the chapter opener's affiliations, as curly as the text.
    assert "Carers’ Council, Northgate and Riverside NHS Foundation Trust" in text
    assert "her trust’s carers’ council" in " ".join(text.split())
    assert "Carers' Council" not in text and "trust's" not in text
    # en-GB: single quotation marks outside, in the text and in cross-references.
    assert "when a service is ‘co-produced’;" in text
    assert "“co-produced”" not in text
    # "et al." and "pp. 71–72" never broken over a line.
    assert [line for line in lines if re.search(r"(^|\s)et$", line.rstrip())] == []
    assert [line for line in lines if re.match(r"\s*al\.", line)] == []
    assert [line for line in lines if re.search(r"(^|\s)pp?\.$", line.rstrip())] == []
    assert text.count("et al.") >= 10
    # The judgment printed as a case, with its neutral citation.
    assert "Montgomery v Lanarkshire Health Board [2015] UKSC 11." in text
    assert "National Institute for Health; Clinical Excellence" not in text


@pytest.mark.slow
def test_sample_epub_typography(built_sample: Built) -> None:
    files = built_sample.epub_files()
    xhtml = "\n".join(data.decode("utf-8") for name, data in files.items()
                      if name.endswith(".xhtml"))
    assert "<em>Montgomery v Lanarkshire Health Board</em> [2015] UKSC 11." in xhtml
    assert "class=\"crossref\">‘What the Court decided’</a>" in xhtml
    assert "when a service is ‘co-produced’;" in xhtml
    assert f"et{NBSP}al." in xhtml and "et al." not in xhtml
    assert f"pp.{NBSP}71–72" in xhtml
    assert "her trust’s carers’ council" in " ".join(xhtml.split())
    assert "trust's" not in xhtml


@pytest.mark.slow
def test_proposal_docx_is_curly(make_book: Callable[..., Path],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = make_book({"contributors.yaml": KINGS, "proposal/01-rationale.md": (
        "# Rationale\n\nWe ask what \"co-production\" means [@cahn2000].\n")})
    build_proposal(load_book(root), today=dt.date(2026, 11, 26))
    with zipfile.ZipFile(root / "build" / "proposal.docx") as docx:
        document = docx.read("word/document.xml").decode("utf-8")
    text = re.sub(r"<[^>]+>", "", document)
    assert "King’s College London – Leeds" in text
    assert "what ‘co-production’ means" in text
    assert "'" not in text and '"' not in text
