"""Facing pages that end on the same line (engines/weasyprint/flushbottom.py, measured by
tests/spreads.py): on WeasyPrint's own boxes against its unchanged page maker, and on
a tiny book's PDF."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import weasyprint
from weasyprint.layout import page as page_layout

from anthology.engines.weasyprint import flushbottom
from anthology.outputs.book.html import TEMPLATES_DIR
from anthology.outputs.book.typeset import points
from tests.conftest import write_book
from tests.pdftext import page_texts
from tests.render.conftest import build
from tests.spreads import (
    PageEnd,
    Spread,
    book_leading,
    measure,
    page_ends,
    spreads,
    uneven,
)

LEADING = 13.8  # points: book.css's 10pt at 1.38
PX = 0.75  # points in a CSS px

# The house's leading and heading spacing (book.css), on a page of `lines` whole lines; the
# pages are named as a chapter's are.
STYLE = """<style>
@page {{ size: 100mm {height}pt; margin: 0; }}
html {{ font-family: "DejaVu Serif"; font-size: 10pt; line-height: 1.38; }}
body {{ margin: 0; page: chapter; }}
p {{ margin: 0; orphans: 2; widows: 2; }}
h2 {{ font-size: 11.5pt; line-height: 1.2; margin: 1.4em 0 0.5em; break-after: avoid; }}
blockquote {{ margin: 0.8em 1.5em; font-size: 9pt; }}
table {{ break-inside: avoid; border-collapse: collapse; }}
td {{ padding: 0; line-height: 1.38; }}
.new {{ break-before: page; }}
</style>"""


def lines_of(count: int, word: str = "Line") -> str:
    """`count` paragraphs of one line each."""
    return "".join(f"<p>{word} {n}.</p>" for n in range(1, count + 1))


def long_paragraph(lines: int) -> str:
    """A paragraph of `lines` lines (each a short sentence broken by <br>)."""
    return "<p>" + "<br>".join(f"Sentence {n} of the long paragraph." for n in
                               range(1, lines + 1)) + "</p>"


def layout(body: str, lines: int) -> list[Any]:
    """The pages of `body` laid out on pages `lines` lines of the leading high."""
    html = STYLE.format(height=lines * LEADING) + body
    return weasyprint.HTML(string=f'<html lang="en-GB">{html}</html>').render().pages


def baselines(page: Any) -> list[float]:
    """The baselines (points from the top) of a laid-out page's lines of text."""
    found = []
    for line in page._page_box.descendants():
        if type(line).__name__ == "LineBox" and any(
                getattr(box, "text", "").strip() for box in line.descendants()):
            found.append((line.position_y + line.baseline) * PX)
    return sorted(found)


def texts(page: Any) -> str:
    """The text of a laid-out page."""
    return " ".join(box.text for box in page._page_box.descendants()
                    if getattr(box, "text", "").strip())


@pytest.fixture
def weasyprint_own(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """WeasyPrint's own page maker, for this test only."""
    assert flushbottom.install()
    monkeypatch.setattr(page_layout, "make_page", page_layout.make_page.anthology_original)
    yield


# Five lines and a quotation, then a heading that needs two lines of its paragraph after it:
# on a page of ten lines it goes over, with the paragraph, and leaves three lines empty.
CARRIED = (lines_of(4) + "<blockquote><p>A quotation.</p></blockquote>" + lines_of(1, "More")
           + "<h2>A subheading</h2>" + long_paragraph(6) + lines_of(12, "After"))


def steps(lines: list[float]) -> list[float]:
    """How far each line is below the one before."""
    return [b - a for a, b in pairwise(lines)]


def full_page(lines: int) -> float:
    """The baseline of the last line of a page of plain text `lines` lines high."""
    return baselines(layout(lines_of(3 * lines), lines)[0])[-1]


def test_weasyprint_alone_leaves_the_page_short(weasyprint_own: None) -> None:
    # What the change is for: the heading carried over leaves over two lines empty.
    pages = layout(CARRIED, 10)
    assert texts(pages[1]).startswith("A subheading")
    assert full_page(10) - baselines(pages[0])[-1] > 2 * LEADING


def test_a_page_left_short_by_a_heading_ends_on_the_last_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert flushbottom.install()
    pages = layout(CARRIED, 10)
    house = baselines(pages[0])
    assert texts(pages[1]).startswith("A subheading")  # which text is where is unchanged
    assert house[-1] == pytest.approx(full_page(10), abs=0.5)
    assert baselines(pages[1])[-1] == pytest.approx(full_page(10), abs=0.5)
    monkeypatch.setattr(page_layout, "make_page", page_layout.make_page.anthology_original)
    own = baselines(layout(CARRIED, 10)[0])
    opened = [mine - theirs for mine, theirs in zip(steps(house), steps(own), strict=True)]
    # The space opened around the quotation most, a line at most, and between paragraphs.
    assert max(opened) <= LEADING + 0.01 and min(opened) >= -0.01
    assert sorted(range(len(opened)), key=opened.__getitem__)[-2:] in ([3, 4], [4, 3])
    assert sum(opened) == pytest.approx(house[-1] - own[-1])


def test_only_paragraphs_to_open_between() -> None:
    assert flushbottom.install()
    body = lines_of(8) + "<h2>A subheading</h2>" + long_paragraph(6) + lines_of(12, "After")
    first = baselines(layout(body, 10)[0])
    assert len(first) == 8 and first[-1] == pytest.approx(full_page(10), abs=0.5)
    # Two lines shared among the seven paragraph breaks, at most half a line each.
    assert all(LEADING + 0.2 * LEADING <= step <= 1.5 * LEADING + 0.01 for step in steps(first))


def test_a_kept_table_goes_after_the_paragraph_that_follows_it() -> None:
    assert flushbottom.install()
    table = "<table>" + "".join(f"<tr><td>Row {n}</td></tr>" for n in range(1, 13)) + "</table>"
    body = lines_of(10) + table + long_paragraph(14) + lines_of(20, "After")
    pages = layout(body, 20)
    first, second = texts(pages[0]), texts(pages[1])
    assert "Row 1" not in first and "Sentence 1 of the long" in first
    # The paragraph runs over to the next page, above the table.
    assert second.index("Sentence 14") < second.index("Row 1")
    assert len(baselines(pages[0])) == 20


def test_a_kept_table_stays_before_a_heading() -> None:
    # Only paragraphs of its own section go before it: not the next section's heading.
    assert flushbottom.install()
    table = "<table>" + "".join(f"<tr><td>Row {n}</td></tr>" for n in range(1, 13)) + "</table>"
    body = lines_of(10) + table + "<h2>A subheading</h2>" + lines_of(30, "After")
    pages = layout(body, 20)
    assert texts(pages[1]).startswith("Row 1")
    assert texts(pages[1]).index("Row 12") < texts(pages[1]).index("A subheading")


def test_weasyprint_alone_carries_the_table_over(weasyprint_own: None) -> None:
    table = "<table>" + "".join(f"<tr><td>Row {n}</td></tr>" for n in range(1, 13)) + "</table>"
    pages = layout(lines_of(10) + table + long_paragraph(14) + lines_of(20, "After"), 20)
    assert len(baselines(pages[0])) == 10 and texts(pages[1]).startswith("Row 1")


def test_last_pages_and_forced_breaks_are_left_short(monkeypatch: pytest.MonkeyPatch) -> None:
    assert flushbottom.install()
    body = (lines_of(4) + "<h2>A subheading</h2>" + lines_of(2, "More")
            + '<p class="new">New page.</p>' + lines_of(3, "End"))
    house = [baselines(page) for page in layout(body, 10)]
    monkeypatch.setattr(page_layout, "make_page", page_layout.make_page.anthology_original)
    assert house == [baselines(page) for page in layout(body, 10)]
    assert [len(lines) for lines in house] == [7, 4]


def test_install_declines_another_weasyprint(monkeypatch: pytest.MonkeyPatch) -> None:
    assert flushbottom.install()
    assert flushbottom.install()  # idempotent
    monkeypatch.setattr(page_layout, "make_page", page_layout.make_page.anthology_original)
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    assert not flushbottom.install()
    assert not getattr(page_layout.make_page, "anthology_house", False)


def test_the_book_leading_is_read_from_book_css() -> None:
    assert book_leading((TEMPLATES_DIR / "book" / "book.css").read_text()) == \
        pytest.approx(LEADING)
    with pytest.raises(ValueError, match="no font-size in pt"):
        book_leading("p { line-height: 1.2 }")


@pytest.mark.parametrize(("labels", "expected"), [
    # an opener (no running head), a spread, the chapter's last page, the next opener
    ("1 2+ 3+ 4+ 5", [("2", "3")]),
    # the recto is the chapter's last page: no spread
    ("1 2+ 3+ 4", []),
    # front matter, and an odd verso, are not spreads
    ("i+ ii+ 1+ 2+ 3+ 4+ 5", [("2", "3")]),
])
def test_spreads_are_a_chapter_run(labels: str, expected: list[tuple[str, str]]) -> None:
    ends = [PageEnd(i, label.rstrip("+"), label.endswith("+"), 500.0)
            for i, label in enumerate(labels.split())]
    assert [(s.verso, s.recto) for s in spreads(ends)] == expected


def test_uneven_spreads_are_more_than_a_line_apart() -> None:
    found = [Spread("2", "3", 580.0, 580.0 + LEADING), Spread("4", "5", 550.0, 580.0)]
    assert [s.verso for s in uneven(found, LEADING)] == ["4"]
    assert found[1].apart(LEADING) == pytest.approx(30 / LEADING)


def tiny_chapter(before: int) -> str:
    """A chapter whose second page (a verso, after a \\newpage) holds `before` lines, each a
    paragraph, then a subheading with a paragraph of six lines, then four pages of lines."""
    lines = [f"Line {n} of the text, which is set on a line of its own." for n in range(400)]
    return "\n\n".join([
        "---\ntitle: Introduction\nauthors: [ada-editor]\n---",
        "The chapter opens here.", "\\newpage", *lines[:before], "## A subheading",
        "\\\n".join(lines[100:106]), *lines[200:200 + 4 * 39]]) + "\n"


@pytest.mark.slow
def test_a_tiny_book_has_even_spreads(tmp_path: Path) -> None:
    # Page 2 holds 39 lines; 35 lines leave too little room for the subheading and the two
    # lines it keeps with it, so the subheading opens page 3.
    root = write_book(tmp_path / "book", {"chapters/01-intro.md": tiny_chapter(35)})
    built = build(root, ("pdf",))
    config = built.book.config.page
    top, bottom = points(config.top), points(config.bottom)
    ends = page_ends(built.pdf, top, bottom)
    labels = [end.label for end in ends]
    pages = page_texts(built.pdf)
    assert "Line 34 of" in pages[labels.index("2")]
    assert pages[labels.index("3")].startswith("A subheading")
    found = spreads(ends)
    assert [(s.verso, s.recto) for s in found] == [("2", "3"), ("4", "5")]
    assert uneven(found, LEADING) == []
    assert found[0].apart(LEADING) < 0.1  # the verso's last line is the recto's
    assert measure(built.pdf, top, bottom) == found
