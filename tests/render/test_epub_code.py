"""Code in the EPUB. It wraps instead of scrolling (a scrolling box is out of the keyboard's
reach: DAISY Ace's scrollable-region-focusable), a wrapped line hangs further in than its own
line, and the highlighting's colours reach WCAG's 4.5:1 contrast on white (with pandoc's own
colours Ace failed 1,393 spans of ../shared/corpus/books/500lines on color-contrast)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from anthology.cli import cli
from anthology.outputs.epub.package import with_code_hangs
from tests.conftest import INTRO_MD, write_book
from tests.render.conftest import EPOCH, epubcheck

CODE = '''

```python
@dataclass
class Ballot:  # a comment, in pandoc's pale blue-grey
    number: int = 0x1F
    def next(self, leader):
        return Ballot(self.number + 1, "leader")
```
'''


def contrast(colour: str) -> float:
    """The WCAG contrast ratio of `colour` (#rrggbb) on white."""
    def linear(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i:i + 2], 16)) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


@pytest.fixture(scope="module")
def epub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small book whose chapter has a highlighted Python listing, as an EPUB (no PDF)."""
    root = write_book(tmp_path_factory.mktemp("code") / "book",
                      {"chapters/01-intro.md": INTRO_MD + CODE})
    result = CliRunner().invoke(cli, ["--book", str(root), "build", "epub"],
                                env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.exit_code == 0, result.output
    return root / "build" / "a-small-book.epub"


def files(epub: Path) -> dict[str, str]:
    """The EPUB's text files by name."""
    with zipfile.ZipFile(epub) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist()
                if n.endswith((".xhtml", ".css", ".opf"))}


@pytest.mark.slow
def test_highlighted_code_reaches_wcag_contrast(epub: Path) -> None:
    texts = files(epub)
    chapter = next(t for t in texts.values() if 'class="sourceCode' in t)
    pandoc = dict(re.findall(r"code span\.(\w+) \{ color: (#[0-9a-f]{6});", chapter))
    ours = {name: colour
            for names, colour in re.findall(r"((?:code span\.\w+(?:, )?)+) \{ color: "
                                            r"(#[0-9a-f]{6}); \}",
                                            texts["EPUB/styles/stylesheet1.css"])
            for name in re.findall(r"code span\.(\w+)", names)}
    assert {"co", "dv", "bn"} <= set(ours)  # the comment and the numbers were too pale
    used = set(re.findall(r'<span class="(\w\w)">', chapter))
    assert {"co", "dv", "bn", "kw"} <= used, used  # the listing exercises them
    weak = {name: colour for name, colour in {**pandoc, **ours}.items()
            if contrast(colour) < 4.5}
    assert not weak, weak


@pytest.mark.slow
def test_code_wraps_with_each_line_hanging_under_its_own_indent(epub: Path) -> None:
    texts = files(epub)
    css = texts["EPUB/styles/stylesheet1.css"]
    assert "div.sourceCode { overflow: visible; }" in css  # pandoc's is auto: a scroll box
    assert "pre > code.sourceCode { white-space: pre-wrap; }" in css
    chapter = next(t for t in texts.values() if 'class="sourceCode' in t)
    assert re.search(r'<span id="cb1-5" style="padding-left: 12ch; text-indent: -12ch">'
                     r'<a href="#cb1-5" aria-hidden="true" tabindex="-1"></a>        '
                     r'<span class="cf">return</span>', chapter)
    assert '<span id="cb1-2"><a href="#cb1-2"' in chapter  # not indented: the stylesheet's
    report = epubcheck(epub)
    assert "Messages: 0 fatals / 0 errors / 0 warnings" in report, report


def test_code_hangs_leave_other_markup_alone() -> None:
    line = ('<span id="cb3-2"><a href="#cb3-2" aria-hidden="true" tabindex="-1"></a>'
            '  x = 1</span>')
    assert with_code_hangs(line) == (
        '<span id="cb3-2" style="padding-left: 6ch; text-indent: -6ch"><a href="#cb3-2" '
        'aria-hidden="true" tabindex="-1"></a>  x = 1</span>')
    untouched = ('<span id="cb3-1"><a href="#cb3-1" aria-hidden="true" tabindex="-1"></a>x</span>'
                 '<p><span id="cb3-9">  a span that is no line of code</span></p>')
    assert with_code_hangs(untouched) == untouched
