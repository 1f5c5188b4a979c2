"""The proposal: the editors' prose and what anthology knows, as PDF, EPUB and DOCX."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from anthology.chapters.document import stringify
from anthology.cli import cli
from anthology.core.config import load_book
from anthology.engines import pandoc
from anthology.outputs.proposal import build_proposal, md
from tests.commandline import run
from tests.conftest import CHAPTERS_YAML
from tests.pdftext import page_texts
from tests.render.conftest import EPOCH, epubcheck

TODAY = dt.date(2026, 11, 26)
RATIONALE = """\
# Rationale

Co-production began with time banking [@cahn2000].
"""
PLANNED = CHAPTERS_YAML + """\
  - id: planned
    title: A Chapter Still Planned
    authors: [ben-writer]
    abstract: "What the *planned* chapter will argue: [not a link](x) and @not-a-cite."
  - id: vague
    title: A Vague Chapter
    authors: [ada-editor]
"""


@pytest.mark.parametrize("text", [
    "*stars* and _unders_ [@cahn2000] <b>html</b> & `code`",
    "1. not a list # not a heading | not | a table",
    "- not an item\n\n> not a quote $x$ ^sup^ ~sub~ \\ backslash",
    "![not an image](/etc/passwd) <https://example.org> {#id .class}",
])
def test_md_filter_prints_contributor_text_literally(text: str) -> None:
    ast = pandoc.markdown_to_ast(str(md(text)), "test")
    assert stringify(ast["blocks"]) == " ".join(text.split())
    assert [block["t"] for block in ast["blocks"]] == ["Para"]


def _text(pdf: Path) -> str:
    return " ".join(" ".join(page_texts(pdf)).split())


@pytest.fixture
def proposal_book(make_book: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    return make_book({"proposal/01-rationale.md": RATIONALE, "chapters.yaml": PLANNED})


@pytest.mark.slow
def test_proposal_has_prose_plan_length_schedule_and_citations(proposal_book: Path) -> None:
    result = build_proposal(load_book(proposal_book), today=TODAY)
    out = proposal_book / "build"
    assert result.outputs == [out / "proposal.pdf", out / "proposal.epub", out / "proposal.docx"]
    assert result.findings == []
    text = _text(out / "proposal.pdf")
    for expected in [
        "A proposal for an edited collection", "A Small Book", "For Tests",
        "Edited by: Ada Editor (University of Leeds)",
        "Co-production began with time banking (Cahn 2000).",
        "1. Introduction", "What this small book is about.",
        "2. Peer Support", "Ben Writer", "Abstract to follow.",
        "3. A Chapter Still Planned",
        "What the *planned* chapter will argue: [not a link](x) and @not-a-cite.",
        "4. A Vague Chapter",
        "Ada Editor (editor), University of Leeds. Ada edits books.",
        "Ben Writer, Mind in Leeds. Ben writes about peer support.",
        "Revised chapters due 31 January 2027",
        "Cahn, Edgar S. 2000. No More Throw-Away People",
    ]:
        assert expected in text, expected
    intro = result.chapters[0]
    assert (intro.words_source, intro.abstract_source) == ("count", "chapter")
    assert [c.words_source for c in result.chapters[1:]] == ["limit"] * 3
    total = intro.words + 3 * 500 if intro.words else None
    assert f"**Total** | **{total:,}**" not in text  # a table, not Markdown, in the PDF
    assert f"Total {total:,}" in text
    assert "1 of 4 chapters are written and counted" in text
    # A document for a publisher: what was done, not the tool's commands.
    assert "anthology check" not in text
    assert ("Every chapter written so far has been checked for its citations, bibliography and "
            "word count (words counted with notes included") in text
    # The length table is on one page: its head, every chapter and the total.
    pages = [" ".join(text.split()) for text in page_texts(out / "proposal.pdf")]
    table = [p for p in pages if "Chapter Words Basis" in p]
    assert len(table) == 1
    assert all(f"{c.number}. " in table[0] for c in result.chapters)
    assert f"Total {total:,}" in table[0]


@pytest.mark.slow
def test_proposal_epub_is_valid_and_docx_has_the_text(proposal_book: Path) -> None:
    build_proposal(load_book(proposal_book), today=TODAY)
    report = epubcheck(proposal_book / "build" / "proposal.epub")
    assert "No errors or warnings detected." in report, report
    with zipfile.ZipFile(proposal_book / "build" / "proposal.docx") as docx:
        document = docx.read("word/document.xml").decode("utf-8")
        core_xml = docx.read("docProps/core.xml")
    assert "A Chapter Still Planned" in document
    assert "Abstract to follow." in document
    # The dates of the other outputs (SOURCE_DATE_EPOCH), not pandoc's 1970-01-01.
    core = ET.fromstring(core_xml)
    terms = "{http://purl.org/dc/terms/}"
    assert core.findtext(f"{terms}created") == core.findtext(f"{terms}modified") == \
        "2027-01-01T00:00:00Z"


@pytest.mark.slow
def test_chapter_added_appears_in_the_next_proposal(proposal_book: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(cli, ["--book", str(proposal_book), "chapter", "add", "digital",
                                "--title", "Stories in Our Own Words", "--author", "ben-writer",
                                "--author", "ada-editor", "--date", "2026-11-20", "--by", "Ada"])
    assert added.exit_code == 0, added.stderr
    chapter_file = load_book(proposal_book).chapter("digital").file
    # `chapter add` gives a new chapter the file chapters/<nn>-<id>.md.
    assert chapter_file is not None and re.fullmatch(r"chapters/\d\d-digital\.md", chapter_file)
    (proposal_book / chapter_file).write_text(
        "---\ntitle: Stories in Our Own Words\nauthors: [ben-writer, ada-editor]\n"
        "abstract: Digital tools that collect people's own stories.\n---\n\nText.\n",
        encoding="utf-8")
    result = runner.invoke(cli, ["--book", str(proposal_book), "build", "proposal"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Wrote build/proposal.pdf (")
    assert result.stdout.endswith("Wrote build/proposal.epub\nWrote build/proposal.docx\n")
    text = _text(proposal_book / "build" / "proposal.pdf")
    assert "5. Stories in Our Own Words Ben Writer and Ada Editor Digital tools that collect " \
           "people’s own stories." in text


@pytest.mark.slow
def test_a_book_can_override_the_template(proposal_book: Path) -> None:
    custom = proposal_book / "templates" / "proposal" / "proposal.md.j2"
    custom.parent.mkdir(parents=True)
    custom.write_text("# Form for Test Press\n\n{% for ch in chapters %}- {{ ch.title | md }}\n"
                      "{% endfor %}\n", encoding="utf-8")
    build_proposal(load_book(proposal_book), today=TODAY)
    text = _text(proposal_book / "build" / "proposal.pdf")
    assert "Form for Test Press" in text
    assert "Planned chapters" not in text
    assert "A Vague Chapter" in text


def test_errors_in_the_prose_stop_the_proposal(proposal_book: Path) -> None:
    (proposal_book / "proposal" / "02-bad.md").write_bytes(b"# Aims\n\nBad \x00 byte\n")
    result = run(proposal_book, "build", "proposal")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.endswith(
        "proposal/02-bad.md:3:5: error: contains a NUL byte. Delete it: retype the text "
        "around it, or paste it as plain text. [manuscript.control-character]\n"
        "1 problem (1 error) in 1 file.\n"
        "Error: The proposal was not built: 1 problem (1 error) in 1 file. Fix them, or build "
        "anyway with --force.\n")


def test_proposal_words_are_the_checks_words(proposal_book: Path) -> None:
    # Counted after citeproc, as `anthology check` and `wordcount` count them: the raw text
    # "[see @goffman1961, p. 4]" is fewer words than the printed "(see Goffman 1961, 4)".
    from anthology.core.cache import Cache
    from anthology.outputs.proposal import plan_chapters

    book = load_book(proposal_book)
    chapters, _ = plan_chapters(book, Cache(proposal_book / "build" / ".cache"))
    wordcount = CliRunner().invoke(cli, ["--book", str(proposal_book), "wordcount", "--format",
                                         "json"])
    counted = {c["chapter"]: c["counted"] for c in json.loads(wordcount.stdout)["chapters"]}
    assert [(c.chapter.id, c.words, c.words_source) for c in chapters] == [
        ("intro", counted["intro"], "count"), ("peer", 500, "limit"),
        ("planned", 500, "limit"), ("vague", 500, "limit")]
    assert counted["intro"] == 21
