"""Chapters as real authors write them, through the CLI: no traceback from any content, and
the book prints what the authors wrote (real pandoc, WeasyPrint and EPUBCheck)."""

from __future__ import annotations

import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from anthology.cli import cli
from tests.render.conftest import epubcheck

HEAD = "---\ntitle: Peer Support\nauthors: [ben-writer]\n---\n\n"
DEEP = HEAD + "Fine text.\n\n" + "> " * 2000 + "deep\n\nAfter.\n"
TOO_DEEP = ("chapters/02-peer.md:8: error: nests quotations or lists more than 40 levels deep, "
            "which cannot be printed. Flatten the nesting: most books never go beyond three "
            "levels. [markdown.too-deep]\n")
QUIRKY = HEAD + """\
# Where we start {#intro}

<!-- note to the editor: shorten this -->

See Figure \\@ref(fig:cycle), Section \\@ref(intro) and [@tbl:ladder].\\index{peer support}

```{=tex}
\\begingroup \\fontsize{5pt}{6pt}\\selectfont
```

| Step | Who |
|------|-----|
| one  | peers |

: The ladder. {#tbl:ladder}

\\newpage

![(\\#fig:cycle) The cycle of support.](images/cycle.svg)

Goffman wrote about asylums [@goffman1961].

## References
"""
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
       '<rect width="40" height="20" fill="#888"/></svg>')


def run(book: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--book", str(book), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    return result.exit_code, result.stdout, result.stderr


def test_a_chapter_nested_too_deeply_is_a_finding_in_check(
        make_book: Callable[..., Path]) -> None:
    root = make_book({"chapters/02-peer.md": DEEP})
    code, out, err = run(root, "check", "-q")
    assert (code, err) == (1, "")
    assert out == TOO_DEEP + "1 problem (1 error) in 1 file.\n"


@pytest.mark.slow
@pytest.mark.parametrize("command", [("build", "epub", "--force"),
                                     ("build", "proposal", "--force"),
                                     ("package", "--force", "--allow-dirty", "--draft")])
def test_a_chapter_nested_too_deeply_stops_no_command(make_book: Callable[..., Path],
                                                      command: tuple[str, ...],
                                                      quick_epubcheck: None) -> None:
    root = make_book({"chapters/02-peer.md": DEEP})
    code, out, err = run(root, *command)
    assert code == 0, out + err
    assert TOO_DEEP in out + err
    assert "Traceback" not in out + err


@pytest.mark.slow
def test_a_quirky_chapter_prints_what_the_author_wrote(make_book: Callable[..., Path]) -> None:
    root = make_book({"chapters/02-peer.md": QUIRKY, "chapters/images/cycle.svg": SVG})
    code, out, _ = run(root, "check", "-q")
    assert out == (
        "chapters/02-peer.md:12: warning: has a raw LaTeX block (\\begingroup \\fontsize{5pt}"
        "{6pt}\\selectfo), which the book does not print: it is left out. Write it in Markdown "
        "instead; ask the editors if the book's style should do what it does. "
        "[markdown.raw-tex]\n1 problem (1 warning) in 1 file.\n")
    assert code == 0  # a warning: the build goes ahead without --force
    code, out, err = run(root, "build", "pdf", "epub")
    assert code == 0, out + err
    slug = "a-small-book"
    text = subprocess.run(["pdftotext", str(root / "build" / f"{slug}.pdf"), "-"],
                          capture_output=True, check=True, text=True).stdout
    for literal in ("{=tex}", "\\begin{", "<<<<<<<", "@ref(", "??", "note to the editor",
                    "\\index", "\\newpage", "fontsize"):
        assert literal not in text
    assert "See Figure Figure 2.1, Section ‘Where we start’ and Table 2.1." in text
    assert text.split("Goffman wrote about asylums")[1].count("References") == 1
    between = text.split("The ladder.")[1].split("The cycle of support.")[0]
    assert "\f" in between  # \newpage broke the page
    with zipfile.ZipFile(root / "build" / f"{slug}.epub") as epub:
        xhtml = b"".join(epub.read(name) for name in epub.namelist()
                         if name.endswith(".xhtml"))
    assert b"page-break" not in xhtml and b"{=tex}" not in xhtml
    assert xhtml.count(b'id="c2-references"') == 1
    report = epubcheck(root / "build" / f"{slug}.epub")
    assert "No errors or warnings detected" in report, report
