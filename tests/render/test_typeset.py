"""The house typography rules on the print HTML (outputs/book/typeset.py): code lines broken with a
mark, short tables kept whole, titles not broken at their hyphens; checked on the rules
themselves and on a small book's PDF, line by line."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from anthology.chapters.document import transform
from anthology.outputs.book.typeset import (
    CONTINUATION,
    SHORT_TABLE_CLASS,
    SMALL_CODE_CLASS,
    break_code,
    break_code_line,
    code_measure,
    has_long_table,
    html_key,
    long_table,
    points,
    print_rules,
    set_listings,
    text_width,
    unbroken_hyphens,
)
from tests.conftest import CHAPTERS_YAML, write_book
from tests.render.conftest import Built, build


def pdf_pages(pdf: Path) -> list[list[str]]:
    """The PDF's text as pdftotext lays it out: its pages, each a list of non-blank lines."""
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, check=True).stdout.decode("utf-8")
    return [[line.rstrip() for line in page.splitlines() if line.strip()]
            for page in text.split("\f")]


@pytest.mark.parametrize(("length", "expected"), [
    ("12pt", 12.0), ("1in", 72.0), ("25.4mm", 72.0), ("2.54cm", 72.0), ("4px", 3.0)])
def test_points(length: str, expected: float) -> None:
    assert points(length) == pytest.approx(expected)


def test_the_print_html_is_cached_per_measure() -> None:
    from types import SimpleNamespace

    def book(width: str) -> Any:
        page = SimpleNamespace(width=width, inner="20mm", outer="16mm")
        return SimpleNamespace(config=SimpleNamespace(page=page))

    assert text_width(book("156mm")) == pytest.approx(points("120mm"))
    assert html_key(book("156mm"), "k") == html_key(book("156mm"), "k")
    assert html_key(book("156mm"), "k") != html_key(book("170mm"), "k")
    assert html_key(book("156mm"), "k") != html_key(book("156mm"), "j")


def test_the_measure_in_characters_of_code() -> None:
    # 156mm less 20mm and 16mm of margins: 340 pt, at 8 pt of 0.602 em: 70 characters.
    assert code_measure(points("120mm")) == 70
    assert code_measure(points("120mm"), 7.2) == 78


@pytest.mark.parametrize(("line", "measure", "expected"), [
    ("short = 1", 20, ["short = 1"]),
    ("result = compute(alpha, beta, gamma)", 24,
     ["result = compute(alpha,", f"{CONTINUATION}beta, gamma)"]),
    ("    self.node.send([leader], Propose(slot=slot, proposal=proposal))", 40,
     ["    self.node.send([leader], Propose(",
      f"    {CONTINUATION}slot=slot, proposal=proposal))"]),
    ("x" * 30, 12, ["x" * 12, f"{CONTINUATION}{'x' * 10}", f"{CONTINUATION}{'x' * 8}"]),
])
def test_long_code_lines_break_at_a_space_or_bracket_with_a_mark(
        line: str, measure: int, expected: list[str]) -> None:
    printed = break_code_line(line, measure)
    assert printed == expected
    assert all(len(piece) <= measure for piece in printed)


def test_broken_code_keeps_every_character() -> None:
    code = "def f(a, b):\n\treturn some_function_with_a_long_name(a, b, keyword=value)\n"
    broken = break_code(code, 30)
    assert broken.replace(CONTINUATION, "").replace("\n", "").replace(" ", "") == \
        code.expandtabs(4).replace("\n", "").replace(" ", "")


def _table(rows: int) -> dict[str, object]:
    row = [["", [], []], [[["", [], []], {"t": "AlignDefault"}, 1, 1, []]]]
    return {"t": "Table", "c": [["", [], []], [None, []], [], [["", [], []], []],
                                [[["", [], []], 0, [], [row] * rows]], [["", [], []], []]]}


@pytest.mark.parametrize(("rows", "kept"), [(1, True), (15, True), (16, False), (40, False)])
def test_tables_of_up_to_fifteen_rows_are_kept_whole(rows: int, kept: bool) -> None:
    marked = transform(_table(rows), print_rules)
    assert (SHORT_TABLE_CLASS in marked["c"][0][1]) is kept


def _listing(width: int) -> dict[str, Any]:
    return {"t": "CodeBlock", "c": [["", ["python"], []], "a = 1\n" + "b" * width]}


def test_long_tables_are_found_wherever_they_are(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from anthology.core.cache import Cache

    assert not has_long_table([_table(15), {"t": "BlockQuote", "c": [_table(15)]}])
    assert has_long_table([{"t": "Div", "c": [["", [], []], [_table(16)]]}])
    assert has_long_table([{"t": "BulletList", "c": [[{"t": "Para", "c": []}], [_table(30)]]}])
    # The answer is kept under the chapter's key: the AST is read once.
    reads: list[int] = []

    class Text(SimpleNamespace):
        @property
        def ast(self) -> dict[str, Any]:
            reads.append(1)
            return {"blocks": [_table(20)]}

    cache = Cache(tmp_path / "cache")
    assert long_table(cache, Text(key="k"))
    assert long_table(cache, Text(key="k"))
    assert len(reads) == 1


def test_listings_are_set_smaller_or_broken_only_when_too_long() -> None:
    fits, smaller, broken = (_listing(n) for n in (70, 78, 90))
    set_listings([fits, smaller, broken], 340.0)  # 70 characters at 8 pt, 78 at 7.2 pt
    assert fits == _listing(70)
    assert smaller["c"][0][1] == ["python", SMALL_CODE_CLASS]
    assert smaller["c"][1] == _listing(78)["c"][1]
    assert broken["c"][0][1] == ["python"]
    assert broken["c"][1] == "a = 1\n" + "b" * 70 + "\n" + CONTINUATION + "b" * 20


def test_listings_in_quotes_and_lists_are_set_for_their_narrower_measure() -> None:
    quoted, listed = _listing(70), _listing(70)
    blocks = [{"t": "BlockQuote", "c": [quoted]},
              {"t": "OrderedList", "c": [[1, {"t": "Decimal"}, {"t": "Period"}], [[listed]]]}]
    set_listings(blocks, 340.0)
    # 340 - 54 pt: 59 characters at 8 pt, 66 at 7.2 pt; 340 - 15 pt: 67 and 75.
    assert quoted["c"][1].split("\n")[1:] == ["b" * 59, CONTINUATION + "b" * 11]
    assert listed["c"][0][1] == ["python", SMALL_CODE_CLASS]


@pytest.mark.parametrize(("title", "expected"), [
    ("Informed, involved, influential: co-producing the ward round",
     'Informed, involved, influential: <span class="nobreak">co-producing</span> the ward round'),
    ("Peer-to-peer & self-help", '<span class="nobreak">Peer-to-peer</span> &amp; '
                                 '<span class="nobreak">self-help</span>'),
    ("<b>No</b> hyphen", "&lt;b&gt;No&lt;/b&gt; hyphen"),
])
def test_titles_keep_hyphenated_words_on_one_line(title: str, expected: str) -> None:
    assert str(unbroken_hyphens(title)) == expected


# A chapter made to test the rules on a PDF: a title that breaks at its hyphen if allowed, a
# short table that falls at the foot of a page, a long table, and a listing with long lines.
TITLE = "Informed, involved, influential: co-producing the ward round of the acute unit"
FILLER = ("The ward round is where decisions about a person's care are made, and where the "
          "person concerned has often been least heard. ") * 6
SHORT_ROWS = "\n".join(f"| short-{i:02d} | a cell | another cell |" for i in range(1, 13))
LONG_ROWS = "\n".join(f"| long-{i:02d} | a cell | another cell |" for i in range(1, 46))
LISTING = "\n".join([
    "```python",
    "class Acceptor(Role):",
    "    def do_Prepare(self, sender, ballot_num):",
    "        if ballot_num > self.ballot_num:",
    "            self.ballot_num = ballot_num",
    "            self.node.send([sender], Promise(ballot_num=self.ballot_num, "
    "accepted_proposals=self.accepted_proposals))",
    "        self.node.send([sender], Accepted(slot=slot, ballot_num=self.ballot_num, "
    "proposal=proposal))",
    "```"])
TYPESET_MD = f"""\
---
title: "{TITLE}"
authors: [ada-editor]
---

{FILLER}

{FILLER}

{FILLER}

{FILLER}

{FILLER}

Table: The short table. {{#tbl:short}}

| Name | First | Second |
| --- | --- | --- |
{SHORT_ROWS}

{FILLER}

Table: The long table. {{#tbl:long}}

| Name | First | Second |
| --- | --- | --- |
{LONG_ROWS}

{LISTING}

{FILLER}
"""


@pytest.fixture(scope="module")
def built_typeset(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A one-chapter book exercising the rules, built once (the everyday, piecewise PDF)."""
    root = write_book(tmp_path_factory.mktemp("typeset") / "book", {
        "chapters/01-intro.md": TYPESET_MD,
        "chapters.yaml": CHAPTERS_YAML.replace("title: Introduction", f'title: "{TITLE}"')})
    return build(root, ("pdf",), release=False)


@pytest.mark.slow
def test_a_short_table_is_on_one_page(built_typeset: Built) -> None:
    pages = pdf_pages(built_typeset.pdf)
    holding = [i for i, page in enumerate(pages) for line in page if "short-" in line]
    assert len(holding) == 12
    assert len(set(holding)) == 1
    # ...with its caption.
    assert any("The short table." in line for line in pages[holding[0]])


@pytest.mark.slow
def test_a_long_table_repeats_its_header_and_says_continued(built_typeset: Built) -> None:
    pages = pdf_pages(built_typeset.pdf)
    holding = sorted({i for i, page in enumerate(pages) for line in page if "long-" in line})
    assert len(holding) >= 2
    for index in holding:
        assert any(re.match(r"\s*Name\s+First\s+Second", line) for line in pages[index])
    # ...and says, at the head of every page it runs onto, that it is continued.
    saying = [i for i, page in enumerate(pages)
              if any(line.strip() == "Table 1.2 (continued)" for line in page[:4])]
    assert saying == holding[1:]


@pytest.mark.slow
def test_code_is_never_hyphenated_and_wrapped_lines_carry_the_mark(built_typeset: Built) -> None:
    lines = [line for page in pdf_pages(built_typeset.pdf) for line in page]
    start = next(i for i, line in enumerate(lines) if "class Acceptor(Role):" in line)
    end = next(i for i, line in enumerate(lines) if i > start and "The ward round" in line)
    listing = lines[start:end]
    assert len(listing) == 9
    assert [line for line in listing if line.endswith(("\u2010", "-"))] == []
    marked = [line.strip() for line in listing if CONTINUATION.strip() in line]
    assert len(marked) >= 2
    assert all(line.startswith(CONTINUATION.strip()) for line in marked)


@pytest.mark.slow
def test_a_display_title_does_not_break_at_its_hyphen(built_typeset: Built) -> None:
    lines = [line.strip() for page in pdf_pages(built_typeset.pdf) for line in page]
    assert not any(line.endswith("co-") for line in lines)
    assert any(line.startswith("co-producing") or " co-producing" in line for line in lines)


def listing_lines_per_page(css: str, filler_words: int) -> list[int]:
    """How many lines of an eight-line listing each page holds, after `filler_words` words."""
    import weasyprint

    code = "\n".join(f"line_{i:02d} = {i}" for i in range(1, 9))
    html = (f"<style>@page {{ size: 100mm 80mm; margin: 10mm }} {css}</style>"
            f"<p>{'word ' * filler_words}</p><pre><code>{code}</code></pre><p>after</p>")
    counts = []
    for page in weasyprint.HTML(string=html).render().pages:
        counts.append(sum(1 for box in page._page_box.descendants()
                          if getattr(box, "text", "").startswith("line_")))
    return counts


@pytest.mark.slow
def test_a_listing_leaves_no_line_alone_on_a_page() -> None:
    from anthology.outputs.book.html import TEMPLATES_DIR

    css = (TEMPLATES_DIR / "book" / "book.css").read_text(encoding="utf-8")
    # Wherever the page breaks in the listing, each side holds two lines or more...
    assert all(1 not in listing_lines_per_page(css, 6 * n) for n in range(4, 26))
    # ...which WeasyPrint would not do with orphans and widows of 1.
    loose = css + "pre { orphans: 1; widows: 1; }"
    assert any(1 in listing_lines_per_page(loose, 6 * n) for n in range(4, 26))
