"""Hyphenation as the house sets it (engines/weasyprint/linebreak.py): checked on WeasyPrint's own
line boxes, against WeasyPrint's unchanged line breaker, and on the sample book's PDF."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import weasyprint
from weasyprint.layout import block, inline

from anthology.engines.weasyprint import linebreak
from anthology.engines.weasyprint.linebreak import EXCEPTIONS, HousePyphen
from tests.render.conftest import Built
from tests.render.test_typeset import pdf_pages

HYPHENS = ("\u2010", "-")


@pytest.mark.parametrize(("word", "left", "expected"), [
    ("attended", 3, []),  # pyphen's en-GB patterns: atten-ded
    ("adopted", 3, []),  # adop-ted: no break leaves three letters a side
    ("attended", 2, [("at", "tended")]),
    ("communicates", 3, [("communi", "cates"), ("commu", "nicates"), ("com", "municates")]),
    ("Ostrom", 3, []),
    ("Kretzmann", 3, []),
    ("production", 3, [("produc", "tion"), ("pro", "duction")]),
])
def test_house_break_points(word: str, left: int, expected: list[tuple[str, str]]) -> None:
    assert list(HousePyphen("en_GB", left, 3).iterate(word)) == expected


def test_every_exception_spells_its_word() -> None:
    assert all(marked.replace("-", "") == word for word, marked in EXCEPTIONS.items())


LADDER = ("<p>" + " ".join(["the characteristically unintentional institutionalisation of "
                            "professionalised responsibilities notwithstanding "
                            "organisational understandings"] * 10) + "</p>")
NAMES_AND_COMPOUNDS = ("<p>" + " ".join(
    ["Elinor Ostrom and Kretzmann described co-production and lived-experience "
     "partnerships between Northumberland practitioners"] * 12) + "</p>")


def line_ends(html: str, width: str = "48mm") -> Iterator[str]:
    """The text each line of `html` ends with, laid out by WeasyPrint in a narrow column."""
    page = (f"<style>@page {{ size: {width} 400mm; margin: 0 }} "
            "p { text-align: justify; hyphens: auto; hyphenate-limit-chars: 6 3 3; "
            "font-size: 10pt; orphans: 1; widows: 1 }</style>")
    document = weasyprint.HTML(string=f'<html lang="en-GB">{page}{html}</html>').render()
    for page_ in document.pages:
        for line in page_._page_box.descendants():
            if type(line).__name__ == "LineBox":
                texts = [box.text for box in line.descendants() if getattr(box, "text", None)]
                if texts:
                    yield texts[-1].rstrip(" ")


def longest_run(ends: Iterator[str]) -> int:
    """The most consecutive lines ending in a hyphen."""
    best = run = 0
    for end in ends:
        run = run + 1 if end.endswith(HYPHENS) else 0
        best = max(best, run)
    return best


@pytest.fixture
def weasyprint_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint's own line breaker, for this test only."""
    from weasyprint.text import line_break

    assert linebreak.install()
    original = block.iter_line_boxes.anthology_original
    monkeypatch.setattr(block, "iter_line_boxes", original)
    monkeypatch.setattr(inline, "iter_line_boxes", original)
    monkeypatch.setattr(inline, "split_first_line", inline.split_first_line.anthology_original)
    import pyphen

    monkeypatch.setattr(line_break, "pyphen", pyphen)


def test_weasyprint_alone_builds_ladders(weasyprint_own: None) -> None:
    # What the house rules are for: WeasyPrint's own breaker hyphenates three lines running.
    assert longest_run(line_ends(LADDER)) >= 3
    ends = [end.split()[-1] for end in line_ends(NAMES_AND_COMPOUNDS, "54mm")]
    assert {"Kret\u2010", "co-pro\u2010", "lived-experi\u2010"} <= set(ends)


def test_at_most_two_hyphens_running() -> None:
    assert linebreak.install()
    ends = list(line_ends(LADDER))
    assert longest_run(iter(ends)) == 2
    assert sum(end.endswith("\u2010") for end in ends) >= 4  # hyphenation is still on


def test_no_names_and_no_second_break_in_a_compound() -> None:
    assert linebreak.install()
    ends = [end for end in line_ends(NAMES_AND_COMPOUNDS, "54mm") if end.endswith("\u2010")]
    last_words = [end.split()[-1] for end in ends]
    assert [word for word in last_words if word[0].isupper() or "-" in word] == []


def test_no_hyphen_at_the_foot_of_a_page() -> None:
    assert linebreak.install()
    ends_by_height = []
    # Pages of 3 to 30 lines: wherever the foot falls, its line does not end in a hyphen.
    for lines in range(3, 31):
        page = (f"<style>@page {{ size: 48mm {lines * 13.8}pt; margin: 0 }} "
                "p { text-align: justify; hyphens: auto; hyphenate-limit-chars: 6 3 3; "
                "font-size: 10pt; line-height: 13.8pt; orphans: 2; widows: 2 }</style>")
        document = weasyprint.HTML(string=f'<html lang="en-GB">{page}{LADDER}</html>').render()
        for number, page_ in enumerate(document.pages[:-1]):
            lines_ = [line for line in page_._page_box.descendants()
                      if type(line).__name__ == "LineBox"]
            texts = [box.text for box in lines_[-1].descendants() if getattr(box, "text", None)]
            ends_by_height.append((lines, number, texts[-1].rstrip(" ")))
    assert [entry for entry in ends_by_height if entry[2].endswith("\u2010")] == []


def body_lines(page: list[str]) -> list[str]:
    """A page's lines without its folio and running head."""
    lines = [line for line in page if not re.fullmatch(r"\s*[0-9ivxlc]+\s*", line)]
    if lines and re.match(r"\s*\d+\s{3,}\S|.*\S\s{3,}\d+$", lines[0]):
        return lines[1:]
    return lines


@pytest.mark.slow
def test_the_sample_book_is_hyphenated_as_a_press_would(built_sample: Built) -> None:
    # A compound's own hyphen may still end a third line running ("lived-"): only an
    # automatic hyphen is refused after two.
    pages = [body_lines(page) for page in pdf_pages(built_sample.pdf)]
    ladders: list[tuple[int, str]] = []
    broken: list[str] = []
    at_foot: list[int] = []
    for number, page in enumerate(pages, 1):
        run = 0
        for line in page:
            run = run + 1 if line.endswith(HYPHENS) else 0
            if not line.endswith("\u2010"):
                continue
            word = line.split()[-1]
            if run > 2:
                ladders.append((number, word))
            if word[0].isupper() or "-" in word:
                broken.append(word)
        if page and page[-1].endswith("\u2010") and number < len(pages):
            at_foot.append(number)
    assert ladders == []
    assert broken == []
    assert at_foot == []


@pytest.mark.slow
def test_keywords_and_titles_are_not_broken(built_sample: Built) -> None:
    lines = [line.strip() for page in pdf_pages(built_sample.pdf) for line in page]
    keywords = [i for i, line in enumerate(lines) if line.startswith("Keywords:")]
    assert keywords
    for i in keywords:
        assert not lines[i].endswith(HYPHENS)
        assert not lines[i + 1].endswith(HYPHENS) or lines[i + 1][:1].isupper()
    assert "Informed, involved, influential: co-" not in lines
    assert any(line.startswith("co-producing the ward round") for line in lines)


def test_install_declines_another_weasyprint(monkeypatch: pytest.MonkeyPatch) -> None:
    assert linebreak.install()  # installed: idempotent
    assert linebreak.install()
    monkeypatch.setattr(block, "iter_line_boxes", block.iter_line_boxes.anthology_original)
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    assert not linebreak.install()
    assert not getattr(block.iter_line_boxes, "anthology_house", False)


# A paragraph of the sample book (chapter 4's last), its index marks as the build writes them.
BEFORE_A_SPAN = (
    "<p>The recovery college offered both of us a place in which the ordinary roles of "
    "professional and patient could be suspended for a while. Learning alongside one another, "
    "we found that the most valuable knowledge was often the least expected: a social worker "
    "discovering how it feels to be a student beside the people he assesses, and a peer "
    "trainer discovering that his experience of depression was also a form of expertise that "
    "others wanted to learn from. The challenge now is to carry that discovery out of the "
    'classroom and into the <span class="index-mark">care plan</span>, the team meeting and '
    'the commissioning decision, where <span class="index-mark">co-production</span> is harder '
    "and matters more.</p>")


def loose_lines(html: str) -> list[str]:
    """Lines of `html`, laid out justified at each width from 120 to 127 mm, that are not a
    paragraph's last and whose text fills less than two thirds of the measure."""
    from anthology.core.resources import FONTS_DIR

    font = (FONTS_DIR / "CharisSIL-Regular.ttf").as_uri()
    found = []
    for width in range(120, 128):
        page = (f"<style>@font-face {{ font-family: Charis; src: url({font}) }} "
                f"@page {{ size: {width}mm 400mm; margin: 0 }} "
                "p { font-family: Charis; text-align: justify; hyphens: auto; font-size: 10pt; "
                "hyphenate-limit-chars: 6 3 3; orphans: 1; widows: 1 }</style>")
        document = weasyprint.HTML(string=f'<html lang="en-GB">{page}{html}</html>').render()
        lines = [line for line in document.pages[0]._page_box.descendants()
                 if type(line).__name__ == "LineBox"]
        for line in lines[:-1]:
            text = "".join(box.text for box in line.descendants() if getattr(box, "text", None))
            natural = sum(box.width - (getattr(box, "justification_spacing", 0) or 0)
                          * (box.text.count(" ") + box.text.count("\u00a0"))
                          for box in line.descendants() if type(box).__name__ == "TextBox")
            if natural < line.width * 2 / 3:
                found.append(f"{width}mm: {text!r}")
    return found


def test_weasyprint_alone_breaks_early_before_an_inline_box(weasyprint_own: None) -> None:
    # What the house breaker mends: text that fits but for its trailing space, before a span,
    # is broken at its first break point ("into the care plan," alone on a justified line).
    assert loose_lines(BEFORE_A_SPAN) == ["124mm: 'into the care plan,'"]


def test_no_early_break_before_an_inline_box() -> None:
    assert linebreak.install()
    assert loose_lines(BEFORE_A_SPAN) == []
