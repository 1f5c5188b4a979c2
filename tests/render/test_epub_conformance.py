"""What keeps an EPUB from claiming EPUB Accessibility 1.1, beyond what test_print_pages.py
covers: a heading that skips a level, which DAISY Ace fails (heading-order; six of them in
../shared/corpus/books/500lines)."""

from __future__ import annotations

import pytest

from anthology.outputs.epub.front import conformance_gaps

PAGE = '<html lang="en">{}</html>'


@pytest.mark.parametrize(("body", "gaps"), [
    ("<h1>Chapter</h1><h2>A</h2><h3>B</h3><h2>C</h2><h3>D</h3>", []),
    ("<h2>An index</h2><h3>A</h3>", []),  # a file may begin below h1
    ("<h1>Chapter</h1><h2>Testing</h2><h4 id='u'>Unit <em>Testing</em></h4>",
     ['the heading "Unit Testing" skips a level (#### after ##: make it ###)']),
    ("<h1>C</h1><h3>First</h3><h2>x</h2><h4>Second</h4>",
     ['2 headings skip a level, the first "First" (### after #: make it ##)']),
])
def test_a_skipped_heading_level_keeps_the_claim_away(body: str, gaps: list[str]) -> None:
    assert conformance_gaps([PAGE.format(body)], "Cover", [("1", "x")]) == gaps
