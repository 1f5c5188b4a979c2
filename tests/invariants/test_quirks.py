"""A clean check means a clean book: the quirk corpus through check, build, EPUBCheck and the
PDF's text.

`tests/fixtures/quirks/` is a book of chapters that each carry what real manuscripts carry
(raw TeX, maths, other tools' cross-references, notes to the editor, BibTeX as authors write
it, one work under one key in two bibliographies, a real book's bibliography, conflict
markers, nesting too deep, duplicate ids, a figure made by code). `check` must find what would
break an output; every chapter it passes must print only what its author meant to print.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from anthology.cli import cli
from tests.books import EPOCH
from tests.conftest import FIXTURES
from tests.epubchecker import epubcheck
from tests.pdftext import pdf_text

QUIRKS = FIXTURES / "quirks"

# Codes `check` must report for each chapter (at least these), and whether the chapter has
# errors (chapters without errors are built and scanned).
EXPECTED: dict[str, tuple[set[str], bool]] = {
    "chapters/01-raw-tex.md": ({"markdown.raw-tex"}, False),
    "chapters/02-maths.md": (set(), False),
    "chapters/03-other-crossrefs.md": (set(), False),
    "chapters/04-notes-to-editor.md": ({"markdown.template-syntax"}, False),
    "chapters/05-bib-urls.md": (set(), False),
    "chapters/05-bib-urls.bib": ({"bibliography.bad-url", "bibliography.markup"}, False),
    "chapters/06-variant-a.md": (set(), False),
    "chapters/07-variant-b.md": (set(), False),
    "chapters/08-real-bibliography.md": (set(), False),
    "chapters/09-conflict.md": ({"manuscript.conflict-markers"}, True),
    "chapters/10-deep.md": ({"markdown.too-deep"}, True),
    "chapters/11-duplicate-ids.md": ({"crossref.duplicate-id"}, True),
    "chapters/12-quarto-figure.md": ({"crossref.missing"}, True),
}
CLEAN_CHAPTERS = ("raw-tex", "maths", "other-crossrefs", "notes-to-editor", "bib-urls",
                  "variant-a", "variant-b", "real-bibliography")
# The text after each quirk, which must survive it.
END_MARKERS = ("ENDOFRAWTEX", "ENDOFMATHS", "ENDOFCROSSREFS", "ENDOFBIBURLS", "ENDOFVARIANTA",
               "ENDOFVARIANTB", "ENDOFREALBIB")
# What no clean chapter's author meant to print.
FORBIDDEN = ("{=tex}", "{=latex}", "\\begin{", "\\end{", "\\begingroup", "\\gref", "\\index",
             "\\newpage", "\\noindent", "\\textbf", "\\emph", "<<<<<<<", ">>>>>>>", "=======",
             "@ref(", "\\@ref", "??", "mc^2", "\\frac", "\\alpha", "\\sum", "<!--",
             "Helen: should", "@fig:", "@tbl:", "#fig:", "#tbl:", "+------", "+======",
             "\\url{", "\\_", "\\%", "{\\it", "$\\less$")
# Printed only where `check` warned about it (the author may mean it; the editor was told).
LICENSED = {"markdown.template-syntax": ("{%", "{{"), "bibliography.markup": ("$\\less$",)}


def run(root: Path, *args: str) -> tuple[int, str, str]:
    """The CLI in `root` with a fixed clock."""
    result = CliRunner().invoke(cli, ["--book", str(root), *args],
                                env={"SOURCE_DATE_EPOCH": EPOCH, "NO_COLOR": "1"})
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def quirk_findings(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    """`anthology check --format json` on a copy of the quirk book."""
    root = tmp_path_factory.mktemp("quirks") / "book"
    shutil.copytree(QUIRKS, root)
    code, out, err = run(root, "check", "--format", "json")
    assert code == 1, err
    assert "Traceback" not in out + err
    findings: list[dict[str, object]] = json.loads(out)
    return findings


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_finds_each_quirk(quirk_findings: list[dict[str, object]], name: str) -> None:
    codes, has_errors = EXPECTED[name]
    mine = [f for f in quirk_findings if f["file"] == name]
    assert codes <= {str(f["code"]) for f in mine}, mine
    assert any(f["severity"] == "error" for f in mine) == has_errors, mine


def test_every_finding_has_a_line(quirk_findings: list[dict[str, object]]) -> None:
    in_files = [f for f in quirk_findings if str(f["file"]).startswith("chapters/")]
    assert in_files
    assert [f for f in in_files if f["line"] is None] == []


def test_no_finding_mistakes_a_quirk_for_something_else(
        quirk_findings: list[dict[str, object]]) -> None:
    # Cross-references of other tools are no citations; notes to the editor are no raw HTML;
    # one work with small differences is no conflict.
    wrong = [f for f in quirk_findings
             if (f["code"] == "citation.missing" and "fig" in str(f["message"]))
             or f["code"] in ("markdown.raw-html", "bibliography.key-conflict")
             or (f["code"] == "crossref.missing" and f["file"] != "chapters/12-quarto-figure.md")]
    assert wrong == []


def test_conflict_markers_are_found_at_their_lines(
        quirk_findings: list[dict[str, object]]) -> None:
    lines = sorted(int(str(f["line"])) for f in quirk_findings
                   if f["code"] == "manuscript.conflict-markers")
    assert lines == [8, 10, 12]


def test_a_figure_made_by_code_says_so(quirk_findings: list[dict[str, object]]) -> None:
    (missing,) = [f for f in quirk_findings if f["code"] == "crossref.missing"]
    assert missing["line"] == 6
    assert "code" in str(missing["hint"]) and "image" in str(missing["hint"])


def test_raw_tex_is_one_finding_per_command(quirk_findings: list[dict[str, object]]) -> None:
    raw = [f for f in quirk_findings if f["code"] == "markdown.raw-tex"]
    per_command: dict[str, int] = defaultdict(int)
    for finding in raw:
        for command in re.findall(r"\\[A-Za-z]+", str(finding["message"])):
            per_command[command] += 1
    # \gref appears twice in the chapter and \index twice: neither is two findings.
    assert per_command["\\gref"] == 1
    assert "\\index" not in per_command and "\\newpage" not in per_command
    assert "\\noindent" not in per_command


def _clean_book(root: Path, findings: list[dict[str, object]]) -> list[str]:
    """Keep in the plan only the chapters `check` found no error in."""
    failing = {f["chapter"] for f in findings if f["severity"] == "error"}
    plan = yaml.safe_load((root / "chapters.yaml").read_text(encoding="utf-8"))
    plan["chapters"] = [c for c in plan["chapters"] if c["id"] not in failing]
    (root / "chapters.yaml").write_text(yaml.safe_dump(plan, sort_keys=False),
                                        encoding="utf-8")
    return [c["id"] for c in plan["chapters"]]


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory: pytest.TempPathFactory,
                quirk_findings: list[dict[str, object]]) -> tuple[Path, set[str]]:
    """The quirk book with only its clean chapters, built (PDF and EPUB) without --force."""
    root = tmp_path_factory.mktemp("quirks-clean") / "book"
    shutil.copytree(QUIRKS, root)
    kept = _clean_book(root, quirk_findings)
    assert tuple(kept) == CLEAN_CHAPTERS
    code, out, err = run(root, "build")
    assert code == 0, out + err
    warned = {str(f["code"]) for f in quirk_findings if f["chapter"] in (*kept, None)}
    return root, warned


def _allowed(text: str, warned: set[str]) -> str:
    for code, needles in LICENSED.items():
        if code in warned:
            for needle in needles:
                text = text.replace(needle, "")
    return text


@pytest.mark.slow
def test_a_clean_check_prints_only_what_authors_meant(
        clean_build: tuple[Path, set[str]]) -> None:
    root, warned = clean_build
    (pdf,) = (root / "build").glob("*.pdf")
    text = pdf_text(pdf)
    scanned = _allowed(text, warned)
    assert [needle for needle in FORBIDDEN if needle in scanned] == []
    assert [marker for marker in END_MARKERS if marker not in text] == []
    # The grid table after the raw block is a table, and the equations are numbered.
    assert "Peer trainers" in text and "Ward round" in text
    assert "(2.1)" in text and "(2.2)" in text


@pytest.mark.slow
def test_a_clean_check_gives_an_epub_epubcheck_passes(
        clean_build: tuple[Path, set[str]]) -> None:
    root, warned = clean_build
    (epub,) = (root / "build").glob("*.epub")
    report = epubcheck(epub)
    assert "No errors or warnings detected" in report, report
    with zipfile.ZipFile(epub) as archive:
        for name in archive.namelist():
            if not name.endswith(".xhtml"):
                continue
            page = archive.read(name).decode("utf-8")
            # TeX may stay in MathML's annotation, which readers do not show.
            shown = re.sub(r"<annotation[^>]*>.*?</annotation>", "", page, flags=re.DOTALL)
            shown = re.sub(r"<[^>]+>", "", shown)
            scanned = _allowed(shown, warned)
            assert [n for n in FORBIDDEN if n in scanned and n != "<!--"] == [], name
